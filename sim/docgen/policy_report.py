"""The policy report: ``python run.py policy-report OUTDIR`` writes one Markdown report
(OUTDIR/policy_report.md) of the staffing search, the sensitivity analysis and the scenario
discovery stored in OUTDIR/staffing, OUTDIR/sensitivity and OUTDIR/discovery, with the provenance
of every run behind them; ``policy_analysis`` (``python run.py policy-analysis``) runs the three
analyses first.

    from sim.docgen.policy_report import policy_analysis
    report = policy_analysis(Path("results/policy"), parse_standard(DEFAULT_STANDARD), scale=0.05, processes=2)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analyses.pipeline import (
    DEFAULT_DISCOVERY,
    DEFAULT_STAFFING,
    Progress,
    analysis_marker,
    discovery,
    no_progress,
    search_config,
    staffing,
)
from sim.analyses.standard import Standard
from sim.config.presets import NORM_WORKERS_PER_10K, PRESETS


def _md_table(frame: pd.DataFrame, digits: int = 4) -> str:
    if frame is None or frame.empty:
        return "_(empty)_\n"

    def fmt(value):
        if isinstance(value, float):
            return "n/a" if not np.isfinite(value) else f"{value:.{digits}g}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + " --- |" * len(frame.columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(fmt(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _ci(row, name: str) -> str:
    """Mean ± 95 % half-width, formatted like a run's summary (a share as a percentage)."""
    from sim.config.display import format_estimate

    return format_estimate(name, row[name], row[f"{name}_low"], row[f"{name}_high"])


def staffing_section(folder: Path) -> list[str]:
    from sim.analyses.staffing import RULE_COLUMN

    manifest = _read_json(folder / "manifest.json")
    if not manifest:
        return ["## 1. Staffing search", "", f"_Not run: no {folder}/manifest.json._", ""]
    points = pd.read_csv(folder / "points.csv")
    answers = pd.read_csv(folder / "answers.csv")
    mono = pd.read_csv(folder / "monotonicity.csv")
    lever = manifest["lever"]
    outcomes = list(dict.fromkeys(c["outcome"] for c in manifest["standard"]))
    lines = ["## 1. Staffing search", "",
             f"**Standard:** {manifest['standard_text']} (all criteria at once).  ",
             f"**Lever searched:** `{lever}` over the grid {', '.join(f'{v:g}' for v in manifest['grid'])} "
             "(grid search: every value evaluated; no bisection, so no monotonicity is assumed).  ",
             f"**Run size:** scale {manifest['base_overrides'].get('scale')}, "
             f"{manifest['base_overrides'].get('days')} days.  ",
             f"**Stopping rule:** {manifest['stopping_rule']}.", "",
             "### Answer per escalation rule", ""]
    for _, row in answers.iterrows():
        lines.append(f"- **{row[RULE_COLUMN]}**: {row['verdict']}")
    lines += ["", "![service level against staffing](staffing/staffing.png)", "",
              "### Every point (mean ± 95 % CI half-width over replications)", ""]
    from sim.config.display import axis_label

    view = pd.DataFrame({"escalation rule": points[RULE_COLUMN], axis_label(lever): points[lever],
                         "replications": points["replications"],
                         **{axis_label(name): [_ci(r, name) for _, r in points.iterrows()] for name in outcomes},
                         "decision": points["decision"]})
    lines += [_md_table(view), "", "### Monotonicity check", "",
              "Paired differences (same seeds) between neighbouring grid values; a *reversal* is a difference "
              "significantly in the worse direction as staffing grows.", ""]
    from sim.analyses.staffing import monotonicity_summary

    lines += [f"- {line}" for line in monotonicity_summary(mono)]
    reversals = mono[mono["reversal"]] if len(mono) else mono
    if len(reversals):
        lines += ["", _md_table(reversals)]
    lines += ["", f"Run table: `staffing/runs.csv` and `staffing/runs/part-*.parquet` ({manifest['runs']} runs; "
              f"seeds in `staffing/manifest.json`).", ""]
    return lines


