"""The policy report: ``python run.py policy-report OUTDIR`` writes one Markdown report
(OUTDIR/policy_report.md) of the analyses stored in OUTDIR, with the provenance of every run
behind them; ``policy_analysis`` (``python run.py policy-analysis``) runs them first:

1. the staffing answer per rule in every calibrated world (``sim.analyses.worlds``: a staffing
   grid in each ensemble member, per-member answers, their weighted spread) → OUTDIR/worlds;
2. the sensitivity of the decisions (``sim.analyses.decisions``: Morris group screening of the
   level, the staffing slope and the rule differences) → OUTDIR/decisions;
3. discovery over the members: PRIM on which worlds miss the standard at 18 per 10,000 →
   OUTDIR/discovery_worlds (no runs of its own: it reads step 1's).

Folders of the former analyses (OUTDIR/staffing, sensitivity, discovery, written by the
``staffing``, ``sensitivity`` and ``discover`` commands) are reported too when present.
``write_doc`` puts the report's answers into docs/policy.md (between its answer markers).

    from sim.docgen.policy_report import policy_analysis
    report = policy_analysis(Path("results/policy"), parse_standard(DEFAULT_STANDARD), processes=2)
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analyses.pipeline import Progress, no_progress
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


def standard_section(standard_json: list[dict]) -> list[str]:
    from sim.analyses.standard import RULE_VARIANTS, STRICTNESS_VARIANTS

    lines = ["## The service standard and its sources", "",
             "The standard is met when every criterion is (on the mean over the seeds, per world):", "",
             "| criterion | the rule it encodes (source) |", "| --- | --- |"]
    for entry in standard_json:
        lines.append(f"| `{entry['outcome']} {entry['op']} {entry['threshold']:g}` | "
                     f"{entry.get('source') or '(chosen by the user; no source)'} |")
    lines += ["", "Each threshold is 95 %: the rules say *as a rule* (一般; extensions allowed) and the article "
              "says *close to 100 %* (接近100%), read as at least 95 % — one convention for all four, fixed "
              "before any run (see `sim/analyses/standard.py`). The answers below are also given at "
              + ", ".join(f"{v:.0%}" for v in STRICTNESS_VARIANTS) + " and with Fuzhou 2017's hotline limits "
              + " and ".join(f"`{v}`" for vs in RULE_VARIANTS.values() for v in vs)
              + " in place of Shandong's five working days, from the same runs.", ""]
    return lines


def worlds_section(folder: Path) -> list[str]:
    from sim.analyses.worlds import RULE, sentence

    manifest = _read_json(folder / "manifest.json")
    if not manifest:
        return []
    spread = pd.read_csv(folder / "spread.csv")
    means = pd.read_csv(folder / "member_means.csv")
    grid = manifest["grid"]
    lines = standard_section(manifest["standard"])
    lines += ["## 1. Staffing per rule across calibrated worlds", "",
              f"A staffing grid ({', '.join(f'{v:g}' for v in grid)} workers per 10,000) under each rule, in each of "
              f"{manifest['members']} members of the calibrated ensemble ({_shown(manifest['ensemble'].split(',')[0])}"
              f"{',' + manifest['ensemble'].split(',', 1)[1] if ',' in manifest['ensemble'] else ''}), on "
              f"{len(manifest['seeds'])} common seeds (scale {manifest['scale']}, {manifest['days']} days). Per world "
              "the answer is the smallest grid value from which every larger one meets the standard; the spread is "
              "over these per-world answers, weighted by the members' importance weights.", ""]
    default = spread[spread["standard"] == "default"]
    for _, row in default.iterrows():
        lines.append(f"- **{row[RULE]}**: {sentence(row, manifest['norm'], grid[-1])}.")
    at_norm = means[np.isclose(means["workers_per_10k"], manifest["norm"])]
    criteria = [c for c in means.columns if c.startswith("met:")]
    if criteria:
        lines += ["", f"Which criterion binds: the share of worlds (unweighted) meeting each at {manifest['norm']:g} "
                  "per 10,000, and each outcome's median over worlds:", ""]
        table = []
        for rule, part in at_norm.groupby(RULE, sort=False):
            row = {RULE: rule}
            for column in criteria:
                outcome = column[4:].split(" ")[0]
                row[column[4:]] = f"{part[column].mean():.0%} (median {part[outcome].median():.3f})"
            table.append(row)
        lines += [_md_table(pd.DataFrame(table))]
    lines += ["", "How the answer moves with the reading of the rules (same runs):", ""]
    view = spread.copy()
    view["share_met_at_norm"] = [f"{v:.0%}" for v in view["share_met_at_norm"]]
    view["share_beyond_grid"] = [f"{v:.0%}" for v in view["share_beyond_grid"]]
    for column in ("need_p50", "need_p90"):
        view[column] = [f"> {grid[-1]:g}" if np.isinf(v) else f"{v:g}" for v in view[column]]
    lines += [_md_table(view[["standard", RULE, "share_met_at_norm", "need_p50", "need_p90", "share_beyond_grid"]]),
              "", "Variants: " + "; ".join(f"`{k}` = {v}" for k, v in manifest["variants"].items()) + ".", "",
              "Tables: `worlds/member_means.csv` (per world, rule and staffing: the means and the met flags), "
              "`worlds/member_answers.csv`, `worlds/spread.csv`, `worlds/runs.csv`.", ""]
    return lines


def decisions_section(folder: Path) -> list[str]:
    from sim.analyses.decisions import DUMMY_GROUP, MARGIN

    manifest = _read_json(folder / "manifest.json")
    if not manifest:
        return []
    indices = pd.read_csv(folder / "indices.csv")
    lines = ["## 2. What the decisions are sensitive to", "",
             f"Morris group screening (SALib) of {manifest['factors']} uncertainties over their plausible ranges, in "
             f"{manifest['groups']} groups by system plus an inert dummy group, {manifest['trajectories']} "
             f"trajectories, {manifest['runs']} runs (six per point on common seeds: shishi at 12, 18, 24 and the "
             "other rules at 18; scale "
             f"{manifest['scale']}, {manifest['days']} days). Quantities: the **level** (shishi at 18), the **slope** "
             "(shishi at 24 minus 12) and the **rule differences** (shishi minus each other rule at 18), of each "
             f"criterion's outcome and of the standard's margin (`{MARGIN}`: the smallest distance to a threshold, "
             "positive when met). μ* per unit of the plausible range, in the outcome's units. The dummy's μ* is the "
             "floor: with common seeds an inert factor changes nothing (μ* = 0 exactly), so it shows that no effect "
             "is manufactured by the design, not how large run noise is — moving a real parameter also reshuffles "
             "the random draws, and μ* of a few thousandths in a share is within that reshuffling.", ""]
    for quantity_kind, title in (("level", "level at 18"), ("slope_12_24", "slope 12 → 24"),
                                 ("shishi_minus_three_level", "shishi − three_level"),
                                 ("shishi_minus_direct_dispatch", "shishi − direct_dispatch"),
                                 ("shishi_minus_bottom_up", "shishi − bottom_up")):
        part = indices[indices["kind"] == quantity_kind]
        if part.empty:
            continue
        rows = []
        for quantity, block in part.groupby("quantity", sort=False):
            block = block.sort_values("mu_star", ascending=False)
            dummy = block[block["group"] == DUMMY_GROUP]["mu_star"]
            top = block[block["group"] != DUMMY_GROUP].head(3)
            rows.append({"outcome": quantity.split(":")[0],
                         "top groups (μ*)": "; ".join(f"{r['group']} ({r['mu_star']:.3g})" for _, r in top.iterrows()),
                         "dummy μ*": f"{dummy.iloc[0]:.3g}" if len(dummy) else "n/a"})
        lines += [f"**{title}**", "", _md_table(pd.DataFrame(rows)), ""]
    lines += ["Full indices: `decisions/indices.csv`; per point: `decisions/quantities.csv`; runs: "
              "`decisions/runs.csv`.", ""]
    return lines


def discovery_worlds_section(folder: Path) -> list[str]:
    manifest = _read_json(folder / "manifest.json")
    if not manifest:
        return []
    boxes = pd.read_csv(folder / "boxes.csv")
    lines = ["## 3. In which calibrated worlds does 18 per 10,000 miss the standard?", "",
             f"PRIM (the EMA workbench's `Prim`, through `sim.analyses.prim`: peeling α = {manifest['peel_alpha']}, "
             f"density threshold {manifest['threshold']}) over the {manifest['members']} members at "
             f"{manifest['norm']:g} per 10,000, per rule; dimensions: the members' values of "
             f"{len(manifest['dims'])} uncertainties ({manifest['dims_reason']}). Targets: the whole standard, and "
             "each criterion some worlds meet and some miss. PRIM counts members (no weights); the weighted miss share "
             "is beside it. With a few dozen worlds, boxes are suggestions: read the stability (share of PRIM reruns "
             "on random halves that restrict the dimension again) and the quasi-p-values.", ""]
    view = boxes.copy()
    view["weighted_miss_share"] = [f"{v:.0%}" for v in view["weighted_miss_share"]]
    columns = [c for c in ("escalation_rule", "target", "members", "missed", "weighted_miss_share", "description",
                           "coverage", "density", "stability") if c in view.columns]
    lines += [_md_table(view[columns], digits=3), "", "Boxes with quasi-p-values: `discovery_worlds/boxes.csv`.", ""]
    return lines


def timings_section(out: Path) -> list[str]:
    timings = _read_json(out / "timings.json")
    if not timings:
        return []
    settings = timings.get("settings", {})
    lines = ["## Time", "", f"End-to-end wall time: **{timings['total_seconds']:.0f} s** "
             f"({', '.join(f'{k} {v:.0f} s' for k, v in timings['seconds'].items())}) for {timings.get('runs')} runs "
             f"on {settings.get('processes')} processes ({timings.get('seconds_per_run', float('nan')):.2f} s of wall "
             "time per run)."]
    cpu, processes = timings.get("run_cpu_seconds"), settings.get("processes") or 1
    if cpu:
        load = timings.get("load_average_at_end")
        lines.append(f"The runs' CPU time: {cpu:.0f} s, i.e. about {cpu / processes:.0f} s of wall time on "
                     f"{processes} idle cores" + (f" (the load average when it ended: {load[0]:.1f}; the "
                                                  "machine was shared)" if load else "") + ".")
    return [*lines, ""]


def _shown(folder: Path) -> str:
    """A folder as the docs show it: relative to the working directory when under it."""
    try:
        return str(Path(folder).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(folder)


def write_report(out: str | Path) -> Path:
    out = Path(out)
    parts = ["# Policy analysis", "",
             "Generated by `python run.py policy-report` from the stored analyses in this folder "
             "(see docs/policy.md for what each analysis means).", ""]
    parts += report_body(out)
    parts += provenance_section(out)
    path = out / "policy_report.md"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path


def report_body(out: Path) -> list[str]:
    """The answers: the new analyses' sections, then any former analysis found in ``out``."""
    parts = worlds_section(out / "worlds") + decisions_section(out / "decisions")
    parts += discovery_worlds_section(out / "discovery_worlds")
    for folder, section in (("staffing", staffing_section), ("sensitivity", sensitivity_section),
                            ("discovery", discovery_section)):
        if (out / folder / "manifest.json").is_file():
            parts += section(out / folder)
    return parts + timings_section(out)


