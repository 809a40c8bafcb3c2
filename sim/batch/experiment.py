"""Experiment files: which levers and uncertainties to vary, how, how often, and what to keep.

An experiment file is TOML (see experiments/README.md for the full format)::

    name = "staffing_vs_escalation"
    purpose = "Grid staffing against the escalation rule"
    scenario = "../scenarios/shishi_baseline.toml"  # relative to this file (or the repo); default: the baseline
    seed = 20240601          # the one experiment seed; replication seeds come from it (SeedSequence)
    replications = 5
    days = 365
    scale = 0.1
    outcomes = "main"        # or a list of names from sim.config.outcomes.flat_outcomes, or "all"
    daily = true             # keep the per-day table
    timeout = 600            # seconds per run (0 = no limit)
    retries = 2              # re-runs of a run whose worker process died
    ensemble = 0             # run every point in the first N calibrated worlds (scenarios/ensemble/); 0: none

    [design]
    method = "full_factorial"   # full_factorial | latin_hypercube | morris | sobol
    # samples = 64              # latin_hypercube: points; morris: trajectories; sobol: base N
    # levers = "factorial"      # sampled designs: cross the lever grid with the sampled uncertainties
    #                           # ("factorial", default) or sample levers too ("sampled")

    [levers]                    # policy choices (ParamKind.LEVER)
    workers_per_10k = [6, 9, 12, 15, 18, 21, 24, 30]
    escalation_rule = ["three_level", "direct_dispatch", "bottom_up"]

    [uncertainties]             # what the world does (ParamKind.UNCERTAINTY)
    "worsen_days.minor" = {}                    # {} or "plausible": the registry's plausible range
    "success.grid.minor" = {low = 0.7, high = 0.9, levels = 3}

    [fixed]                     # any parameter held at one value for every run
    part_time_hours_share = 0.6

The same definition can be given as Python values (``Experiment.from_values``: a mapping shaped
like the file, dotted parameter names allowed as keys); a file is read and parsed here and then
built the same way. Everything is checked when the experiment is built; anything wrong raises
``SweepError`` naming the file (or the caller's ``source``) and the field, before any output folder
is created. The base scenario is loaded and the design built once, then kept on the experiment.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sim.batch.design import Design, Factor, build_design, design_size
from sim.batch.limits import MAX_RUNS, run_count_error, timeout_error
from sim.batch.seeds import spawned_seeds
from sim.config.errors import ScenarioError, SweepError
from sim.config.outcomes import MAIN_OUTCOMES, OUTCOMES
from sim.config.params import PARAMS, ParamKind
from sim.config.paths import BASELINE, REPO, SCENARIO_DIR
from sim.config.presets import PRESETS
from sim.config.scenario import Scenario, load_scenario
from sim.config.tomlfile import parse_toml

METHODS = ("full_factorial", "latin_hypercube", "morris", "sobol")
TOP_KEYS = ("name", "purpose", "scenario", "seed", "replications", "days", "scale", "outcomes", "daily",
            "timeout", "retries", "ensemble", "design", "levers", "uncertainties", "fixed")
DESIGN_KEYS = {
    "full_factorial": ("method",),
    "latin_hypercube": ("method", "samples", "levers", "seed"),
    "morris": ("method", "samples", "levels", "levers", "seed"),
    "sobol": ("method", "samples", "second_order", "levers", "seed"),
}
RANGE_KEYS = ("low", "high", "levels")


@dataclass(frozen=True)
class Experiment:
    """A checked experiment: what to vary, how, how often and what to keep (build it with
    ``from_values`` or ``load_experiment``, which check everything)."""

    name: str
    purpose: str
    scenario_path: Path
    seed: int
    replications: int
    days: int
    scale: float
    outcomes: tuple[str, ...]
    daily: bool
    timeout: float
    retries: int
    method: str
    design_options: dict
    levers: tuple[Factor, ...]
    uncertainties: tuple[Factor, ...]
    fixed: dict = field(default_factory=dict)
    members: tuple = ()  # the calibrated worlds every point runs in (``sim.config.ensemble.Member``); () none
    path: Path | None = None  # the file it was read from; None when built from values
    text: str = ""  # the file as read ("" when built from values)
    sha256: str = ""  # what a resumed sweep must match: the file's hash, or the values'
    definition: Mapping = field(default_factory=dict, repr=False, compare=False)  # the values it was built from
    base: Scenario | None = field(default=None, repr=False, compare=False)  # the base scenario, with base_overrides
    design: Design | None = field(default=None, repr=False, compare=False)  # the design points

    @classmethod
    def from_values(cls, values: Mapping[str, object], *, source: str = "experiment", folder: Path | None = None,
                    scale=None, days=None, replications=None, timeout=None, ensemble=None,
                    max_runs: int = MAX_RUNS) -> Experiment:
        """Build and check an experiment from values shaped like an experiment file (see the module
        docstring); ``source`` names it in errors, ``folder`` is where a relative ``scenario`` is
        looked for first (default: the current folder). ``scale``, ``days``, ``replications`` and
        ``timeout`` override the values (the command line's options, checked like them); so does
        ``ensemble`` (members of the calibrated ensemble). A design of more than ``max_runs`` runs is
        refused before it is built."""
        for key in values:
            if key not in TOP_KEYS:
                raise SweepError(source, key, _unknown(key, TOP_KEYS, "unknown key"))
        doc = dict(values)
        name = _get(doc, source, "name", str, "experiment")
        purpose = _get(doc, source, "purpose", str, "")
        scenario_path = _scenario_path(doc.get("scenario"), Path.cwd() if folder is None else folder, source)
        seed = _get(doc, source, "seed", int, PRESETS["sweep"].first_seed)
        if seed < 0:
            raise SweepError(source, "seed", f"expected a whole number ≥ 0, got {seed}")
        file_replications = _get(doc, source, "replications", int, 1)
        if file_replications < 1:
            raise SweepError(source, "replications", f"expected at least 1, got {file_replications}")
        file_days = _check_param(source, "days", "days", doc.get("days", 365))
        file_scale = _check_param(source, "scale", "scale", doc.get("scale", PRESETS["sweep"].scale))
        daily = _get(doc, source, "daily", bool, True)
        file_timeout = doc.get("timeout", 0)
        if timeout_error(file_timeout):
            raise SweepError(source, "timeout", timeout_error(file_timeout))
        retries = _get(doc, source, "retries", int, 2)
        if retries < 0:
            raise SweepError(source, "retries", f"expected a whole number ≥ 0, got {retries}")
        outcomes = _outcomes(doc.get("outcomes", "main"), source)
        worlds = _get(doc, source, "ensemble", int, 0) if ensemble is None else ensemble
        if isinstance(worlds, bool) or not isinstance(worlds, int) or worlds < 0:
            raise SweepError(source, "ensemble", f"expected a whole number of calibrated worlds ≥ 0, got {worlds!r}")

        levers = _factors(doc.get("levers", {}), source, "levers", ParamKind.LEVER)
        uncertainties = _factors(doc.get("uncertainties", {}), source, "uncertainties", ParamKind.UNCERTAINTY)
        if not levers and not uncertainties:
            raise SweepError(source, "levers", "nothing to vary: give at least one lever or uncertainty")
        fixed = _fixed(doc.get("fixed", {}), source)
        for factor in (*levers, *uncertainties):
            if factor.name in fixed:
                raise SweepError(source, f"fixed.{factor.name}", "is also varied; keep it in one place")
        method, options = _design(doc.get("design"), source, levers, uncertainties)
        points = design_size(method, options, levers, uncertainties)
        counted = _replications_option(replications) or file_replications
        message = run_count_error(points * counted * max(worlds, 1), f"{points:,} design points × {counted} "
                                  f"replications" + (f" × {worlds} calibrated worlds" if worlds else ""), max_runs)
        if message:
            raise SweepError(source, "design", message)

        scale, days, replications, timeout = _settings_options(scale, days, replications, timeout)
        experiment = cls(name=name, purpose=purpose, scenario_path=scenario_path, seed=seed,
                         replications=file_replications if replications is None else replications,
                         days=file_days if days is None else days, scale=file_scale if scale is None else scale,
                         outcomes=outcomes, daily=daily, timeout=float(file_timeout if timeout is None else timeout),
                         retries=retries, method=method, design_options=options, levers=tuple(levers),
                         uncertainties=tuple(uncertainties), fixed=fixed, members=_members(worlds, source),
                         sha256=_values_hash(values), definition=dict(values))
        base = _base_scenario(experiment, source)
        try:  # the design itself: sampler arguments, every value against the parameter's range
            design = build_design(method, options, levers, uncertainties, seed)
        except ValueError as error:
            raise SweepError(source, "design", str(error)) from None
        if not design.points:
            raise SweepError(source, "design", "the design has no points")
        return replace(experiment, base=base, design=design)

    @property
    def factors(self) -> tuple[Factor, ...]:
        return (*self.levers, *self.uncertainties)

    @property
    def factor_names(self) -> list[str]:
        return [f.name for f in self.factors]

    def base_overrides(self) -> dict:
        """What every run sets on top of the base scenario: run size and the fixed values."""
        return {**self.fixed, "days": self.days, "scale": self.scale}

    def base_scenario(self) -> Scenario:
        """The base scenario with ``base_overrides`` (loaded once, when the experiment was built)."""
        return self.base if self.base is not None else load_scenario(self.scenario_path, self.base_overrides())

    def seeds(self) -> list[int]:
        """One seed per replication, from the experiment seed, the same for every design point
        (common random numbers). Spawned children keep their seed when replications grow."""
        return spawned_seeds(self.seed, self.replications)

    def settings(self) -> dict:
        settings = {"days": self.days, "scale": self.scale, "replications": self.replications, "seed": self.seed,
                    "method": self.method, "outcomes": list(self.outcomes)}
        if self.members:
            settings["ensemble"] = {"members": [m.index for m in self.members],
                                    "weights": [m.weight for m in self.members]}
        return settings


def load_experiment(path: str | Path, *, scale=None, days=None, replications=None, timeout=None, ensemble=None,
                    max_runs: int = MAX_RUNS) -> Experiment:
    """Read an experiment file and build it (``Experiment.from_values``, with the command line's
    overrides); raise ``SweepError`` naming the file if anything is wrong."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SweepError(source, None, "no such experiment file") from None
    except IsADirectoryError:
        raise SweepError(source, None, "is a folder, expected a TOML experiment file") from None
    except OSError as error:
        raise SweepError(source, None, f"cannot read ({error.strerror})") from None
    document = parse_toml(raw, source, SweepError)
    experiment = Experiment.from_values({"name": path.stem, **document}, source=source, folder=path.parent,
                                        scale=scale, days=days, replications=replications, timeout=timeout,
                                        ensemble=ensemble, max_runs=max_runs)
    return replace(experiment, path=path.resolve(), text=raw.decode("utf-8"), sha256=hashlib.sha256(raw).hexdigest(),
                   definition=document)


# ---------------------------------------------------------------- pieces


def _members(count: int, source: str) -> tuple:
    """The first ``count`` members of the shipped ensemble (none for 0)."""
    if not count:
        return ()
    from sim.config.ensemble import EnsembleError, load_ensemble

    try:
        return load_ensemble().take(count, source)
    except EnsembleError as error:
        raise SweepError(source, "ensemble", str(error)) from None


def _replications_option(value) -> int | None:
    """``--replications`` when it is a valid count (it is checked, with its message, afterwards)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def _settings_options(scale, days, replications, timeout) -> tuple:
    """The command line's overrides, each checked like the file's value (errors name the option)."""
    if scale is not None:
        scale = _check_param("--scale", None, "scale", scale)
    if days is not None:
        days = _check_param("--days", None, "days", days)
    if replications is not None and _replications_option(replications) is None:
        raise SweepError("--replications", None, f"expected a whole number ≥ 1, got {replications!r}")
    if timeout is not None and timeout_error(timeout):
        raise SweepError("--timeout", None, timeout_error(timeout))
    return scale, days, replications, timeout


def _values_hash(values: Mapping) -> str:
    """The identity of an experiment built from values (a file's is its bytes' hash)."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _get(doc: Mapping, source: str, key: str, kind, default):
    value = doc.get(key, default)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        expected = {str: "a string", int: "a whole number", bool: "true or false"}.get(kind, "a number")
        raise SweepError(source, key, f"expected {expected}, got {value!r}")
    return value


def _check_param(source: str, field_name: str | None, name: str, value):
    try:
        return PARAMS[name].check(value)
    except ValueError as error:
        raise SweepError(source, field_name, str(error)) from None


def _scenario_path(value, folder: Path, source: str) -> Path:
    if value is None:
        return BASELINE
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise SweepError(source, "scenario", f"expected a scenario file name, got {value!r}")
    for candidate in (folder / value, REPO / value, SCENARIO_DIR / value):
        if candidate.is_file():
            return candidate.resolve()
    raise SweepError(source, "scenario", f"no scenario file {value!r} next to the experiment file or in the repo")


def _base_scenario(experiment: Experiment, source: str) -> Scenario:
    """The base scenario with the experiment's run size and fixed values, checked together."""
    try:
        return load_scenario(experiment.scenario_path, experiment.base_overrides())
    except ScenarioError as error:
        if error.source in ("--set",):
            field_name = "fixed." + error.field if error.field and error.field in experiment.fixed else error.field
            raise SweepError(source, field_name, error.message) from None
        raise SweepError(source, "scenario", str(error)) from None


def _unknown(name: str, known, message: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return message + (f" (did you mean {close[0]}?)" if close else "")


def _flatten(table, source: str, section: str, prefix: str = "") -> dict:
    """Dotted parameter names from nested TOML tables; a table that is a parameter's spec stays whole."""
    if not isinstance(table, dict):
        raise SweepError(source, section, f"expected a table of parameters, got {table!r}")
    flat = {}
    for key, value in table.items():
        name = prefix + key
        if name in PARAMS:
            flat[name] = value
        elif isinstance(value, dict) and any(p.startswith(name + ".") for p in PARAMS):
            flat.update(_flatten(value, source, section, name + "."))
        else:
            raise SweepError(source, f"{section}.{name}", _unknown(name, PARAMS, "unknown parameter"))
    return flat


def _factors(table, source: str, section: str, kind: ParamKind) -> list[Factor]:
    factors = []
    for name, spec in _flatten(table, source, section).items():
        where = f"{section}.{name}"
        param = PARAMS[name]
        if param.kind is not kind:
            other = {ParamKind.LEVER: "levers", ParamKind.UNCERTAINTY: "uncertainties"}.get(param.kind)
            hint = f"; put it under [{other}]" if other else "; settings go at the top (days, scale) or under [fixed]"
            raise SweepError(source, where, f"is {_a(param.kind.value)}, not {_a(kind.value)}{hint}")
        factors.append(_factor(name, spec, source, where, kind.value))
    return factors


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _factor(name: str, spec, source: str, where: str, kind: str) -> Factor:
    param = PARAMS[name]
    numeric = param.type in (int, float)
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise SweepError(source, where, "empty list of values: give at least one")
        values = []
        for value in spec:
            try:
                values.append(param.check(value))
            except ValueError as error:
                raise SweepError(source, where, str(error)) from None
        if len(set(values)) != len(values):
            raise SweepError(source, where, f"repeated values in {spec!r}")
        return Factor(name, kind, values=tuple(values))
    if spec == "plausible":
        spec = {}
    if isinstance(spec, dict):
        if not numeric:
            raise SweepError(source, where, f"a {param.type.__name__} parameter takes a list of values, "
                                            f"e.g. {list(param.choices or (True, False))!r}")
        for key in spec:
            if key not in RANGE_KEYS:
                raise SweepError(source, f"{where}.{key}", _unknown(key, RANGE_KEYS, "unknown key; a range has"
                                                                                      " low, high and levels"))
        if ("low" in spec) != ("high" in spec):
            raise SweepError(source, where, "give both low and high, or neither (the plausible range)")
        if "low" in spec:
            low, high = spec["low"], spec["high"]
        elif param.plausible is not None:
            low, high = param.plausible
        else:
            raise SweepError(source, where, "has no plausible range in the registry; give low and high")
        try:
            low, high = float(param.check(low)), float(param.check(high))
        except ValueError as error:
            raise SweepError(source, where, str(error)) from None
        if not low < high:
            raise SweepError(source, where, f"empty range: low {low:g} must be below high {high:g}")
        levels = spec.get("levels")
        if levels is not None and (not isinstance(levels, int) or isinstance(levels, bool) or levels < 1):
            raise SweepError(source, f"{where}.levels", f"expected a whole number ≥ 1, got {levels!r}")
        return Factor(name, kind, low=low, high=high, levels=levels)
    raise SweepError(source, where, f"expected a list of values or a range {{low = …, high = …}}, got {spec!r} "
                                    "(a single value goes under [fixed])")


def _fixed(table, source: str) -> dict:
    fixed = {}
    for name, value in _flatten(table, source, "fixed").items():
        if name in ("days", "scale"):
            raise SweepError(source, f"fixed.{name}", f"set {name} at the top of the file")
        fixed[name] = _check_param(source, f"fixed.{name}", name, value)
    return fixed


def _outcomes(value, source: str) -> tuple[str, ...]:
    if value == "main":
        return tuple(MAIN_OUTCOMES)
    if value == "all":
        return tuple(OUTCOMES)
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
        raise SweepError(source, "outcomes", f'expected "main", "all" or a non-empty list of names, got {value!r}')
    for name in value:
        if name not in OUTCOMES:
            raise SweepError(source, "outcomes", _unknown(name, OUTCOMES, f"unknown outcome {name!r}"))
    return tuple(dict.fromkeys(value))


def _design(table, source: str, levers, uncertainties) -> tuple[str, dict]:
    if table is None:
        table = {"method": "full_factorial"}
    if not isinstance(table, dict):
        raise SweepError(source, "design", f"expected a table with method = …, got {table!r}")
    method = table.get("method", "full_factorial")
    if method not in METHODS:
        raise SweepError(source, "design.method", _unknown(str(method), METHODS,
                                                           f"unknown design {method!r}; expected one of "
                                                           + ", ".join(METHODS)))
    for key in table:
        if key not in DESIGN_KEYS[method]:
            raise SweepError(source, f"design.{key}", f"not an option of {method} (it takes "
                                                      f"{', '.join(DESIGN_KEYS[method])})")
    options = {k: v for k, v in table.items() if k != "method"}
    if method == "full_factorial":
        for factor in (*levers, *uncertainties):
            if not factor.discrete and factor.levels is None:
                raise SweepError(source, f"{factor.kind}s.{factor.name}",
                                 "a full factorial needs a list of values or a range with levels = N")
        return method, options
    samples = options.get("samples")
    if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
        raise SweepError(source, "design.samples", f"{method} needs samples = a whole number ≥ 1, got {samples!r}")
    mode = options.setdefault("levers", "factorial")
    if mode not in ("factorial", "sampled"):
        raise SweepError(source, "design.levers", f'expected "factorial" or "sampled", got {mode!r}')
    if mode == "factorial" and not uncertainties:
        options["levers"] = mode = "sampled"
    if mode == "factorial":
        for factor in levers:
            if not factor.discrete and factor.levels is None:
                raise SweepError(source, f"levers.{factor.name}",
                                 'crossing levers (design.levers = "factorial") needs a list or levels = N')
    if method == "morris":
        levels = options.setdefault("levels", 4)
        if not isinstance(levels, int) or isinstance(levels, bool) or levels < 2 or levels % 2:
            raise SweepError(source, "design.levels", f"Morris needs an even number of levels ≥ 2, got {levels!r}")
    if method == "sobol":
        second = options.setdefault("second_order", False)
        if not isinstance(second, bool):
            raise SweepError(source, "design.second_order", f"expected true or false, got {second!r}")
    seed = options.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise SweepError(source, "design.seed", f"expected a whole number ≥ 0, got {seed!r}")
    return method, options

