"""docs/ensemble.md: how the calibrated ensemble was made and what it says.

Read from the ensemble's own files (``members.csv``, ``provenance.json``; ``sim.config.ensemble``):
the generations of ABC-SMC with their tolerances, runs and times; the posterior of every
parameter against its prior (5 %, 50 %, 95 % and how much the patterns narrowed it); and the
posterior predictive check: each pattern, fitted or held out, across the members' own runs
against its band. ``python -m sim.docgen.ensemble_report`` regenerates the page from the shipped
ensemble; ``python run.py calibrate`` writes it after rebuilding.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from sim.analyses.calibration import TARGETS
from sim.analyses.stats import weighted_quantiles
from sim.config.ensemble import ENSEMBLE_DIR, MEMBERS_FILE, PROVENANCE_FILE, Ensemble, load_ensemble
from sim.config.errors import CliError
from sim.config.params import PARAMS
from sim.config.paths import DOCS
from sim.config.presets import AbcSettings

MADE_BY = "python run.py calibrate"
SHOWN_PARAMETERS = 25  # the posterior table: the parameters the patterns narrowed most


# ---------------------------------------------------------------------- the folder and the time
def check_ensemble_folder(folder: Path) -> None:
    """The shipped ensemble's folder may be rebuilt only if this program wrote what is in it."""
    folder = Path(folder)
    if not folder.exists():
        return
    if not folder.is_dir():
        raise CliError(f"calibrate: {folder} exists and is not a folder")
    foreign = sorted(p.name for p in folder.iterdir() if p.name not in (MEMBERS_FILE, PROVENANCE_FILE))
    try:
        made_by = json.loads((folder / PROVENANCE_FILE).read_text(encoding="utf-8")).get("made_by")
    except (OSError, ValueError, AttributeError):
        made_by = None
    if foreign or (any(folder.iterdir()) and made_by != MADE_BY):
        raise CliError(f"calibrate: {folder} holds files this program did not write "
                       f"({', '.join(foreign[:3]) or PROVENANCE_FILE + ' without made_by'}); move them first")


def time_estimate(settings: AbcSettings, processes: int, folder: Path = ENSEMBLE_DIR) -> str:
    """What the rebuild will cost, from the shipped ensemble's own run (its seconds per run per
    process, scaled by the city's size and the days), said before it starts."""
    budget = (f"ABC-SMC: population {settings.population}, at most {settings.generations} generations and "
              f"{settings.max_runs:,} runs at scale {settings.scale:g}, {settings.days} days, {processes} processes")
    try:
        made = json.loads((Path(folder) / PROVENANCE_FILE).read_text(encoding="utf-8"))
        per_run = made["wall_seconds"] * made["settings"]["processes"] / made["total_runs"]
        per_run *= (settings.scale / made["scale"]) * ((settings.days + 60) / (made["days"] + 60))
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):
        return f"{budget}; no earlier rebuild to time it by (expect about a second a run per process)"
    # pyabc finishes the generation under way when the budget is spent: scale by the shipped overshoot
    overshoot = made["total_runs"] / made["settings"]["max_runs"] if made["settings"].get("max_runs") else 1.0
    minutes = settings.max_runs * max(overshoot, 1.0) * per_run / processes / 60
    return (f"{budget}: about {minutes:.0f} min (the shipped ensemble took {made['wall_seconds'] / 60:.0f} min "
            f"for {made['total_runs']:,} runs on {made['settings']['processes']} processes: the generation under "
            "way when the budget ran out was finished)")


