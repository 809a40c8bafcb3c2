"""``python run.py sweep EXPERIMENT [options]`` and ``python run.py sweep-report OUTDIR``.

``sim.cli.main`` registers these with ``add_parsers``. Handlers return an exit code; bad input
raises ``SweepError`` (a ``ScenarioError``) or ``CliError``, which ``sim.cli.main.main`` turns into a
one-line message and exit 2, before any output folder is created.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.cli.options import add_limit_options
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

    experiment = load_experiment(args.experiment, scale=args.scale, days=args.days,
                                 replications=args.replications, timeout=args.timeout, max_runs=args.max_runs)
    out = args.out if args.out is not None else DEFAULT_OUT / safe_name(experiment.name, "sweep")
    engine = Engine(args.processes or default_processes(), dask=args.dask)
    result = run_sweep(experiment, out, engine, retry_failed=args.retry_failed, quiet=args.quiet)
    if args.csv:
        Store(out).export_csv()
    summary = report(out, csv=args.csv)
    if not args.quiet:
        print_report(summary)
        problems = {k: v for k, v in result.status.items() if k != "ok"}
        print(f"{result.ran} runs in {result.seconds:.1f} s ({result.skipped} already stored"
              + (f"; {', '.join(f'{v} {k}' for k, v in problems.items())}" if problems else "")
              + (f"; {result.restarts} worker restarts" if result.restarts else "") + f"): {out}/",
              file=sys.stderr)
    return 1 if result.status.get("failed") or result.status.get("timed_out") else 0


def report_command(args) -> int:
    from sim.analyses.sweep_report import report
    from sim.batch.store import Store

    print_report(report(args.outdir, csv=args.csv))
    if args.csv:
        Store(args.outdir).export_csv()
    return 0


TABLE_OUTCOMES = 4  # outcomes shown in the terminal table (all are in summary.parquet)
TABLE_POINTS = 60


def print_report(summary, console=None) -> None:
    """A sweep's summary as a table: each point's factors, ok/runs and the first main outcomes
    (mean ± 95 % CI half-width)."""
    import numpy as np
    from rich.table import Table

    from sim.cli.terminal import console as make_console
    from sim.config.outcomes import MAIN_OUTCOMES

    console = console or make_console()
    out, points, outcomes, factor_names = summary.out, summary.summary, summary.outcomes, summary.factor_names
    if points is None or not len(points):
        console.print(f"{out}: no runs stored yet")
        return
    shown = [o for o in outcomes if o in MAIN_OUTCOMES][:TABLE_OUTCOMES] or outcomes[:TABLE_OUTCOMES]
    manifest = summary.manifest
    settings = manifest.get("settings", {})
    table = Table(title=f"{manifest['experiment']['name']}: mean ± 95 % CI half-width over replications "
                        f"(scale {settings.get('scale')}, {settings.get('days')} days)", title_justify="left")
    table.add_column("point", justify="right")
    for name in factor_names:
        table.add_column(name, justify="right")
    table.add_column("ok/runs", justify="right")
    for name in shown:
        table.add_column(name, justify="right")

    def fmt(value: float) -> str:
        return "n/a" if value is None or not np.isfinite(value) else f"{value:.3g}"

    for _, row in points.head(TABLE_POINTS).iterrows():
        cells = [str(row["point"]), *[_value(row[n]) for n in factor_names], f"{row['ok']}/{row['runs']}"]
        for name in shown:
            half = (row[name + "_high"] - row[name + "_low"]) / 2
            cells.append(fmt(row[name]) + (f" ± {fmt(half)}" if np.isfinite(half) else ""))
        table.add_row(*cells)
    console.print(table)
    if len(points) > TABLE_POINTS:
        console.print(f"… {len(points) - TABLE_POINTS} more points in {out / 'summary.parquet'}")
    counts = summary.runs["status"].value_counts().to_dict()
    console.print(f"{len(summary.runs)} runs stored ({', '.join(f'{v} {k}' for k, v in counts.items())}); "
                  f"all outcomes in {out / 'summary.parquet'}, figures in {out / 'figures'}/")


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
