"""Calibration as approximate Bayesian computation: the ensemble of calibrated worlds.

Every uncertainty with a plausible range (``ParamKind.UNCERTAINTY``; the surge's, which only a
surge scenario switches on, aside) gets a uniform prior over that range. ABC-SMC (pyabc:
sequential Monte Carlo with adaptive tolerances and importance weights; it samples on local
processes, or on Dask or Redis clusters) keeps the
parameter sets whose runs reproduce Shishi's patterns (``calibration.TARGETS`` not held out):

- **distance**: for each fitted pattern, how far the run's value is from the target's point in
  units of the band on that side (so 1 is the band's edge); the distance is the largest of these.
  A particle accepted at tolerance ≤ 1 reproduces *every* fitted pattern inside its band;
- **one seed per particle**: a stochastic model in ABC needs no averaging (the accepted set then
  carries the model's own noise); the seed is a hash of the parameter values, so a member's run
  can be repeated exactly;
- **the search space**: each parameter as the logit of its position in its range, with a
  logistic prior (the image of the uniform one), so the kernel never proposes outside the range
  (in 170 dimensions a box-bounded kernel would almost never land inside);
- **the kernel**: the first generation (prior draws) shows which parameters move a fitted
  pattern (rank correlation, ``abc_kernels.informative_parameters``); each of those is perturbed
  by a normal kernel fitted to the weighted population, every other one is drawn from its prior
  again (weight ratio 1). Perturbing all 170, or the informative ones jointly, collapses the
  importance weights onto a few particles (tried: effective sample sizes of 1.4 of 12 and 2 of
  150; so did a product kernel over 30), and nine patterns inform few parameters: at most
  ``abc_kernels.MAX_PERTURBED`` are perturbed, each by a normal kernel twice Silverman's width;
- **held-out patterns** (``Target.held_out``) are measured on the same runs and never used in
  the distance: the posterior predictive check.

The accepted sets of the last generation, with their weights and patterns, are the ensemble
(``sim.config.ensemble``). ``python run.py calibrate`` rebuilds it (docs/ensemble.md says how
long that took).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import multiprocessing
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analyses.calibration import TARGETS, Target, measure
from sim.config.ensemble import ID_COLUMNS, MEMBERS_FILE, PROVENANCE_FILE
from sim.config.errors import CliError
from sim.config.params import PARAMS, ParamKind
from sim.config.presets import AbcSettings

FITTED = tuple(target for target in TARGETS if not target.held_out)
HELD_OUT = tuple(target for target in TARGETS if target.held_out)


def calibrated_parameters() -> tuple[str, ...]:
    """Every uncertainty the ensemble spans: those with a plausible range, except the surge's (a
    surge is a scenario, off in the baseline)."""
    return tuple(p.name for p in PARAMS.values()
                 if p.kind is ParamKind.UNCERTAINTY and p.plausible is not None and not p.name.startswith("surge."))


# ---------------------------------------------------------------------- the search space
def to_value(name: str, z: float) -> float | int:
    """A parameter's value from its logit coordinate: low + (high − low) · sigmoid(z)."""
    low, high = PARAMS[name].plausible
    value = low + (high - low) / (1.0 + math.exp(-max(min(z, 700.0), -700.0)))
    return int(round(value)) if PARAMS[name].type is int else float(value)


def to_logit(name: str, value: float) -> float:
    low, high = PARAMS[name].plausible
    u = min(max((value - low) / (high - low), 1e-9), 1 - 1e-9)
    return math.log(u / (1 - u))


def values_of(parameter: Mapping[str, float], names: Sequence[str]) -> dict[str, float | int]:
    return {name: to_value(name, float(parameter[name])) for name in names}


def seed_of(values: Mapping[str, float]) -> int:
    """A member's run seed: a hash of its values (the same values always run on the same seed)."""
    text = json.dumps({name: repr(float(value)) for name, value in sorted(values.items())})
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little") % 2**31


# ---------------------------------------------------------------------- distance and simulation
def band_distance(value: float, target: Target) -> float:
    """How far a value is from the target's point, in units of the band on that side (1: the edge)."""
    if value is None or not math.isfinite(value):
        return math.inf
    if value >= target.point:
        side = target.high - target.point
        return (value - target.point) / side if side > 0 else (0.0 if value == target.point else math.inf)
    side = target.point - target.low
    return (target.point - value) / side if side > 0 else math.inf


