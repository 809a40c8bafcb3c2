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

# The headline outcomes first (sim.config.outcomes.HEADLINE_OUTCOMES), then the rest by interest.
COMPARED = ("resolved_within_30_days_disputes", "resolved_within_30_days_public_service",
            "closed_within_30_days_of_arising", "cases_reported", "closure_rate", "resolution_rate",
            "days_from_arising_mean", "days_from_arising_p90", "satisfaction_rate", "local_resolution_share",
            "escalated_share", "petitions_per_10k", "days_to_close_mean", "mediation_success", "exits_per_10k",
            "police_alerts", "worker_hours_patrol", "worker_utilisation", "satisfaction_first_follow_up",
            "committee_cases_per_10k", "city_centre_cases_per_year")
FIGURE_OUTCOMES = COMPARED[:12]  # a slide's worth (comparison.csv and the table have all)


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
            reference = first.loc[group.index, outcome].to_numpy(dtype=float)
            diff = group[outcome].to_numpy(dtype=float) - reference
            # floating-point noise (a sum in another order) is no difference
            diff[np.abs(diff) <= 1e-9 * np.maximum(1.0, np.abs(reference))] = 0.0
            if position == 0 or np.all(diff == 0):
                d_mean = d_low = d_high = 0.0
            else:
                d_mean, d_low, d_high = mean_ci(diff)
            rows.append({"scenario": group["scenario"].iloc[0], "position": position, "outcome": outcome,
                         "better": MAIN_OUTCOMES.get(outcome, "neutral"), "mean": mean, "ci_low": low,
                         "ci_high": high, "diff_vs_first": d_mean, "diff_ci_low": d_low, "diff_ci_high": d_high,
                         "seeds": len(group)})
    return pd.DataFrame(rows)


def draw_comparison(table: pd.DataFrame):
    """The comparison for a slide: one panel per outcome (the headline first), each scenario's paired
    difference from the first (mean and 95 % CI) in the outcome's unit (percentage points for a
    share); the first scenario's own level is in the panel's title, never drawn as a difference from
    itself. With one scenario only, its levels. A bare ``Figure`` with a constrained layout."""
    import textwrap

    from matplotlib.figure import Figure

    from sim.config.display import POINTS, factor, format_value, is_share, label, shown_unit, unit_of
    from sim.results.plotting import round_ticks

    outcomes = [o for o in FIGURE_OUTCOMES if o in set(table["outcome"])]
    order = table.drop_duplicates("position").sort_values("position")
    names = order["scenario"].tolist()
    if len(set(names)) < len(names):
        names = [f"{position + 1}. {name}" for position, name in enumerate(names)]
    levels_only = len(names) == 1
    shown = names if levels_only else names[1:]
    columns = min(4, len(outcomes))
    rows = -(-len(outcomes) // columns)
    fig = Figure(figsize=(16, rows * (1.55 + 0.32 * len(shown)) + 0.6), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    y = np.arange(len(shown))[::-1]
    for index, (ax, outcome) in enumerate(zip(axes.flat, outcomes, strict=False)):
        part = table[table["outcome"] == outcome].sort_values("position")
        scale = factor(outcome)
        unit = unit_of(outcome)
        if levels_only:
            mean, low, high = (part[c].to_numpy(dtype=float) * scale for c in ("mean", "ci_low", "ci_high"))
            axis = shown_unit(unit)
            title = label(outcome)
        else:
            part = part[part["position"] > 0]
            mean, low, high = (part[c].to_numpy(dtype=float) * scale
                               for c in ("diff_vs_first", "diff_ci_low", "diff_ci_high"))
            axis = f"difference ({POINTS if is_share(unit) else unit})"
            base = table[(table["outcome"] == outcome) & (table["position"] == 0)]["mean"].iloc[0]
            title = f"{label(outcome)}\n{names[0]}: {format_value(outcome, base, unit=True)}"
            ax.axvline(0, color="grey", linewidth=0.8)
        low, high = np.where(np.isfinite(low), low, mean), np.where(np.isfinite(high), high, mean)
        ax.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="o", color="#3B7EA1", capsize=3)
        if not levels_only:  # zero in view, and some room either side
            span = np.nanmax(np.abs(np.concatenate([low, high, [0.0]]))) if len(low) else 0.0
            span = span if span > 0 and np.isfinite(span) else 1.0
            ax.set_xlim(-1.15 * span, 1.15 * span)
        ax.set_title("\n".join(textwrap.wrap(title.split("\n")[0], 34) + title.split("\n")[1:]), fontsize=9)
        ax.set_xlabel(axis, fontsize=8)
        round_ticks(ax, "x", bins=4)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.set_yticks(y, shown if index % columns == 0 else [], fontsize=8)
        ax.set_ylim(-0.6, len(shown) - 0.4)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    seeds = int(table["seeds"].max()) if len(table) else 0
    fig.suptitle(f"{names[0]}: mean and 95 % CI over {seeds} seeds" if levels_only else
                 f"Difference from {names[0]}, scenario by scenario: mean and 95 % CI of the paired differences "
                 f"over {seeds} seeds (common random numbers)", fontsize=11)
    return fig


def comparison_figure(table: pd.DataFrame, path: Path) -> None:
    """comparison.png (``draw_comparison``)."""
    draw_comparison(table).savefig(path, dpi=110, metadata={"Software": None})


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
