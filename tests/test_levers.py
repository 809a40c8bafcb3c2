"""The mechanisms through which the two levers act: grid workers' hours, the dispatch centre's
grading, authority by level and the cost of a failed attempt."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import small

from sim.config.enums import EXITS, CaseKind, Level, Outcome, Severity, WorkerActivity
from sim.model.model import GridGovernanceModel
from sim.results.api import run


# ---------------------------------------------------------------- grid workers' hours
@pytest.mark.parametrize("overrides", [
    {},  # the baseline
    {"workers_per_10k": 2.0, "part_time_workers_per_10k": 0.0},  # department tasks take every hour
    {"workers_per_10k": 60.0, "patrol_saturation_visits_per_week": 0.1},  # patrol saturates: idle hours
    {"workers_per_10k": 1.0, "part_time_workers_per_10k": 0.0, "department_hours_per_household_month": 0.0,
     "order_hours.public_service": 30.0, "order_hours.neighbour": 30.0},  # orders take every hour
])
def test_hours_used_never_exceed_hours_available_per_worker_per_week(overrides):
    result = run(small(days=63, scale=0.02, **overrides), seed=3)
    model = result.model
    weekly = model.worktime.weekly()
    assert weekly.shape == (9, len(model.workers), len(WorkerActivity))
    budget = np.array([worker.weekly_hours for worker in model.workers])
    assert (weekly >= -1e-9).all()
    assert (weekly.sum(axis=2) <= budget + 1e-9).all()
    assert np.allclose(weekly.sum(axis=2), budget)  # every hour is accounted for, idle included
    assert math.isclose(sum(result.summary["worker_hours"].values()), 1.0)


def test_orders_come_first_then_department_tasks_then_patrol_up_to_the_norm_then_idle():
    few = GridGovernanceModel(small(days=28, scale=0.02, workers_per_10k=2.0, part_time_workers_per_10k=0.0).params,
                              seed=1)
    few.run()
    hours = few.worktime.weekly().sum(axis=(0, 1))
    assert hours[WorkerActivity.ORDERS] > 0  # orders still get their hours
    assert hours[WorkerActivity.DEPARTMENT_TASKS] > 0.9 * hours.sum()  # the rest goes to department tasks
    assert few.worktime.department_undone() > 0.2  # which cannot all be done
    assert all(worker.capacity == 1 for worker in few.workers)  # a worker always takes orders
    assert hours[WorkerActivity.PATROL] < 1e-6 and hours[WorkerActivity.IDLE] < 1e-6
    many = GridGovernanceModel(small(days=28, scale=0.02, workers_per_10k=60.0).params, seed=1)
    many.run()
    norm = many.params["patrol_visits_per_household_week"]
    assert np.allclose(many.worktime.visits_per_week, norm)  # patrol is the norm, no more
    hours = many.worktime.weekly().sum(axis=(0, 1))
    assert many.worktime.department_undone() < 1e-9
    assert hours[WorkerActivity.IDLE] > 0.3 * hours.sum()  # hours beyond duties and the norm are idle
    higher = GridGovernanceModel(small(days=28, scale=0.02, workers_per_10k=60.0,
                                       patrol_visits_per_household_week=2 * norm).params, seed=1)
    higher.run()
    assert np.allclose(higher.worktime.visits_per_week, 2 * norm)  # the norm is a lever
    assert (higher.worktime.patrol_hazard > many.worktime.patrol_hazard).all()


def test_orders_queue_when_hours_run_out():
    busy = small(days=90, scale=0.02, workers_per_10k=1.0, part_time_workers_per_10k=0.0, volunteer_caseload=0,
                 public_service_on_spot_share=1.0, department_hours_per_household_month=0.0,
                 **{"order_hours.public_service": 30.0, "order_hours.neighbour": 30.0})
    visits = run(busy, seed=2).visits
    grid = visits[(visits["level"] == "grid") & visits["day_started"].notna()]
    waited = grid["day_started"] - grid["day_entered"]
    assert (waited > 0).mean() > 0.3
    calm = run(small(days=90, scale=0.02), seed=2).visits
    calm_grid = calm[(calm["level"] == "grid") & calm["day_started"].notna()]
    assert (calm_grid["day_started"] - calm_grid["day_entered"]).mean() < waited.mean()


# ---------------------------------------------------------------- the dispatch centre
def test_a_case_graded_too_low_fails_where_it_lands_and_one_graded_too_high_is_handed_down():
    config = dict(days=150, scale=0.05, triage_accuracy=0.5, handoff_days=2.0, screening_days=0.5,
                  success_below_authority=0.0, overgrade_return_share=1.0, stationed_cadres=0)
    result = run(small(**config), seed=4)
    book, visits, flow = result.model.cases, result.visits, result.model.flow
    rule = result.model.dispatcher.rule
    after_grading = visits.groupby("case_id").nth(1)  # the first visit after the centre
    after_grading = after_grading[book.misgraded[after_grading["case_id"]] == 1]
    rank = {"grid": 0, "community": 1, "specialised": 2, "town": 2, "department": 2, "city": 3}
    low = high = 0
    for row in after_grading.itertuples():
        right = rule.first_route(flow.true_view(row.case_id)).label
        if book.authority[row.case_id] != book.column("authority")[row.case_id]:
            continue
        if rank[row.level] < rank[right] and rank[row.level] < rank[Level(book.authority[row.case_id]).label] \
                and row.end in ("resolved", "failed"):
            assert row.end == "failed"  # below the authority it needs: it fails there, not sent back
            assert book.failures[row.case_id] >= 1
            low += 1
        elif rank[row.level] > rank[right] and row.end != "timed_out":
            assert row.end == "returned"  # too high: screened and handed down
            assert math.isclose(row.day_left - row.day_started, 0.5)
            following = visits[(visits["case_id"] == row.case_id) & (visits["day_entered"] > row.day_left)]
            if len(following):
                nxt = following.iloc[0]
                assert nxt["level"] == right  # straight to where it belongs, not back to the centre
                assert math.isclose(nxt["day_entered"] - row.day_left, 2.0)
            high += 1
    assert low > 10 and high > 10
    kept = run(small(**{**config, "overgrade_return_share": 0.0}), seed=4)
    assert (kept.visits["end"] == "returned").sum() == 0  # handled where they land instead
    correct = run(small(**{**config, "triage_accuracy": 1.0}), seed=4)
    assert (correct.visits["end"] == "returned").sum() == 0
    assert correct.summary["misgraded_share"] == 0


def test_grading_accuracy_is_the_share_graded_right():
    misgraded = run(small(days=200, scale=0.05, triage_accuracy=0.7), seed=6).model.cases.column("misgraded")
    graded = misgraded[misgraded >= 0]
    share = (graded == 1).mean()
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / len(graded))


# ---------------------------------------------------------------- authority and what failing costs
def test_a_case_needing_town_authority_is_resolved_below_the_town_only_at_the_set_probability():
    p_below = 0.3
    result = run(small(days=365, scale=0.4, escalation_rule="bottom_up", success_below_authority=p_below,
                       stationed_cadres=0), seed=5)  # no cadre to bring the authority down
    book, visits = result.model.cases, result.visits
    steady = book.column("severity") == book.column("severity_arisen")  # needed level never changed
    needs_town = np.flatnonzero(steady & (book.column("authority") == Level.TOWN))
    attempts = visits[visits["case_id"].isin(needs_town) & visits["level"].isin(["grid", "community"])
                      & visits["end"].isin(["resolved", "failed"])]
    n = len(attempts)
    assert n > 200
    share = (attempts["end"] == "resolved").mean()
    assert abs(share - p_below) < 4 * math.sqrt(p_below * (1 - p_below) / n), (share, n)
    at_town = visits[visits["case_id"].isin(needs_town) & visits["level"].isin(["town", "specialised"])
                     & visits["end"].isin(["resolved", "failed"])]
    severity = np.array([Severity(s).label for s in book.column("severity")])[at_town["case_id"]]
    params = result.model.params
    own = np.array([params[f"success.{level}.{s}"] for level, s in zip(at_town["level"], severity, strict=True)])
    local = np.isin(book.column("kind")[at_town["case_id"]], [CaseKind.NEIGHBOUR, CaseKind.FAMILY])
    own = np.where(local, 1 - (1 - own) * params["local_knowledge_failure_factor"], own)  # town only: specialised
    # committees never take neighbour or family disputes
    share, expected = (at_town["end"] == "resolved").mean(), own.mean()  # with the authority, the level's own rate
    assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / len(at_town)), (share, expected)


def test_local_knowledge_keeps_neighbour_disputes_at_the_lower_levels():
    model = GridGovernanceModel(small(days=1).params, seed=1)
    flow, book = model.flow, model.cases
    town, community = model.organisation.town_pools[0], model.organisation.community_pools[0]
    case = 0
    book.kind[case], book.severity[case], book.authority[case] = CaseKind.NEIGHBOUR, Severity.MINOR, Level.GRID
    assert flow.success_chance(case, community) > flow.success_chance(case, town)
    book.kind[case] = CaseKind.LABOUR  # no local-knowledge penalty at the town
    assert flow.success_chance(case, town) == model.params["success.town.minor"]


def test_every_failed_attempt_may_end_in_an_exit_and_costs_trust():
    sure = run(small(days=120, scale=0.05, exit_per_failure=1.0, success_below_authority=0.0,
                     **{"initial_trust.registered": 0.0, "initial_trust.migrant": 0.0}), seed=2)
    cases = sure.cases[sure.cases["day_closed"].notna()]
    failed = cases[cases["failures"] > 0]
    assert len(failed) > 50
    assert (failed["failures"] == 1).all()  # at zero trust, the first failure is the last
    assert failed["outcome"].isin(["litigation", "arbitration", "petition", "withdrawn"]).all()
    assert (failed["escalations"] == 0).all()


def test_without_exits_after_failures_parties_leave_only_after_failing_at_the_top():
    result = run(small(days=365, scale=0.2, exit_per_failure=0.0), seed=2)
    cases, visits = result.cases, result.visits
    left = cases.loc[cases["outcome"].isin(["litigation", "arbitration", "petition"]), "case_id"]
    assert len(left) > 20
    last = visits[visits["case_id"].isin(left)].groupby("case_id").tail(1)
    assert last["end"].isin(["failed", "timed_out"]).all()
    top = {"public_service": "department"}  # every other kind's ladder ends at the city
    kinds = cases.set_index("case_id").loc[last["case_id"], "kind"].astype(str)
    assert (last["level"].astype(str).to_numpy() == [top.get(kind, "city") for kind in kinds]).all()


def test_outcomes_add_up_per_case():
    result = run(small(days=200, scale=0.05, triage_accuracy=0.6, escalation_rule="bottom_up"), seed=8)
    summary, book = result.summary, result.model.cases
    outcome = book.column("outcome")
    closed = ~np.isnan(book.column("t_closed"))
    assert (outcome[closed] != Outcome.NONE).all() and (outcome[~closed] == Outcome.NONE).all()
    assert sum(summary["outcomes"].values()) == summary["cases_closed"]
    assert summary["exits"] == sum(summary["outcomes"][o.label] for o in EXITS)
    assert summary["outcomes"]["resolved"] == round(summary["resolution_rate"] * summary["cases_closed"])
    days_from_arising = result.cases["day_closed"] - result.cases["day_arisen"]
    days_to_close = result.cases["day_closed"] - result.cases["day_reported"]
    assert (days_from_arising.dropna() >= days_to_close.dropna()).all()
    assert summary["days_from_arising"]["mean"] > summary["days_to_close"]["mean"]
    assert (book.column("level_resolved")[outcome == Outcome.RESOLVED] >= 0).all()
    resolved_at = book.column("level_resolved")[outcome == Outcome.RESOLVED]
    assert not np.isin(resolved_at, [Level.DISPATCH]).any()


# ---------------------------------------------------------------- common random numbers
ARISING = ["case_id", "grid", "kind", "severity_arisen", "day_arisen", "party"]


def test_the_same_disputes_arise_whatever_the_rule_staffing_or_grading():
    base = run(small(days=90), seed=9)
    needs = base.model.cases.column("authority_u")
    for overrides in ({"escalation_rule": "bottom_up"}, {"escalation_rule": "direct_dispatch"},
                      {"workers_per_10k": 6.0}, {"workers_per_10k": 30.0}, {"triage_accuracy": 0.6},
                      {"part_time_workers_per_10k": 0.0}, {"dispatch_staff_per_10k": 0.1}):
        other = run(small(days=90, **overrides), seed=9)
        pd.testing.assert_frame_equal(base.cases[ARISING], other.cases[ARISING], obj=str(overrides))
        assert (other.model.cases.column("authority_u") == needs).all()
