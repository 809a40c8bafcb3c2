"""Seeing a sweep's results: per-point means with 95 % CIs, figures, and (Sobol/Morris) sensitivity.

``report(OUT)`` reads only the stored results (manifest.json, runs/, design.json), so
``python run.py sweep-report OUT`` redraws everything after the fact, even of a partial sweep.
(The command line prints the table: ``sim.cli.sweep``.)
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analyses.stats import mean_ci, median_interval
from sim.batch.store import Store, atomic_write_parquet
from sim.config.errors import SweepError
from sim.config.outcomes import HEADLINE_OUTCOMES, MAIN_OUTCOMES, column_name
from sim.results.files import atomic_write_csv


def summarise(runs: pd.DataFrame, factor_names: list[str], outcomes: list[str],
              weights: dict[int, float] | None = None) -> pd.DataFrame:
    """One row per design point: its factor values, run counts, and mean / low / high of each outcome.
    In a sweep across calibrated worlds (a ``member`` column; ``weights``: member → weight) also the
    weighted median and 90 % interval across worlds of each world's mean over its seeds
    (``NAME_worlds_median``, ``NAME_worlds_low``, ``NAME_worlds_high``)."""
    across = "member" in runs.columns and runs["member"].notna().any()
    rows = []
    for point, group in runs.groupby("point", sort=True):
        first = group.iloc[0]
        ok = group[group["status"] == "ok"]
        row = {"point": int(point), **{name: first[name] for name in factor_names}, "runs": len(group),
               "ok": len(ok), "failed": int((group["status"] == "failed").sum()),
               "timed_out": int((group["status"] == "timed_out").sum())}
        for name in outcomes:
            mean, low, high = mean_ci(ok[name].to_numpy(dtype=float)) if len(ok) else (math.nan,) * 3
            row[name], row[f"{name}_low"], row[f"{name}_high"] = mean, low, high
            if across and len(ok):
                means = ok.groupby("member")[name].mean()
                member_weights = [weights.get(int(m), 0.0) if weights else 1.0 for m in means.index]
                median, w_low, w_high = median_interval(means.to_numpy(dtype=float), member_weights)
                row[f"{name}_worlds_median"], row[f"{name}_worlds_low"], row[f"{name}_worlds_high"] = (
                    median, w_low, w_high)
        rows.append(row)
    return pd.DataFrame(rows)


def axes_for(runs: pd.DataFrame, factor_names: list[str]) -> tuple[str | None, str | None]:
    """The x axis (a numeric factor, workers_per_10k if varied) and the line factor (escalation_rule if varied)."""
    varied = [n for n in factor_names if runs[n].nunique() > 1]
    numeric = [n for n in varied if pd.api.types.is_numeric_dtype(runs[n]) and not pd.api.types.is_bool_dtype(runs[n])]
    other = [n for n in varied if n not in numeric]
    x = "workers_per_10k" if "workers_per_10k" in numeric else (numeric[0] if numeric else None)
    line = "escalation_rule" if "escalation_rule" in other else (other[0] if other else None)
    return x, line


OVERVIEW_OUTCOMES = 12  # panels of overview.png: a slide's worth, the headline first (each outcome has its own figure)


def ordered(outcomes: list[str]) -> list[str]:
    """The headline outcomes first, then the rest in the order given."""
    return [o for o in HEADLINE_OUTCOMES if o in outcomes] + [o for o in outcomes if o not in HEADLINE_OUTCOMES]


def _series(groups, x: str, name: str):
    """Per line: its label and the mean, low and high of ``name`` at each x (in display units)."""
    from sim.config.display import factor

    for label, group in groups:
        stats = sorted((value, *mean_ci(sub[name].to_numpy(dtype=float))) for value, sub in group.groupby(x))
        xs = np.array([s[0] for s in stats], dtype=float) * factor(x)
        mean, low, high = (np.array([s[i] for s in stats], dtype=float) * factor(name) for i in (1, 2, 3))
        yield label, xs, mean, low, high


def _panel(ax, groups, x: str, name: str, line: str | None, *, single: bool) -> None:
    import textwrap

    from sim.config.display import axis_label, is_share, label, shown_unit, unit_of
    from sim.results.plotting import round_ticks

    for value, xs, mean, low, high in _series(groups, x, name):
        drawn = ax.plot(xs, mean, marker="o", markersize=3, label=str(value) if value is not None else label(name))
        if np.isfinite(low).any():  # a band no wider than the outcome's range (0–100 % for a share, ≥ 0 else)
            top = 100.0 if is_share(unit_of(name)) else np.inf
            ax.fill_between(xs, np.clip(low, 0.0, top), np.clip(high, 0.0, top), alpha=0.2,
                            color=drawn[0].get_color(), linewidth=0)
    better = MAIN_OUTCOMES.get(name)
    note = f"({better} is better)" if better in ("higher", "lower") else ""
    title = textwrap.wrap(label(name), 40 if single else 34)
    ax.set_title("\n".join(title + ([note] if note else [])), fontsize=10 if single else 9)
    ax.set_xlabel(axis_label(x), fontsize=9 if single else 8)
    ax.set_ylabel(axis_label(name) if single else shown_unit(unit_of(name)) or label(name), fontsize=9 if single else 8)
    round_ticks(ax, "both", bins=5)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def draw_overview(runs: pd.DataFrame, factor_names: list[str], outcomes: list[str]):
    """overview.png's figure: the first outcomes (the headline first) against the x factor, one line per
    value of the line factor, 95 % CI bands; one legend for all panels. None when nothing can be drawn."""
    from matplotlib.figure import Figure

    from sim.config.display import label

    ok = runs[runs["status"] == "ok"]
    x, line = axes_for(runs, factor_names)
    if ok.empty or x is None or not outcomes:
        return None
    shown = ordered(outcomes)[:OVERVIEW_OUTCOMES]
    groups = [(None, ok)] if line is None else list(ok.groupby(line, sort=False))
    cols = min(4, len(shown))
    rows = math.ceil(len(shown) / cols)
    fig = Figure(figsize=(4 * cols, 3.1 * rows + 0.9), layout="constrained")
    grid = fig.subplots(rows, cols, squeeze=False)
    for ax, name in zip(grid.flat, shown, strict=False):
        _panel(ax, groups, x, name, line, single=False)
    for ax in list(grid.flat)[len(shown):]:
        ax.set_visible(False)
    more = len(outcomes) - len(shown)
    fig.suptitle("Means with 95 % confidence intervals over replications"
                 + (f" ({more} more outcomes: a figure each in this folder)" if more > 0 else ""), fontsize=11)
    if line is not None:
        handles, labels = grid.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6), fontsize=8,
                   title=label(line), title_fontsize=8, frameon=False)
    return fig


def draw_outcome(runs: pd.DataFrame, factor_names: list[str], name: str):
    """One outcome against the x factor (its own figure, ``NAME.png``); None when nothing can be drawn."""
    from matplotlib.figure import Figure

    from sim.config.display import label

    ok = runs[runs["status"] == "ok"]
    x, line = axes_for(runs, factor_names)
    if ok.empty or x is None:
        return None
    groups = [(None, ok)] if line is None else list(ok.groupby(line, sort=False))
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    _panel(ax, groups, x, name, line, single=True)
    if line is not None:
        ax.legend(fontsize=8, title=label(line), title_fontsize=8)
    return fig


def draw_figures(runs: pd.DataFrame, factor_names: list[str], outcomes: list[str], folder: Path) -> list[Path]:
    """Each outcome against the x factor, one line per value of the line factor, 95 % CI bands, and
    overview.png (the first twelve, the headline first). Other varied factors are averaged over (each
    band is over all ok runs at that x and line)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ordered(outcomes):
        fig = draw_outcome(runs, factor_names, name)
        if fig is None:
            return []
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=110, metadata={"Software": None})
        written.append(path)
    fig = draw_overview(runs, factor_names, outcomes)
    if fig is not None:
        path = folder / "overview.png"
        fig.savefig(path, dpi=110, metadata={"Software": None})
        written.append(path)
    return written


