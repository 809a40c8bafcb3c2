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

from sim.analyses.measures import handling_waits
from sim.analyses.queueing import erlang_c, mmc_mean_wait
from sim.analyses.stats import mean_ci
from sim.batch.engine import Job, RunSpec, default_processes, run_many
from sim.batch.seeds import sequential_seeds
from sim.config.paths import MMC_SCENARIO
from sim.config.presets import PRESETS
from sim.config.scenario import load_scenario

FIRST_SEED = PRESETS["validation"].first_seed


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


# ---------------------------------------------------------------- what each check measures in a run
def queue_waits(result, outcomes=()) -> dict[str, float]:
    """Mean wait for a handler and the share who waited."""
    wait = handling_waits(result.visits)
    return {"mean_wait": float(wait.mean()), "waited": float(np.mean(wait > 0))}


def report_delays(result, outcomes=()) -> dict[str, float]:
    """Mean delay from arising to report, and the hotline's share, of cases that arose before day 300
    (all of these surface before the end, bar a negligible few)."""
    cases = result.cases
    cases = cases[cases["day_arisen"] < 300]
    return {"report_delay": float((cases["day_reported"] - cases["day_arisen"]).mean()),
            "hotline_share": float(np.mean(cases["channel"] == "hotline"))}


LITTLE_WINDOW = (60.0, 300.0)


def littles_ratio(result, outcomes=()) -> dict[str, float]:
    """λW / L over the window: L the time-average open cases (exact from the records), λ the
    arrival rate in the window, W the mean time open of those arrivals."""
    cases = result.cases
    start, end = LITTLE_WINDOW
    days = float(result.summary["days"])
    reported = cases["day_reported"].to_numpy()
    closed = cases["day_closed"].fillna(np.inf).to_numpy()
    overlap = np.nan_to_num(np.clip(np.minimum(closed, end) - np.maximum(reported, start), 0, None))
    occupancy = overlap.sum() / (end - start)
    arrived = (reported >= start) & (reported < end)
    arrival_rate = arrived.sum() / (end - start)
    sojourn = np.minimum(closed[arrived], days) - reported[arrived]
    return {"littles_ratio": float(arrival_rate * sojourn.mean() / occupancy)}


def _rows(scenario_path: Path | None, overrides: dict, seeds: int, measure: str,
          processes: int | None) -> list[dict]:
    """The engine's rows for one configuration on seeds FIRST_SEED, FIRST_SEED + 1, …"""
    job = Job(str(scenario_path or ""), overrides, ("cases_reported",), measure=f"sim.analyses.validation:{measure}")
    specs = [RunSpec(f"{measure}-{seed}", 0, replication, seed, {})
             for replication, seed in enumerate(sequential_seeds(FIRST_SEED, seeds))]
    rows = run_many(specs, job, processes=min(processes or default_processes(), len(specs)))
    failed = [row for row in rows if row["status"] != "ok"]
    if failed:
        raise RuntimeError(f"{len(failed)} validation runs failed; the first: {failed[0]['error']}")
    return rows


# ---------------------------------------------------------------- the checks
def erlang_c_checks(seeds: int = 20, days: int = 730, servers=(3, 4, 5, 6), scenario: Path = MMC_SCENARIO,
                    progress: Callable[[str], None] | None = None, processes: int | None = None) -> list[Check]:
    base = load_scenario(scenario)
    residents = base.params["population"] * base.params["scale"]
    arrival_rate = base.params["dispute_rate_per_10k.public_service"] * residents / 10_000 / 365
    service_rate = 1.0 / base.params["service_days.city"]
    checks = []
    for c in servers:
        per_10k = c / (residents / 10_000)
        rows = _rows(scenario, {"mediators_per_10k": per_10k, "days": days}, seeds, "queue_waits", processes)
        if progress:
            progress(f"M/M/{c} done")
        checks.append(Check(f"M/M/{c} mean wait W_q (days), a = {arrival_rate / service_rate:g}",
                            mmc_mean_wait(arrival_rate, service_rate, c), *mean_ci([r["mean_wait"] for r in rows]),
                            tolerance=0.05))
        checks.append(Check(f"M/M/{c} P(wait)", erlang_c(arrival_rate, service_rate, c),
                            *mean_ci([r["waited"] for r in rows]), tolerance=0.03))
    return checks


def surfacing_checks(seeds: int = 10, report_per_day: float = 0.2, hotline_share: float = 0.6,
                     processes: int | None = None) -> list[Check]:
    """Resident reports only (hotline or app; no walk-ins), everyone fully trusting: report
    delay ~ Exp(report_per_day)."""
    overrides = {"request_report_per_day": report_per_day, "app_share_of_remote_reports": 1.0 - hotline_share,
                 "days": 365, "mediators_per_10k": 10.0}
    rows = _rows(MMC_SCENARIO, overrides, seeds, "report_delays", processes)
    return [Check(f"report delay (days) at hazard {report_per_day}/day", 1 / report_per_day,
                  *mean_ci([r["report_delay"] for r in rows]), tolerance=0.02),
            Check("share of reports by hotline", hotline_share, *mean_ci([r["hotline_share"] for r in rows]),
                  tolerance=0.02)]


def littles_law_checks(seeds: int = 5, scale: float = PRESETS["validation"].scale,
                       processes: int | None = None) -> list[Check]:
    """Little's law L = λW on the baseline's case records."""
    rows = _rows(None, {"scale": scale, "days": 365}, seeds, "littles_ratio", processes)
    return [Check(f"Little's law λW / L on the baseline at scale {scale}", 1.0,
                  *mean_ci([r["littles_ratio"] for r in rows]), tolerance=0.03)]


def all_checks(progress: Callable[[str], None] | None = None) -> list[Check]:
    checks = erlang_c_checks(progress=progress)
    checks += surfacing_checks()
    if progress:
        progress("surfacing clocks done")
    checks += littles_law_checks()
    if progress:
        progress("Little's law done")
    return checks