def sensitivity_section(folder: Path) -> list[str]:
    manifest = _read_json(folder / "manifest.json")
    if not manifest:
        return ["## 2. Sensitivity", "", f"_Not run: no {folder}/manifest.json._", ""]
    from sim.analyses.sensitivity import DUMMY

    ranking = pd.read_csv(folder / "morris_ranking.csv")
    sobol = pd.read_csv(folder / "sobol_indices.csv")
    outcomes = manifest["outcomes"]
    dummy = ranking[ranking["factor"] == DUMMY]
    dummy_rank = int(dummy["rank"].iloc[0]) if len(dummy) else None
    cols = ["rank", "factor", *[f"mu_star:{o}" for o in outcomes], "score"]
    top = ranking.head(15)
    if len(dummy) and DUMMY not in set(top["factor"]):
        top = pd.concat([top, dummy])
    inert = ranking[ranking["score"] <= (float(dummy["score"].iloc[0]) if len(dummy) else 0) + 1e-12]
    lines = ["## 2. Sensitivity", "",
             f"Morris screening of {manifest['morris']['factors'] - 1} uncertainties — every `ParamKind.UNCERTAINTY` "
             "parameter with a `plausible` range in `sim/config/params.py` (parameters without one are not screened) "
             "— plus "
             f"the inert dummy `{DUMMY}` (with `surge.days = 0`), {manifest['morris']['trajectories']} trajectories, "
             f"{manifest['replications']} replications averaged per point (common random numbers), scale "
             f"{manifest['scale']}, {manifest['days']} days, at 18 workers per 10,000 under `three_level`. "
             "μ* is per plausible range, in the outcome's units; score = mean over outcomes of μ*/max μ*.", "",
             f"The dummy ranks {dummy_rank} of {len(ranking)}" + (
                 f"; factors tied with it (no detectable effect): {', '.join(inert['factor'])}."
                 if len(inert) > 1 else "."),
             "", _md_table(top[cols]), "", "![Morris](sensitivity/morris.png)", "",
             f"### Sobol indices of the top {len(manifest['top'])} (plus the dummy)", "",
             f"Saltelli design, base N = {manifest['sobol']['samples']}; S1 first order, ST total; ± 95 % bootstrap "
             "confidence. With so small an N the intervals are wide: read the ordering, not the decimals.", "",
             _md_table(sobol[["outcome", "factor", "S1", "S1_conf", "ST", "ST_conf"]], digits=3), "",
             "![Sobol](sensitivity/sobol.png)", "",
             "Run tables: `sensitivity/morris/sweep/runs/`, `sensitivity/sobol/sweep/runs/` (Parquet; experiment files "
             "`sensitivity/*/experiment.toml`, seeds and versions in `sensitivity/*/sweep/manifest.json`). Full "
             "indices: `sensitivity/morris_indices.csv`, `sensitivity/morris_ranking.csv`, "
             "`sensitivity/sobol_indices.csv`.", ""]
    return lines


