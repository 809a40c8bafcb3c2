"""What the commands print: rich tables of a run's summary, a comparison, the checks against
theory, a sweep and the policy analyses, on a console that stays readable in logs and pipes."""

from __future__ import annotations

import math
from pathlib import Path


def say_unless_quiet(args):
    """A one-line progress printer for a command: flushed at once, nothing with --quiet."""
    def say(message: str) -> None:
        if not args.quiet:
            print(message, flush=True)

    return say


def make_console(width_when_piped: int = 120, **kwargs):
    """A rich Console; ``width_when_piped`` columns when output is not a terminal (rich
    would otherwise assume 80 and fold every table)."""
    from rich.console import Console

    made = Console(**kwargs)
    return made if made.is_terminal else Console(width=width_when_piped, **kwargs)


def print_summary(summary: dict, out: Path, seconds: float) -> None:
    from rich.table import Table

    def pct(value):
        return "n/a" if value is None or value != value else f"{100 * value:.1f} %"

    table = Table(title=f"{summary['scenario']}: {summary['residents']:,} residents, {summary['days']} days, "
                        f"seed {summary['seed']}", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("meaning", style="dim")
    d, a = summary["days_to_close"], summary["days_from_arising"]
    levels = summary["resolved_share_by_level"]
    hours = summary["worker_hours"]
    outcomes = summary["outcomes"]
    use = summary["utilisation"]
    systems = summary["systems"]
    within = summary["resolved_within_30_days"]
    rows = [
        ("staff", f"{summary['grid_workers']:,} grid workers ({summary['part_time_grid_workers']:,} part-time) · "
                  f"{summary['volunteers']:,} volunteers · {summary['mediators']:,} mediators · "
                  f"{summary['clerks']:,} dispatch clerks · {summary['officers']:,} department officers",
         f"{summary['workers_per_10k']:g} full-time workers per 10,000 urban"),
        ("escalation rule", summary["escalation_rule"], ""),
        ("resolved within 30 days", f"disputes {pct(within['disputes'])} · requests {pct(within['public_service'])}",
         "of cases arisen 30+ days before the end; exits and withdrawals count as not resolved"),
        ("cases arisen", f"{summary['cases_arisen']:,}", "disputes and requests that arose (after the warm-up)"),
        ("cases reported", f"{summary['cases_reported']:,}",
         f"{summary['cases_per_10k_per_year']:.0f} per 10,000 residents a year"),
        ("closure rate", pct(summary["closure_rate"]), "closed / reported (办结率)"),
        ("resolution rate", pct(summary["resolution_rate"]), "resolved / closed"),
        ("outcomes", " · ".join(f"{name} {count:,}" for name, count in outcomes.items() if count), ""),
        ("satisfaction", f"{pct(summary['satisfaction_rate'])} at closing · "
                         f"{pct(summary['satisfaction_first_follow_up'])} at the first follow-up",
         f"{pct(summary['redone_share'])} redone after a dissatisfied follow-up (重办)"),
        ("days from arising", f"{a['mean']:.1f} mean · {a['median']:.1f} median · {a['p90']:.1f} p90",
         "arising to close, closed cases"),
        ("closed within 30 days of arising", pct(summary["closed_within_30_days_of_arising"]),
         "cases that arose 30+ days before the end"),
        ("days from report", f"{d['mean']:.1f} mean · {d['median']:.1f} median · {d['p90']:.1f} p90", ""),
        ("resolved at grid + community", pct(summary["local_resolution_share"]), "of resolved disputes (小事不出村)"),
        ("resolved by level", " · ".join(f"{label} {pct(share)}" for label, share in levels.items()), ""),
        ("mediation success", pct(summary["mediation_success"]), "per case taken up by a committee"),
        ("escalated", pct(summary["escalated_share"]), "reported cases handed up a level"),
        ("misgraded", pct(summary["misgraded_share"]), f"graded one step off by the dispatch centre; "
                                                       f"{pct(summary['returned_share'])} handed down (退单)"),
        ("volumes", f"committees {summary['committee_cases_per_10k']:.0f} per 10,000 · city centre "
                    f"{summary['city_centre_cases_per_year']:,.0f} a year",
         f"Shishi: 36–50 per 10,000; 3,616 in 2022 (at full scale); {summary['referrals']['cases']:,} court referrals"),
        ("petitions", f"{summary['petitions']:,}", f"{summary['petitions_per_10k']:.2f} per 10,000 a year"),
        ("exits", f"{summary['exits']:,}", f"{summary['exits_per_10k']:.2f} per 10,000 a year (court, arbitration, "
                                           "petition)"),
        ("police alerts", f"{summary['police_alerts']:,}", "latent disputes that surfaced as 110 alerts"),
        ("grid workers' hours", " · ".join(f"{name.replace('_', ' ')} {pct(share)}" for name, share in hours.items()),
         "orders first, then department tasks, then patrol to the norm"),
        ("utilisation", " · ".join(f"{label} {pct(share)}" for label, share in use.items() if share == share), ""),
        ("further systems", f"{systems['cadre_cases']:,} mediations joined by {systems['stationed_cadres']} cadres · "
                            f"{systems['member_unit_cases']:,} disputes eased by member units · "
                            f"{systems['zone_desk_cases']:,} at {systems['pilot_zones']} pilot-zone desks · "
                            f"{systems['centre_settled_requests']:,} requests settled at centres",
         f"{pct(systems['circle_coverage'])} within 15 minutes of a centre; "
         f"{pct(systems['civility_certified_share'])} certified for civility points"),
    ]
    towns = summary.get("towns", {})
    if len(towns) > 1:
        shares = {name: town["resolved_within_30_days_disputes"] for name, town in towns.items()}
        low, high = min(shares, key=lambda name: shares[name]), max(shares, key=lambda name: shares[name])
        rows.append(("towns", f"disputes resolved within 30 days: {low} {pct(shares[low])} … {high} "
                              f"{pct(shares[high])}", "lowest and highest town (towns.csv)"))
    surge = summary.get("surge")
    if surge:
        parameters = summary["provenance"]["parameters"]
        first = parameters["surge.start_day"]
        window = f"days {first}–{first + parameters['surge.days'] - 1}"
        kind = parameters["surge.kind"].replace("_", " ")
        rows.append((f"surge window ({window})",
                     f"{surge['surge_cases']:,.0f} {kind} cases arose, {pct(surge['surge_resolved_within_30_days'])} "
                     f"resolved within 30 days · {surge['surge_referrals']:,.0f} referred claims, "
                     f"{pct(surge['surge_referrals_settled_within_30_days'])} settled within 30 days",
                     f"×{parameters['surge.factor']:g} in {parameters['surge.place'].replace('_', ' ')} grids"))
        rows.append(("waits in the surge window",
                     " · ".join(f"{label} {surge['wait_days.' + label]:.1f} d ({pct(surge['busy_share.' + label])} "
                                "busy)" for label in ("community", "specialised", "town", "city")),
                     "mean days from entering a level to a handler starting; share of its capacity busy"))
    for row in rows:
        table.add_row(*row)
    console = make_console()
    console.print(table)
    console.print(f"results: {out}/ (summary.json, cases.csv, visits.csv, daily.csv, towns.csv, summary.png) "
                  f"in {seconds:.1f} s")


def print_comparison(table, names: list[str], seeds: int, console) -> None:
    """Each compared outcome (the headline first) per scenario, formatted as the run's summary is
    (percentages for shares, thousands separators): mean ± 95 % half-width, and the paired difference
    against the first scenario (percentage points for a share; a floating-point residue prints as 0)."""
    from rich.table import Table

    from sim.analyses.compare import COMPARED
    from sim.config.display import axis_label, format_difference, format_estimate

    console.print(f"{seeds} seeds each (common random numbers): mean ± 95 % half-width; "
                  f"Δ = paired difference against {names[0]} (pp = percentage points)")
    view = Table()
    view.add_column("outcome (unit)", overflow="fold")
    for position, name in enumerate(names):
        view.add_column(f"{position + 1}. {name}", justify="right", overflow="fold")
    for outcome in COMPARED:
        part = table[table["outcome"] == outcome].sort_values("position")
        if not len(part):
            continue
        reference = float(part["mean"].iloc[0]) if part["mean"].iloc[0] == part["mean"].iloc[0] else 1.0
        cells = []
        for row in part.itertuples():
            cell = format_estimate(outcome, row.mean, row.ci_low, row.ci_high)
            if row.position:
                cell += "\nΔ " + format_difference(outcome, row.diff_vs_first, row.diff_ci_low, row.diff_ci_high,
                                                    reference=reference)
            cells.append(cell)
        view.add_row(axis_label(outcome), *cells)
    console.print(view)


def print_checks(checks, console) -> None:
    """The checks against theory: expected, simulated, the 95 % interval and the verdict."""
    from rich.table import Table

    table = Table(title="Simulation against theory (95 % confidence intervals over seeds)", title_justify="left")
    for column in ("check", "expected", "simulated", "95 % CI", "result"):
        table.add_column(column, justify="left" if column == "check" else "right")
    for check in checks:
        table.add_row(check.name, f"{check.expected:.4f}", f"{check.mean:.4f}", f"[{check.low:.4f}, {check.high:.4f}]",
                      "[green]agrees[/green]" if check.passed else "[red]DISAGREES[/red]")
    console.print(table)


def _half(low: float, high: float) -> str:
    return "n/a" if low != low else f"{(high - low) / 2:.2g}"


# ---------------------------------------------------------------- sweeps

TABLE_OUTCOMES = 4  # outcomes shown in the terminal table, the headline first (all are in summary.parquet)
TABLE_POINTS = 60


def _header(name: str) -> str:
    """A column's header: the label, and the unit on a line of its own."""
    from sim.config.display import axis_label, label

    text = axis_label(name)
    plain = label(name)
    return f"{plain}\n{text[len(plain):].strip()}" if text.startswith(plain) and text != plain else text


def print_sweep_report(summary, console=None) -> None:
    """A sweep's summary as a table: each point's factors, ok/runs and the headline and first main
    outcomes, mean ± 95 % CI half-width formatted like a run's summary (percentages for shares);
    columns named by their labels and units, never cut."""
    from rich.table import Table

    from sim.analyses.sweep_report import ordered
    from sim.config.display import format_estimate
    from sim.config.outcomes import MAIN_OUTCOMES

    console = console or make_console()
    out, points, outcomes, factor_names = summary.out, summary.summary, summary.outcomes, summary.factor_names
    if points is None or not len(points):
        console.print(f"{out}: no runs stored yet")
        return
    main = [o for o in outcomes if o in MAIN_OUTCOMES]
    shown = ordered(main or outcomes)[:TABLE_OUTCOMES]
    manifest = summary.manifest
    settings = manifest.get("settings", {})
    table = Table(title=f"{manifest['experiment']['name']}: mean ± 95 % CI half-width over replications "
                        f"(scale {settings.get('scale')}, {settings.get('days')} days)", title_justify="left")
    rows = []
    for _, row in points.head(TABLE_POINTS).iterrows():
        cells = [str(row["point"]), *[_value(n, row[n]) for n in factor_names], f"{row['ok']}/{row['runs']}"]
        cells += [format_estimate(name, row[name], row[name + "_low"], row[name + "_high"]) for name in shown]
        rows.append(cells)
    headers = ["point", *[_header(n) for n in factor_names], "ok/runs", *[_header(n) for n in shown]]
    values = [max(len(cells[column]) for cells in rows) for column in range(len(headers))]
    widths = [max(value, *(len(word) for word in header.split())) for value, header in zip(values, headers,
                                                                                            strict=True)]
    # As many outcomes as the console holds (the headline first), each column as wide as its values
    # and its header's longest word, the room left to the headers that wrap into most lines: a value
    # is never folded or cut, a header wraps at its words.
    fixed = len(headers) - len(shown)
    keep = len(headers)
    while keep > fixed + 1 and 1 + sum(width + 3 for width in widths[:keep]) > console.width:
        keep -= 1
    headers, widths = headers[:keep], widths[:keep]
    room = console.width - 1 - sum(width + 3 for width in widths)
    while room > 0:
        lines = [_lines(header, width) for header, width in zip(headers, widths, strict=True)]
        worst = max(range(keep), key=lambda column: (lines[column], -widths[column]))
        if lines[worst] <= 2:
            break
        widths[worst] += 1
        room -= 1
    for header, width in zip(headers, widths, strict=True):
        table.add_column(header, justify="right", overflow="fold", width=width)
    for cells in rows:
        table.add_row(*cells[:keep])
    shown = shown[:keep - fixed]
    console.print(table)
    if len(points) > TABLE_POINTS:
        console.print(f"… {len(points) - TABLE_POINTS} more points in {out / 'summary.parquet'}")
    hidden = [o for o in outcomes if o not in shown]
    counts = summary.runs["status"].value_counts().to_dict()
    console.print(f"{len(summary.runs)} runs stored ({', '.join(f'{v} {k}' for k, v in counts.items())}); "
                  f"all {len(outcomes)} outcomes in {out / 'summary.parquet'}"
                  + (f" ({len(hidden)} not shown here)" if hidden else "") + f", figures in {out / 'figures'}/")


def _lines(header: str, width: int) -> int:
    import textwrap

    return sum(len(textwrap.wrap(part, width)) or 1 for part in header.split("\n"))


def _value(name: str, value) -> str:
    """A factor's value: a share as a percentage, a number plainly."""
    from numbers import Real

    from sim.config.display import factor

    if isinstance(value, bool) or not isinstance(value, Real):
        return str(value)
    scale = factor(name)
    return f"{value * scale:,.6g} %" if scale != 1 else f"{value:,.6g}"


# ---------------------------------------------------------------- the policy analyses


def print_staffing(result, console=None) -> None:
    """The staffing search: each point's decision, the answer per rule and the monotonicity check."""
    from rich.console import Console
    from rich.table import Table

    from sim.analyses.staffing import RULE_COLUMN, monotonicity_summary

    console = console or Console(width=140)
    config = result.config
    console.print(f"standard: {config.standard}   lever: {config.lever}   stopping rule: {config.stopping_rule()}",
                  style="dim")
    table = Table(title=f"Staffing search over {config.lever} (grid search; mean ± {config.confidence:.0%} CI "
                        "half-width)",
                  title_justify="left")
    from sim.config.display import axis_label, format_estimate

    for column in (RULE_COLUMN, config.lever, "reps", *config.standard.outcomes, "decision"):
        table.add_column(column if column in (RULE_COLUMN, "reps", "decision") else axis_label(column),
                         justify="left" if column in (RULE_COLUMN, "decision") else "right", overflow="fold")
    for _, row in result.points.iterrows():
        cells = [str(row[RULE_COLUMN]), _value(config.lever, row[config.lever]), str(row["replications"])]
        for name in config.standard.outcomes:
            cells.append(format_estimate(name, row[name], row[name + "_low"], row[name + "_high"]))
        cells.append(str(row["decision"]))
        table.add_row(*cells)
    console.print(table)
    for _, row in result.answers.iterrows():
        console.print(f"[bold]{row[RULE_COLUMN]}[/bold]: {row['verdict']}")
    console.print("monotonicity (paired differences between neighbouring grid values, common random numbers):")
    for line in monotonicity_summary(result.monotonicity):
        console.print("  " + line)
    console.print(f"{len(result.runs)} runs in {result.seconds:.1f} s"
                  + (f"; outputs in {result.out}/" if result.out else ""))


def print_sensitivity(result: dict, outcomes, console=None, rows: int = 15) -> None:
    """The Morris ranking (with the dummy) and the Sobol indices of the top factors."""
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from sim.analyses.sensitivity import DUMMY

    console = console or Console(width=140)
    ranking = result["ranking"]
    table = Table(title="Morris screening: uncertainties ranked by mean normalised μ*", title_justify="left")
    for column in ("rank", "factor", *[f"μ* {o}" for o in outcomes], "score"):
        table.add_column(column, justify="left" if column == "factor" else "right")
    shown = ranking.head(rows)
    if DUMMY not in set(shown["factor"]):
        shown = pd.concat([shown, ranking[ranking["factor"] == DUMMY]])
    for _, row in shown.iterrows():
        table.add_row(str(row["rank"]), row["factor"] + (" (dummy)" if row["factor"] == DUMMY else ""),
                      *[f"{row[f'mu_star:{o}']:.3g}" for o in outcomes], f"{row['score']:.3f}")
    console.print(table)
    sobol = result["sobol"]
    table = Table(title="Sobol indices of the top factors", title_justify="left")
    for column in ("outcome", "factor", "S1", "ST"):
        table.add_column(column, justify="left" if column in ("outcome", "factor") else "right")
    for _, row in sobol.iterrows():
        table.add_row(row["outcome"], row["factor"], f"{row['S1']:.3f} ± {_f(row['S1_conf'])}",
                      f"{row['ST']:.3f} ± {_f(row['ST_conf'])}")
    console.print(table)


def _f(value) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.3f}"


