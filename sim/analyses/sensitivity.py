"""Sensitivity: Morris screening of the uncertainties, then Sobol indices of the most influential few.

Both stages are ordinary sweeps (sim.batch): an ``Experiment`` built from values
(``Experiment.from_values``, checked as a file would be; the sweep folder stores its definition as
experiment.json), run with ``run_sweep`` (fault-tolerant, resumable, Parquet), and analysed with
SALib through ``sim.analyses.sweep_report.sensitivity`` — on the **mean over replications** at each
design point (``sim.analyses.sweep_report.summarise``), with the same seeds at every point (common
random numbers), so run-to-run noise is averaged out rather than counted as a parameter effect.

Factors: every ``ParamKind.UNCERTAINTY`` parameter with a ``plausible`` range in sim.config.params
each over that range, plus a **dummy**: ``surge.factor`` over 1–3 while
``surge.days`` is 0 (the base scenario's value), so it cannot affect anything. The dummy's index
is the noise floor: a factor that does not beat it is indistinguishable from no effect.
Indices are per unit of the plausible range (SALib runs on the unit cube), so they compare the
effect of moving each uncertainty across its whole plausible range, in the outcome's units.

Ranking: for each outcome, mu* (Morris) is divided by its largest value; factors are ranked by
the mean of these normalised mu* over the outcomes (the standard's outcomes by default).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.outcomes import column_name
from sim.config.params import PARAMS, ParamKind
from sim.config.presets import NORM_WORKERS_PER_10K, PRESETS, SHISHI_RULE

DUMMY = "surge.factor"
DUMMY_RANGE = (1.0, 3.0)
_ANALYSIS = PRESETS["analysis"]  # run size and seed
DEFAULT_OUTCOMES = ("closed_within_30_days", "petitions_per_10k")


def plausible_uncertainties() -> list[str]:
    return [p.name for p in PARAMS.values() if p.kind is ParamKind.UNCERTAINTY and p.plausible is not None]


def stage_experiment(name: str, purpose: str, *, method: str, samples: int, factors: dict[str, tuple | None],
                     outcomes: list[str], seed: int, replications: int, days: int, scale: float,
                     scenario: str | None = None, fixed: dict | None = None, extra_design: dict | None = None):
    """One stage's experiment, built from values. ``factors``: name → (low, high), or None for the
    registry's plausible range."""
    from sim.batch.experiment import Experiment

    values = {"name": name, "purpose": purpose, "seed": seed, "replications": replications, "days": days,
              "scale": scale, "outcomes": list(outcomes), "daily": False,
              "design": {"method": method, "samples": samples, **(extra_design or {})},
              "uncertainties": {factor: {} if bounds is None else {"low": bounds[0], "high": bounds[1]}
                                for factor, bounds in factors.items()},
              "fixed": dict(fixed or {})}
    if scenario:
        values["scenario"] = str(scenario)
    return Experiment.from_values(values, source=f"sensitivity: {name}")


def run_stage(experiment, folder: Path, *, processes: int, quiet: bool = True):
    """Run (or resume) the stage's sweep into ``folder/sweep`` and return (summary per point, SALib
    indices)."""
    from sim.analyses.sweep_report import sensitivity, summarise
    from sim.batch.engine import Engine
    from sim.batch.store import Store
    from sim.batch.sweep import run_sweep

    sweep = folder / "sweep"
    run_sweep(experiment, sweep, Engine(processes), quiet=quiet)
    runs = Store(sweep).runs()
    summary = summarise(runs, [column_name(n) for n in experiment.factor_names], list(experiment.outcomes))
    meta = json.loads((sweep / "design.json").read_text(encoding="utf-8"))
    indices = sensitivity(summary, meta, list(experiment.outcomes))
    failed = int((runs["status"] != "ok").sum())
    if indices is None:
        raise RuntimeError(f"{sweep}: no sensitivity indices ({failed} failed runs; every point needs an ok run)")
    return summary, indices


