"""The command line's parser and entry point: ``python run.py [COMMAND] [options]``; ``run`` is the
default command and ``--help`` lists the rest (compare, sweep, sweep-report, staffing, sensitivity,
discover, policy-report, policy-analysis, viz, validate, calibrate, list, odd, params). What each
command does is ``sim.cli.commands``' (and ``sim.cli.sweep``'s, ``sim.cli.analyses``').

Bad input (a missing or malformed file, an unknown key, a value out of range, a malformed
option) exits with code 2 and one message naming the file and the field, before anything
is written.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from sim.cli import commands
from sim.cli.options import add_limit_options, member_count, process_count, run_seed
from sim.config.errors import EXIT_BAD_INPUT, EXIT_IO_ERROR, CliError, Interrupted, ScenarioError
from sim.config.paths import BASELINE, RESULTS
from sim.config.presets import ABC, PRESETS
from sim.config.rule_names import POLICY_RULES

COMMANDS = ("run", "compare", "sweep", "sweep-report", "staffing", "sensitivity", "discover", "policy-report",
            "policy-analysis", "viz", "validate", "calibrate", "list", "odd", "params")
COMMANDS += ("cost", "robust")  # sim.cli.cost
RENAMED = {"report": "sweep-report", "report-policy": "policy-report"}  # removed names: say what they are now


class _Parser(argparse.ArgumentParser):
    """argparse, but a malformed option is one line on stderr (and exit code 2)."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"error: {self.prog}: {message} (see --help)\n")


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
    run.add_argument("--seed", type=run_seed, default=1, help="random seed, a whole number ≥ 0 (default 1)")
    run.add_argument("--days", type=int, help="days to simulate (default: the scenario's, 365)")
    run.add_argument("--scale", type=float, help="share of the 700,000 residents (default: the scenario's, 1.0)")
    run.add_argument("--workers-per-10k", type=float, help="grid workers per 10,000 urban residents")
    run.add_argument("--escalation-rule", help=f"escalation rule: {', '.join(POLICY_RULES)}")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any other parameter")
    run.add_argument("--out", type=Path, help="results folder (default: results/SCENARIO)")
    run.add_argument("--force", action="store_true",
                     help="replace a results folder of another run (never one this program did not write)")
    run.add_argument("--no-figure", action="store_true", help="skip summary.png")
    run.add_argument("--ensemble", type=member_count, metavar="N",
                     help="run in the first N calibrated worlds (scenarios/ensemble/) on --seed: the answer's median "
                          "and 90 %% interval across worlds")
    run.add_argument("--processes", type=process_count, help="worker processes for --ensemble (default: the cores)")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.set_defaults(handler=commands.run_command)

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
    compare.add_argument("--ensemble", type=member_count, metavar="N",
                         help="compare in each of the first N calibrated worlds (common seeds within each): the "
                              "differences' median and 90 %% interval across worlds")
    compare.set_defaults(handler=commands.compare_command)

    calibrate = sub.add_parser(
        "calibrate", help="rebuild the calibrated ensemble by ABC (--central: the defaults against Shishi's figures)",
        description="Without options: rebuild scenarios/ensemble/ (the calibrated worlds) by approximate Bayesian "
                    f"computation at scale {ABC.scale:g}, {ABC.days} days, population {ABC.population}, at most "
                    f"{ABC.generations} generations and {ABC.max_runs:,} runs (it says how long before it starts), "
                    "and regenerate docs/ensemble.md; other settings write to results/calibration/. --central: "
                    "the registry's defaults against Shishi's figures (docs/calibration.md at 10 seeds, scale 1, "
                    "365 days; other settings write to results/calibration/). --fit: the old least-squares fit.")
    calibrate.add_argument("--central", action="store_true",
                           help="report the registry's defaults against Shishi's figures (docs/calibration.md)")
    calibrate.add_argument("--fit", action="store_true",
                           help="fit the open parameters; store docs/calibration_fit.json")
    calibrate.add_argument("--seeds", type=int, default=None,
                           help=f"--central: seeds for the report (default {PRESETS['full'].seeds})")
    calibrate.add_argument("--scale", type=float, default=None,
                           help=f"scale (default {ABC.scale:g} for the ensemble, "
                                f"{PRESETS['full'].scale:g} with --central)")
    calibrate.add_argument("--days", type=int, default=None,
                           help=f"days (default {ABC.days}; {PRESETS['full'].days} with --central)")
    calibrate.add_argument("--population", type=int, default=ABC.population,
                           help="ABC: parameter sets accepted per generation, the ensemble's size "
                                f"(default {ABC.population})")
    calibrate.add_argument("--generations", type=int, default=ABC.generations,
                           help=f"ABC: at most this many generations (default {ABC.generations})")
    calibrate.add_argument("--budget", type=int, default=ABC.max_runs,
                           help=f"ABC: stop after the generation that spends this many runs (default {ABC.max_runs:,})")
    calibrate.add_argument("--out", type=Path, help="folder (default: scenarios/ensemble/ or docs/ at the default "
                                                    "settings, else results/calibration/SETTINGS)")
    calibrate.add_argument("--force", action="store_true", help="replace another calibration's output in --out")
    calibrate.add_argument("--remeasure", metavar="REASON",
                           help="after a model change: rerun every member of the ensemble (--out, default the "
                                "shipped one) on its seed and store its patterns anew, with REASON in its provenance; "
                                "the ABC weights are kept (rerun calibrate to refit)")
    calibrate.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress)")
    add_limit_options(calibrate)
    calibrate.set_defaults(handler=commands.calibrate_command)

    from sim.cli.analyses import add_parsers as add_policy_parsers
    from sim.cli.sweep import add_parsers as add_sweep_parsers

    add_sweep_parsers(sub)
    add_policy_parsers(sub)
    from sim.cli.cost import add_parsers as add_cost_parsers

    add_cost_parsers(sub)

    viz = sub.add_parser("viz", help="serve the browser visualisation (Solara)")
    viz.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    viz.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    viz.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                     help="also answer requests for this host name (repeatable; by default only 127.0.0.1, "
                          "localhost and [::1]: the page has no authentication)")
    viz.set_defaults(handler=commands.viz_command)

    validate = sub.add_parser("validate", help="check the simulation against queueing theory")
    validate.set_defaults(handler=commands.validate_command)

    listing = sub.add_parser("list", help="list the scenario files and their purposes")
    listing.set_defaults(handler=commands.list_command)

    odd = sub.add_parser("odd", help="regenerate docs/odd.md's parameter tables (the ODD protocol) from the registry")
    odd.set_defaults(handler=commands.odd_command)
    params = sub.add_parser("params", help="list every parameter with default, unit and source")
    params.add_argument("--markdown", action="store_true", help="print a Markdown table")
    params.set_defaults(handler=commands.params_command)
    return parser
