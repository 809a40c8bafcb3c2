"""The simulation against queueing theory and its own clocks."""

import pytest

from sim.analyses.queueing import erlang_c, mmc_mean_wait, servers_for_wait
from sim.analyses.stats import mean_ci
from sim.analyses.validation import erlang_c_checks, littles_law_checks, surfacing_checks


@pytest.mark.parametrize("servers, p_wait", [(3, 0.702), (4, 0.320), (5, 0.130), (6, 0.047)])
def test_erlang_c_formula_matches_the_worked_values(servers, p_wait):
    assert erlang_c(2.5, 1.0, servers) == pytest.approx(p_wait, abs=0.0005)


def test_erlang_c_rejects_unstable_queues():
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(3.0, 1.0, 3)


def test_servers_for_wait_is_the_smallest_that_meets_the_target():
    c = servers_for_wait(10.0, 4.0, 0.05)
    assert mmc_mean_wait(10.0, 4.0, c) <= 0.05 < mmc_mean_wait(10.0, 4.0, c - 1)


def test_mean_ci_covers_and_narrows():
    mean, low, high = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5 and low < 2.5 < high
    assert mean_ci([1.0] * 3 + [2.0] * 3)[2] - mean_ci([1.0] * 3 + [2.0] * 3)[1] < high - low


@pytest.mark.slow
def test_mm4_and_mm6_queues_match_erlang_c():
    for check in erlang_c_checks(seeds=8, days=730, servers=(4, 6)):
        assert check.passed, check


@pytest.mark.slow
def test_report_delays_follow_the_hazard_clock():
    for check in surfacing_checks(seeds=6):
        assert check.passed, check


@pytest.mark.slow
def test_littles_law_holds_on_the_case_records():
    for check in littles_law_checks(seeds=3, scale=0.05):
        assert check.passed, check


def test_a_wrong_expectation_is_caught():
    """The check machinery itself can fail: a 30 % wrong formula must disagree."""
    from sim.analyses.validation import Check

    assert not Check("x", expected=1.3, mean=1.0, low=0.95, high=1.05, tolerance=0.05).passed
    assert Check("x", expected=1.02, mean=1.0, low=0.95, high=1.05, tolerance=0.05).passed
