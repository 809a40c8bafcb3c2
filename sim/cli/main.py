"""The command line: ``python run.py [COMMAND] [options]``; ``run`` is the default command and
``--help`` lists the rest (compare, sweep, sweep-report, staffing, sensitivity, discover,
policy-report, policy-analysis, viz, validate, calibrate, list, odd, params).

Bad input (a missing or malformed file, an unknown key, a value out of range, a malformed
option) exits with code 2 and one message naming the file and the field, before anything
is written.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from sim.cli.options import add_limit_options
from sim.cli.terminal import console as make_console
from sim.config.errors import EXIT_BAD_INPUT, EXIT_IO_ERROR, CliError, Interrupted, ScenarioError
from sim.config.params import PARAMS, ParamKind
from sim.config.paths import BASELINE, DOCS, RESULTS
from sim.config.presets import PRESETS
from sim.config.rule_names import POLICY_RULES
from sim.config.scenario import load_scenario, parse_assignment

COMMANDS = ("run", "compare", "sweep", "sweep-report", "staffing", "sensitivity", "discover", "policy-report",
            "policy-analysis", "viz", "validate", "calibrate", "list", "odd", "params")
RENAMED = {"report": "sweep-report", "report-policy": "policy-report"}  # removed names: say what they are now


class _Parser(argparse.ArgumentParser):
    """argparse, but a malformed option is one line on stderr (and exit code 2)."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"error: {self.prog}: {message} (see --help)\n")


def _run_seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, got {value}")
    return value


