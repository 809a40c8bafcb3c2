"""What the commands of ``sim.cli.main`` do: ``run``, ``compare``, ``calibrate``, ``validate``,
``viz``, ``list``, ``odd`` and ``params``. Each checks its input, calls the library (heavy imports
inside, so that the parser starts fast) and prints through ``sim.cli.tables``; it returns the exit
code (bad input raises, and ``sim.cli.main.main`` turns that into one line and exit code 2)."""

from __future__ import annotations

import gc
import os
import sys
import time

from sim.cli.tables import say_unless_quiet
from sim.config.errors import CliError
from sim.config.params import PARAMS, ParamKind
from sim.config.paths import DOCS, RESULTS, inside
from sim.config.presets import PRESETS
from sim.config.scenario import load_scenario, parse_assignment


def _overrides(args) -> dict[str, object]:
    """The parameters ``run``'s options set: --set KEY=VALUE, then the named options."""
    overrides: dict[str, object] = {}
    for text in args.set:
        key, value = parse_assignment(text)
        overrides[key] = value
    for key, value in (("days", args.days), ("scale", args.scale), ("workers_per_10k", args.workers_per_10k),
                       ("escalation_rule", args.escalation_rule)):
        if value is not None:
            overrides[key] = value
    return overrides


def run_command(args) -> int:
    """``run``: one scenario, its results folder and (unless --quiet) its summary."""
    from sim.cli.tables import print_summary
    from sim.results.figure_process import FigureProcess
    from sim.results.folders import claim, run_marker, safe_name

    started = time.perf_counter()

    scenario = load_scenario(args.scenario).with_overrides(_overrides(args), source="command line")
    if args.ensemble:
        return across_worlds(args, [scenario], [args.seed], "run",
                             args.out if args.out is not None else RESULTS / f"{safe_name(scenario.name)}-ensemble")
    out = args.out if args.out is not None else RESULTS / safe_name(scenario.name)
    claim(out, run_marker(scenario, args.seed), force=args.force, whole=True)
    # Input is good: start the figure helper now, so Matplotlib loads on the other core while
    # this process loads Mesa and simulates.
    figures = None if args.no_figure else FigureProcess()
    # No cycle collection while Mesa loads, the model runs and the tables are written: it frees next
    # to nothing and its passes over every object alive cost a tenth of a second (as it was, after).
    collecting = gc.isenabled()
    gc.disable()
    try:
        from rich.console import Console

        from sim.results.api import run
        from sim.results.output import write_results

        console = Console(stderr=True, quiet=args.quiet)
        days = scenario.params["days"]
        with RunProgress(console, days, scenario.params["scale"] * days >= 100) as advance:
            result = run(scenario, seed=args.seed, on_day=advance)
        write_results(result, out, figure=figures is not None, figures=figures, force=args.force)
    finally:
        if figures is not None:
            figures.close()
        if collecting:
            gc.enable()
    if not args.quiet:
        print_summary(result.summary, out, time.perf_counter() - started)
    return 0


class RunProgress:
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


def compare_command(args) -> int:
    """``compare``: scenarios on common seeds, written to --out (whole or not at all), then the table."""
    from sim.analyses.compare import compare_marker, comparison_table, run_comparison, write_comparison
    from sim.batch.limits import check_runs
    from sim.batch.progress import ProgressBar
    from sim.cli.tables import make_console, print_comparison
    from sim.results.folders import claim

    if args.seeds < 2:
        raise CliError(f"--seeds: expected at least 2 for confidence intervals, got {args.seeds}")
    check_runs(len(args.scenarios) * args.seeds, f"--seeds: {len(args.scenarios)} scenarios × {args.seeds} seeds",
               args.max_runs)
    overrides = {key: value for key, value in (("days", args.days), ("scale", args.scale)) if value is not None}
    scenarios = [load_scenario(path).with_overrides(overrides, source="command line") for path in args.scenarios]
    if args.ensemble:
        from sim.batch.seeds import sequential_seeds
        from sim.config.presets import PRESETS

        return across_worlds(args, scenarios, sequential_seeds(PRESETS["compare"].first_seed, args.seeds), "compare",
                             args.out)
    marker = compare_marker(scenarios, args.seeds)
    claim(args.out, marker, force=args.force, whole=True)
    console = make_console(quiet=args.quiet)
    started = time.perf_counter()
    console.print(f"running {len(scenarios)} scenarios × {args.seeds} seeds ...", style="dim")
    with ProgressBar("compare", len(scenarios) * args.seeds, quiet=args.quiet) as bar:
        runs = run_comparison(scenarios, args.seeds, args.processes, on_run=bar.advance)
    table = comparison_table(runs)

    write_comparison(runs, table, args.out, marker, force=args.force)
    print_comparison(table, [scenario.name for scenario in scenarios], args.seeds, console)
    console.print(f"wrote {args.out}/comparison.csv, runs.csv, comparison.png in {time.perf_counter() - started:.0f} s")
    return 0