@dataclass
class Distance:
    """The largest band distance over the fitted patterns (pyabc calls it with the simulated and the
    observed statistics; the targets' points are the observed ones)."""

    targets: Sequence[Target]

    def __call__(self, simulated: Mapping[str, float], observed: Mapping[str, float] | None = None, *_args) -> float:
        return max(band_distance(simulated.get(target.measure, math.nan), target) for target in self.targets)


@dataclass
class Simulator:
    """One particle's run: the baseline with the particle's values, at the calibration's scale and
    length, on the seed its values hash to; returns every target's measure."""

    names: Sequence[str]
    base_overrides: Mapping[str, object]
    measures: Sequence[str]
    counter: object = None  # a shared multiprocessing.Value counting runs (progress), or None

    def __call__(self, parameter: Mapping[str, float]) -> dict[str, float]:
        values = values_of(parameter, self.names)
        return run_member(values, self.base_overrides, self.measures, counter=self.counter)


def run_member(values: Mapping[str, object], base_overrides: Mapping[str, object], measures: Sequence[str],
               seed: int | None = None, counter=None) -> dict[str, float]:
    """A member's patterns: the baseline with its values run on its seed (NaN where the run fails)."""
    from sim.config.scenario import load_scenario
    from sim.results.api import run

    try:
        scenario = load_scenario(None, {**base_overrides, **values})
        found = measure(run(scenario, seed=seed if seed is not None else seed_of(values)))
        result = {name: float(found[name]) for name in measures}
    except Exception:  # a parameter set the model cannot run is rejected, not fatal
        result = {name: math.nan for name in measures}
    if counter is not None:
        with counter.get_lock():
            counter.value += 1
    return result


# ---------------------------------------------------------------------- the run
@dataclass
class Generation:
    t: int
    epsilon: float
    runs: int  # simulations this generation took
    acceptance: float
    seconds: float


@dataclass
class AbcResult:
    names: tuple[str, ...]
    members: list[dict]  # {"member", "weight", "distance", "values": {...}, "patterns": {...}, "seed"}
    generations: list[Generation]
    total_runs: int
    wall_seconds: float
    settings: dict = field(default_factory=dict)


def run_abc(names: Sequence[str], targets: Sequence[Target], base_overrides: Mapping[str, object], *,
            held_out: Sequence[Target] = (), population: int = 200, generations: int = 8,
            min_acceptance: float = 0.01, minimum_epsilon: float = 1.0, max_runs: int | None = None,
            processes: int = 1, database: Path, log: Callable[[str], None] = print) -> AbcResult:
    """ABC-SMC over ``names`` (uniform priors on their plausible ranges) against ``targets``' bands;
    stops when the tolerance reaches ``minimum_epsilon``, after ``generations`` generations, or when
    a generation's acceptance rate falls below ``min_acceptance``, or once ``max_runs``
    simulations have been spent (a generation under way is finished). The pyabc history (every
    generation's particles) is kept in ``database`` (SQLite)."""
    try:
        import pyabc
    except ImportError:
        raise CliError("calibrate: the ensemble is built with pyabc, which is not installed; "
                       "use ./dev run calibrate (it installs the locked extras) or pip install pyabc") from None
    from sim.analyses.abc_kernels import ScreeningKernel

    measures = [target.measure for target in (*targets, *held_out)]
    counter = multiprocessing.get_context("fork").Value("l", 0)
    simulator = Simulator(tuple(names), dict(base_overrides), measures, counter)
    prior = pyabc.Distribution(**{name: pyabc.RV("logistic", 0, 1) for name in names})
    started = time.perf_counter()
    with _PyabcQuiet(_GenerationLog(log, counter, started, max_runs)):
        sampler = (pyabc.sampler.MulticoreEvalParallelSampler(n_procs=processes) if processes > 1
                   else pyabc.sampler.SingleCoreSampler())
        screening = ScreeningKernel(tuple(names), tuple(target.measure for target in targets))
        abc = pyabc.ABCSMC(simulator, prior, Distance(tuple(targets)), population_size=population, sampler=sampler,
                           transitions=screening)
        database.parent.mkdir(parents=True, exist_ok=True)
        screening.history = abc.new(f"sqlite:///{database}", {target.measure: target.point for target in targets})
        history = abc.run(minimum_epsilon=minimum_epsilon, max_nr_populations=generations,
                          min_acceptance_rate=min_acceptance,
                          max_total_nr_simulations=max_runs if max_runs is not None else np.inf)
    screening.history = None
    informative = list(screening.informative or ())
    table = history.get_all_populations().query("t >= 0")
    done = [Generation(int(row.t), float(row.epsilon), int(row.samples), population / int(row.samples),
                       float(row.wall_time)) for row in table.itertuples()]
    population_found = history.get_population()
    members = []
    for index, particle in enumerate(population_found.particles):
        values = values_of(particle.parameter, names)
        members.append({"member": index, "weight": float(particle.weight), "distance": float(particle.distance),
                        "values": values, "seed": seed_of(values),
                        "patterns": {name: float(particle.sum_stat[name]) for name in measures}})
    total = sum(member["weight"] for member in members)
    for member in members:
        member["weight"] /= total
    return AbcResult(tuple(names), members, done, int(counter.value), time.perf_counter() - started,
                     {"perturbed": informative, "population": population, "max_generations": generations,
                      "min_acceptance": min_acceptance, "minimum_epsilon": minimum_epsilon, "max_runs": max_runs,
                      "processes": processes, "base_overrides": dict(base_overrides)})


