"""The command line: ``python run.py [run] [SCENARIO] [options]``, ``validate``, ``list``, ``params``.

Bad input (a missing or malformed file, an unknown key, a value out of range) exits with
code 2 and one message naming the file and the field, before anything is written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.enums import Level
from sim.params import PARAMS, ParamKind
from sim.policies import RULES
from sim.scenario import BASELINE, ScenarioError, load_scenario, parse_assignment

COMMANDS = ("run", "validate", "list", "params")
EXIT_BAD_INPUT = 2


class CliError(Exception):
    """A usage error to report in one line with exit code 2."""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv.insert(0, "run")
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ScenarioError, CliError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description="Shishi grid-governance simulation.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one scenario (default: the Shishi baseline) and write a results folder")
    run.add_argument("scenario", nargs="?", default=str(BASELINE), help="scenario TOML file")
    run.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    run.add_argument("--days", type=int, help="days to simulate (default: the scenario's, 365)")
    run.add_argument("--scale", type=float, help="share of the 700,000 residents (default: the scenario's, 1.0)")
    run.add_argument("--workers-per-10k", type=float, help="grid workers per 10,000 urban residents")
    run.add_argument("--escalation-rule", choices=sorted(RULES), help="escalation rule")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any other parameter")
    run.add_argument("--out", type=Path, help="results folder (default: results/SCENARIO)")
    run.add_argument("--no-figure", action="store_true", help="skip summary.png")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.set_defaults(handler=_run)

    validate = sub.add_parser("validate", help="check the simulation against queueing theory")
    validate.set_defaults(handler=_validate)

    listing = sub.add_parser("list", help="list the scenario files and their purposes")
    listing.set_defaults(handler=_list)

    params = sub.add_parser("params", help="list every parameter with default, unit and source")
    params.add_argument("--markdown", action="store_true", help="print a Markdown table")
    params.set_defaults(handler=_params)
    return parser


def _overrides(args) -> dict[str, object]:
    overrides: dict[str, object] = {}
    for text in args.set:
        key, value = parse_assignment(text)
        overrides[key] = value
    for key, value in (("days", args.days), ("scale", args.scale), ("workers_per_10k", args.workers_per_10k),
                       ("escalation_rule", args.escalation_rule)):
        if value is not None:
            overrides[key] = value
    return overrides


def _run(args) -> int:
    from rich.console import Console

    from sim.api import run
    from sim.output import write_results

    scenario = load_scenario(args.scenario).with_overrides(_overrides(args), source="command line")
    out = args.out if args.out is not None else Path("results") / scenario.name
    if out.exists() and not out.is_dir():
        raise CliError(f"--out: {out} exists and is not a folder")
    console = Console(stderr=True, quiet=args.quiet)
    started = time.perf_counter()
    days = scenario.params["days"]
    with _progress(console, days, scenario.params["scale"] * days >= 100) as advance:
        result = run(scenario, seed=args.seed, on_day=advance)
    write_results(result, out, figure=not args.no_figure)
    if not args.quiet:
        print_summary(result.summary, out, time.perf_counter() - started)
    return 0


class _progress:
    """A progress bar on stderr for long runs in a terminal; silent otherwise."""

    def __init__(self, console, days: int, long_run: bool):
        self.console, self.days = console, days
        self.enabled = long_run and console.is_terminal and not console.quiet

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("simulating"), BarColumn(), TextColumn("day {task.completed}/{task.total}"),
                            TimeRemainingColumn(), console=self.console, transient=True)
        self.bar.start()
        self.task = self.bar.add_task("run", total=self.days)
        return self.advance

    def advance(self, day: int) -> None:
        self.bar.update(self.task, completed=day)

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.bar.stop()


def print_summary(summary: dict, out: Path, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    def pct(value):
        return "n/a" if value is None or value != value else f"{100 * value:.1f} %"

    table = Table(title=f"{summary['scenario']}: {summary['residents']:,} residents, {summary['days']} days, "
                        f"seed {summary['seed']}", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("meaning", style="dim")
    d = summary["days_to_close"]
    levels = summary["resolved_share_by_level"]
    rows = [
        ("staff", f"{summary['grid_workers']:,} grid workers · {summary['volunteers']:,} volunteers · "
                  f"{summary['mediators']:,} mediators", f"{summary['workers_per_10k']:g} workers per 10,000 urban"),
        ("escalation rule", summary["escalation_rule"], ""),
        ("cases arisen", f"{summary['cases_arisen']:,}", "disputes and requests that arose"),
        ("cases reported", f"{summary['cases_reported']:,}",
         f"{summary['cases_per_10k_per_year']:.0f} per 10,000 residents a year"),
        ("closure rate", pct(summary["closure_rate"]), "closed / reported (办结率)"),
        ("resolution rate", pct(summary["resolution_rate"]), "resolved / closed"),
        ("satisfaction", pct(summary["satisfaction_rate"]), "satisfied at follow-up (回访满意率)"),
        ("days to close", f"{d['mean']:.1f} mean · {d['median']:.1f} median · {d['p90']:.1f} p90", ""),
        ("closed within 30 days", pct(summary["closed_within_30_days"]), "share of reported cases"),
        ("resolved at grid + community", pct(summary["local_resolution_share"]), "小事不出村"),
        ("resolved by level", " · ".join(f"{level.label} {pct(levels[level.label])}" for level in Level), ""),
        ("escalated", pct(summary["escalated_share"]), "reported cases that climbed a level"),
        ("petitions", f"{summary['petitions']:,}", f"{summary['petitions_per_10k']:.2f} per 10,000 a year"),
        ("police alerts", f"{summary['police_alerts']:,}", "latent disputes that surfaced as 110 alerts"),
        ("grid-worker utilisation", pct(summary["worker_utilisation"]), "share of order slots busy"),
    ]
    for row in rows:
        table.add_row(*row)
    console = Console()
    console.print(table)
    console.print(f"results: {out}/ (summary.json, cases.csv, visits.csv, daily.csv, summary.png) "
                  f"in {seconds:.1f} s")


def _validate(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from sim.validation import all_checks

    console = Console()
    started = time.perf_counter()
    checks = all_checks(progress=lambda message: console.print(f"  {message}", style="dim"))
    table = Table(title="Simulation against theory (95 % confidence intervals over seeds)", title_justify="left")
    for column in ("check", "expected", "simulated", "95 % CI", "result"):
        table.add_column(column, justify="left" if column == "check" else "right")
    for check in checks:
        table.add_row(check.name, f"{check.expected:.4f}", f"{check.mean:.4f}", f"[{check.low:.4f}, {check.high:.4f}]",
                      "[green]agrees[/green]" if check.passed else "[red]DISAGREES[/red]")
    console.print(table)
    failed = [check for check in checks if not check.passed]
    console.print(f"{len(checks) - len(failed)} passed, {len(failed)} failed ({time.perf_counter() - started:.0f} s)")
    return 1 if failed else 0


def _list(args) -> int:
    from sim.scenario import list_scenarios

    for scenario in list_scenarios():
        print(f"{scenario.path.name:40s} {scenario.purpose}")
    return 0


def _params(args) -> int:
    if args.markdown:
        print(parameter_table_markdown())
        return 0
    for kind in ParamKind:
        print(f"\n[{kind.value}s]")
        for param in PARAMS.values():
            if param.kind is kind:
                print(f"  {param.name} = {param.default!r}  ({param.unit}; {param.source})")
    return 0


def parameter_table_markdown() -> str:
    lines = ["| parameter | kind | default | unit | valid range | plausible range | source | meaning |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for p in PARAMS.values():
        valid = ", ".join(p.choices) if p.choices else (
            "" if p.low is None and p.high is None else f"{p.low:g} – {p.high:g}")
        plausible = f"{p.plausible[0]:g} – {p.plausible[1]:g}" if p.plausible else ""
        lines.append(f"| `{p.name}` | {p.kind.value} | {p.default!r} | {p.unit} | {valid} | {plausible} | "
                     f"{p.source} | {p.doc} |")
    return "\n".join(lines)
