"""Command-line subcommands of the policy analysis; ``sim.cli.main`` registers them with ``add_parsers``.

    python run.py staffing [EXPERIMENT_OR_SCENARIO] \
[--target "closed_within_30_days_of_arising>=0.95,petitions_per_10k<=1"]
    python run.py sensitivity [--out DIR]
    python run.py discover [EXPERIMENT_OR_SWEEP_DIR] [--norm 18]
    python run.py report-policy OUTDIR
    python run.py policy-analysis [--scale 0.05] [--out DIR]      # 1–3 end to end, then the report

Handlers return an exit code; bad input raises ``sim.cli.main.CliError`` or a ``ScenarioError``
(``StandardError``, ``SweepError``), which ``sim.cli.main.main`` prints in one line with exit code 2.
"""

from __future__ import annotations

import argparse
import math
import time
import tomllib
from pathlib import Path

from sim.errors import ScenarioError
from sim.escalation import POLICY_RULES as ALL_RULES  # the rules a policy may choose

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_STAFFING = REPO / "experiments" / "policy_staffing.toml"
DEFAULT_DISCOVERY = REPO / "experiments" / "policy_discovery.toml"
DEFAULT_OUT = Path("results") / "policy"
DEFAULT_GRID = (2.0, 4.0, 6.0, 9.0, 12.0, 15.0, 18.0, 24.0, 30.0)


def _cli_error(message: str) -> Exception:
    from sim.errors import CliError

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
    discover.add_argument("--norm", type=float, default=18.0, help="workers per 10,000 examined (default 18)")
    discover.add_argument("--threshold", type=float, default=0.8, help="PRIM density threshold (default 0.8)")
    discover.add_argument("--peel-alpha", type=float, default=0.05, help="PRIM peeling share (default 0.05)")
    discover.add_argument("--replications", type=int, help="replications per future (overrides the file)")
    _size_args(discover)
    discover.add_argument("--out", type=Path, help="output folder (default results/policy/discovery)")
    discover.set_defaults(handler=discover_command)

    report = subparsers.add_parser("report-policy", help="write OUTDIR/policy_report.md from stored analyses")
    report.add_argument("outdir", type=Path, help="folder holding staffing/, sensitivity/, discovery/")
    report.set_defaults(handler=report_command)

    full = subparsers.add_parser(
        "policy-analysis",
        help="staffing search, sensitivity and discovery end to end at reduced scale, then the report")
    _standard_args(full)
    _size_args(full, scale_default=0.05, days_default=365)
    _search_args(full)
    full.add_argument("--trajectories", type=int, default=8, help="Morris trajectories (default 8)")
    full.add_argument("--top", type=int, default=4, help="factors carried to Sobol (default 4)")
    full.add_argument("--sobol-samples", type=int, default=32, help="Sobol base sample N (default 32)")
    full.add_argument("--replications", type=int, default=2,
                      help="replications in sensitivity and discovery (default 2)")
    full.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default results/policy)")
    full.set_defaults(handler=policy_analysis_command)


def _standard_args(parser) -> None:
    parser.add_argument("--target", action="append", default=[], metavar="OUTCOME>=X",
                        help="service standard criteria, comma-separated or repeated (default "
                             "'closed_within_30_days_of_arising>=0.95,petitions_per_10k<=1'); "
                             "outcomes: sim.metrics.flat_outcomes, "
                             "closed_within_N_days, mean_wait_days")


def _search_args(parser) -> None:
    parser.add_argument("--min-replications", type=int, default=4, help="replications before the first decision (4)")
    parser.add_argument("--step", type=int, default=4, help="replications added per round (4)")
    parser.add_argument("--max-replications", type=int, default=20, help="cap; open points become undecided (20)")
    parser.add_argument("--seed", type=int, help="seed of the replication seeds (default: the experiment's)")