def discovery_section(folder: Path) -> list[str]:
    manifest = _read_json(folder / "manifest.json")
    if not manifest:
        return ["## 3. Scenario discovery", "", f"_Not run: no {folder}/manifest.json._", ""]
    boxes = pd.read_csv(folder / "boxes.csv")
    rates = pd.read_csv(folder / "miss_rates.csv")
    rescue = pd.read_csv(folder / "rescue.csv") if (folder / "rescue.csv").is_file() else pd.DataFrame()
    settings = manifest.get("sweep_settings") or {}
    lines = ["## 3. Scenario discovery", "",
             f"Sweep `{manifest['sweep']}`: staffing × escalation rule crossed with a Latin hypercube of "
             f"{len(manifest['uncertainties'])} uncertainties over their plausible ranges "
             f"({', '.join(f'`{u}`' for u in manifest['uncertainties'])}); scale {settings.get('scale')}, "
             f"{settings.get('days')} days, {settings.get('replications')} replications per future (averaged). "
             f"A future *misses* when the replication mean fails the standard ({manifest['standard_text']}).", "",
             "### Share of futures missing the standard", "",
             _md_table(rates), ""]
    if len(rescue):
        lines += ["Futures missed at the norm that more staff rescues (same futures, same seeds):", "",
                  _md_table(rescue), ""]
    lines += [f"### PRIM boxes at {manifest['norm']:g} workers per 10,000", "",
              f"The EMA workbench's PRIM (peeling α = {manifest['peel_alpha']}, pasting, density threshold "
              f"{manifest['threshold']}; box 2 is found after removing box 1's futures). Coverage: share of all "
              "missing futures inside the box; density: share of the box's futures that miss; mass: share of all "
              "futures in the box. **Stability**: for each restriction, the share of PRIM reruns on random halves of "
              "the futures whose box at the same coverage restricts that dimension too; a restriction that comes back "
              "in few reruns (or has a large quasi-p-value) may be chance.", ""]
    for _, row in boxes.iterrows():
        stats = "" if not np.isfinite(row.get("coverage", np.nan)) else \
            f" — coverage {row['coverage']:.0%}, density {row['density']:.0%}, mass {row['mass']:.0%}"
        stability = row.get("stability")
        stability = f"; stability: {stability}" if isinstance(stability, str) and stability else ""
        lines.append(f"- **{row['escalation_rule']}**, box {row['box']} ({row['missed']} of {row['futures']} futures "
                     f"miss): {row['description']}{stats}{stability}")
    lines += ["", "![PRIM](discovery/prim.png)", "",
              "Run tables: `discovery/sweep/runs/` (Parquet) and `discovery/futures.csv` (per future and policy, "
              "replication means and the miss flag); boxes with limits, quasi-p-values and stability: "
              "`discovery/boxes.csv`.", ""]
    return lines


def provenance_section(out: Path) -> list[str]:
    from sim.results.provenance import provenance

    now = provenance()
    lines = ["## Provenance", "", f"Report written with git commit `{now['git_commit']}`, package "
             f"{now['package_version']}, versions {json.dumps(now['versions'])}.", "",
             "| analysis | git commit | seeds | settings | run table |", "| --- | --- | --- | --- | --- |"]
    staffing = _read_json(out / "staffing" / "manifest.json")
    if staffing:
        lines.append(f"| staffing | `{staffing.get('git_commit')}` | seed {staffing['seed']} → "
                     f"{len(staffing['seeds'])} replication seeds (first: {staffing['seeds'][:3]}) | scenario "
                     f"`{Path(staffing['scenario']).name if staffing['scenario'] else 'baseline'}`, "
                     f"{json.dumps(staffing['base_overrides'])} | `staffing/runs.csv` |")
    for stage in ("morris", "sobol"):
        manifest = _read_json(out / "sensitivity" / stage / "sweep" / "manifest.json")
        if manifest:
            lines.append(f"| sensitivity: {stage} | `{manifest.get('git_commit')}` | {manifest.get('seeds')} | "
                         f"{json.dumps(manifest.get('settings'))} | `sensitivity/{stage}/sweep/runs/` |")
    discovery = _read_json(out / "discovery" / "manifest.json")
    if discovery:
        lines.append(f"| discovery | `{discovery.get('sweep_git_commit')}` | {discovery.get('sweep_seeds')} | "
                     f"{json.dumps(discovery.get('sweep_settings'))} | `{discovery['sweep']}/runs/` |")
    lines += ["", "Every parameter of every run: the base scenario's resolved parameters are in "
              "`staffing/manifest.json` (`scenario_parameters`, changed from the defaults) and each sweep's "
              "`manifest.json` (scenario files with sha256); the varied values are columns of each run table. "
              "Package versions per analysis are in each manifest (`versions`).", ""]
    timings = _read_json(out / "timings.json")
    if timings:
        lines += [f"End-to-end wall time: {timings['total_seconds']:.0f} s "
                  f"({', '.join(f'{k} {v:.0f} s' for k, v in timings['seconds'].items())}).", ""]
    return lines