def main(argv: list[str] | None = None, prog: str = "run.py") -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in RENAMED:
        print(f"error: {prog}: there is no command {argv[0]!r}; it is now {RENAMED[argv[0]]!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv.insert(0, "run")
    parser = _parser(prog)
    args = parser.parse_args(argv)
    try:
        with _termination_signals_interrupt():
            return args.handler(args)
    except (ScenarioError, CliError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Interrupted as stop:
        print(f"interrupted ({stop.signal})", file=sys.stderr)
        return 128 + stop.signum
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as error:  # a full disk, a folder removed under us: one line, not a traceback
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_IO_ERROR


@contextmanager
def _termination_signals_interrupt():
    """SIGTERM and SIGHUP raise ``Interrupted`` (a KeyboardInterrupt), as Ctrl-C does, so the
    work's cleanup runs: workers stop, a sweep's manifest says "interrupted". Only once: a
    second signal during the cleanup is ignored (``kill -9`` still ends it)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        for number in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def console() -> None:
    """The ``shishi`` command, installed with the package: ``shishi ARGS`` is ``python run.py ARGS``
    (the same commands, options, output and exit codes; only the program's name in messages differs)."""
    code = main(prog="shishi")
    # as run.py does: every file is written and closed by now; skip the interpreter's teardown
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _parser(prog: str = "run.py") -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Shishi grid-governance simulation.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one scenario (default: the Shishi baseline) and write a results folder")
    run.add_argument("scenario", nargs="?", default=str(BASELINE), help="scenario TOML file")
    run.add_argument("--seed", type=_run_seed, default=1, help="random seed, a whole number ≥ 0 (default 1)")
    run.add_argument("--days", type=int, help="days to simulate (default: the scenario's, 365)")
    run.add_argument("--scale", type=float, help="share of the 700,000 residents (default: the scenario's, 1.0)")
    run.add_argument("--workers-per-10k", type=float, help="grid workers per 10,000 urban residents")
    run.add_argument("--escalation-rule", help=f"escalation rule: {', '.join(POLICY_RULES)}")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any other parameter")
    run.add_argument("--out", type=Path, help="results folder (default: results/SCENARIO)")
    run.add_argument("--force", action="store_true",
                     help="replace a results folder of another run (never one this program did not write)")
    run.add_argument("--no-figure", action="store_true", help="skip summary.png")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.set_defaults(handler=_run)

    compare = sub.add_parser("compare", help="compare scenarios on the same seeds, with paired differences")
    compare.add_argument("scenarios", nargs="+", help="scenario TOML files; the first is the reference")
    compare.add_argument("--seeds", type=int, default=10, help="seeds per scenario (default 10)")
    compare.add_argument("--days", type=int, help="days to simulate (default: each scenario's)")
    compare.add_argument("--scale", type=float, help="share of the 700,000 residents (default: each scenario's)")
    add_limit_options(compare)
    compare.add_argument("--out", type=Path, default=RESULTS / "compare", help="folder for the table and figure")
    compare.add_argument("--force", action="store_true",
                         help="replace the results of another comparison (never a folder this program did not write)")
    compare.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress bar)")
    compare.set_defaults(handler=_compare)

    calibrate = sub.add_parser("calibrate", help="regenerate docs/calibration.md (or fit, with --fit)",
                               description="At the full default settings (10 seeds, scale 1, 365 days) regenerate "
                                           "docs/calibration.md; any other settings write to results/calibration/.")
    calibrate.add_argument("--fit", action="store_true",
                           help="fit the open parameters; store docs/calibration_fit.json")
    calibrate.add_argument("--seeds", type=int, default=PRESETS["full"].seeds,
                           help=f"seeds for the report (default {PRESETS['full'].seeds})")
    calibrate.add_argument("--scale", type=float, default=PRESETS["full"].scale,
                           help=f"scale for the report (default {PRESETS['full'].scale:g})")
    calibrate.add_argument("--days", type=int, default=PRESETS["full"].days,
                           help=f"days for the report (default {PRESETS['full'].days})")
    calibrate.add_argument("--out", type=Path, help="folder for calibration.md and .png (default: docs/ at the full "
                                                    "default settings, else results/calibration/SETTINGS)")
    calibrate.add_argument("--force", action="store_true", help="replace another calibration's report in --out")
    calibrate.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress bar)")
    add_limit_options(calibrate)
    calibrate.set_defaults(handler=_calibrate)

    from sim.cli.analyses import add_parsers as add_policy_parsers
    from sim.cli.sweep import add_parsers as add_sweep_parsers

    add_sweep_parsers(sub)
    add_policy_parsers(sub)

    viz = sub.add_parser("viz", help="serve the browser visualisation (Solara)")
    viz.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    viz.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    viz.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                     help="also answer requests for this host name (repeatable; by default only 127.0.0.1, "
                          "localhost and [::1]: the page has no authentication)")
    viz.set_defaults(handler=_viz)

    validate = sub.add_parser("validate", help="check the simulation against queueing theory")
    validate.set_defaults(handler=_validate)

    listing = sub.add_parser("list", help="list the scenario files and their purposes")
    listing.set_defaults(handler=_list)

    odd = sub.add_parser("odd", help="regenerate docs/odd.md's parameter tables (the ODD protocol) from the registry")
    odd.set_defaults(handler=_odd)
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
    from sim.results.figure_process import FigureProcess

    started = time.perf_counter()
    from sim.results.folders import claim, safe_name
    from sim.results.output import run_marker

    scenario = load_scenario(args.scenario).with_overrides(_overrides(args), source="command line")
    out = args.out if args.out is not None else RESULTS / safe_name(scenario.name)
    claim(out, run_marker(scenario, args.seed), force=args.force, whole=True)
    # Input is good: start the figure helper now, so Matplotlib loads on the other core while
    # this process loads Mesa and simulates.
    figures = None if args.no_figure else FigureProcess()
    try:
        from rich.console import Console

        from sim.results.api import run
        from sim.results.output import write_results

        console = Console(stderr=True, quiet=args.quiet)
        days = scenario.params["days"]
        with _progress(console, days, scenario.params["scale"] * days >= 100) as advance:
            result = run(scenario, seed=args.seed, on_day=advance)
        write_results(result, out, figure=figures is not None, figures=figures, force=args.force)
    finally:
        if figures is not None:
            figures.close()
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
    for row in rows:
        table.add_row(*row)
    console = make_console()
    console.print(table)
    console.print(f"results: {out}/ (summary.json, cases.csv, visits.csv, daily.csv, towns.csv, summary.png) "
                  f"in {seconds:.1f} s")