def sensitivity(summary: pd.DataFrame, meta: dict, outcomes: list[str]) -> pd.DataFrame | None:
    """Sobol or Morris indices of each outcome (replication means), per combination of crossed levers."""
    method = meta.get("method")
    if method not in ("sobol", "morris") or not meta.get("sampled"):
        return None
    names = meta["sampled"]
    spec = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = np.asarray(meta["unit"], dtype=float)
    means = summary.set_index("point")
    rows = []
    for levers, ids in meta["blocks"]:
        if not set(ids) <= set(means.index):
            continue  # a partial sweep: analysis needs every point of the block
        for name in outcomes:
            y = means.loc[ids, name].to_numpy(dtype=float)
            if not np.isfinite(y).all():
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if method == "sobol":
                    from SALib.analyze import sobol

                    res = sobol.analyze(spec, y, calc_second_order=bool(meta["options"].get("second_order")),
                                        print_to_console=False, seed=1)
                    for i, factor in enumerate(names):
                        rows.append({**levers, "outcome": name, "factor": factor, "S1": res["S1"][i],
                                     "S1_conf": res["S1_conf"][i], "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]})
                else:
                    from SALib.analyze import morris

                    res = morris.analyze(spec, unit, y, num_levels=int(meta["options"].get("levels", 4)),
                                         print_to_console=False, seed=1)
                    for i, factor in enumerate(names):
                        rows.append({**levers, "outcome": name, "factor": factor, "mu_star": res["mu_star"][i],
                                     "mu_star_conf": res["mu_star_conf"][i], "sigma": res["sigma"][i]})
    return pd.DataFrame(rows) if rows else None


@dataclass
class SweepReport:
    """What ``report`` read and wrote: the stored runs and the per-point summary."""

    out: Path
    manifest: dict
    runs: pd.DataFrame
    factor_names: list[str]  # identifier-safe columns
    outcomes: list[str]
    summary: pd.DataFrame  # one row per design point (empty when no run is stored yet)


def report(out: str | Path, *, csv: bool = False) -> SweepReport:
    """Write summary.parquet (and summary.csv with ``csv``), the figures and the sensitivity
    indices from a sweep's stored results."""
    out = Path(out)
    store = Store(out)
    if not store.exists():
        raise SweepError(str(out), None, "not a sweep output folder (no manifest.json)")
    manifest = store.read_manifest()
    factor_names = [column_name(f["name"]) for f in manifest.get("factors", [])]  # identifier-safe columns
    outcomes = list(manifest.get("settings", {}).get("outcomes", []))
    runs = store.runs()
    ensemble = manifest.get("settings", {}).get("ensemble") or {}
    weights = dict(zip(ensemble.get("members", []), ensemble.get("weights", []), strict=False)) or None
    summary = summarise(runs, factor_names, outcomes, weights) if len(runs) else pd.DataFrame()
    if len(summary):
        atomic_write_parquet(summary, out / "summary.parquet")
        if csv:
            atomic_write_csv(summary, out / "summary.csv")
        draw_figures(runs, factor_names, outcomes, out / "figures")
        meta_path = out / "design.json"
        if meta_path.is_file():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            indices = sensitivity(summary, meta, outcomes)
            if indices is not None:
                atomic_write_csv(indices, out / "sensitivity.csv")
    return SweepReport(out, manifest, runs, factor_names, outcomes, summary)