def across_worlds(args, scenarios, seeds: list[int], command: str, out) -> int:
    """``run --ensemble N`` / ``compare --ensemble N``: the scenarios in N calibrated worlds on common
    seeds; writes across_runs.csv (one row per scenario, world and seed) and across.csv (medians
    and 90 % intervals across worlds), prints the table."""
    from sim.analyses.across import across_table, run_across
    from sim.analyses.compare import COMPARED
    from sim.batch.limits import MAX_RUNS, check_runs
    from sim.batch.progress import ProgressBar
    from sim.config.ensemble import load_ensemble
    from sim.results.files import atomic_write_csv
    from sim.results.folders import Marker, claim, identity, write_marker

    ensemble = load_ensemble()
    members = ensemble.take(args.ensemble)
    total = len(scenarios) * len(members) * len(seeds)
    check_runs(total, f"--ensemble: {len(scenarios)} scenarios × {len(members)} worlds × {len(seeds)} seeds",
               getattr(args, "max_runs", MAX_RUNS))
    described = {"scenarios": [{"scenario": s.name, "parameters": s.params.changed()} for s in scenarios],
                 "members": [m.index for m in members], "seeds": list(seeds),
                 "ensemble": str(ensemble.provenance.get("started", ""))}
    marker = Marker(f"{command} --ensemble", identity(described),
                    {"scenarios": ", ".join(s.name for s in scenarios), "worlds": len(members), "seeds": len(seeds)},
                    ("across_runs.csv", "across.csv"))
    claim(out, marker, force=args.force, whole=True)
    started = time.perf_counter()
    if not args.quiet:
        print(f"running {len(scenarios)} scenario(s) in {len(members)} calibrated worlds × {len(seeds)} seed(s) "
              f"= {total} runs ...", file=sys.stderr, flush=True)
    with ProgressBar(command, total, quiet=args.quiet) as bar:
        runs = run_across(scenarios, members, seeds, COMPARED, args.processes, on_run=bar.advance)
    table = across_table(runs, COMPARED)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_csv(runs, out / "across_runs.csv")
    atomic_write_csv(table, out / "across.csv")
    write_marker(out, marker)
    if not args.quiet:
        from sim.cli.tables import make_console, print_across

        print_across(table, len(members), len(seeds), make_console())
        print(f"wrote {out}/across.csv, across_runs.csv in {time.perf_counter() - started:.0f} s")
    return 0


def calibrate_command(args) -> int:
    """``calibrate``: rebuild the ensemble (ABC); --central: the defaults' report; --fit: the old fit."""
    if args.central or args.fit:
        return central_calibration(args)
    if args.remeasure:
        return remeasure_patterns(args)
    return rebuild_ensemble(args)


def remeasure_patterns(args) -> int:
    """``calibrate --remeasure REASON``: the shipped ensemble's patterns measured again on this code."""
    from sim.analyses.abc import remeasure_ensemble
    from sim.config.ensemble import ENSEMBLE_DIR
    from sim.docgen import ensemble_report

    folder = args.out or ENSEMBLE_DIR
    if not (folder / "members.csv").is_file():
        raise CliError(f"--remeasure: no ensemble in {folder} (expected members.csv and provenance.json written by "
                       "`python run.py calibrate`)")
    if folder == ENSEMBLE_DIR:
        ensemble_report.check_ensemble_folder(folder)
    say = say_unless_quiet(args)
    remeasure_ensemble(folder, processes=args.processes or os.cpu_count() or 1, reason=args.remeasure, log=say)
    report = ensemble_report.write_report(folder, DOCS / "ensemble.md" if folder == ENSEMBLE_DIR
                                          else folder / "ensemble.md")
    say(f"wrote {report}")
    return 0