def _compare(args) -> int:
    import shutil
    import tempfile
    from dataclasses import replace

    from rich.table import Table

    from sim.analyses.compare import COMPARED, compare_marker, comparison_figure, comparison_table, run_comparison
    from sim.batch.limits import check_runs
    from sim.batch.progress import ProgressBar
    from sim.results.folders import claim, write_marker
    from sim.results.output import replace_folder

    if args.seeds < 2:
        raise CliError(f"--seeds: expected at least 2 for confidence intervals, got {args.seeds}")
    check_runs(len(args.scenarios) * args.seeds, f"--seeds: {len(args.scenarios)} scenarios × {args.seeds} seeds",
               args.max_runs)
    overrides = {key: value for key, value in (("days", args.days), ("scale", args.scale)) if value is not None}
    scenarios = [load_scenario(path).with_overrides(overrides, source="command line") for path in args.scenarios]
    marker = compare_marker(scenarios, args.seeds)
    claim(args.out, marker, force=args.force, whole=True)
    console = make_console(quiet=args.quiet)
    started = time.perf_counter()
    console.print(f"running {len(scenarios)} scenarios × {args.seeds} seeds ...", style="dim")
    with ProgressBar("compare", len(scenarios) * args.seeds, quiet=args.quiet) as bar:
        runs = run_comparison(scenarios, args.seeds, args.processes, on_run=bar.advance)
    table = comparison_table(runs)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{args.out.name}.", dir=args.out.parent))
    try:
        runs.to_csv(staging / "runs.csv", index=False)
        table.to_csv(staging / "comparison.csv", index=False)
        comparison_figure(table, staging / "comparison.png")
        write_marker(staging, replace(marker, files=("comparison.csv", "comparison.png", "runs.csv")))
        claim(args.out, marker, force=args.force, whole=True)
        replace_folder(staging, args.out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    names = [scenario.name for scenario in scenarios]
    console.print(f"{args.seeds} seeds each (common random numbers): mean ± 95 % half-width; "
                  f"Δ = paired difference against {names[0]}")
    view = Table()
    view.add_column("outcome")
    for position, name in enumerate(names):
        view.add_column(f"{position + 1}. {name}", justify="right")
    for outcome in COMPARED:
        part = table[table["outcome"] == outcome].sort_values("position")
        cells = []
        for row in part.itertuples():
            cell = f"{row.mean:.3g} ± {_half(row.ci_low, row.ci_high)}"
            if row.position:
                cell += f"\nΔ {row.diff_vs_first:+.3g} ± {_half(row.diff_ci_low, row.diff_ci_high)}"
            cells.append(cell)
        view.add_row(outcome, *cells)
    console.print(view)
    console.print(f"wrote {args.out}/comparison.csv, runs.csv, comparison.png in {time.perf_counter() - started:.0f} s")
    return 0


def _viz(args) -> int:
    from sim.page.app import serve
    from sim.page.assets import ensure_assets, missing

    if not 0 < args.port < 65536:
        raise CliError(f"--port: expected 1–65535, got {args.port}")
    for name in args.allow_host:
        if not name or any(c.isspace() or c in "/?#@," for c in name):
            raise CliError(f"--allow-host: expected a host name or address (optionally with :port), got {name!r}")
    if missing():
        try:
            ensure_assets()
        except RuntimeError as error:
            print(f"warning: the page will be blank without its front-end files: {error}", file=sys.stderr)
    serve(host=args.host, port=args.port, allow_hosts=args.allow_host)
    return 0


def _half(low: float, high: float) -> str:
    return "n/a" if low != low else f"{(high - low) / 2:.2g}"


def _calibrate(args) -> int:
    import json

    from sim.analyses import calibration
    from sim.batch.limits import check_runs
    from sim.batch.progress import ProgressBar
    from sim.docgen import calibration_report
    from sim.results.folders import check_writable, claim, write_marker

    def say(message: str) -> None:
        if not args.quiet:
            print(message, flush=True)

    if args.fit:
        check_writable(DOCS)
        result = calibration.fit(log=say)
        DOCS.mkdir(exist_ok=True)
        (DOCS / "calibration_fit.json").write_text(json.dumps(result, indent=2) + "\n")
        say("fitted values (put them in sim/config/params.py as the defaults):")
        for name, value in result["overrides"].items():
            say(f"  {name} = {value:.4g}")
        return 0
    if args.seeds < 2:
        raise CliError(f"--seeds: expected at least 2 for confidence intervals, got {args.seeds}")
    for key in ("scale", "days"):
        try:
            PARAMS[key].check(getattr(args, key))
        except ValueError as error:
            raise CliError(f"--{key}: {error}") from None
    check_runs(args.seeds, f"--seeds: {args.seeds} seeds", args.max_runs)
    out, marker = calibration_report.report_folder(args.seeds, args.scale, args.days, args.out)
    if marker is None:
        check_writable(out)
    else:
        claim(out, marker, force=args.force)
    with ProgressBar("calibrate", args.seeds, quiet=args.quiet) as bar:
        rows = calibration_report.report(seeds=args.seeds, scale=args.scale, days=args.days, out=out,
                                         processes=args.processes, log=say, on_run=bar.advance)
    if marker is not None:
        write_marker(out, marker)
    failed = [target.measure for target, (mean, low, high) in rows if not target.passes(low, high)]
    say(f"{len(rows) - len(failed)} targets pass, {len(failed)} fail" + (f": {', '.join(failed)}" if failed else ""))
    return 0


def _validate(args) -> int:
    from rich.table import Table

    from sim.analyses.validation import all_checks

    console = make_console()
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
    from sim.config.scenario import list_scenarios

    for scenario in list_scenarios():
        print(f"{scenario.path.name:40s} {scenario.purpose}")
    return 0


def _odd(args) -> int:
    from sim.docgen.odd import ODD_PATH, write

    print(f"{ODD_PATH}: {'parameter tables regenerated' if write() else 'already current'}")
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
