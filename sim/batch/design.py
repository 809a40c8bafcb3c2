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
import warnings
from dataclasses import dataclass, field

import numpy as np

from sim.batch.experiment import Experiment, Factor


@dataclass
class Design:
    points: list[dict]  # point id = index
    sampled: list[Factor] = field(default_factory=list)  # the factors in the sample matrix (sampled designs)
    unit: np.ndarray | None = None  # the sampler's matrix on [0, 1], one row per sample
    blocks: list[tuple[dict, list[int]]] = field(default_factory=list)  # (lever values, point ids in sample order)

    def __len__(self) -> int:
        return len(self.points)


def build_design(experiment: Experiment) -> Design:
    method, options = experiment.method, experiment.design_options
    if method == "full_factorial":
        factors = experiment.factors
        points = [dict(zip([f.name for f in factors], combo, strict=True))
                  for combo in itertools.product(*[f.grid() for f in factors])]
        return Design(points, blocks=[({}, list(range(len(points))))])
    crossed = options.get("levers") == "factorial" and experiment.uncertainties
    sampled = list(experiment.uncertainties) if crossed else list(experiment.factors)
    grid_factors = list(experiment.levers) if crossed else []
    unit = sample_unit(method, sampled, options, options.get("seed", experiment.seed))
    samples = [{f.name: f.from_unit(u) for f, u in zip(sampled, row, strict=True)} for row in unit]
    points, blocks = [], []
    for combo in itertools.product(*[f.grid() for f in grid_factors]):
        levers = dict(zip([f.name for f in grid_factors], combo, strict=True))
        start = len(points)
        points.extend({**levers, **sample} for sample in samples)
        blocks.append((levers, list(range(start, len(points)))))
    return Design(points, sampled, unit, blocks)


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