def rebuild_ensemble(args) -> int:
    """``calibrate``: ABC-SMC over every uncertainty; the accepted sets are the ensemble."""
    from dataclasses import replace

    from sim.analyses.abc import build_ensemble
    from sim.config.ensemble import ENSEMBLE_DIR
    from sim.config.presets import ABC
    from sim.docgen import ensemble_report
    from sim.results.folders import check_writable, claim, identity, write_marker

    say = say_unless_quiet(args)

    if args.seeds is not None:
        raise CliError("--seeds: the ensemble runs one seed per parameter set (a hash of its values); "
                       "--seeds is for calibrate --central")
    settings = replace(ABC, scale=ABC.scale if args.scale is None else args.scale,
                       days=ABC.days if args.days is None else args.days, population=args.population,
                       generations=args.generations, max_runs=args.budget)
    for key in ("scale", "days"):
        try:
            PARAMS[key].check(getattr(settings, key))
        except ValueError as error:
            raise CliError(f"--{key}: {error}") from None
    for option, value, least in (("--population", settings.population, 10), ("--generations", settings.generations, 1),
                                 ("--budget", settings.max_runs, settings.population)):
        if value < least:
            raise CliError(f"{option}: expected a whole number ≥ {least}, got {value}")
    from sim.batch.limits import check_runs

    check_runs(settings.max_runs, f"--budget: {settings.max_runs:,} runs", args.max_runs)
    described = {key: getattr(settings, key) for key in ("scale", "days", "population", "generations", "max_runs")}
    shipped = settings == ABC and args.out is None
    out = ENSEMBLE_DIR if shipped else (args.out or RESULTS / "calibration" / (
        f"abc-scale{settings.scale:g}-days{settings.days}-pop{settings.population}-budget{settings.max_runs}"))
    marker = None
    if shipped:
        ensemble_report.check_ensemble_folder(out)
    else:
        if inside(out, ENSEMBLE_DIR):
            raise CliError(f"--out: {out} is the shipped ensemble, which only the default settings rebuild; "
                           "choose a folder outside scenarios/ensemble/")
        from sim.results.folders import Marker

        marker = Marker("calibrate", identity(described), described)
        claim(out, marker, force=args.force)
    history = RESULTS / "calibration" / "abc-history"
    check_writable(history)
    processes = args.processes or os.cpu_count() or 1
    say(ensemble_report.time_estimate(settings, processes))
    database = history / f"abc-{time.strftime('%Y%m%d-%H%M%S')}.db"
    build_ensemble(out, settings, processes=processes, database=database, log=say)
    if marker is not None:
        write_marker(out, marker)
    report = ensemble_report.write_report(out, DOCS / "ensemble.md" if shipped else out / "ensemble.md")
    say(f"wrote {out}/members.csv, provenance.json and {report} (pyabc's history: {database})")
    return 0


def central_calibration(args) -> int:
    """``calibrate --central``: regenerate the calibration report (docs/ at the full settings) or, with --fit, fit."""
    import json

    from sim.analyses import calibration
    from sim.batch.limits import check_runs
    from sim.batch.progress import ProgressBar
    from sim.docgen import calibration_report
    from sim.results.folders import check_writable, claim, write_marker

    say = say_unless_quiet(args)

    if args.fit:
        check_writable(DOCS)
        evaluations = 12
        with ProgressBar("calibrate --fit", evaluations * PRESETS["fit"].seeds, quiet=args.quiet) as bar:
            def log(message: str) -> None:  # above the bar while it shows
                if bar.enabled:
                    bar.log(message)
                else:
                    say(message)

            result = calibration.fit(max_evaluations=evaluations, log=log, on_run=bar.advance)
        DOCS.mkdir(exist_ok=True)
        (DOCS / "calibration_fit.json").write_text(json.dumps(result, indent=2) + "\n")
        say("fitted values (put them in sim/config/params.py as the defaults):")
        for name, value in result["overrides"].items():
            say(f"  {name} = {value:.4g}")
        return 0
    args.seeds = PRESETS["full"].seeds if args.seeds is None else args.seeds
    args.scale = PRESETS["full"].scale if args.scale is None else args.scale
    args.days = PRESETS["full"].days if args.days is None else args.days
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


def validate_command(args) -> int:
    """``validate``: the checks against theory; exit 1 if any disagrees."""
    from sim.analyses.validation import all_checks
    from sim.cli.tables import make_console, print_checks

    console = make_console()
    started = time.perf_counter()
    checks = all_checks(progress=lambda message: console.print(f"  {message}", style="dim"))
    print_checks(checks, console)
    failed = [check for check in checks if not check.passed]
    console.print(f"{len(checks) - len(failed)} passed, {len(failed)} failed ({time.perf_counter() - started:.0f} s)")
    return 1 if failed else 0


def viz_command(args) -> int:
    """``viz``: serve the browser page (after checking the options and fetching its files once)."""
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


def list_command(args) -> int:
    """``list``: the scenario files and their purposes."""
    from sim.config.scenario import list_scenarios

    for scenario in list_scenarios():
        print(f"{scenario.path.name:40s} {scenario.purpose}")
    return 0


def odd_command(args) -> int:
    """``odd``: regenerate docs/odd.md's parameter tables."""
    from sim.docgen.odd import ODD_PATH, write

    print(f"{ODD_PATH}: {'parameter tables regenerated' if write() else 'already current'}")
    return 0


def params_command(args) -> int:
    """``params``: every parameter (a Markdown table with --markdown)."""
    if args.markdown:
        from sim.docgen.parameters import parameter_table_markdown

        print(parameter_table_markdown())
        return 0
    for kind in ParamKind:
        print(f"\n[{kind.value}s]")
        for param in PARAMS.values():
            if param.kind is kind:
                print(f"  {param.name} = {param.default!r}  ({param.unit}; {param.source})")
    return 0
