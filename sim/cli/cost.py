"""The ``cost`` and ``robust`` commands; ``sim.cli.main`` registers them with ``add_parsers``.

    python run.py cost   [--scale 0.05] [--days 365] [--seeds 2] [--ensemble 10] [--out results/cost]
    python run.py robust [--scale 0.05] [--days 365] [--seeds 2] [--ensemble 20] [--out results/robust]

Both run every escalation rule at every staffing level (``--rules``, ``--staffing``) in the first
``--ensemble`` members of the calibrated ensemble (``scenarios/ensemble/``, or ``--ensemble-dir``)
on common seeds, on the batch engine with ``--processes`` workers. ``cost`` writes the priced runs,
the frontier (table and figure), the marginal cost of a point and the cost lines; ``robust`` the
scores and regrets of every policy in every world and the robust choice. No ensemble (or too few
members) is a one-line error with exit code 2; ``cost --ensemble 0`` runs at the registry's defaults.
"""

from __future__ import annotations

import time
from pathlib import Path

from sim.cli.options import add_limit_options
from sim.cli.tables import say_unless_quiet
from sim.config.errors import CliError
from sim.config.paths import RESULTS


def add_parsers(subparsers) -> None:
    cost = subparsers.add_parser(
        "cost", help="cost of each policy in yuan a year, the cost-effectiveness frontier and the marginal cost",
        description="Every escalation rule at every staffing level in each ensemble member, priced from the "
                    "runs' head counts (sim/config/costs.py) for the full city.")
    _common(cost, ensemble=10, out=RESULTS / "cost")
    cost.set_defaults(handler=cost_command)

    robust = subparsers.add_parser(
        "robust", help="regret of each policy in each calibrated world, and the robust (minimax-regret) choice",
        description="Every escalation rule at every staffing level in each ensemble member on common seeds; "
                    "regret = shortfall against the best policy of that world.")
    _common(robust, ensemble=20, out=RESULTS / "robust")
    robust.add_argument("--score", default="disputes", choices=("disputes", "public_service", "cost_adjusted"),
                        help="the headline score (all three are written; default disputes: %% of disputes "
                             "resolved within 30 days)")
    robust.add_argument("--via", default="engine", choices=("engine", "ema"),
                        help="compute with the batch engine (default, in parallel) or the EMA workbench (the "
                             "same table, sequentially)")
    robust.set_defaults(handler=robust_command)


def _common(parser, *, ensemble: int, out: Path) -> None:
    parser.add_argument("--scale", type=float, default=0.05, help="share of the 700,000 residents (default 0.05)")
    parser.add_argument("--days", type=int, default=365, help="days to simulate after the warm-up (default 365)")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per policy and world (default 2)")
    parser.add_argument("--first-seed", type=int, default=1, help="first seed (default 1; then 2, 3, …)")
    parser.add_argument("--ensemble", type=int, default=ensemble,
                        help=f"calibrated members taken (default {ensemble}; cost accepts 0: the registry's defaults)")
    parser.add_argument("--ensemble-dir", type=Path, help="ensemble folder (default scenarios/ensemble)")
    parser.add_argument("--rules", default="shishi,three_level,direct_dispatch,bottom_up",
                        help="comma-separated escalation rules (default all four)")
    parser.add_argument("--staffing", default="12,18,24",
                        help="full-time grid workers per 10,000 urban residents (default 12,18,24)")
    parser.add_argument("--price", action="append", default=[], metavar="NAME=YUAN",
                        help="another price (sim/config/costs.py), repeatable")
    add_limit_options(parser)
    parser.add_argument("--out", type=Path, default=out, help=f"output folder (default {out})")
    parser.add_argument("--force", action="store_true",
                        help="replace another analysis's results in --out (never a folder this program did not write)")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress bar)")


# ---------------------------------------------------------------- shared steps


