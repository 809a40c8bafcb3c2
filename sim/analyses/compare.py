"""Side-by-side comparison of scenarios on common random numbers.

Every scenario runs on the same seeds, so seed by seed the runs face the same disputes;
the paired difference of each scenario against the first (per seed, then mean and 95 %
interval) removes the noise both share. Two identical scenarios differ by exactly zero.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analyses.stats import mean_ci
from sim.batch.engine import Job, OnDone, RunSpec, default_processes, run_id, run_tasks
from sim.batch.seeds import sequential_seeds
from sim.config.outcomes import MAIN_OUTCOMES
from sim.config.presets import PRESETS
from sim.config.scenario import Scenario
from sim.results.folders import Marker, identity

COMPARED = ("resolved_within_30_days_disputes", "resolved_within_30_days_public_service", "cases_reported",
            "closure_rate", "resolution_rate", "closed_within_30_days_of_arising", "days_from_arising_mean",
            "days_from_arising_p90", "days_to_close_mean", "satisfaction_rate", "local_resolution_share",
            "mediation_success", "escalated_share", "petitions_per_10k", "exits_per_10k", "police_alerts",
            "worker_hours_patrol", "worker_utilisation", "satisfaction_first_follow_up", "committee_cases_per_10k",
            "city_centre_cases_per_year")


def compare_marker(scenarios: list[Scenario], seeds: int, first_seed: int = PRESETS["compare"].first_seed) -> Marker:
    """What a comparison folder holds: each scenario's full parameter set, and the seeds."""
    held = [{"scenario": scenario.name, "parameters": scenario.params.changed()} for scenario in scenarios]
    return Marker("compare", identity({"scenarios": held, "seeds": seeds, "first_seed": first_seed}),
                  {"scenarios": ", ".join(scenario.name for scenario in scenarios), "seeds": seeds})


def run_comparison(scenarios: list[Scenario], seeds: int, processes: int | None = None,
                   first_seed: int = PRESETS["compare"].first_seed, on_run: OnDone | None = None) -> pd.DataFrame:
    """One row per (scenario, seed) with the compared outcomes (the engine's rows); ``on_run``
    sees each run as it finishes (a progress bar)."""
    replication_seeds = sequential_seeds(first_seed, seeds)
    tasks = []
    for position, scenario in enumerate(scenarios):
        job = Job(str(scenario.path) if scenario.path else "", dict(scenario.overrides), COMPARED)
        for replication, seed in enumerate(replication_seeds):
            spec = RunSpec(run_id(scenario.params.changed(), position, seed), position, replication, seed, {})
            tasks.append((spec, job))
    rows = run_tasks(tasks, processes=min(processes or default_processes(), len(tasks)), on_done=on_run)
    failed = [row for row in rows if row["status"] != "ok"]
    if failed:
        raise RuntimeError(f"{len(failed)} comparison runs failed; the first: {failed[0]['error']}")
    return pd.DataFrame([{"scenario": scenarios[row["point"]].name, "position": row["point"], "seed": row["seed"],
                          **{name: row[name] for name in COMPARED}} for row in rows])


def comparison_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95 % CI of each outcome per scenario, and the paired difference against
    the first scenario with its own 95 % CI."""
    first = runs[runs["position"] == 0].set_index("seed")
    rows = []
    for position, group in runs.groupby("position", sort=True):
        group = group.set_index("seed")
        for outcome in COMPARED:
            mean, low, high = mean_ci(group[outcome])
            diff = (group[outcome] - first.loc[group.index, outcome]).to_numpy()
            if np.all(diff == 0):
                d_mean = d_low = d_high = 0.0
            else:
                d_mean, d_low, d_high = mean_ci(diff)
            rows.append({"scenario": group["scenario"].iloc[0], "position": position, "outcome": outcome,
                         "better": MAIN_OUTCOMES.get(outcome, "neutral"), "mean": mean, "ci_low": low,
                         "ci_high": high, "diff_vs_first": d_mean, "diff_ci_low": d_low, "diff_ci_high": d_high,
                         "seeds": len(group)})
    return pd.DataFrame(rows)


def comparison_figure(table: pd.DataFrame, path: Path) -> None:
    """Paired differences against the first scenario, one panel per outcome."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outcomes = [o for o in COMPARED if o in set(table["outcome"])]
    names = table.drop_duplicates("position").sort_values("position")["scenario"].tolist()
    columns = 4
    rows = -(-len(outcomes) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 0.45 * len(names) * rows + 1.5 * rows),
                             layout="constrained", squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        part = table[table["outcome"] == outcome].sort_values("position")
        y = np.arange(len(part))[::-1]
        ax.errorbar(part["diff_vs_first"], y,
                    xerr=[part["diff_vs_first"] - part["diff_ci_low"].fillna(part["diff_vs_first"]),
                          part["diff_ci_high"].fillna(part["diff_vs_first"]) - part["diff_vs_first"]],
                    fmt="o", color="#3B7EA1", capsize=3)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_yticks(y, part["scenario"], fontsize=7)
        ax.set_title(f"{outcome} − {names[0]}", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.axis("off")
    fig.suptitle(f"Paired differences against {names[0]} (mean and 95 % CI over seeds)", fontsize=10)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def write_comparison(runs: pd.DataFrame, table: pd.DataFrame, out: Path, marker: Marker, *,
                     force: bool = False) -> None:
    """Write runs.csv, comparison.csv and comparison.png into ``out``, whole or not at all: they are
    written to a staging folder beside it, which then replaces ``out`` (claimed again first, so
    nothing foreign arrived meanwhile; ``sim.results.folders``)."""
    import shutil
    import tempfile
    from dataclasses import replace

    from sim.results.folders import claim, write_marker
    from sim.results.output import replace_folder

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        runs.to_csv(staging / "runs.csv", index=False)
        table.to_csv(staging / "comparison.csv", index=False)
        comparison_figure(table, staging / "comparison.png")
        write_marker(staging, replace(marker, files=("comparison.csv", "comparison.png", "runs.csv")))
        claim(out, marker, force=force, whole=True)
        replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