# ---------------------------------------------------------------------- the tables
def _fmt(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def posterior_rows(ensemble: Ensemble) -> list[dict]:
    """Per parameter: prior range, weighted 5/50/95 % and the narrowing (1 − posterior 90 % width /
    prior 90 % width; 0 = the patterns say nothing about it)."""
    weights = [member.weight for member in ensemble.members]
    rows = []
    for name in ensemble.members[0].values:
        low, high = PARAMS[name].plausible
        values = [member.values[name] for member in ensemble.members]
        p5, p50, p95 = weighted_quantiles(values, weights, (0.05, 0.5, 0.95))
        prior_width = 0.9 * (high - low)
        rows.append({"name": name, "unit": PARAMS[name].unit, "default": PARAMS[name].default, "low": low,
                     "high": high, "p5": p5, "p50": p50, "p95": p95,
                     "narrowing": 1 - (p95 - p5) / prior_width if prior_width > 0 else 0.0})
    return sorted(rows, key=lambda row: -row["narrowing"])


def predictive_rows(ensemble: Ensemble) -> list[dict]:
    """Per pattern: band, the members' own runs' weighted median and 90 % interval, and the
    (weighted) share of members inside the band."""
    patterns = ensemble.provenance.get("patterns", {})
    rows = []
    for target in TARGETS:
        values, weights = [], []
        for member in ensemble.members:
            value = patterns.get(str(member.index), {}).get(target.measure)
            if value is not None:
                values.append(float(value))
                weights.append(member.weight)
        if not values:
            continue
        median, low, high = weighted_quantiles(values, weights, (0.5, 0.05, 0.95))
        array, mass = np.array(values), np.array(weights)
        inside_band = (array >= target.low) & (array <= target.high)
        rows.append({"target": target, "median": median, "low": low, "high": high,
                     "inside": float(mass[inside_band].sum() / mass.sum()) if mass.sum() > 0 else math.nan})
    return rows


def report_text(ensemble: Ensemble) -> str:
    made = ensemble.provenance
    settings = made.get("settings", {})
    generations = made.get("generations", [])
    weights = np.array([member.weight for member in ensemble.members])
    ess = 1 / float(np.sum(weights ** 2)) if weights.sum() > 0 else math.nan
    lines = [
        "# The calibrated ensemble",
        "",
        "<!-- generated by `python run.py calibrate` (or `python -m sim.docgen.ensemble_report`); do not edit -->",
        "",
        f"{len(ensemble)} calibrated worlds (`scenarios/ensemble/members.csv`): parameter sets accepted by "
        "approximate Bayesian computation (ABC-SMC, pyabc) over every uncertainty with a plausible range, "
        "uniform priors on those ranges, against Shishi's patterns (`sim/analyses/calibration.py`, sources in "
        "docs/calibration.md). A member's weight is its importance weight; answers across the ensemble "
        "(`--ensemble N`) are weighted medians and 90 % intervals over members. Each member ran once, on the "
        "seed its values hash to, so the spread below carries the model's own noise as well as the "
        "parameters'.",
        "",
        "## How it was made",
        "",
        f"- command: `{made.get('made_by', '?')}`, started {made.get('started', '?')}, code "
        f"`{str(made.get('git_commit', '?'))[:12]}`",
        f"- runs at scale {made.get('scale', '?')} (of 700,000 residents), {made.get('days', '?')} days after the "
        f"warm-up; population {settings.get('population', '?')}, at most {settings.get('max_generations', '?')} "
        f"generations, a budget of {settings.get('max_runs', '?')} runs, {settings.get('processes', '?')} processes",
        f"- **{made.get('total_runs', 0):,} runs in {made.get('wall_seconds', 0) / 60:.0f} minutes** "
        f"({made.get('wall_seconds', 0) * settings.get('processes', 1) / max(made.get('total_runs', 1), 1):.2f} s "
        "a run per process, on a two-core machine shared with other work); effective sample size of the final "
        f"weights {ess:.0f} of {len(ensemble)}",
        *(f"- patterns re-measured {again.get('at', '?')} on code `{str(again.get('git_commit', '?'))[:12]}` "
          f"({again.get('runs', 0)} runs, `python run.py calibrate --remeasure`): {again.get('reason', '')}. The "
          "members and their weights are the calibration's; the check below is on the new patterns"
          for again in made.get("remeasured", [])),
        f"- perturbed by the kernel ({len(settings.get('perturbed', []))} parameters that moved a fitted pattern "
        "in the prior draws of generation 0; every other parameter is drawn from its prior in each generation, "
        "so what the patterns say about it acts only through acceptance): "
        + (", ".join(f"`{name}`" for name in settings.get("perturbed", [])) or "none"),
        "",
        "| generation | tolerance (band widths) | runs | acceptance | minutes |",
        "|---:|---:|---:|---:|---:|",
    ]
    for generation in generations:
        lines.append(f"| {generation['t']} | {generation['epsilon']:.2f} | {generation['runs']:,} | "
                     f"{generation['acceptance']:.1%} | {generation['seconds'] / 60:.1f} |")
    lines += [
        "",
        "The tolerance is the largest distance of any fitted pattern from its target, in units of its band on "
        "that side: 1 means every fitted pattern inside its band. "
        + ("The last generation reached it." if generations and generations[-1]["epsilon"] <= 1 else
           "The last generation did not reach 1 within the run budget: some members miss a band, which the "
           "check below shows pattern by pattern."),
        "",
        "## Posterior predictive check",
        "",
        "Each pattern across the members' own runs (weighted median and 90 % interval) against its band. Held-out "
        "patterns were measured on the same runs but never used in the distance.",
        "",
        "| pattern | use | band | point | median | 90 % interval | members inside |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in predictive_rows(ensemble):
        target = row["target"]
        lines.append(f"| {target.title} (`{target.measure}`) | {'held out' if target.held_out else 'fitted'} | "
                     f"{_fmt(target.low)}–{_fmt(target.high)} | {_fmt(target.point)} | {_fmt(row['median'])} | "
                     f"{_fmt(row['low'])}–{_fmt(row['high'])} | {row['inside']:.0%} |")
    rows = posterior_rows(ensemble)
    lines += [
        "",
        "## Posterior against prior",
        "",
        f"The {SHOWN_PARAMETERS} parameters the patterns narrowed most (narrowing: 1 − the posterior's 90 % width "
        "over the prior's; about 0 means the patterns say nothing about it, and with one run per member a few "
        "percent either way is noise). All "
        f"{len(rows)} are in `members.csv`.",
        "",
        "| parameter | unit | default | prior | posterior 5 % | median | 95 % | narrowing |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows[:SHOWN_PARAMETERS]:
        lines.append(f"| `{row['name']}` | {row['unit']} | {_fmt(row['default'])} | {_fmt(row['low'])}–"
                     f"{_fmt(row['high'])} | {_fmt(row['p5'])} | {_fmt(row['p50'])} | {_fmt(row['p95'])} | "
                     f"{row['narrowing']:.0%} |")
    unmoved = sum(abs(row["narrowing"]) < 0.1 for row in rows)
    lines += ["", f"{unmoved} of {len(rows)} parameters are narrowed by less than 10 %: their uncertainty passes "
                  "into every answer across the ensemble.", ""]
    return "\n".join(lines)


def write_report(folder: Path = ENSEMBLE_DIR, path: Path | None = None) -> Path:
    from sim.results.files import atomic_write_bytes

    path = Path(path) if path is not None else DOCS / "ensemble.md"
    atomic_write_bytes(path, report_text(load_ensemble(folder)).encode("utf-8"))
    return path


if __name__ == "__main__":
    print(f"wrote {write_report(Path(sys.argv[1]) if len(sys.argv) > 1 else ENSEMBLE_DIR)}")