def rank_morris(indices: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """One row per factor: mu* per outcome, normalised mu*, the combined score and the rank."""
    part = indices[indices["outcome"].isin(outcomes)].copy()
    part["mu_star_norm"] = part["mu_star"] / part.groupby("outcome")["mu_star"].transform("max")
    wide = part.pivot_table(index="factor", columns="outcome",
                            values=["mu_star", "mu_star_conf", "sigma", "mu_star_norm"])
    wide.columns = [f"{value}:{outcome}" for value, outcome in wide.columns]
    wide["score"] = part.groupby("factor")["mu_star_norm"].mean()
    wide = wide.sort_values("score", ascending=False, kind="stable").reset_index()
    wide.insert(0, "rank", np.arange(1, len(wide) + 1))
    return wide


def morris_stage(out: Path, *, factors: dict[str, tuple | None] | None = None, outcomes=DEFAULT_OUTCOMES,
                 trajectories: int = 8, levels: int = 4, replications: int = 2, days: int = _ANALYSIS.days,
                 scale: float = _ANALYSIS.scale, seed: int = _ANALYSIS.first_seed - 1, scenario: str | None = None,
                 fixed: dict | None = None, processes: int = 1,
                 quiet: bool = True) -> pd.DataFrame:
    """Morris screening; writes ``out/morris/`` (experiment, sweep) and ``out/morris_ranking.csv``."""
    from sim.results.files import atomic_write_csv

    if factors is None:
        factors = {name: None for name in plausible_uncertainties()}
        factors[DUMMY] = DUMMY_RANGE
    fixed = {"workers_per_10k": NORM_WORKERS_PER_10K, "escalation_rule": SHISHI_RULE, "surge.days": 0, **(fixed or {})}
    experiment = stage_experiment("policy_morris", "Morris screening of the uncertainties (plus an inert dummy)",
                                  method="morris", samples=trajectories, factors=factors, outcomes=list(outcomes),
                                  seed=seed, replications=replications, days=days, scale=scale, scenario=scenario,
                                  fixed=fixed, extra_design={"levels": levels})
    _, indices = run_stage(experiment, out / "morris", processes=processes, quiet=quiet)
    atomic_write_csv(indices, out / "morris_indices.csv")
    ranking = rank_morris(indices, list(outcomes))
    ranking["dummy"] = ranking["factor"] == DUMMY
    atomic_write_csv(ranking, out / "morris_ranking.csv")
    return ranking


def sobol_stage(out: Path, top: list[str], *, outcomes=DEFAULT_OUTCOMES, samples: int = 32, replications: int = 2,
                days: int = _ANALYSIS.days, scale: float = _ANALYSIS.scale, seed: int = _ANALYSIS.first_seed,
                scenario: str | None = None,
                fixed: dict | None = None, processes: int = 1, include_dummy: bool = True,
                quiet: bool = True) -> pd.DataFrame:
    """Sobol first-order and total indices of the ``top`` factors (and the dummy); ``out/sobol/``."""
    from sim.results.files import atomic_write_csv

    factors: dict[str, tuple | None] = {name: (None if name != DUMMY else DUMMY_RANGE) for name in top}
    if include_dummy and DUMMY not in factors:
        factors[DUMMY] = DUMMY_RANGE
    fixed = {"workers_per_10k": NORM_WORKERS_PER_10K, "escalation_rule": SHISHI_RULE, "surge.days": 0, **(fixed or {})}
    experiment = stage_experiment("policy_sobol", "Sobol indices of the most influential uncertainties",
                                  method="sobol", samples=samples, factors=factors, outcomes=list(outcomes), seed=seed,
                                  replications=replications, days=days, scale=scale, scenario=scenario, fixed=fixed)
    _, indices = run_stage(experiment, out / "sobol", processes=processes, quiet=quiet)
    indices = indices.sort_values(["outcome", "ST"], ascending=[True, False]).reset_index(drop=True)
    atomic_write_csv(indices, out / "sobol_indices.csv")
    return indices


def _factor_label(factor: str) -> str:
    from sim.config.display import label

    return "dummy (inert)" if factor == DUMMY else label(factor)


def _measure_unit(outcome: str) -> str:
    """The unit μ* is in: the outcome's (percentage points for a share)."""
    from sim.config.display import POINTS, is_share, unit_of

    unit = unit_of(outcome)
    return POINTS if is_share(unit) else unit


def draw_morris(ranking: pd.DataFrame, outcomes, top: int = 20):
    """morris.png's figure: μ* of each factor (the top ones and the dummy) per outcome, in the
    outcome's unit over each factor's plausible range."""
    import textwrap

    from matplotlib.figure import Figure

    from sim.config.display import factor, label
    from sim.results.plotting import round_ticks

    shown = ranking.head(top)
    if DUMMY in set(ranking["factor"]) and DUMMY not in set(shown["factor"]):
        shown = pd.concat([shown, ranking[ranking["factor"] == DUMMY]])
    fig = Figure(figsize=(6 * len(outcomes) + 2, 0.3 * len(shown) + 2.0), layout="constrained")
    axes = fig.subplots(1, len(outcomes), squeeze=False)
    for column, (ax, outcome) in enumerate(zip(axes[0], outcomes, strict=False)):
        y = np.arange(len(shown))[::-1]
        scale = factor(outcome)
        mu = shown[f"mu_star:{outcome}"].to_numpy(dtype=float) * scale
        conf = np.nan_to_num(shown[f"mu_star_conf:{outcome}"].to_numpy(dtype=float)) * scale
        colours = ["tab:grey" if f == DUMMY else "tab:blue" for f in shown["factor"]]
        ax.barh(y, mu, xerr=conf, color=colours, capsize=2)
        names = [f"{r}. {_factor_label(f)}" for r, f in zip(shown["rank"], shown["factor"], strict=True)]
        ax.set_yticks(y, names if column == 0 else [], fontsize=7)
        if column == 0:
            ax.set_ylabel("Uncertain factor, by rank", fontsize=8)
        ax.set_title(textwrap.fill(label(outcome), 50), fontsize=9)
        ax.set_xlabel(f"Morris μ* ({_measure_unit(outcome)}, over each factor's plausible range; ± 95 % conf)",
                      fontsize=8)
        round_ticks(ax, "x", bins=5)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("Morris screening (means over replications per point); grey = inert dummy", fontsize=10)
    return fig


def morris_figure(ranking: pd.DataFrame, outcomes, path: Path, top: int = 20) -> None:
    draw_morris(ranking, outcomes, top).savefig(path, dpi=110, metadata={"Software": None})


def draw_sobol(indices: pd.DataFrame):
    """sobol.png's figure: first-order and total Sobol indices of the top factors, per outcome."""
    import textwrap

    from matplotlib.figure import Figure

    from sim.config.display import label
    from sim.results.plotting import round_ticks

    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig = Figure(figsize=(6 * len(outcomes), 4.6), layout="constrained")
    axes = fig.subplots(1, len(outcomes), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes, strict=False):
        part = indices[indices["outcome"] == outcome]
        x = np.arange(len(part))
        ax.bar(x - 0.2, part["S1"], 0.4, yerr=np.nan_to_num(part["S1_conf"]), label="S1 (first order)", capsize=2)
        ax.bar(x + 0.2, part["ST"], 0.4, yerr=np.nan_to_num(part["ST_conf"]), label="ST (total)", capsize=2)
        ax.set_xticks(x, [textwrap.fill(_factor_label(f), 22) for f in part["factor"]], rotation=30, ha="right",
                      rotation_mode="anchor", fontsize=7)
        ax.set_title(textwrap.fill(label(outcome), 50), fontsize=9)
        ax.set_ylabel("Sobol index (share of the outcome's variance, 0–1)", fontsize=8)
        ax.set_xlabel("Uncertain factor", fontsize=8)
        round_ticks(ax, "y")
        ax.axhline(0, color="black", linewidth=0.5)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Sobol indices (SALib; means over replications per point)", fontsize=10)
    return fig


def sobol_figure(indices: pd.DataFrame, path: Path) -> None:
    draw_sobol(indices).savefig(path, dpi=110, metadata={"Software": None})


def analyse(out: Path, *, outcomes=DEFAULT_OUTCOMES, top: int = 4, trajectories: int = 8, sobol_samples: int = 32,
            replications: int = 2, days: int = _ANALYSIS.days, scale: float = _ANALYSIS.scale,
            scenario: str | None = None,
            processes: int = 1, quiet: bool = True, progress=None) -> dict:
    """Both stages; returns {"ranking", "sobol", "top"} and writes CSVs and figures into ``out``."""
    import time

    from sim.results.files import atomic_write_json
    from sim.results.provenance import provenance

    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    ranking = morris_stage(out, outcomes=outcomes, trajectories=trajectories, replications=replications, days=days,
                           scale=scale, scenario=scenario, processes=processes, quiet=quiet)
    morris_figure(ranking, list(outcomes), out / "morris.png")
    if progress:
        progress(f"Morris screening done ({time.perf_counter() - started:.0f} s)")
    chosen = [f for f in ranking["factor"] if f != DUMMY][:top]
    sobol = sobol_stage(out, chosen, outcomes=outcomes, samples=sobol_samples, replications=replications, days=days,
                        scale=scale, scenario=scenario, processes=processes, quiet=quiet)
    sobol_figure(sobol, out / "sobol.png")
    atomic_write_json({"analysis": "sensitivity", "outcomes": list(outcomes), "top": chosen,
                       "morris": {"trajectories": trajectories, "factors": int(len(ranking)), "dummy": DUMMY},
                       "sobol": {"samples": sobol_samples}, "replications": replications, "days": days, "scale": scale,
                       "scenario": scenario, "seconds": round(time.perf_counter() - started, 1), **provenance()},
                      out / "manifest.json")
    return {"ranking": ranking, "sobol": sobol, "top": chosen}
