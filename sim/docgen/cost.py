"""docs/cost.md: what each policy costs, what it buys, and which policy is least bad across the
calibrated worlds. The same runs serve the frontier and the regret table (every escalation rule at
every staffing level in every member, on common seeds).

    ./dev python -m sim.docgen.cost [--scale 0.05] [--seeds 1] [--ensemble 10] [--processes 2]

Also the Markdown of the ``cost`` and ``robust`` commands' summary.md (``cost_summary_markdown``,
``robust_summary_markdown``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim.analyses.cost import CLASS_LABELS, CLASSES, LINES, STAFF
from sim.config.costs import COSTS

IMG = "img"


def _yuan(value: float) -> str:
    if value != value:
        return "–"
    return f"{value / 1e6:,.1f} M" if abs(value) >= 1e6 else f"{value:,.0f}"


def _interval(median: float, low: float, high: float, digits: int = 1, million: bool = False) -> str:
    if median != median:
        return "–"
    if million:
        return f"{median / 1e6:,.1f} [{low / 1e6:,.1f}, {high / 1e6:,.1f}]"
    if low == high:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def sources_markdown() -> list[str]:
    lines = ["| price | default | unit | plausible range | source |", "| --- | ---: | --- | --- | --- |"]
    for item in COSTS.values():
        fmt = (lambda v: f"{v:g}") if item.default < 10 else (lambda v: f"{v:,.0f}")
        lines.append(f"| `{item.name}` | {fmt(item.default)} | {item.unit} | {fmt(item.plausible[0])}–"
                     f"{fmt(item.plausible[1])} | {item.source} |")
    return lines


def frontier_markdown(table: pd.DataFrame) -> list[str]:
    lines = ["| rule | workers per 10,000 | cost (M yuan a year) | yuan per resolved case | disputes resolved "
             "within 30 days (%) | on the disputes frontier | public-service requests resolved within 30 days (%) "
             "| on the public-service frontier |",
             "| --- | ---: | ---: | ---: | ---: | :---: | ---: | :---: |"]
    for _, row in table.sort_values(["escalation_rule", "workers_per_10k"]).iterrows():
        lines.append(
            f"| {row['escalation_rule']} | {row['workers_per_10k']:g} | "
            f"{_interval(row['cost_yuan'], row['cost_yuan_low'], row['cost_yuan_high'], million=True)} | "
            f"{row['cost_per_resolved_case_yuan']:,.0f} | "
            f"{_interval(row['disputes_pct'], row['disputes_pct_low'], row['disputes_pct_high'])} | "
            f"{'**yes**' if row['frontier_disputes'] else ''} | "
            f"{_interval(row['public_service_pct'], row['public_service_pct_low'], row['public_service_pct_high'])} | "
            f"{'**yes**' if row['frontier_public_service'] else ''} |")
    return lines


def marginal_markdown(table: pd.DataFrame) -> list[str]:
    lines = ["| rule | from → to (workers per 10,000) | extra cost (M yuan a year) | extra points, disputes | "
             "yuan a year per point, disputes | extra points, public service | yuan a year per point, public "
             "service |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for _, row in table.iterrows():
        cells = []
        for name in CLASSES:
            cells.append(_interval(row[f"{name}_extra_points"], row[f"{name}_extra_points_low"],
                                   row[f"{name}_extra_points_high"], digits=2))
            per = row[f"{name}_yuan_per_point"]
            cells.append(_yuan(per) if per == per else "no gain")
        lines.append(f"| {row['escalation_rule']} | {row['from_workers_per_10k']:g} → {row['to_workers_per_10k']:g} | "
                     f"{row['extra_cost_yuan'] / 1e6:,.1f} | " + " | ".join(cells) + " |")
    return lines


def frontier_marginal_lines(table: pd.DataFrame) -> list[str]:
    lines = []
    for name in CLASSES:
        on = table[table[f"frontier_{name}"]].sort_values("cost_yuan")
        steps = [f"{row['escalation_rule']} @ {row['workers_per_10k']:g} ({row['cost_yuan'] / 1e6:,.1f} M yuan, "
                 f"{row[f'{name}_pct']:.1f} %"
                 + (f"; {_yuan(row[f'marginal_{name}_yuan_per_point'])} yuan a year per extra point)"
                    if row[f"marginal_{name}_yuan_per_point"] == row[f"marginal_{name}_yuan_per_point"] else ")")
                 for _, row in on.iterrows()]
        lines.append(f"- **{CLASS_LABELS[name]}**: " + " → ".join(steps))
    return lines


def cost_lines_markdown(lines_table: pd.DataFrame, rule: str = "shishi") -> list[str]:
    table = lines_table[lines_table["escalation_rule"] == rule]
    if table.empty:
        table = lines_table[lines_table["escalation_rule"] == lines_table["escalation_rule"].iloc[0]]
        rule = str(table["escalation_rule"].iloc[0])
    levels = list(table["workers_per_10k"])
    head = "| cost line (yuan a year, full city) | " + " | ".join(f"{rule} @ {lv:g}" for lv in levels) + " |"
    lines = [head, "| --- |" + " ---: |" * len(levels)]
    for name, label in {**LINES, "cost_total": "**total**"}.items():
        lines.append(f"| {label} | " + " | ".join(_yuan(v) for v in table[name]) + " |")
    for name in STAFF:
        lines.append(f"| heads in the run: {name.removeprefix('staff_').replace('_', ' ')} | "
                     + " | ".join(f"{v:,.0f}" for v in table[name]) + " |")
    return lines


def robust_markdown(tables: Mapping[str, dict], score: str) -> list[str]:
    summary = tables[score]["summary"]
    unit = "points of the score" if score == "cost_adjusted" else "percentage points"
    lines = [f"| policy | median score | largest regret ({unit}) | 90th-percentile regret | mean regret | "
             "share of worlds where best |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    choice = tables[score]["choice"]
    for _, row in summary.iterrows():
        mark = " (minimax)" if row["policy"] == choice["minimax"] else ""
        mark += " (least p90)" if row["policy"] == choice["p90"] else ""
        lines.append(f"| {row['policy']}{mark} | {row['median_score']:.2f} | {row['max_regret']:.2f} | "
                     f"{row['p90_regret']:.2f} | {row['mean_regret']:.2f} | {100 * row['best_in_share']:.0f} % |")
    return lines


def choices_lines(tables: Mapping[str, dict]) -> list[str]:
    from sim.analyses.robust import SCORES

    return [f"- **{score}** ({SCORES[score]}): minimax regret **{t['choice']['minimax']}**; least 90th-percentile "
            f"regret **{t['choice']['p90']}**" for score, t in tables.items()]


def cost_summary_markdown(tables: Mapping[str, pd.DataFrame], settings: str, wall: float, runs: int,
                          processes: int) -> str:
    lines = ["# Cost-effectiveness", "", f"Settings: {settings}. {runs} runs in {wall:.0f} s on {processes} "
             "process(es). Costs are yuan a year for the full city (head counts ÷ scale; prices: "
             "sim/config/costs.py); each cell the weighted median over worlds [90 % interval].", "",
             "## Frontier", "", *frontier_markdown(tables["frontier"]), "", "Non-dominated, cheapest first:", "",
             *frontier_marginal_lines(tables["frontier"]), "", "## Marginal cost of a point (paired within each "
             "world)", "", *marginal_markdown(tables["marginal"]), "", "## Cost lines", "",
             *cost_lines_markdown(tables["cost_lines"]), "", "![frontier](frontier.png)", ""]
    return "\n".join(lines)


def robust_summary_markdown(tables: Mapping[str, dict], score: str, settings: str, wall: float, runs: int,
                            via: str) -> str:
    lines = ["# Robust choice", "", f"Settings: {settings}; computed via {via}. {runs} runs in {wall:.0f} s. "
             "Regret of a policy in a world = the best policy's score there − its own (common seeds within each "
             "world); worlds weighted by their importance weights.", "", "## The choice", "",
             *choices_lines(tables), "", f"## Regret table (headline score: {score})", "",
             *robust_markdown(tables, score), "", "![regret](regret.png)", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- docs/cost.md


def _heads_by_scale(scales=(0.05, 0.1, 0.25, 1.0)) -> list[str]:
    """Head counts ÷ scale at several scales (the model built, not run): where floors inflate."""
    from sim.results.api import build_model

    names = {"full-time grid workers": lambda o: sum(not w.part_time for w in o.workers),
             "part-time grid workers": lambda o: sum(w.part_time for w in o.workers),
             "full-time mediators": lambda o: sum(m.full_time for m in o.mediators),
             "part-time mediators": lambda o: sum(not m.full_time for m in o.mediators),
             "dispatch clerks": lambda o: len(o.clerks), "department officers": lambda o: len(o.officers),
             "city-centre officers": lambda o: len(o.centre_officers),
             "pilot-desk officers": lambda o: len(o.zone_officers)}
    counts = {scale: build_model(None, seed=1, overrides={"scale": scale}).organisation for scale in scales}
    lines = ["| post | " + " | ".join(f"scale {s:g}" for s in scales) + " |", "| --- |" + " ---: |" * len(scales)]
    for label, count in names.items():
        lines.append(f"| {label} | " + " | ".join(f"{count(counts[s]) / s:,.0f}" for s in scales) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    from sim.analyses.cost import RULES, STAFFING, add_costs, run_policy_grid, world_means, write_cost_outputs
    from sim.analyses.robust import HEADLINE_SCORE, regret_figure, robust_tables
    from sim.batch.engine import default_processes
    from sim.batch.seeds import sequential_seeds
    from sim.config.ensemble import load_ensemble, normalised_weights
    from sim.config.paths import DOCS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--ensemble", type=int, default=10)
    parser.add_argument("--ensemble-dir", type=Path)
    parser.add_argument("--provisional", action="store_true",
                        help="label the page as made with a provisional ensemble (not the calibrated one)")
    parser.add_argument("--processes", type=int, default=default_processes())
    parser.add_argument("--out", type=Path, default=DOCS / "cost.md")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    ensemble = load_ensemble(args.ensemble_dir)
    members = ensemble.take(args.ensemble)
    weights = dict(zip([m.index for m in members], normalised_weights(members), strict=True))
    seeds = sequential_seeds(1, args.seeds)
    runs = len(RULES) * len(STAFFING) * len(members) * len(seeds)
    frame = add_costs(run_policy_grid(args.scale, args.days, seeds, members, processes=args.processes), args.scale,
                      args.days)
    run_wall = time.perf_counter() - started
    img = args.out.parent / IMG
    img.mkdir(parents=True, exist_ok=True)
    workdir = img / ".cost-tables"
    tables = write_cost_outputs(frame, workdir, weights)
    (workdir / "frontier.png").replace(img / "frontier.png")
    robust = robust_tables(world_means(frame), weights)
    regret_figure(robust).savefig(img / "regret.png", dpi=120)
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()
    heads = _heads_by_scale()
    per_run = frame["wall_seconds"]
    seeds_text = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}–{seeds[-1]}"
    label = ("**Provisional**: made with a provisional ensemble, not the calibrated one; regenerate when "
             "scenarios/ensemble/ lands. " if args.provisional else "")
    made = ensemble.provenance.get("command", "") if isinstance(ensemble.provenance, dict) else ""
    lines = [
        "# What policies cost, what they buy, and the robust choice", "",
        f"Generated by `python -m sim.docgen.cost --scale {args.scale:g} --seeds {args.seeds} --ensemble "
        f"{args.ensemble}`: every escalation rule ({', '.join(RULES)}) at {', '.join(f'{s:g}' for s in STAFFING)} "
        f"full-time grid workers per 10,000 urban residents, in the first {len(members)} members of the calibrated "
        f"ensemble ({ensemble.folder.name}/{'; ' + made if made else ''}), at scale {args.scale:g} for {args.days} "
        f"days after the warm-up, {seeds_text} (common random numbers within and across members). {label}"
        "Each cell is the median over members, weighted by their importance weights, with the 90 % interval "
        "across members in brackets (the spread of the calibrated worlds, after the mean over seeds).", "",
        "The same runs serve `python run.py cost` and `python run.py robust` (sim/cli/cost.py), which write the "
        "tables as CSV with a summary.", "",
        "## Prices and their sources", "",
        "Declared in `sim/config/costs.py`, one source per number (the anchors are docs/domain, third stage §3). "
        "Yuan of the source's year. Full-time posts carry the employer's on-costs; allowances and case "
        "subsidies do not. A run's cost = each kind of post's head count in the run ÷ scale × its price, + the "
        "case subsidy × the cases committees took up (÷ scale, a year), + the centres' running costs (1 city, "
        "9 town, 128 community centres).", "",
        *sources_markdown(), "",
        "Not found (so marked estimate): Quanzhou or Shishi grid-worker pay scales, a Fujian 以案定补 tariff, "
        "the running cost of a town centre or of Shishi's social-governance centre.", "",
        "## Head counts behind the cost", "",
        "Heads in the model ÷ scale (the model built at each scale, default levers). At small scales the floors "
        "that keep every level (each town centre at least one clerk, each pilot desk its staff) inflate the "
        "clerks and desk officers: at scale 0.05 the clerks' and desks' lines are ≈ 10 M yuan a year too high, "
        "the same for every policy, so the frontier's shape and the marginal costs are unaffected but its levels "
        "are.", "",
        *heads, "",
        "## Cost of the baseline's staffing", "",
        *cost_lines_markdown(tables["cost_lines"]), "",
        "## The cost-effectiveness frontier", "",
        "A policy is on the frontier of a class when no other policy resolves as large a share of that class "
        "within 30 days of arising for less money (median world). Cost per resolved case = the year's cost ÷ "
        "the cases resolved in the year (both classes).", "",
        *frontier_markdown(tables["frontier"]), "",
        "Non-dominated, cheapest first (with the yuan a year per extra point from the previous one):", "",
        *frontier_marginal_lines(tables["frontier"]), "",
        "![Cost-effectiveness frontier](img/frontier.png)", "",
        "## The marginal cost of one more percentage point", "",
        "Between neighbouring staffing levels of one rule, paired within each member (same seeds): the extra "
        "cost, the extra points of each class, and their ratio (median extra cost ÷ median extra points; "
        "'no gain' when the median gain is not positive).", "",
        *marginal_markdown(tables["marginal"]), "",
        "## Robust choice: regret across the calibrated worlds", "",
        f"Twelve policies (rule × staffing) in each of {len(members)} worlds. A policy's regret in a world is "
        "the best policy's score there minus its own; the minimax choice has the smallest largest regret, the "
        "other the smallest 90th-percentile regret (weighted). Three scores: the headline is the share of "
        "disputes resolved within 30 days (per cent); public-service requests alike; and a cost-adjusted score "
        "= the mean of the two classes' per cents − cost ÷ `value_of_a_point` (an analyst's price, "
        f"{COSTS['value_of_a_point'].default / 1e6:g} M yuan a year per point). The EMA workbench gives the "
        "same table (`python run.py robust --via ema`; `sim.analyses.robust.ema_policy_grid`, checked equal in "
        "tests/test_cost.py).", "",
        *choices_lines(robust), "",
        f"### Regret table: {HEADLINE_SCORE}", "", *robust_markdown(robust, HEADLINE_SCORE), "",
        "### Regret table: cost_adjusted", "", *robust_markdown(robust, "cost_adjusted"), "",
        "![Regret per policy](img/regret.png)", "",
        "## Run time", "",
        f"{runs} runs on {args.processes} processes in {run_wall:.0f} s of wall time (one run: median "
        f"{per_run.median():.1f} s, longest {per_run.max():.1f} s, on cores shared with other work); the page "
        f"in {time.perf_counter() - started:.0f} s.", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}, {img / 'frontier.png'}, {img / 'regret.png'} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