def print_discovery(result: dict, norm: float, console=None) -> None:
    """The share of futures missing the standard per staffing and rule, and the PRIM boxes."""
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from sim.analyses.discovery import LEVER, RULE

    console = console or Console(width=140)
    rates = result["rates"]
    table = Table(title="Share of sampled futures missing the standard", title_justify="left")
    rules = list(dict.fromkeys(rates[RULE]))
    table.add_column(LEVER, justify="right")
    for rule in rules:
        table.add_column(rule, justify="right")
    for level, part in rates.groupby(LEVER):
        cells = [f"{level:g}"]
        for rule in rules:
            row = part[part[RULE] == rule]
            cells.append(f"{row['missed'].iloc[0]}/{row['futures'].iloc[0]} ({row['miss_rate'].iloc[0]:.0%})"
                         if len(row) else "")
        table.add_row(*cells)
    console.print(table)
    for _, row in result["boxes"].iterrows():
        extra = "" if not np.isfinite(row["coverage"]) else \
            f" — coverage {row['coverage']:.0%}, density {row['density']:.0%}, mass {row['mass']:.0%}"
        console.print(f"[bold]{row[RULE]}[/bold] at {norm:g}/10k, box {row['box']}: {row['description']}{extra}")


def print_across(table, worlds: int, seeds: int, console) -> None:
    """``run``/``compare --ensemble``: each outcome per scenario as the median and 90 % interval
    across calibrated worlds, and (from the second scenario on) the paired difference against the
    first; formatted as the run's summary (shares in percent, differences in percentage points)."""
    from rich.table import Table

    from sim.config.display import axis_label, format_interval

    names = list(table.sort_values("position")["scenario"].unique())
    console.print(f"{worlds} calibrated worlds × {seeds} seed(s) (common random numbers within each world): "
                  "weighted median [90 % interval across worlds]"
                  + (f"; Δ = paired difference against {names[0]}" if len(names) > 1 else ""))
    view = Table()
    view.add_column("outcome (unit)", overflow="fold")
    for position, name in enumerate(names):
        view.add_column(f"{position + 1}. {name}", justify="right", overflow="fold")
    for outcome, part in table.groupby("outcome", sort=False):
        cells = []
        for row in part.sort_values("position").itertuples():
            cell = format_interval(outcome, row.median, row.low_90, row.high_90)
            if row.position:
                cell += "\nΔ " + format_interval(outcome, row.diff_median, row.diff_low_90, row.diff_high_90,
                                                   difference=True)
            cells.append(cell)
        view.add_row(axis_label(outcome), *cells)
    console.print(view)
