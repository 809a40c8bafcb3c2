"""Properties that must hold for any parameters and seed (Hypothesis)."""

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.enums import CaseKind, EndReason, Level, Severity
from sim.config.params import Params
from sim.model.escalation import RULES, ladder
from sim.model.model import GridGovernanceModel
from sim.results.records import visits_frame

configs = st.fixed_dictionaries({
    "scale": st.sampled_from([0.002, 0.005, 0.01, 0.02]),
    "days": st.integers(5, 60),
    "workers_per_10k": st.sampled_from([0.0, 2.0, 6.0, 18.0, 40.0]),
    "mediators_per_10k": st.sampled_from([0.0, 1.0, 10.84, 30.0]),
    "escalation_rule": st.sampled_from(["shishi", "three_level", "direct_dispatch", "bottom_up"]),
    "withdraw_per_day": st.sampled_from([0.0, 0.002, 0.05]),
    "part_time_workers_per_10k": st.sampled_from([0.0, 14.6]),
    "department_hours_per_household_month": st.sampled_from([0.0, 0.4, 3.0]),
    "triage_accuracy": st.sampled_from([0.5, 0.9, 1.0]),
    "handoff_days": st.sampled_from([0.0, 1.0]),
    "part_time_mediator_hours_per_week": st.sampled_from([0.5, 3.0, 10.0]),
    "redo_limit": st.integers(0, 3),
    "warm_up_days": st.sampled_from([0, 10]),
    "court_referral_per_10k": st.sampled_from([0.0, 30.0]),
    "overgrade_return_share": st.sampled_from([0.0, 0.5, 1.0]),
    "volunteers_per_10k": st.sampled_from([0.0, 73.83]),
    "dispute_rate_per_10k.public_service": st.sampled_from([190.0, 2000.0]),
    "time_limit_days.community": st.sampled_from([0.0, 2.0, 15.0]),
})
settings.register_profile("model", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("model")


def run_checking_caseloads(params: Params, seed: int) -> GridGovernanceModel:
    model = GridGovernanceModel(params, seed=seed)
    handlers = [*model.workers, *model.volunteers, *model.mediators, *model.organisation.centre_officers]
    for _ in range(params["days"]):
        model.step()
        for handler in handlers:
            assert 0 <= handler.active_cases <= handler.capacity
        for pool in model.organisation.pools:
            assert 0 <= pool.busy <= pool.capacity
    return model


@given(config=configs, seed=st.integers(0, 2**16))
def test_cases_are_conserved(config, seed):
    model = run_checking_caseloads(Params(config), seed)
    book = model.cases
    latent, open_, closed = len(model.latent), len(model.flow.open), book.closed
    assert book.arisen == latent + open_ + closed  # every case ever, the warm-up's included
    assert book.reported == open_ + closed
    daily = model.daily  # the days after the warm-up count what happened on them
    t_reported, t_closed = book.column("t_reported"), book.column("t_closed")
    assert sum(daily["arisen"]) + sum(daily["referred"]) == book.arisen - model.first_case
    assert sum(daily["reported"]) == np.count_nonzero(t_reported >= 0)
    assert sum(daily["closed"]) == np.count_nonzero(t_closed >= 0)
    assert daily["open"][-1] == open_ and daily["latent"][-1] == latent
    assert sum(daily[f"open_{level.label}"][-1] for level in Level) + daily["in_transit"][-1] == open_
    assert np.all(np.isnan(t_closed[np.isnan(t_reported)]))  # nothing closes unreported
    assert np.all(book.column("t_arisen") <= np.nan_to_num(t_reported, nan=np.inf))
    assert np.all(np.nan_to_num(t_reported, nan=-1) <= np.nan_to_num(t_closed, nan=np.inf))


@given(config=configs, seed=st.integers(0, 2**16))
def test_no_case_skips_a_level_unless_its_rule_allows_it(config, seed):
    params = Params(config)
    model = GridGovernanceModel(params, seed=seed)
    model.run()
    kinds = model.cases.column("kind")
    allows = RULES[params["escalation_rule"]].allows_skipping
    # sent somewhere on purpose: graded, returned, or redone after a follow-up (a visit's or, with
    # no grid worker to visit, the centre's call, which leaves no visit: the RESOLVED one restarts)
    restarts = (EndReason.GRADED, EndReason.RETURNED, EndReason.REOPENED, EndReason.RESOLVED)
    for case, visits in model.cases.case_visits.items():
        rungs = ladder(CaseKind(kinds[case]))
        starts = [i for i, visit in enumerate(visits) if visit.reason in restarts]
        path = visits[starts[-1] + 1:] if starts else visits
        positions = [rungs.index(visit.level) for visit in path if visit.level not in (Level.DISPATCH,
                                                                                       Level.FOLLOW_UP)]
        assert positions == sorted(set(positions))
        if not allows and model.cases.redos[case] == 0:
            # a rung is passed over only when it has no handler at all
            for a, b in itertools.pairwise(positions):
                for skipped in rungs[a + 1:b]:
                    graded = Severity(model.cases.graded_severity[case])
                    pool = model.dispatcher.pool(skipped, CaseKind(kinds[case]), graded, int(model.cases.grid[case]))
                    assert pool is None or pool.capacity == 0


@given(config=configs, seed=st.integers(0, 2**16))
def test_handlers_never_serve_more_cases_than_their_capacity(config, seed):
    model = GridGovernanceModel(Params(config), seed=seed)
    model.run()
    visits = visits_frame(model)
    served = visits[visits["day_started"].notna()]
    pools = model.organisation.pools
    capacity = {pool.name: pool.capacity for pool in pools}
    for name, group in served.groupby("handler"):
        ends = group["day_left"].fillna(np.inf).to_numpy()
        starts = group["day_started"].to_numpy()
        times = np.concatenate([starts, ends])
        steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
        order = np.lexsort((steps, times))  # at equal times, an end frees its slot first
        assert np.cumsum(steps[order]).max() <= capacity[name], name