def _size_args(parser, scale_default=None, days_default=None) -> None:
    parser.add_argument("--scale", type=float, default=scale_default, help="share of the 700,000 residents")
    parser.add_argument("--days", type=int, default=days_default, help="days to simulate")
    parser.add_argument("--processes", type=int, help="worker processes (default: the number of cores)")
    parser.add_argument("--workers", dest="processes", type=int, help=argparse.SUPPRESS)  # the old name
    parser.add_argument("--quiet", action="store_true", help="print less")


# ---------------------------------------------------------------- parsing helpers


def parse_grid(text: str, lever: str) -> tuple[float, ...]:
    from sim.params import PARAMS

    text = text.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3 or parts[2] <= 0 or parts[1] < parts[0]:
                raise ValueError
            start, stop, step = parts
            count = int(math.floor((stop - start) / step + 1e-9)) + 1
            values = [round(start + i * step, 10) for i in range(count)]
        else:
            values = [float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise _cli_error(f"--grid: expected comma-separated numbers or START:STOP:STEP with STEP > 0, "
                         f"got {text!r}") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise _cli_error(f"--grid: expected at least one finite number, got {text!r}")
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
    from sim.params import PARAMS

    param = PARAMS.get(lever)
    if param is None:
        import difflib

        close = difflib.get_close_matches(lever, list(PARAMS), n=1)
        raise _cli_error(f"--lever: unknown parameter {lever!r}" + (f" (did you mean {close[0]}?)" if close else ""))
    if param.type not in (int, float):
        raise _cli_error(f"--lever: {lever} is not numeric; the search needs a numeric lever")


def _parse_rules(text: str | None, default) -> tuple:
    from sim.escalation import POLICY_RULES as RULES

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
    from sim.experiments.engine import default_processes

    _check_positive("--processes", value)
    return value or default_processes()


def is_experiment_file(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
    except FileNotFoundError:
        raise _cli_error(f"{path}: no such file") from None
    except IsADirectoryError:
        return False
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ScenarioError(str(path), None, f"not valid TOML ({error})") from None
    return any(key in doc for key in ("levers", "uncertainties", "design", "replications"))


def staffing_config(args):
    from sim.experiments.analyses.staffing import SearchConfig
    from sim.experiments.analyses.standard import parse_standard
    from sim.scenario import load_scenario, parse_assignment

    standard = parse_standard(args.target)
    _check_lever(args.lever)
    for name in ("min_replications", "step", "max_replications"):
        _check_positive("--" + name.replace("_", "-"), getattr(args, name))
    if args.max_replications < max(2, args.min_replications):
        raise _cli_error(f"--max-replications: expected at least --min-replications ({args.min_replications}) and 2, "
                         f"got {args.max_replications}")
    if args.min_replications < 2:
        raise _cli_error("--min-replications: expected at least 2 (a confidence interval needs two replications)")
    source = Path(args.source)
    overrides = {}
    for text in args.set:
        key, value = parse_assignment(text)
        overrides[key] = value
    if is_experiment_file(source):
        from sim.experiments.sweep.experiment import load_experiment

        experiment = load_experiment(source, scale=args.scale, days=args.days)
        scenario_path = str(experiment.scenario_path)
        base = {**experiment.base_overrides(), **overrides}
        factors = {f.name: f for f in experiment.factors}
        grid = parse_grid(args.grid, args.lever) if args.grid else (
            tuple(sorted(float(v) for v in factors[args.lever].grid())) if args.lever in factors else None)
        rules = _parse_rules(args.rules,
                             factors["escalation_rule"].grid() if "escalation_rule" in factors else ALL_RULES)
        seed = experiment.seed if args.seed is None else args.seed
    else:
        load_scenario(source)  # raises ScenarioError on a bad file
        scenario_path = str(source)
        base = dict(overrides)
        for key in ("scale", "days"):
            if getattr(args, key) is not None:
                base[key] = getattr(args, key)
        grid = parse_grid(args.grid, args.lever) if args.grid else (
            DEFAULT_GRID if args.lever == "workers_per_10k" else None)
        rules = _parse_rules(args.rules, ALL_RULES)
        seed = 20240610 if args.seed is None else args.seed
    if grid is None:
        raise _cli_error(f"--grid: give the values of {args.lever} to try (the source does not vary it)")
    base.pop(args.lever, None)
    if rules != (None,):
        base.pop("escalation_rule", None)
    load_scenario(scenario_path, {**base, args.lever: grid[0]}).with_overrides({}, source="command line")
    return SearchConfig(scenario_path, base, args.lever, grid, rules, standard, seed=seed,
                        min_replications=args.min_replications, step=args.step,
                        max_replications=args.max_replications)


def _out(args, name: str) -> Path:
    out = args.out if args.out is not None else DEFAULT_OUT / name
    if out.exists() and not out.is_dir():
        raise _cli_error(f"--out: {out} exists and is not a folder")
    return out


# ---------------------------------------------------------------- handlers


def staffing_command(args) -> int:
    from sim.experiments.analyses.staffing import print_result, search, write_outputs

    config = staffing_config(args)
    out = _out(args, "staffing")
    processes = _processes(args.processes)
    say = (lambda m: None) if args.quiet else (lambda m: print(f"  {m}", flush=True))
    say(f"staffing search: {len(config.rules)} rule(s) × {len(config.grid)} values of {config.lever}; "
        f"standard {config.standard}")
    result = search(config, processes=processes, out=out, progress=say)
    write_outputs(result, out)
    if not args.quiet:
        print_result(result)
    return 0


def sensitivity_command(args) -> int:
    from sim.experiments.analyses.sensitivity import analyse, print_sensitivity

    outcomes = _outcomes(args.outcomes)
    for name in ("trajectories", "top", "sobol_samples", "replications"):
        _check_positive("--" + name.replace("_", "-"), getattr(args, name))
    if args.scenario:
        from sim.scenario import load_scenario

        load_scenario(args.scenario)
    _check_size(args)
    out = _out(args, "sensitivity")
    say = (lambda m: None) if args.quiet else (lambda m: print(f"  {m}", flush=True))
    result = analyse(out, outcomes=outcomes, top=args.top, trajectories=args.trajectories,
                     sobol_samples=args.sobol_samples, replications=args.replications, days=args.days or 365,
                     scale=args.scale or 0.05, scenario=str(Path(args.scenario).resolve()) if args.scenario else None,
                     processes=_processes(args.processes), progress=say)
    if not args.quiet:
        print_sensitivity(result, outcomes)
        print(f"wrote {out}/morris_ranking.csv, sobol_indices.csv, morris.png, sobol.png")
    return 0


def _outcomes(text: str) -> list[str]:
    from sim.experiments.sweep.experiment import known_outcomes

    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise _cli_error("--outcomes: give at least one outcome")
    for name in names:
        if name not in known_outcomes():
            raise _cli_error(f"--outcomes: unknown outcome {name!r}")
    return names


def _check_size(args) -> None:
    from sim.params import PARAMS

    for key in ("scale", "days"):
        value = getattr(args, key, None)
        if value is not None:
            try:
                PARAMS[key].check(value)
            except ValueError as error:
                raise _cli_error(f"--{key}: {error}") from None


def discover_command(args) -> int:
    from sim.experiments.analyses.discovery import discover, print_discovery
    from sim.experiments.analyses.standard import parse_standard

    standard = parse_standard(args.target)
    _check_size(args)
    if not 0 < args.threshold <= 1:
        raise _cli_error(f"--threshold: expected a density in (0, 1], got {args.threshold}")
    if not 0 < args.peel_alpha < 0.5:
        raise _cli_error(f"--peel-alpha: expected a share in (0, 0.5), got {args.peel_alpha}")
    out = _out(args, "discovery")
    source = Path(args.source)
    if source.is_dir():
        if not (source / "manifest.json").is_file():
            raise _cli_error(f"{source}: not a sweep output folder (no manifest.json)")
        sweep = source
    else:
        from sim.experiments.sweep.experiment import load_experiment
        from sim.experiments.sweep.runner import run_sweep

        experiment = load_experiment(source, scale=args.scale, days=args.days, replications=args.replications)
        names = {f.name for f in experiment.levers}
        if "workers_per_10k" not in names or not experiment.uncertainties:
            raise _cli_error(f"{source}: discovery needs a sweep crossing workers_per_10k (and rules) with sampled "
                             "uncertainties")
        sweep = out / "sweep"
        if not args.quiet:
            print(f"  running the discovery sweep into {sweep} ...", flush=True)
        run_sweep(experiment, sweep, processes=_processes(args.processes), quiet=True, report=False)
    result = discover(sweep, out, standard, norm=args.norm, threshold=args.threshold, peel_alpha=args.peel_alpha)
    if not args.quiet:
        print_discovery(result, args.norm)
        print(f"wrote {out}/boxes.csv, miss_rates.csv, rescue.csv, futures.csv, prim.png")
    return 0


def report_command(args) -> int:
    from sim.experiments.analyses.report import write_report

    if not args.outdir.is_dir():
        raise _cli_error(f"{args.outdir}: no such folder")
    path = write_report(args.outdir)
    print(f"wrote {path}")
    return 0


def policy_analysis_command(args) -> int:
    """Staffing search, sensitivity and discovery at reduced scale, then the report."""
    import argparse

    from sim.experiments.analyses.standard import parse_standard

    standard = parse_standard(args.target)  # fail fast
    derived = [c.outcome for c in standard.criteria if not _flat(c.outcome)]
    if derived:
        raise _cli_error(f"--target: {', '.join(derived)} is computed from run records, which sweeps do not store; "
                         "policy-analysis (sensitivity, discovery) needs outcomes from sim.metrics.flat_outcomes "
                         "(use `staffing` alone for this standard)")
    _check_size(args)
    out = args.out
    if out.exists() and not out.is_dir():
        raise _cli_error(f"--out: {out} exists and is not a folder")
    started = time.perf_counter()
    timings = {}
    common = dict(scale=args.scale, days=args.days, processes=args.processes, quiet=args.quiet)

    t = time.perf_counter()
    print("1/3 staffing search", flush=True)
    staffing_command(argparse.Namespace(source=str(DEFAULT_STAFFING), target=args.target, lever="workers_per_10k",
                                        grid=None, rules=None, set=[], min_replications=args.min_replications,
                                        step=args.step, max_replications=args.max_replications, seed=args.seed,
                                        out=out / "staffing", **common))
    timings["staffing"] = time.perf_counter() - t

    t = time.perf_counter()
    print("2/3 sensitivity (Morris, then Sobol)", flush=True)
    outcomes = ",".join(dict.fromkeys(c.outcome for c in parse_standard(args.target).criteria
                                      if _flat(c.outcome))) or "closed_within_30_days,petitions_per_10k"
    sensitivity_command(argparse.Namespace(scenario=None, outcomes=outcomes, trajectories=args.trajectories,
                                           top=args.top, sobol_samples=args.sobol_samples,
                                           replications=args.replications, out=out / "sensitivity", **common))
    timings["sensitivity"] = time.perf_counter() - t

    t = time.perf_counter()
    print("3/3 scenario discovery", flush=True)
    discover_command(argparse.Namespace(source=str(DEFAULT_DISCOVERY), target=args.target, norm=18.0, threshold=0.8,
                                        peel_alpha=0.05, replications=args.replications, out=out / "discovery",
                                        **common))
    timings["discovery"] = time.perf_counter() - t
    from sim.experiments.store import atomic_write_json

    atomic_write_json({"seconds": {k: round(v, 1) for k, v in timings.items()},
                       "total_seconds": round(time.perf_counter() - started, 1),
                       "command": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                                   if k != "handler"}}, out / "timings.json")
    report_command(argparse.Namespace(outdir=out))
    print(f"policy analysis done in {time.perf_counter() - started:.0f} s")
    return 0


def _flat(name: str) -> bool:
    from sim.experiments.sweep.experiment import known_outcomes

    return name in known_outcomes()
