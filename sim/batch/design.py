"""Designs: the list of design points (parameter values) an experiment runs.

- ``full_factorial``: every combination of every factor's values (ranges need ``levels``).
- ``latin_hypercube``, ``morris``, ``sobol``: SALib samplers on the unit cube, mapped to each
  factor (equal slices of a list, linear for a range, rounded for whole-number parameters).
  With ``design.levers = "factorial"`` (the default when there are uncertainties) the sample
  covers the uncertainties only and is crossed with every combination of the levers, so each
  policy meets the same sampled futures (EMA-workbench style); ``"sampled"`` samples levers too.

Points are numbered in a fixed order, so the same experiment file always gives the same points.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.config.params import PARAMS, Param


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a list of ``values`` or a continuous range ``low``–``high``."""

    name: str
    kind: str  # "lever" or "uncertainty"
    values: tuple | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None  # to put a range into a full factorial

    @property
    def param(self) -> Param:
        return PARAMS[self.name]

    @property
    def discrete(self) -> bool:
        return self.values is not None

    def grid(self) -> list:
        """The values a full factorial takes."""
        if self.values is not None:
            return list(self.values)
        if self.levels is None:
            raise ValueError("no levels")
        points = np.linspace(self.low, self.high, self.levels) if self.levels > 1 else [(self.low + self.high) / 2]
        return [self._typed(float(v)) for v in points]

    def from_unit(self, u: float):
        """Map a point of [0, 1] (from a sampler) to a value: equal slices for a list, linear for a range."""
        u = min(max(float(u), 0.0), 1.0)
        if self.values is not None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        return self._typed(self.low + u * (self.high - self.low))

    def _typed(self, value: float):
        if self.param.type is int:
            return int(min(max(round(value), self.low), self.high))
        return float(value)

    def describe(self) -> str:
        if self.values is not None:
            return ", ".join(str(v) for v in self.values)
        text = f"{self.low:g} – {self.high:g}"
        return text + (f" ({self.levels} levels)" if self.levels else "")


@dataclass
class Design:
    points: list[dict]  # point id = index
    sampled: list[Factor] = field(default_factory=list)  # the factors in the sample matrix (sampled designs)
    unit: np.ndarray | None = None  # the sampler's matrix on [0, 1], one row per sample
    blocks: list[tuple[dict, list[int]]] = field(default_factory=list)  # (lever values, point ids in sample order)

    def __len__(self) -> int:
        return len(self.points)


def build_design(method: str, options: dict, levers: Sequence[Factor], uncertainties: Sequence[Factor],
                 seed: int) -> Design:
    """The design points of ``method`` (with its ``options``) over the levers and uncertainties;
    ``seed`` seeds the sampler unless ``options`` give their own."""
    if method == "full_factorial":
        factors = [*levers, *uncertainties]
        points = [dict(zip([f.name for f in factors], combo, strict=True))
                  for combo in itertools.product(*[f.grid() for f in factors])]
        return Design(points, blocks=[({}, list(range(len(points))))])
    crossed = options.get("levers") == "factorial" and uncertainties
    sampled = list(uncertainties) if crossed else [*levers, *uncertainties]
    grid_factors = list(levers) if crossed else []
    unit = sample_unit(method, sampled, options, options.get("seed", seed))
    samples = [{f.name: f.from_unit(u) for f, u in zip(sampled, row, strict=True)} for row in unit]
    points, blocks = [], []
    for combo in itertools.product(*[f.grid() for f in grid_factors]):
        levers_here = dict(zip([f.name for f in grid_factors], combo, strict=True))
        start = len(points)
        points.extend({**levers_here, **sample} for sample in samples)
        blocks.append((levers_here, list(range(start, len(points)))))
    return Design(points, sampled, unit, blocks)


def design_size(method: str, options: dict, levers, uncertainties) -> int:
    """How many points a design has, counted without building it (``build_design`` makes exactly
    these), so a design of millions of points is refused before it fills memory."""
    def grid_size(factors) -> int:
        return math.prod(len(f.values) if f.values is not None else (f.levels or 1) for f in factors)

    if method == "full_factorial":
        return grid_size((*levers, *uncertainties))
    crossed = options.get("levers") == "factorial" and uncertainties
    sampled = len(uncertainties) if crossed else len(levers) + len(uncertainties)
    combos = grid_size(levers) if crossed else 1
    samples = int(options["samples"])
    per_sample = {"latin_hypercube": 1, "morris": sampled + 1,
                  "sobol": 2 * sampled + 2 if options.get("second_order") else sampled + 2}[method]
    return combos * samples * per_sample


def problem(factors: list[Factor]) -> dict:
    return {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": [[0.0, 1.0]] * len(factors)}


def sample_unit(method: str, factors: list[Factor], options: dict, seed: int) -> np.ndarray:
    spec = problem(factors)
    n = int(options["samples"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's "N should be a power of 2" and friends
        if method == "latin_hypercube":
            from SALib.sample import latin

            return np.asarray(latin.sample(spec, n, seed=seed))
        if method == "morris":
            from SALib.sample import morris

            return np.asarray(morris.sample(spec, n, num_levels=int(options.get("levels", 4)), seed=seed))
        if method == "sobol":
            from SALib.sample import sobol

            return np.asarray(sobol.sample(spec, n, calc_second_order=bool(options.get("second_order", False)),
                                           seed=seed))
    raise ValueError(f"unknown design {method!r}")
