"""``python run.py sweep EXPERIMENT [options]`` and ``python run.py sweep-report OUTDIR``.

``sim.cli.main`` registers these with ``add_parsers``. Handlers return an exit code; bad input
raises ``SweepError`` (a ``ScenarioError``) or ``CliError``, which ``sim.cli.main.main`` turns into a
one-line message and exit 2, before any output folder is created.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.cli.options import add_limit_options, member_count
from sim.config.paths import RESULTS
from sim.results.folders import safe_name

DEFAULT_OUT = RESULTS / "sweeps"


def add_parsers(subparsers) -> None:
    sweep = subparsers.add_parser(
        "sweep", help="run a parameter sweep from an experiment file (resumable)",
        description="Run every design point × replication of an experiment file on local processes or Dask, "
                    "storing results in Parquet as runs finish. Rerunning the same command resumes: runs "
                    "already stored are skipped.")
    sweep.add_argument("experiment", help="experiment TOML file (see experiments/README.md)")
    add_limit_options(sweep)
    sweep.add_argument("--out", type=Path, help="output folder (default: results/sweeps/EXPERIMENT_NAME)")
    sweep.add_argument("--scale", type=float, help="share of the 700,000 residents (overrides the file)")
    sweep.add_argument("--days", type=int, help="days to simulate (overrides the file)")
    sweep.add_argument("--replications", type=int, help="replications per design point (overrides the file)")
    sweep.add_argument("--ensemble", type=member_count, metavar="N",
                       help="run every design point in the first N calibrated worlds (overrides the file's ensemble)")
    sweep.add_argument("--timeout", type=float, help="seconds per run before it is stopped as timed_out (0 = none)")
    sweep.add_argument("--dask", metavar="ADDRESS|local",
                       help="run on Dask: a scheduler address (tcp://host:8786) or 'local' for a LocalCluster")
    sweep.add_argument("--retry-failed", action="store_true", help="on resume, rerun failed and timed-out runs too")
    sweep.add_argument("--csv", action="store_true", help="also write runs.csv, daily.csv and summary.csv")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar or table")
    sweep.set_defaults(handler=sweep_command)

    report = subparsers.add_parser("sweep-report", help="summary table and figures of a stored sweep",
                                   description="Redraw a sweep's summary table, figures and sensitivity "
                                               "indices from its stored results.")
    report.add_argument("outdir", type=Path, help="a sweep's output folder")
    report.add_argument("--csv", action="store_true", help="also write runs.csv, daily.csv and summary.csv")
    report.set_defaults(handler=report_command)


def sweep_command(args) -> int:
    from sim.analyses.sweep_report import report
    from sim.batch.engine import Engine, default_processes
    from sim.batch.experiment import load_experiment
    from sim.batch.store import Store
    from sim.batch.sweep import run_sweep
    from sim.cli.tables import print_sweep_report

    experiment = load_experiment(args.experiment, scale=args.scale, days=args.days,
                                 replications=args.replications, timeout=args.timeout, ensemble=args.ensemble,
                                 max_runs=args.max_runs)
    out = args.out if args.out is not None else DEFAULT_OUT / safe_name(experiment.name, "sweep")
    engine = Engine(args.processes or default_processes(), dask=args.dask)
    result = run_sweep(experiment, out, engine, retry_failed=args.retry_failed, quiet=args.quiet)
    if args.csv:
        Store(out).export_csv()
    summary = report(out, csv=args.csv)
    if not args.quiet:
        print_sweep_report(summary)
        problems = {k: v for k, v in result.status.items() if k != "ok"}
        print(f"{result.ran} runs in {result.seconds:.1f} s ({result.skipped} already stored"
              + (f"; {', '.join(f'{v} {k}' for k, v in problems.items())}" if problems else "")
              + (f"; {result.restarts} worker restarts" if result.restarts else "") + f"): {out}/",
              file=sys.stderr)
    return 1 if result.status.get("failed") or result.status.get("timed_out") else 0


def report_command(args) -> int:
    from sim.analyses.sweep_report import report
    from sim.batch.store import Store
    from sim.cli.tables import print_sweep_report

    print_sweep_report(report(args.outdir, csv=args.csv))
    if args.csv:
        Store(args.outdir).export_csv()
    return 0
