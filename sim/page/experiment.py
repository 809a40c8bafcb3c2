"""The page's experiment panel (BehaviorSpace in a browser): one lever at 2–5 values, a few
replications on common seeds, run on the batch engine (``sim.batch.engine``: worker processes),
summarised as a curve with 95% intervals and a table to download.

    plan = ExperimentPlan("workers_per_10k", (6.0, 12.0, 18.0), replications=3)
    rows = run_experiment(plan, on_progress=print)  # a DataFrame, one row per run
    points = curve(rows, plan, "satisfaction_rate")
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.config.outcomes import column_name
from sim.config.params import PARAMS
from sim.page.controls import CONTROLS, LEVERS, format_value

# The outcomes offered (declared in sim.config.outcomes): (plain label, is a share).
OUTCOMES = {
    "satisfaction_rate": ("Satisfied at follow-up", True),
    "resolved_within_30_days_disputes": ("Disputes resolved within 30 days", True),
    "resolved_within_30_days_public_service": ("Requests resolved within 30 days", True),
    "closure_rate": ("Reported cases closed", True),
    "local_resolution_share": ("Disputes resolved at grid or community level", True),
    "escalated_share": ("Reported cases escalated", True),
    "mediation_success": ("Mediated disputes resolved", True),
    "days_to_close_mean": ("Days from report to close (mean)", False),
    "days_from_arising_mean": ("Days from arising to close (mean)", False),
    "worker_utilisation": ("Grid workers' utilisation", True),
    "petitions_per_10k": ("Petitions per 10,000 residents", False),
    "exits_per_10k": ("Exits (litigation, arbitration, petition) per 10,000 residents", False),
    "cases_reported": ("Cases reported", False),
}
MAX_VALUES, MIN_VALUES, MAX_REPLICATIONS = 5, 2, 10
EXPERIMENT_SCALES = (0.01, 0.02, 0.05, 0.1)
EXPERIMENT_DAYS = (30, 60, 90, 180, 365)


@dataclass(frozen=True)
class ExperimentPlan:
    lever: str
    values: tuple
    replications: int = 2
    scale: float = 0.02
    days: int = 90
    first_seed: int = 1
    scenario_path: str = ""  # "" for the baseline
    base: Mapping[str, object] = field(default_factory=dict)  # the other levers (setting A), fixed

    @property
    def runs(self) -> int:
        return len(self.values) * self.replications


def default_values(lever: str, count: int = 3) -> list:
    """``count`` values spread over the lever's plausible range (else its slider), rounded to the
    slider's step; a choice lever's first ``count`` choices."""
    item = CONTROLS[lever]
    if item.kind == "select":
        return [value for value, _ in item.choices][:count]
    if item.kind == "switch":
        return [False, True]
    param = PARAMS[lever]
    low, high = param.plausible if param.plausible else (item.minimum, item.maximum)
    values = np.linspace(float(low), float(high), count)
    step = item.step
    rounded = [round(round(v / step) * step, 6) for v in values]
    return [int(v) if item.integer else float(v) for v in rounded]


def values_text(values) -> str:
    return ", ".join(format_value(v) if not isinstance(v, str) else v for v in values)


def parse_values(lever: str, text: str) -> tuple[list, str]:
    """The values typed for a lever ("6, 12, 18"), each checked with the registry; the values and
    an error message ("" when they are good)."""
    param = PARAMS[lever]
    items = [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]
    values = []
    for item in items:
        try:
            if param.type is bool:
                value = {"on": True, "true": True, "off": False, "false": False}[item.lower()]
            elif param.type is str:
                value = item
            else:
                number = float(item.replace("_", ""))
                value = int(number) if param.type is int and number.is_integer() else number
            values.append(param.check(value))
        except (KeyError, ValueError) as error:
            return [], f"{item!r}: {error}"
    if len(set(values)) != len(values):
        return [], "a value is given twice"
    if not MIN_VALUES <= len(values) <= MAX_VALUES:
        return [], f"give {MIN_VALUES} to {MAX_VALUES} values, separated by commas (got {len(values)})"
    return values, ""


def run_experiment(plan: ExperimentPlan, on_progress: Callable[[int, int], None] | None = None,
                   processes: int | None = None) -> pd.DataFrame:
    """Every value × replication, replication r on seed ``first_seed + r`` at every value (common
    random numbers), on the batch engine's worker processes; one row per run."""
    from sim.batch.engine import Engine, Job
    from sim.batch.engine import plan as plan_runs
    from sim.batch.seeds import sequential_seeds

    base = {name: value for name, value in plan.base.items() if name != plan.lever}
    job = Job(scenario_path=plan.scenario_path, base_overrides={**base, "scale": plan.scale, "days": plan.days},
              outcomes=tuple(OUTCOMES), factor_names=(plan.lever,))
    specs = plan_runs(job, [{plan.lever: value} for value in plan.values],
                      sequential_seeds(plan.first_seed, plan.replications))
    done = 0

    def on_done(row, daily) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, len(specs))

    if on_progress is not None:
        on_progress(0, len(specs))
    processes = processes or max(1, min(2, os.cpu_count() or 1, len(specs)))
    rows = Engine(processes=processes, isolate=True).run([(spec, job) for spec in specs], on_done)
    frame = pd.DataFrame(rows)
    keep = ["point", "replication", "seed", column_name(plan.lever), *OUTCOMES, "status", "error", "wall_seconds"]
    return frame[[name for name in keep if name in frame.columns]]


def t_quantile(n: int) -> float:
    """The 97.5% quantile of Student's t with n − 1 degrees of freedom."""
    from scipy.stats import t

    return float(t.ppf(0.975, n - 1))


def curve(frame: pd.DataFrame, plan: ExperimentPlan, outcome: str) -> list[dict]:
    """Per value: the outcome's mean over the replications and its 95% interval (Student's t,
    clipped to 0–1 for a share; none with one run)."""
    column = column_name(plan.lever)
    points = []
    for point, value in enumerate(plan.values):
        runs = frame[(frame["point"] == point) & (frame["status"] == "ok")][outcome].astype(float)
        runs = runs[np.isfinite(runs)]
        n = len(runs)
        mean = float(runs.mean()) if n else math.nan
        if n >= 2:
            half = t_quantile(n) * float(runs.std(ddof=1)) / math.sqrt(n)
            low, high = mean - half, mean + half
            if OUTCOMES.get(outcome, ("", False))[1]:  # a share: the interval stays within 0 and 1
                low, high = max(low, 0.0), min(high, 1.0)
        else:
            low = high = None
        x = value if isinstance(value, (int, float)) and not isinstance(value, bool) else (
            format_value(value) if isinstance(value, bool) else dict(CONTROLS[plan.lever].choices).get(value, value))
        points.append({"x": x, "value": value, "mean": mean, "low": low, "high": high, "n": n,
                       "column": column})
    return points


def summary_table(frame: pd.DataFrame, plan: ExperimentPlan) -> pd.DataFrame:
    """Per value: mean, and 95% interval of every outcome (the table shown and downloaded)."""
    rows = []
    for outcome in OUTCOMES:
        for p in curve(frame, plan, outcome):
            rows.append({plan.lever: p["value"], "outcome": outcome, "runs": p["n"], "mean": p["mean"],
                         "ci95_low": p["low"], "ci95_high": p["high"]})
    return pd.DataFrame(rows)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


__all__ = ["OUTCOMES", "ExperimentPlan", "default_values", "parse_values", "run_experiment", "curve",
           "summary_table", "csv_bytes", "values_text", "LEVERS"]