def write_report(out: str | Path) -> Path:
    out = Path(out)
    parts = ["# Policy analysis: staffing, sensitivity, scenario discovery", "",
             "Generated by `python run.py policy-report` from the stored analyses in this folder "
             "(see docs/policy.md for what each analysis means).", ""]
    parts += staffing_section(out / "staffing")
    parts += sensitivity_section(out / "sensitivity")
    parts += discovery_section(out / "discovery")
    parts += provenance_section(out)
    path = out / "policy_report.md"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path


def policy_analysis(out: Path, standard: Standard, *, scale: float = PRESETS["analysis"].scale,
                    days: int = PRESETS["analysis"].days, processes: int = 1, min_replications: int = 4,
                    step: int = 4, max_replications: int = 20, seed: int | None = None, trajectories: int = 8,
                    top: int = 4, sobol_samples: int = 32, replications: int = PRESETS["analysis"].seeds,
                    sweep_outcomes: tuple[str, ...] = (), progress: Progress = no_progress, quiet: bool = True) -> Path:
    """Staffing search, sensitivity (Morris, then Sobol) and scenario discovery at one run size,
    then the report; returns the report's path. ``sweep_outcomes``: the outcomes sensitivity
    analyses (default: the standard's). Each analysis's folder is marked as its own command
    marks it (``sim.results.folders``); progress bars on a terminal unless ``quiet``."""
    from sim.analyses.sensitivity import analyse
    from sim.batch.progress import ProgressBar
    from sim.results.files import atomic_write_json
    from sim.results.folders import mark

    started = time.perf_counter()
    timings = {}
    t = time.perf_counter()
    progress("1/3 staffing search")
    config = search_config(DEFAULT_STAFFING, standard, scale=scale, days=days, seed=seed,
                           min_replications=min_replications, step=step, max_replications=max_replications)
    points = len(config.rules) * len(config.grid)
    with ProgressBar("staffing", points * config.max_replications, quiet=quiet) as bar:
        staffing(config, mark(out / "staffing", analysis_marker("staffing", config.to_json())), processes=processes,
                 progress=progress, bar=bar)
    timings["staffing"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("2/3 sensitivity (Morris, then Sobol)")
    outcomes = list(sweep_outcomes or dict.fromkeys(c.outcome for c in standard.criteria))
    settings = dict(outcomes=outcomes, top=top, trajectories=trajectories, sobol_samples=sobol_samples,
                    replications=replications, days=days, scale=scale, scenario=None)
    analyse(mark(out / "sensitivity", analysis_marker("sensitivity", settings)), **settings, processes=processes,
            progress=progress, quiet=quiet)
    timings["sensitivity"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("3/3 scenario discovery")
    what = {"source": str(Path(DEFAULT_DISCOVERY).resolve()), "standard": str(standard), "norm": NORM_WORKERS_PER_10K,
            "scale": scale, "days": days, "replications": replications, "threshold": 0.8, "peel_alpha": 0.05}
    discovery(DEFAULT_DISCOVERY, mark(out / "discovery", analysis_marker("discovery", what)), standard,
              replications=replications, scale=scale, days=days, processes=processes, progress=progress, quiet=quiet)
    timings["discovery"] = time.perf_counter() - t
    atomic_write_json({"seconds": {k: round(v, 1) for k, v in timings.items()},
                       "total_seconds": round(time.perf_counter() - started, 1),
                       "settings": {"scale": scale, "days": days, "standard": str(standard), "processes": processes,
                                    "replications": replications, "trajectories": trajectories, "top": top,
                                    "sobol_samples": sobol_samples}}, out / "timings.json")
    return write_report(out)
