"""Mechanisms of the case lifecycle, each shown to do what it claims."""

import numpy as np
from conftest import small

from sim.config.params import PARAMS
from sim.model.agents import Resident
from sim.model.model import GridGovernanceModel
from sim.results.api import run


def test_being_passed_up_costs_satisfaction():
    result = run(small(days=150, scale=0.05, satisfaction_loss_per_escalation=1.0), seed=2)
    cases = result.cases[result.cases["day_closed"].notna()]
    assert (cases["escalations"] > 0).sum() > 10
    assert not cases.loc[cases["escalations"] > 0, "satisfied"].any()
    assert cases.loc[cases["escalations"] == 0, "satisfied"].mean() > 0.9


def test_follow_up_moves_trust_and_trust_moves_reporting():
    params = small(days=120, scale=0.05, trust_gain_satisfied=0.0, trust_loss_dissatisfied=0.5, redo_limit=0,
                   warm_up_days=0, **{"satisfaction.resolved": 0.0}).params
    model = GridGovernanceModel(params, seed=4)
    before = model.population.trust.copy()
    model.run()
    followed_up = model.cases.column("satisfied") >= 0
    parties = np.unique(model.cases.column("party")[followed_up])
    assert len(parties) > 50
    assert (model.population.trust[parties] < before[parties]).all()
    untouched = np.setdiff1d(np.arange(model.population.size), model.cases.column("party"))
    assert (model.population.trust[untouched] == before[untouched]).all()
    def disputes_reported_by_residents(result) -> int:  # requests are reported whatever: trust only delays them
        cases = result.cases
        return int(((cases["kind"] != "public_service") & cases["channel"].isin(["hotline", "app", "walk_in"])).sum())

    trusting = run(small(days=120, scale=0.05), seed=4)
    distrusting = run(small(days=120, scale=0.05, **{"initial_trust.registered": 0.1, "initial_trust.migrant": 0.1}),
                      seed=4)
    assert disputes_reported_by_residents(distrusting) < 0.5 * disputes_reported_by_residents(trusting)


def test_time_limits_send_cases_up():
    result = run(small(days=120, scale=0.05, **{"time_limit_days.community": 0.5, "service_days.community": 20.0}),
                 seed=1)
    community = result.visits[result.visits["level"] == "community"]
    assert (community["end"] == "timed_out").mean() > 0.9
    timed_out = community.loc[community["end"] == "timed_out", "day_left"] - community.loc[
        community["end"] == "timed_out", "day_entered"]
    assert np.allclose(timed_out, 0.5)


def test_parties_withdraw_only_while_waiting():
    # scarce grid workers, slow on-the-spot handling, no time limit: minor cases queue at the grid
    result = run(small(days=200, scale=0.05, workers_per_10k=0.5, part_time_workers_per_10k=0.0,
                       department_hours_per_household_month=0.0, withdraw_per_day=0.05, volunteer_caseload=0,
                       **{"time_limit_days.grid": 0.0, "order_hours.neighbour": 40.0,
                          "order_hours.public_service": 40.0}), seed=3)
    withdrawn = result.visits[result.visits["end"] == "withdrawn"]
    assert len(withdrawn) > 20
    withdrew = set(result.cases.loc[result.cases["outcome"] == "withdrawn", "case_id"])
    assert set(withdrawn["case_id"]) <= withdrew  # the others gave up after a failed attempt
    assert withdrawn["day_started"].isna().all()  # only waiting cases withdraw


def test_the_resident_agent_is_a_view_of_the_arrays():
    model = GridGovernanceModel(small(days=30).params, seed=5)
    model.run()
    index = int(model.cases.column("party")[0])
    resident = model.resident(index)
    assert isinstance(resident, Resident) and model.resident(index) is resident
    assert resident.trust == model.population.trust[index]
    assert resident.grid == model.population.grid[index]
    assert resident.cell is model.grid_cell(resident.grid)
    assert 0 in resident.cases
    model.population.trust[index] = 0.123
    assert resident.trust == 0.123
    assert resident in model.agents_by_type[Resident]
    assert len(model.agents_by_type[Resident]) == 1  # residents become agents only when looked at


def test_patrol_grows_with_staffing_up_to_the_norm_and_no_further():
    hazard, visits, idle = {}, {}, {}
    for per_10k in (4.0, 8.0, 12.0, 30.0, 60.0):
        model = GridGovernanceModel(small(workers_per_10k=per_10k, days=14).params, seed=1)
        model.run()
        hazard[per_10k] = model.worktime.patrol_hazard.mean()
        visits[per_10k] = model.worktime.visits_per_week.mean()
        idle[per_10k] = model.worktime.shares()["idle"]
    norm = PARAMS["patrol_visits_per_household_week"].default
    assert visits[4.0] < visits[8.0] < visits[12.0] < norm  # below the norm, more workers visit more
    assert hazard[4.0] < hazard[8.0] < hazard[12.0] < hazard[30.0]
    assert np.isclose(visits[30.0], norm) and np.isclose(visits[60.0], norm)  # the norm met, no more patrol
    assert np.isclose(hazard[30.0], hazard[60.0])
    assert idle[60.0] > idle[30.0] > idle[12.0] + 0.1  # the extra hours are idle
