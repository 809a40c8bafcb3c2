"""Checks of the simulation against answers known in closed form.

1. Erlang C: the M/M/c scenario (scenarios/validation/mmc.toml) for c = 3..6 servers at
   offered load 2.5; mean wait and P(wait) against the formulas.
2. Surfacing clocks: with only resident reports at a constant hazard h, the delay from
   arising to report is exponential with mean 1/h, and the hotline gets its share.
3. Little's law L = λW on the baseline's case records.

A check passes when the expected value lies inside the simulated 95 % confidence interval
(Student t over independent seeds) or within ``tolerance`` of the simulated mean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.api import run
from sim.queueing import erlang_c, mean_ci, mmc_mean_wait
from sim.scenario import SCENARIO_DIR, load_scenario

MMC_SCENARIO = SCENARIO_DIR / "validation" / "mmc.toml"
WARM_UP_DAYS = 20.0


@dataclass(frozen=True)
class Check:
    name: str
    expected: float
    mean: float
    low: float
    high: float
    tolerance: float

    @property
    def passed(self) -> bool:
        inside = self.low <= self.expected <= self.high
        close = abs(self.mean - self.expected) <= self.tolerance * abs(self.expected)
        return bool(inside or close)


def erlang_c_checks(seeds: int = 20, days: int = 730, servers=(3, 4, 5, 6), scenario: Path = MMC_SCENARIO,
                    progress: Callable[[str], None] | None = None) -> list[Check]:
    base = load_scenario(scenario)
    residents = base.params["population"] * base.params["scale"]
    arrival_rate = base.params["dispute_rate_per_10k.public_service"] * residents / 10_000 / 365
    service_rate = 1.0 / base.params["service_days.city"]
    checks = []
    for c in servers:
        per_10k = c / (residents / 10_000)
        config = base.with_overrides({"mediators_per_10k": per_10k, "days": days})
        waits, waited = [], []
        for seed in range(1, seeds + 1):
            visits = run(config, seed=seed).visits
            visits = visits[(visits["day_entered"] >= WARM_UP_DAYS) & visits["day_started"].notna()]
            wait = (visits["day_started"] - visits["day_entered"]).to_numpy()
            waits.append(wait.mean())
            waited.append(np.mean(wait > 0))
        if progress:
            progress(f"M/M/{c} done")
        checks.append(Check(f"M/M/{c} mean wait W_q (days), a = {arrival_rate / service_rate:g}",
                            mmc_mean_wait(arrival_rate, service_rate, c), *mean_ci(waits), tolerance=0.05))
        checks.append(Check(f"M/M/{c} P(wait)", erlang_c(arrival_rate, service_rate, c), *mean_ci(waited),
                            tolerance=0.03))
    return checks


def surfacing_checks(seeds: int = 10, report_per_day: float = 0.2, hotline_share: float = 0.6) -> list[Check]:
    """Resident reports only (hotline or app; no walk-ins), everyone fully trusting: report
    delay ~ Exp(report_per_day)."""
    config = load_scenario(MMC_SCENARIO, {"report_per_day": report_per_day,
                                          "report_channel_share.hotline": hotline_share,
                                          "report_channel_share.app": 1.0 - hotline_share,
                                          "days": 365, "mediators_per_10k": 10.0})
    delays, hotline = [], []
    for seed in range(1, seeds + 1):
        cases = run(config, seed=seed).cases
        cases = cases[cases["day_arisen"] < 300]  # all of these surface before the end, bar a negligible few
        delays.append((cases["day_reported"] - cases["day_arisen"]).mean())
        hotline.append(np.mean(cases["channel"] == "hotline"))
    return [Check(f"report delay (days) at hazard {report_per_day}/day", 1 / report_per_day, *mean_ci(delays),
                  tolerance=0.02),
            Check("share of reports by hotline", hotline_share, *mean_ci(hotline), tolerance=0.02)]


def littles_law_checks(seeds: int = 5, scale: float = 0.1, window: tuple[float, float] = (60.0, 300.0)) -> list[Check]:
    """L (time-average open cases in the window, exact from the records) against λW
    (arrival rate in the window times the mean time open of those arrivals)."""
    config = load_scenario(None, {"scale": scale, "days": 365})
    ratios = []
    start, end = window
    for seed in range(1, seeds + 1):
        cases = run(config, seed=seed).cases
        reported = cases["day_reported"].to_numpy()
        closed = cases["day_closed"].fillna(np.inf).to_numpy()
        overlap = np.clip(np.minimum(closed, end) - np.maximum(reported, start), 0, None)
        overlap = np.nan_to_num(overlap)  # never-reported cases were never open
        occupancy = overlap.sum() / (end - start)
        arrived = (reported >= start) & (reported < end)
        arrival_rate = arrived.sum() / (end - start)
        sojourn = np.minimum(closed[arrived], 365.0) - reported[arrived]
        ratios.append(arrival_rate * sojourn.mean() / occupancy)
    return [Check(f"Little's law λW / L on the baseline at scale {scale}", 1.0, *mean_ci(ratios), tolerance=0.03)]


def all_checks(progress: Callable[[str], None] | None = None) -> list[Check]:
    checks = erlang_c_checks(progress=progress)
    checks += surfacing_checks()
    if progress:
        progress("surfacing clocks done")
    checks += littles_law_checks()
    if progress:
        progress("Little's law done")
    return checks