class _PyabcQuiet:
    """While pyabc runs: its "ABC" log records go to ``progress`` (one line a generation), its other
    loggers only warn, and the RuntimeWarnings of its own arithmetic on infinite tolerances are
    silenced (``--quiet`` means nothing on the terminal)."""

    NAMES = ("ABC.History", "ABC.Sampler", "ABC.Epsilon", "ABC.Distance", "ABC.Acceptor", "ABC.Predictor",
             "ABC.Population", "ABC.Adaptation")

    def __init__(self, progress: logging.Handler):
        self.progress = progress

    def __enter__(self):
        import warnings

        self.warnings = warnings.catch_warnings()
        self.warnings.__enter__()
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyabc")
        self.main = logging.getLogger("ABC")
        self.saved = (self.main.level, self.main.propagate, self.main.handlers[:],
                      [logging.getLogger(name).level for name in self.NAMES])
        self.main.setLevel(logging.INFO)
        self.main.propagate = False
        self.main.handlers[:] = [self.progress]
        for name in self.NAMES:
            logging.getLogger(name).setLevel(logging.WARNING)
        return self

    def __exit__(self, *exc) -> None:
        level, propagate, handlers, levels = self.saved
        self.main.setLevel(level)
        self.main.propagate = propagate
        self.main.handlers[:] = handlers
        for name, saved in zip(self.NAMES, levels, strict=True):
            logging.getLogger(name).setLevel(saved)
        self.warnings.__exit__(*exc)


class _GenerationLog(logging.Handler):
    """Turns pyabc's per-generation log records into one progress line a generation."""

    def __init__(self, log: Callable[[str], None], counter, started: float, max_runs: int | None):
        super().__init__()
        self.say, self.counter, self.started, self.max_runs = log, counter, started, max_runs
        self.epsilon, self.generation = math.nan, "?"

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("t: ") and "eps:" in message:
            self.generation = message.split(",")[0][3:]
            self.epsilon = float(message.split("eps:")[1].strip(" ."))
        elif message.startswith("Accepted:"):
            rate = message.split("=")[1].split(",")[0].strip()
            ess = message.split("ESS:")[1].strip(" .")
            runs, elapsed = self.counter.value, time.perf_counter() - self.started
            left = ""
            if self.max_runs and runs < self.max_runs:
                left = f", at most ≈ {(self.max_runs - runs) * elapsed / max(runs, 1) / 60:.0f} min left (budget)"
            self.say(f"  generation {self.generation}: tolerance {self.epsilon:.3g} band widths, acceptance "
                     f"{float(rate):.1%}, effective sample size {float(ess):.0f}; {runs} runs, "
                     f"{elapsed / 60:.1f} min so far{left}")
        elif message.startswith("Stopping"):
            self.say(f"  {message}")


