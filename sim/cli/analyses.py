"""Command-line subcommands of the policy analysis; ``sim.cli.main`` registers them with ``add_parsers``.

    python run.py staffing [EXPERIMENT_OR_SCENARIO] \
[--target "mediations_within_30_days>=0.95,closure_rate>=0.95"]
    python run.py sensitivity [--out DIR]
    python run.py discover [EXPERIMENT_OR_SWEEP_DIR] [--norm 18]
    python run.py policy-report OUTDIR
    python run.py policy-analysis [--members 16] [--scale 0.05] [--out DIR] [--doc docs/policy.md]

Handlers check their options and call the typed functions of ``sim.analyses.pipeline``;
bad input raises ``sim.config.errors.CliError`` or a ``ScenarioError``
(``StandardError``, ``SweepError``), which ``sim.cli.main.main`` prints in one line with exit code 2.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from sim.batch.limits import MAX_GRID_POINTS, MIN_GRID_POINTS
from sim.cli.options import add_limit_options
from sim.config.paths import POLICY_DISCOVERY_EXPERIMENT as DEFAULT_DISCOVERY
from sim.config.paths import POLICY_STAFFING_EXPERIMENT as DEFAULT_STAFFING
from sim.config.paths import RESULTS
from sim.config.presets import NORM_WORKERS_PER_10K, PRESETS

DEFAULT_OUT = RESULTS / "policy"


def _cli_error(message: str) -> Exception:
    from sim.config.errors import CliError

    return CliError(message)


def add_parsers(subparsers) -> None:
    staffing = subparsers.add_parser(
        "staffing", help="smallest staffing meeting a service standard with 95 %% confidence, per escalation rule",
        description="Grid search over a staffing lever for each escalation rule, adding replications adaptively "
                    "until the 95 % CI decides the standard (see docs/policy.md for the stopping rule).")
    staffing.add_argument("source", nargs="?", default=str(DEFAULT_STAFFING),
                          help="experiment file (its grid, rules, seed, scale, days) or scenario file "
                               "(default experiments/policy_staffing.toml)")
    _standard_args(staffing)
    staffing.add_argument("--lever", default="workers_per_10k", help="parameter to search (default workers_per_10k)")
    staffing.add_argument("--grid", help="values to try: '2,4,6,9' or 'START:STOP:STEP' (inclusive)")
    staffing.add_argument("--rules", help="comma-separated escalation rules, or 'scenario' for the scenario's own "
                                          "(default: the experiment's, else all three)")
    staffing.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any other parameter")
    _search_args(staffing)
    _size_args(staffing)
    staffing.add_argument("--out", type=Path, help="output folder (default results/policy/staffing)")
    staffing.set_defaults(handler=staffing_command)

    sensitivity = subparsers.add_parser(
        "sensitivity", help="Morris screening of all uncertainties, then Sobol indices of the top few (SALib)")
    sensitivity.add_argument("--scenario", help="base scenario file (default: the baseline)")
    sensitivity.add_argument("--outcomes", default="closed_within_30_days,petitions_per_10k",
                             help="comma-separated outcomes to analyse")
    sensitivity.add_argument("--trajectories", type=int, default=8, help="Morris trajectories (default 8)")
    sensitivity.add_argument("--top", type=int, default=4, help="factors carried to Sobol (default 4)")
    sensitivity.add_argument("--sobol-samples", type=int, default=32, help="Sobol base sample N (default 32)")
    sensitivity.add_argument("--replications", type=int, default=2, help="replications averaged per point (default 2)")
    _size_args(sensitivity)
    sensitivity.add_argument("--out", type=Path, help="output folder (default results/policy/sensitivity)")
    sensitivity.set_defaults(handler=sensitivity_command)

    discover = subparsers.add_parser(
        "discover", help="PRIM boxes: futures in which the staffing norm misses the standard")
    discover.add_argument("source", nargs="?", default=str(DEFAULT_DISCOVERY),
                          help="experiment file to run (default experiments/policy_discovery.toml) or a stored "
                               "sweep folder to analyse")
    _standard_args(discover)
    discover.add_argument("--norm", type=float, default=NORM_WORKERS_PER_10K,
                          help=f"workers per 10,000 examined (default {NORM_WORKERS_PER_10K:g}, the national norm)")
    discover.add_argument("--threshold", type=float, default=0.8, help="PRIM density threshold (default 0.8)")
    discover.add_argument("--peel-alpha", type=float, default=0.05, help="PRIM peeling share (default 0.05)")
    discover.add_argument("--replications", type=int, help="replications per future (overrides the file)")
    _size_args(discover)
    discover.add_argument("--out", type=Path, help="output folder (default results/policy/discovery)")
    discover.set_defaults(handler=discover_command)

    report = subparsers.add_parser("policy-report", help="write OUTDIR/policy_report.md from stored analyses")
    report.add_argument("outdir", type=Path, help="folder holding staffing/, sensitivity/, discovery/")
    report.set_defaults(handler=report_command)

    full = subparsers.add_parser(
        "policy-analysis",
        help="staffing per rule across calibrated worlds, sensitivity of the decisions, discovery over the worlds; "
             "then the report",
        description="The staffing grid under each rule in N members of the calibrated ensemble (per-world answers "
                    "and their weighted spread), Morris group screening of the staffing slope and the rule "
                    "differences, and PRIM over the worlds that miss the standard at 18 per 10,000; prints the plan, "
                    "then progress with the time left (see docs/policy.md).")
    _standard_args(full)
    _size_args(full, scale_default=PRESETS["analysis"].scale, days_default=PRESETS["analysis"].days)
    full.add_argument("--ensemble", type=Path, help="ensemble folder (default: the shipped scenarios/ensemble)")
    full.add_argument("--members", type=int, default=16, help="calibrated worlds to use, the ensemble's first N "
                                                              "(default 16)")
    full.add_argument("--seeds", type=int, default=2, help="common seeds per world and grid value (default 2)")
    full.add_argument("--grid", help="workers per 10,000 to try: '6,9,12' or 'START:STOP:STEP' "
                                     "(default 6,9,12,15,18,24,30)")
    full.add_argument("--trajectories", type=int, default=6, help="Morris trajectories of the decision "
                                                                  "sensitivity (default 6)")
    full.add_argument("--seed", type=int, help="seed of the replication seeds and the Morris design")
    full.add_argument("--doc", type=Path, help="also put the answers into this Markdown file between its markers "
                                               "(docs/policy.md)")
    full.add_argument("--doc-note", default="", help="a line put above the answers in --doc (what was run)")
    full.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default results/policy)")
    full.set_defaults(handler=policy_analysis_command)


def _standard_args(parser) -> None:
    parser.add_argument("--target", action="append", default=[], metavar="OUTCOME>=X",
                        help="service standard criteria, comma-separated or repeated (default: the sourced "
                             "standard, sim.analyses.standard.DEFAULT_STANDARD); "
                             "outcomes: sim.config.outcomes.flat_outcomes, "
                             "closed_within_N_days, mean_wait_days")


def _search_args(parser) -> None:
    parser.add_argument("--min-replications", type=int, default=4, help="replications before the first decision (4)")
    parser.add_argument("--step", type=int, default=4, help="replications added per round (4)")
    parser.add_argument("--max-replications", type=int, default=20, help="cap; open points become undecided (20)")
    parser.add_argument("--seed", type=int, help="seed of the replication seeds (default: the experiment's)")


def _size_args(parser, scale_default=None, days_default=None) -> None:
    parser.add_argument("--scale", type=float, default=scale_default, help="share of the 700,000 residents")
    parser.add_argument("--days", type=int, default=days_default, help="days to simulate")
    add_limit_options(parser)
    parser.add_argument("--force", action="store_true",
                        help="write over another analysis's results in --out (never a folder this program did not "
                             "write)")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress bar)")


# ---------------------------------------------------------------- parsing helpers


def parse_grid(text: str, lever: str) -> tuple[float, ...]:
    from sim.config.params import PARAMS

    text = text.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3 or parts[2] <= 0 or parts[1] < parts[0]:
                raise ValueError
            start, stop, step = parts
            if not all(math.isfinite(v) for v in parts):
                raise ValueError
            count = int(math.floor((stop - start) / step + 1e-9)) + 1
            if count > MAX_GRID_POINTS:  # counted before the values are made: a step of 1e-9 would fill memory
                raise _cli_error(f"--grid: {text!r} has {count:,} values; expected {MIN_GRID_POINTS} to "
                                 f"{MAX_GRID_POINTS} (a larger STEP)")
            values = [round(start + i * step, 10) for i in range(count)]
        else:
            values = [float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise _cli_error(f"--grid: expected comma-separated numbers or START:STOP:STEP with STEP > 0, "
                         f"got {text!r}") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise _cli_error(f"--grid: expected at least one finite number, got {text!r}")
    if not MIN_GRID_POINTS <= len(values) <= MAX_GRID_POINTS:
        raise _cli_error(f"--grid: {text!r} has {len(values)} value(s); expected {MIN_GRID_POINTS} to "
                         f"{MAX_GRID_POINTS}")
    if len(set(values)) != len(values):
        raise _cli_error(f"--grid: repeated values in {text!r}")
    param = PARAMS[lever]
    for value in values:
        try:
            param.check(int(value) if param.type is int and float(value).is_integer() else value)
        except ValueError as error:
            raise _cli_error(f"--grid: {lever} = {value:g}: {error}") from None
    return tuple(sorted(values))


def _check_lever(lever: str) -> None:
    from sim.config.params import PARAMS

    param = PARAMS.get(lever)
    if param is None:
        import difflib

        close = difflib.get_close_matches(lever, list(PARAMS), n=1)
        raise _cli_error(f"--lever: unknown parameter {lever!r}" + (f" (did you mean {close[0]}?)" if close else ""))
    if param.type not in (int, float):
        raise _cli_error(f"--lever: {lever} is not numeric; the search needs a numeric lever")


def _parse_rules(text: str | None, default) -> tuple:
    from sim.config.rule_names import POLICY_RULES as RULES

    if text is None:
        return tuple(default)
    if text.strip() == "scenario":
        return (None,)
    rules = tuple(r.strip() for r in text.split(",") if r.strip())
    for rule in rules:
        if rule not in RULES:
            raise _cli_error(f"--rules: unknown escalation rule {rule!r}; expected one of {', '.join(sorted(RULES))}")
    if not rules:
        raise _cli_error("--rules: no rule given")
    return rules


def _check_positive(name: str, value, minimum: int = 1) -> None:
    if value is not None and value < minimum:
        raise _cli_error(f"{name}: expected a whole number ≥ {minimum}, got {value}")


def _processes(value) -> int:
    from sim.batch.engine import default_processes

    return default_processes() if value is None else value


def staffing_config(args):
    """The search the options describe (checked here; built by the library)."""
    from sim.analyses.pipeline import search_config
    from sim.analyses.standard import parse_standard
    from sim.config.scenario import parse_assignment

    standard = parse_standard(args.target)
    _check_lever(args.lever)
    for name in ("min_replications", "step", "max_replications"):
        _check_positive("--" + name.replace("_", "-"), getattr(args, name))
    if args.max_replications < max(2, args.min_replications):
        raise _cli_error(f"--max-replications: expected at least --min-replications ({args.min_replications}) and 2, "
                         f"got {args.max_replications}")
    if args.min_replications < 2:
        raise _cli_error("--min-replications: expected at least 2 (a confidence interval needs two replications)")
    overrides = dict(parse_assignment(text) for text in args.set)
    return search_config(Path(args.source), standard, lever=args.lever,
                         grid=parse_grid(args.grid, args.lever) if args.grid else None,
                         rules=_parse_rules(args.rules, None) if args.rules else None, overrides=overrides,
                         scale=args.scale, days=args.days, seed=args.seed, min_replications=args.min_replications,
                         step=args.step, max_replications=args.max_replications)


def _out(args, name: str, what: dict) -> Path:
    """The output folder, claimed before any work (``sim.results.folders.claim``): new, empty, or
    this analysis's with the same settings (another's only with --force); writable."""
    from sim.analyses.pipeline import analysis_marker
    from sim.results.folders import claim, write_marker

    out = args.out if args.out is not None else DEFAULT_OUT / name
    marker = analysis_marker(name, what)
    claim(out, marker, force=args.force)
    out.mkdir(parents=True, exist_ok=True)
    write_marker(out, marker)
    return out


def _bar(args, description: str, total: int = 0):
    from sim.batch.progress import ProgressBar

    return ProgressBar(description, total, quiet=args.quiet)


def _say(args, bar=None):
    """Messages on stdout (above the progress bar while it shows); nothing with --quiet."""
    def say(message: str) -> None:
        if args.quiet:
            return
        if bar is not None and bar.enabled:
            bar.log(f"  {message}")
        else:
            print(f"  {message}", flush=True)

    return say


# ---------------------------------------------------------------- handlers


def staffing_command(args) -> int:
    from sim.analyses.pipeline import staffing
    from sim.batch.limits import check_runs
    from sim.cli.tables import print_staffing

    config = staffing_config(args)
    points = len(config.rules) * len(config.grid)
    check_runs(points * config.max_replications, f"--max-replications: {points} points × at most "
                                                 f"{config.max_replications} replications", args.max_runs)
    out = _out(args, "staffing", config.to_json())
    with _bar(args, "staffing", points * config.max_replications) as bar:
        result = staffing(config, out, processes=_processes(args.processes), progress=_say(args, bar), bar=bar)
    if not args.quiet:
        print_staffing(result)
    return 0


def sensitivity_command(args) -> int:
    from sim.analyses.sensitivity import analyse
    from sim.cli.tables import print_sensitivity

    outcomes = _outcomes(args.outcomes)
    for name in ("trajectories", "top", "sobol_samples", "replications"):
        _check_positive("--" + name.replace("_", "-"), getattr(args, name))
    if args.scenario:
        from sim.config.scenario import load_scenario

        load_scenario(args.scenario)
    _check_size(args)
    from sim.analyses.sensitivity import plausible_uncertainties
    from sim.batch.limits import check_runs

    factors = len(plausible_uncertainties()) + 1  # and the dummy
    runs = (args.trajectories * (factors + 1) + args.sobol_samples * (min(args.top, factors) + 1 + 2)) \
        * args.replications
    check_runs(runs, "Morris and Sobol designs × --replications", args.max_runs)
    preset = PRESETS["analysis"]
    settings = dict(outcomes=outcomes, top=args.top, trajectories=args.trajectories, sobol_samples=args.sobol_samples,
                    replications=args.replications, days=args.days or preset.days, scale=args.scale or preset.scale,
                    scenario=str(Path(args.scenario).resolve()) if args.scenario else None)
    out = _out(args, "sensitivity", settings)
    result = analyse(out, **settings, processes=_processes(args.processes), progress=_say(args), quiet=args.quiet)
    if not args.quiet:
        print_sensitivity(result, outcomes)
        print(f"wrote {out}/morris_ranking.csv, sobol_indices.csv, morris.png, sobol.png")
    return 0


def _outcomes(text: str) -> list[str]:
    from sim.config.outcomes import OUTCOMES

    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise _cli_error("--outcomes: give at least one outcome")
    for name in names:
        if name not in OUTCOMES:
            raise _cli_error(f"--outcomes: unknown outcome {name!r}")
    return names


def _check_size(args) -> None:
    from sim.config.params import PARAMS

    for key in ("scale", "days"):
        value = getattr(args, key, None)
        if value is not None:
            try:
                PARAMS[key].check(value)
            except ValueError as error:
                raise _cli_error(f"--{key}: {error}") from None


def discover_command(args) -> int:
    from sim.analyses.pipeline import discovery
    from sim.analyses.standard import parse_standard
    from sim.cli.tables import print_discovery

    standard = parse_standard(args.target)
    _check_size(args)
    if not 0 < args.threshold <= 1:
        raise _cli_error(f"--threshold: expected a density in (0, 1], got {args.threshold}")
    if not 0 < args.peel_alpha < 0.5:
        raise _cli_error(f"--peel-alpha: expected a share in (0, 0.5), got {args.peel_alpha}")
    from sim.batch.limits import require

    require("ema_workbench")
    _check_positive("--replications", args.replications)
    source = Path(args.source)
    if not source.is_dir():  # an experiment file: checked (and its size) before any folder is made
        from sim.batch.experiment import load_experiment

        load_experiment(source, scale=args.scale, days=args.days, replications=args.replications,
                        max_runs=args.max_runs)
    out = _out(args, "discovery", {"source": str(source.resolve()), "standard": str(standard), "norm": args.norm,
                                   "scale": args.scale, "days": args.days, "replications": args.replications,
                                   "threshold": args.threshold, "peel_alpha": args.peel_alpha})
    result = discovery(source, out, standard, norm=args.norm, threshold=args.threshold,
                       peel_alpha=args.peel_alpha, scale=args.scale, days=args.days, replications=args.replications,
                       processes=_processes(args.processes), progress=_say(args), quiet=args.quiet,
                       max_runs=args.max_runs)
    if not args.quiet:
        print_discovery(result, args.norm)
        print(f"wrote {out}/boxes.csv, miss_rates.csv, rescue.csv, futures.csv, prim.png")
    return 0


def report_command(args) -> int:
    from sim.docgen.policy_report import write_report

    if not args.outdir.is_dir():
        raise _cli_error(f"{args.outdir}: no such folder")
    path = write_report(args.outdir)
    print(f"wrote {path}")
    return 0


def policy_analysis_command(args) -> int:
    """The staffing answer across calibrated worlds, the decision sensitivity and discovery, then the report."""
    from sim.analyses.standard import parse_standard
    from sim.analyses.worlds import DEFAULT_GRID
    from sim.docgen.policy_report import policy_analysis, write_doc

    standard = parse_standard(args.target)  # fail fast
    derived = [c.outcome for c in standard.criteria if not _flat(c.outcome)]
    if derived:
        raise _cli_error(f"--target: {', '.join(derived)} is computed from run records, which the analysis does not "
                         "keep; policy-analysis needs outcomes from sim.config.outcomes.flat_outcomes (use `staffing` "
                         "alone for this standard)")
    _check_size(args)
    for name in ("members", "seeds", "trajectories"):
        _check_positive("--" + name, getattr(args, name))
    from sim.batch.limits import require
    from sim.config.ensemble import load_ensemble

    require("ema_workbench")  # discovery's PRIM: before any folder is made
    load_ensemble(args.ensemble).take(args.members, "--members")  # a missing or short ensemble: before any run
    grid = parse_grid(args.grid, "workers_per_10k") if args.grid else DEFAULT_GRID
    if args.doc is not None and not args.doc.is_file():
        raise _cli_error(f"--doc: {args.doc}: no such file")
    settings = {"scale": args.scale, "days": args.days, "members": args.members, "seeds": args.seeds,
                "grid": tuple(grid), "trajectories": args.trajectories,
                "ensemble": str(args.ensemble.resolve()) if args.ensemble else None}
    if args.seed is not None:
        settings["seed"] = args.seed
    args.out = _out(args, "policy-analysis", {"standard": str(standard), **settings})
    started = time.perf_counter()
    say = _say(args)
    report = policy_analysis(args.out, standard, **settings, processes=_processes(args.processes),
                             progress=lambda message: say(message.strip()), quiet=args.quiet)
    if args.doc is not None:
        write_doc(args.out, args.doc, args.doc_note)
    if not args.quiet:
        print(f"wrote {report}" + (f" and the answers in {args.doc}" if args.doc else "")
              + f"\npolicy analysis done in {time.perf_counter() - started:.0f} s")
    return 0


def _flat(name: str) -> bool:
    from sim.config.outcomes import OUTCOMES

    return name in OUTCOMES
