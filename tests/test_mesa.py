"""Mesa's conventions: registry parameters as keywords, seed or rng, ``running``, the
DataCollector (daily model reporters, agent reporters) and ``mesa.batch_run``."""

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa.agentset import AgentSet

from sim.config.errors import ParamError
from sim.model.agents import Clerk, DepartmentOfficer, GridWorker, Mediator, StationedCadre, Volunteer, ZoneOfficer
from sim.model.model import GridGovernanceModel


def test_registry_parameters_are_keywords_with_a_double_underscore_for_the_dot():
    model = GridGovernanceModel(workers_per_10k=12, escalation_rule="bottom_up", service_days__town=12.0,
                                scale=0.02, days=10, seed=3)
    assert model.params["workers_per_10k"] == 12.0 and model.params["escalation_rule"] == "bottom_up"
    assert model.params["service_days.town"] == 12.0 and model.seed == 3
    with pytest.raises(ParamError, match="unknown parameter.*did you mean workers_per_10k"):
        GridGovernanceModel(workers_per_10K=12, scale=0.02)
    with pytest.raises(ParamError, match="workers_per_10k.*at most"):
        GridGovernanceModel(workers_per_10k=500, scale=0.02)


def test_seed_and_rng_name_the_same_run_and_must_agree():
    a = GridGovernanceModel(scale=0.02, days=15, seed=4)
    b = GridGovernanceModel(scale=0.02, days=15, rng=4)
    a.run(), b.run()
    assert a.daily == b.daily
    with pytest.raises(ParamError, match="disagree"):
        GridGovernanceModel(scale=0.02, seed=4, rng=5)
    with pytest.raises(ParamError, match="whole number"):
        GridGovernanceModel(scale=0.02, seed=-1)
    drawn = GridGovernanceModel(scale=0.02, days=5, rng=np.random.default_rng(9))
    again = GridGovernanceModel(scale=0.02, days=5, rng=np.random.default_rng(9))
    assert drawn.seed == again.seed  # a Generator gives a seed drawn from it, reproducibly


def test_running_turns_false_at_days():
    model = GridGovernanceModel(scale=0.02, days=12, seed=1)
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps == 12 and model.day == 12 and model.steps == 12


def test_the_datacollector_holds_the_daily_counts_from_step_0_and_what_agents_hold():
    model = GridGovernanceModel(scale=0.05, days=30, seed=2)
    assert len(model.datacollector.get_model_vars_dataframe()) == 1  # step 0, at construction
    model.run()
    daily = model.datacollector.get_model_vars_dataframe()
    assert len(daily) == 31 and list(daily["reported"]) == [0, *model.daily["reported"]]
    assert (daily.iloc[0] == 0).all() and daily["reported"].iloc[1:].sum() > 0
    assert model.datacollector._collection_steps == list(range(31))

    agents = model.datacollector.get_agent_vars_dataframe().reset_index()  # every agent, one row each
    assert sorted(agents["Step"].unique()) == [30]  # the last day
    assert agents["AgentID"].is_unique and len(agents) == len(model.agents)
    kinds = agents["kind"].value_counts()
    assert kinds["GridWorker"] == len(model.workers) and kinds["Volunteer"] == len(model.volunteers)
    assert kinds["Mediator"] == len(model.mediators) and kinds["StationedCadre"] == len(model.cadres)
    assert agents.loc[agents["kind"] == "StationedCadre", "cases_handled"].isna().all()  # cadres handle no cases
    patrol_finds = int(np.count_nonzero(model.cases.column("channel") == 0))
    assert agents.loc[agents["kind"] == "GridWorker", "cases_found"].sum() == patrol_finds > 0
    handled = sum(a.cases_handled for a in model.agents if hasattr(a, "cases_handled"))
    assert agents["cases_handled"].sum() == handled > 0

    workers = model.datacollector.get_agenttype_vars_dataframe(GridWorker).reset_index()  # one kind
    assert sorted(workers["Step"].unique()) == [30] and len(workers) == len(model.workers)
    assert workers["cases_found"].sum() == patrol_finds == sum(w.cases_found for w in model.workers)
    volunteers = model.datacollector.get_agenttype_vars_dataframe(Volunteer).reset_index()
    assert volunteers["cases_found"].sum() == sum(v.cases_found for v in model.volunteers) > 0

    class Weekly(GridGovernanceModel):
        agent_data_every_days = 7

    weekly = Weekly(scale=0.05, days=30, seed=2)
    weekly.run()
    steps = weekly.datacollector.get_agenttype_vars_dataframe(GridWorker).reset_index()["Step"].unique()
    assert sorted(steps) == [0, 7, 14, 21, 28, 30]
    steps = weekly.datacollector.get_agent_vars_dataframe().reset_index()["Step"].unique()
    assert sorted(steps) == [0, 7, 14, 21, 28, 30]
    assert weekly.daily == model.daily  # reading agents changes nothing


def test_the_agent_kinds_are_agent_sets():
    model = GridGovernanceModel(scale=0.03, days=5, seed=1)
    for name, kind in (("workers", GridWorker), ("volunteers", Volunteer), ("mediators", Mediator),
                       ("cadres", StationedCadre), ("clerks", Clerk), ("officers", DepartmentOfficer),
                       ("zone_officers", ZoneOfficer)):
        agents = getattr(model, name)
        assert isinstance(agents, AgentSet) and agents is getattr(model, name), name
        assert list(agents) == getattr(model.organisation, name) and len(agents) > 0, name
        assert all(type(agent) is kind for agent in agents), name
    part_time = model.workers.select(lambda worker: worker.part_time)
    assert 0 < len(part_time) < len(model.workers)
    assert model.workers.agg("weekly_hours", sum) == sum(w.weekly_hours for w in model.organisation.workers)


def test_batch_run_gives_one_row_per_run_at_the_end_and_one_per_day_with_period_1():
    parameters = {"workers_per_10k": [6.0, 30.0], "escalation_rule": ["three_level", "bottom_up"], "scale": 0.03,
                  "days": 40}
    last = pd.DataFrame(mesa.batch_run(GridGovernanceModel, parameters=parameters, rng=[1, 2], number_processes=1,
                                       data_collection_period=-1, display_progress=False))
    assert len(last) == 8 and (last["Step"] == 40).all() and "AgentID" not in last  # one row per run
    assert set(last["seed"]) == {1, 2}
    patrol = last.groupby("workers_per_10k")["hours_patrol"].mean()
    assert patrol[30.0] > 2 * patrol[6.0]  # the lever binds: more workers, more patrol hours

    daily = pd.DataFrame(mesa.batch_run(GridGovernanceModel, parameters=parameters, rng=[1, 2], number_processes=1,
                                        data_collection_period=1, display_progress=False))
    runs = daily.groupby(["workers_per_10k", "escalation_rule", "seed"])
    assert runs.ngroups == 8 and (runs.size() == 41).all()  # steps 0 .. 40
    assert (runs["Step"].min() == 0).all() and (runs["Step"].max() == 40).all()
    at_end = daily[daily["Step"] == 40].set_index(["workers_per_10k", "escalation_rule", "seed"]).sort_index()
    assert at_end["hours_patrol"].equals(last.set_index(["workers_per_10k", "escalation_rule", "seed"])
                                         .sort_index()["hours_patrol"])
