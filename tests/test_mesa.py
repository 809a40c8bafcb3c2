"""Mesa's conventions: registry parameters as keywords, seed or rng, ``running``, the
DataCollector (daily model reporters, agent reporters) and ``mesa.batch_run``."""

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.agents import GridWorker, Volunteer
from sim.errors import ParamError
from sim.model import GridGovernanceModel


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


def test_the_datacollector_holds_the_daily_counts_and_what_agents_hold():
    model = GridGovernanceModel(scale=0.05, days=30, seed=2)
    model.run()
    daily = model.datacollector.get_model_vars_dataframe()
    assert len(daily) == 30 and list(daily["reported"]) == model.daily["reported"]
    workers = model.datacollector.get_agenttype_vars_dataframe(GridWorker).reset_index()
    assert sorted(workers["Step"].unique()) == [30]  # the last day
    weekly = GridGovernanceModel(scale=0.05, days=30, seed=2)
    weekly.agent_data_every_days = 7
    weekly.run()
    steps = weekly.datacollector.get_agenttype_vars_dataframe(GridWorker).reset_index()["Step"].unique()
    assert sorted(steps) == [7, 14, 21, 28, 30]
    last = workers[workers["Step"] == 30]
    assert len(last) == len(model.workers)
    patrol_finds = int(np.count_nonzero(model.cases.column("channel") == 0))
    assert last["cases_found"].sum() == patrol_finds == sum(w.cases_found for w in model.workers)
    volunteers = model.datacollector.get_agenttype_vars_dataframe(Volunteer).reset_index()
    assert volunteers[volunteers["Step"] == 30]["cases_found"].sum() == sum(v.cases_found for v in model.volunteers)


def test_batch_run_varies_levers_and_returns_the_daily_reporters():
    results = mesa.batch_run(GridGovernanceModel, parameters={"workers_per_10k": [6.0, 30.0],
                                                              "escalation_rule": ["three_level", "bottom_up"],
                                                              "scale": 0.03, "days": 40},
                             rng=[1, 2], number_processes=1, data_collection_period=1, display_progress=False)
    frame = pd.DataFrame(results)
    daily = frame.drop_duplicates(["RunId", "Step"])  # one row per run and day (agent rows repeat the day's counts)
    assert set(daily["seed"]) == {1, 2}
    runs = daily.groupby(["workers_per_10k", "escalation_rule", "seed"])
    assert runs.ngroups == 8 and (runs["Step"].max() == 40).all()
    assert (runs.size() == 40).all()
    assert frame["AgentID"].notna().any()  # and what agents hold, on the last day
    patrol = daily[daily["Step"] == 40].groupby("workers_per_10k")["hours_patrol"].mean()
    assert patrol[30.0] > 2 * patrol[6.0]  # the lever binds: more workers, more patrol hours