# ---------------------------------------------------------------------- the ensemble's files
def write_ensemble(result: AbcResult, folder: Path, provenance: Mapping[str, object], shuffle_seed: int = 1) -> None:
    """members.csv (rows in a seeded random order, so the first n are a random sample) and
    provenance.json (how it was made, the generations, each member's seed and patterns), each
    written whole or not at all."""
    from sim.results.files import atomic_write_csv, atomic_write_json

    order = np.random.default_rng(shuffle_seed).permutation(len(result.members))
    rows = [{"member": m["member"], "weight": m["weight"], "distance": m["distance"], **m["values"]}
            for m in (result.members[i] for i in order)]
    frame = pd.DataFrame(rows, columns=[*ID_COLUMNS, *result.names])
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_csv(frame, folder / MEMBERS_FILE)
    atomic_write_json({**provenance,
                       "names": list(result.names),
                       "prior": {name: list(PARAMS[name].plausible) for name in result.names},
                       "settings": result.settings,
                       "generations": [vars(g) for g in result.generations],
                       "total_runs": result.total_runs, "wall_seconds": round(result.wall_seconds, 1),
                       "seeds": {str(m["member"]): m["seed"] for m in result.members},
                       "patterns": {str(m["member"]): m["patterns"] for m in result.members}},
                      folder / PROVENANCE_FILE)


# ---------------------------------------------------------------------- rebuilding the ensemble
def build_ensemble(folder: Path, settings: AbcSettings, *, processes: int, database: Path,
                   log: Callable[[str], None] = print) -> AbcResult:
    """Run ABC-SMC over every calibrated uncertainty against the fitted patterns (the held-out ones
    measured alongside) and write the ensemble to ``folder``."""
    from datetime import datetime

    from sim.results.provenance import git_commit, versions

    started, commit = datetime.now(UTC), git_commit()  # the code that ran, before anyone edits it
    result = run_abc(calibrated_parameters(), FITTED, {"scale": settings.scale, "days": settings.days},
                     held_out=HELD_OUT, population=settings.population, generations=settings.generations,
                     min_acceptance=settings.min_acceptance, minimum_epsilon=settings.minimum_epsilon,
                     max_runs=settings.max_runs, processes=processes, database=database, log=log)
    write_ensemble(result, folder, {
        "made_by": "python run.py calibrate", "started": started.isoformat(timespec="seconds"),
        "git_commit": commit, "versions": versions(), "scale": settings.scale, "days": settings.days,
        "fitted": [target.measure for target in FITTED], "held_out": [target.measure for target in HELD_OUT],
        "targets": {target.measure: {"low": target.low, "high": target.high, "point": target.point,
                                     "held_out": target.held_out} for target in TARGETS}})
    return result


# ---------------------------------------------------------------------- after a model change
def _remeasure_one(task: tuple[Mapping[str, object], Mapping[str, object], Sequence[str], int]) -> dict[str, float]:
    values, base, measures, seed = task
    return run_member(values, base, measures, seed=seed)


def remeasure_ensemble(folder: Path, *, processes: int, reason: str, log: Callable[[str], None] = print) -> int:
    """Rerun every member on its stored seed, at the calibration's scale and length, and store its
    patterns anew (after a change to the model). The members and their ABC weights are kept, and
    provenance.json records when, on which code and why, next to the original calibration: the
    weights are then the old model's until ``calibrate`` is rerun. Returns the runs made."""
    from datetime import datetime

    from sim.config.ensemble import load_ensemble
    from sim.results.files import atomic_write_json
    from sim.results.provenance import git_commit

    ensemble = load_ensemble(folder)
    made = dict(ensemble.provenance)
    measures = [*made["fitted"], *made["held_out"]]
    base = {"scale": made["scale"], "days": made["days"]}
    tasks = [(member.values, base, measures, made["seeds"][str(member.index)]) for member in ensemble.members]
    started, commit = time.perf_counter(), git_commit()
    log(f"re-measuring {len(tasks)} members' patterns at scale {made['scale']} on {processes} process(es)")
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        found = pool.map(_remeasure_one, tasks, chunksize=1)
    patterns = {str(member.index): values for member, values in zip(ensemble.members, found, strict=True)}
    moved = max((abs(value - made["patterns"][key][name]) for key, row in patterns.items()
                 for name, value in row.items() if not math.isnan(value)), default=0.0)
    made["patterns"] = patterns
    made.setdefault("remeasured", []).append({
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "git_commit": commit, "reason": reason,
        "runs": len(tasks), "wall_seconds": round(time.perf_counter() - started, 1)})
    atomic_write_json(made, folder / PROVENANCE_FILE)
    log(f"stored the new patterns in {folder / PROVENANCE_FILE} (largest change in any pattern: {moved:.4g})")
    return len(tasks)