DOC_BEGIN, DOC_END = "<!-- policy-analysis answers: begin -->", "<!-- policy-analysis answers: end -->"


def write_doc(out: str | Path, doc: str | Path, note: str = "") -> Path:
    """Put the answers of the analysis in ``out`` into ``doc`` (docs/policy.md) between its
    markers, headings one level down; ``note`` says what was run (e.g. which ensemble)."""
    out, doc = Path(out), Path(doc)
    text = doc.read_text(encoding="utf-8")
    if DOC_BEGIN not in text or DOC_END not in text:
        raise ValueError(f"{doc}: no {DOC_BEGIN} … {DOC_END} markers")
    body = ["#" + line if line.startswith("##") else line for line in report_body(out)]
    body = [line.replace("](worlds/", f"]({out}/worlds/") for line in body]
    head, rest = text.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    doc.write_text(head + DOC_BEGIN + "\n\n" + (note + "\n\n" if note else "") + "\n".join(body).rstrip()
                   + "\n\n" + DOC_END + tail, encoding="utf-8")
    return doc


def policy_analysis(out: Path, standard: Standard, *, ensemble: str | Path | None = None, members: int = 16,
                    seeds: int = 2, grid: tuple[float, ...] | None = None, rules: tuple[str, ...] | None = None,
                    scale: float = PRESETS["analysis"].scale, days: int = PRESETS["analysis"].days,
                    trajectories: int = 6, processes: int = 1, seed: int = PRESETS["analysis"].first_seed,
                    progress: Progress = no_progress, quiet: bool = True, engine=None,
                    every_seconds: float = 30.0) -> Path:
    """The staffing answer per rule across ``members`` calibrated worlds, the sensitivity of the
    decisions, and discovery over the worlds; then the report (returns its path). Progress: the
    plan, then every ``every_seconds`` the runs done of the whole analysis's total, the time
    elapsed and an estimate of the time left. ``engine``: a ``sim.batch.engine.Engine`` (tests
    pass one with a stand-in model)."""
    from sim.analyses import decisions, worlds
    from sim.analyses.standard import LEGACY_STANDARD, STRICTNESS, STRICTNESS_VARIANTS, parse_standard, sourced_standard
    from sim.batch.engine import Engine
    from sim.batch.progress import RunClock
    from sim.batch.seeds import spawned_seeds
    from sim.config.ensemble import load_ensemble
    from sim.results.files import atomic_write_csv, atomic_write_json
    from sim.results.provenance import provenance

    started = time.perf_counter()
    out = Path(out)
    loaded = load_ensemble(ensemble)
    chosen = loaded.take(members)
    grid = tuple(grid or worlds.DEFAULT_GRID)
    rules = tuple(rules or worlds.default_rules())
    seed_list = tuple(spawned_seeds(seed, seeds))
    variants = {f"{share:.0%} of cases": sourced_standard(share) for share in STRICTNESS_VARIANTS}
    variants.update({f"Fuzhou {n} working days": sourced_standard(STRICTNESS, n) for n in (3, 10)})
    variants["former default (unsourced)"] = LEGACY_STANDARD
    parsed_variants = {label: parse_standard(text) for label, text in variants.items()}
    outcomes = tuple(dict.fromkeys([*standard.outcomes, *(o for v in parsed_variants.values() for o in v.outcomes)]))
    config = worlds.WorldsConfig(grid, rules, seed_list, outcomes, scale, days)
    factors = decisions.default_factors()
    groups = len({decisions.system_of(name) for name in factors})
    world_runs = config.runs(len(chosen))
    decision_runs = decisions.runs_needed(trajectories, groups, 1)
    clock = RunClock(world_runs + decision_runs, progress, every_seconds=every_seconds)
    progress(f"plan: {world_runs} runs for the staffing grid ({len(grid)} values × {len(rules)} rules × "
             f"{len(chosen)} worlds × {len(seed_list)} seeds) + {decision_runs} for the decision sensitivity "
             f"({trajectories} Morris trajectories × {groups + 1} points × 6) = {clock.total} runs at scale {scale}, "
             f"{days} days, on {processes} process(es); time left is estimated from the first runs")
    engine = engine or Engine(processes, execute_run=worlds.execute_timed)
    timings = {}

    t = time.perf_counter()
    clock.stage("1/3 staffing across worlds")
    result = worlds.analyse(out / "worlds", config, chosen, standard, variants=parsed_variants, engine=engine,
                            on_done=clock.advance)
    ensemble_label = _shown(loaded.folder) + (f", calibrated at scale {loaded.provenance.get('scale')}"
                                           if loaded.provenance.get("scale") else "")
    atomic_write_json({"analysis": "worlds", "grid": list(grid), "rules": list(rules), "seeds": list(seed_list),
                       "members": len(chosen), "member_ids": [m.index for m in chosen], "ensemble": ensemble_label,
                       "scale": scale, "days": days, "norm": NORM_WORKERS_PER_10K, "standard": standard.to_json(),
                       "standard_text": str(standard), "variants": variants, **provenance()},
                      out / "worlds" / "manifest.json")
    timings["staffing across worlds"] = time.perf_counter() - t

    t = time.perf_counter()
    clock.stage("2/3 decision sensitivity")
    found = decisions.analyse(out / "decisions", standard, factors=factors, trajectories=trajectories,
                              seeds=seed_list[:1], scale=scale, days=days, seed=seed, engine=engine,
                              on_done=clock.advance)
    atomic_write_json({"analysis": "decisions", "factors": len(factors) - 1, "groups": groups - 1,
                       "group_of": found["groups"], "trajectories": trajectories, "runs": int(len(found["runs"])),
                       "seeds": list(seed_list[:1]), "scale": scale, "days": days, "standard": standard.to_json(),
                       **provenance()}, out / "decisions" / "manifest.json")
    timings["decision sensitivity"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("3/3 discovery over the worlds (PRIM, no new runs)")
    top = decisions.top_groups(found["indices"][found["indices"]["quantity"] == f"{decisions.MARGIN}:level"]) \
        if len(found["indices"]) else []
    dims = [name for name, group in found["groups"].items() if group in top]
    dims_reason = (f"those of the 3 systems that move the standard's margin at 18 most ({', '.join(top)}): a few "
                   "dozen worlds cannot support a search over every uncertainty") if dims else "every uncertainty"
    boxes = worlds.discover(result["means"], chosen, standard, dims=dims or None)
    (out / "discovery_worlds").mkdir(parents=True, exist_ok=True)
    atomic_write_csv(boxes, out / "discovery_worlds" / "boxes.csv")
    atomic_write_json({"analysis": "discovery over worlds", "members": len(chosen), "norm": NORM_WORKERS_PER_10K,
                       "dims": dims, "dims_reason": dims_reason, "threshold": 0.8, "peel_alpha": 0.1,
                       "standard": standard.to_json(), **provenance()}, out / "discovery_worlds" / "manifest.json")
    timings["discovery over worlds"] = time.perf_counter() - t
    total = time.perf_counter() - started
    cpu = [float(frame["cpu_seconds"].sum()) for frame in (result["runs"], found["runs"]) if "cpu_seconds" in frame]
    atomic_write_json({"seconds": {k: round(v, 1) for k, v in timings.items()}, "total_seconds": round(total, 1),
                       "runs": clock.done, "seconds_per_run": total / max(1, clock.done),
                       "run_cpu_seconds": round(sum(cpu), 1) if cpu else None,
                       "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
                       "settings": {"scale": scale, "days": days, "standard": str(standard), "processes": processes,
                                    "members": len(chosen), "seeds": seeds, "trajectories": trajectories,
                                    "grid": list(grid)}}, out / "timings.json")
    progress(f"done in {total / 60:.1f} min")
    return write_report(out)