class Setting:
    """The checked options: what to run and where the output goes."""

    def __init__(self, args, name: str, allow_no_ensemble: bool):
        from sim.analyses.cost import RULES
        from sim.batch.engine import default_processes
        from sim.batch.limits import check_runs
        from sim.batch.seeds import sequential_seeds
        from sim.config.costs import cost_values
        from sim.config.ensemble import EnsembleError, load_ensemble, normalised_weights
        from sim.config.params import PARAMS

        try:
            self.scale, self.days = PARAMS["scale"].check(args.scale), PARAMS["days"].check(args.days)
        except ValueError as error:
            raise CliError(f"--scale/--days: {error}") from None
        if args.seeds < 1:
            raise CliError(f"--seeds: expected a whole number ≥ 1, got {args.seeds}")
        self.seeds = sequential_seeds(args.first_seed, args.seeds)
        self.rules = tuple(rule.strip() for rule in args.rules.split(",") if rule.strip())
        unknown = [rule for rule in self.rules if rule not in RULES]
        if unknown or not self.rules:
            raise CliError(f"--rules: expected some of {', '.join(RULES)}, got {args.rules!r}")
        try:
            self.staffing = tuple(sorted({PARAMS["workers_per_10k"].check(float(value))
                                          for value in args.staffing.split(",") if value.strip()}))
        except ValueError as error:
            raise CliError(f"--staffing: expected numbers of workers per 10,000 ({error})") from None
        if not self.staffing:
            raise CliError("--staffing: expected at least one level")
        try:
            self.prices = cost_values(dict(_price(text) for text in args.price))
        except ValueError as error:
            raise CliError(f"--price: {error}") from None
        if args.ensemble < (0 if allow_no_ensemble else 1):
            least = 0 if allow_no_ensemble else 1
            raise CliError(f"--ensemble: expected a whole number ≥ {least}, got {args.ensemble}")
        self.members, self.weights, self.provenance = (), None, {}
        if args.ensemble:
            try:
                ensemble = load_ensemble(args.ensemble_dir)
                self.members = ensemble.take(args.ensemble)
            except EnsembleError as error:
                hint = "; or --ensemble 0 for the registry's defaults" if allow_no_ensemble else ""
                raise CliError(f"--ensemble {args.ensemble}: {error.message} ({error.source}){hint}") from None
            self.weights = dict(zip([m.index for m in self.members], normalised_weights(self.members), strict=True))
            self.provenance = dict(ensemble.provenance)
            self.ensemble_dir = ensemble.folder
        worlds = max(1, len(self.members))
        self.runs = len(self.rules) * len(self.staffing) * worlds * len(self.seeds)
        check_runs(self.runs, f"{len(self.rules)} rules × {len(self.staffing)} staffing levels × {worlds} worlds × "
                   f"{len(self.seeds)} seeds", args.max_runs)
        self.processes = default_processes() if args.processes is None else args.processes
        self.out = _claim(args, name, {"scale": self.scale, "days": self.days, "seeds": self.seeds,
                                       "members": [m.index for m in self.members], "rules": self.rules,
                                       "staffing": self.staffing, "prices": self.prices})

    def describe(self) -> str:
        worlds = f"{len(self.members)} ensemble members" if self.members else "the registry's defaults (no ensemble)"
        seeds = f"seed {self.seeds[0]}" if len(self.seeds) == 1 else f"seeds {self.seeds[0]}–{self.seeds[-1]}"
        return (f"scale {self.scale:g}, {self.days} days, {seeds}, {worlds}, rules {', '.join(self.rules)}, "
                f"staffing {', '.join(f'{s:g}' for s in self.staffing)} per 10,000")

    def run(self, args, description: str):
        """Every policy in every world on the batch engine, priced; with a progress bar (time left)."""
        from sim.analyses.cost import add_costs, run_policy_grid
        from sim.batch.progress import ProgressBar

        with ProgressBar(description, self.runs, quiet=args.quiet) as bar:
            frame = run_policy_grid(self.scale, self.days, self.seeds, self.members, rules=self.rules,
                                    staffing=self.staffing, processes=self.processes, on_done=bar.advance)
        return add_costs(frame, self.scale, self.days, self.prices)


def _price(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep:
        raise CliError(f"--price: expected NAME=YUAN, got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise CliError(f"--price: {name.strip()}: expected a number, got {value!r}") from None


def _claim(args, name: str, settings: dict) -> Path:
    from sim.analyses.pipeline import analysis_marker
    from sim.results.folders import claim, write_marker

    marker = analysis_marker(name, settings)
    claim(args.out, marker, force=args.force)
    args.out.mkdir(parents=True, exist_ok=True)
    write_marker(args.out, marker)
    return args.out




# ---------------------------------------------------------------- handlers


def cost_command(args) -> int:
    """``cost``: the priced runs, the frontier, the marginal cost of a point; summary.md."""
    from sim.analyses.cost import write_cost_outputs
    from sim.docgen.cost import cost_summary_markdown

    setting = Setting(args, "cost", allow_no_ensemble=True)
    say = say_unless_quiet(args)
    say(f"cost: {setting.runs} runs ({setting.describe()}) on {setting.processes} process(es) ...")
    started = time.perf_counter()
    frame = setting.run(args, "cost")
    wall = time.perf_counter() - started
    tables = write_cost_outputs(frame, setting.out, setting.weights, title=setting.describe())
    (setting.out / "summary.md").write_text(
        cost_summary_markdown(tables, setting.describe(), wall, setting.runs, setting.processes), encoding="utf-8")
    say(f"wrote {setting.out}/frontier.csv, frontier.png, marginal.csv, cost_lines.csv, runs.csv, summary.md "
        f"in {wall:.0f} s")
    return 0


def robust_command(args) -> int:
    """``robust``: every policy's score and regret in every world, and the robust choice; summary.md."""
    from sim.analyses.cost import world_means
    from sim.analyses.robust import ema_policy_grid, robust_tables, write_robust_outputs
    from sim.batch.limits import require
    from sim.docgen.cost import robust_summary_markdown

    if args.via == "ema":
        require("ema_workbench")
    setting = Setting(args, "robust", allow_no_ensemble=False)
    say = say_unless_quiet(args)
    say(f"robust: {setting.runs} runs ({setting.describe()}) via {args.via} ...")
    started = time.perf_counter()
    if args.via == "ema":
        worlds = ema_policy_grid(setting.scale, setting.days, setting.seeds, setting.members, rules=setting.rules,
                                 staffing=setting.staffing, prices=setting.prices)
    else:
        frame = setting.run(args, "robust")
        frame.drop(columns=["error"], errors="ignore").to_csv(setting.out / "runs.csv", index=False)
        worlds = world_means(frame)
    wall = time.perf_counter() - started
    tables = robust_tables(worlds, setting.weights, setting.prices)
    write_robust_outputs(tables, setting.out, title=setting.describe())
    (setting.out / "summary.md").write_text(
        robust_summary_markdown(tables, args.score, setting.describe(), wall, setting.runs, args.via),
        encoding="utf-8")
    choice = tables[args.score]["choice"]
    say(f"robust choice ({args.score}): minimax regret {choice['minimax']}; least 90th-percentile regret "
        f"{choice['p90']}")
    say(f"wrote {setting.out}/robust_*.csv, regret_*.csv, scores_*.csv, regret.png, summary.md in {wall:.0f} s")
    return 0
