"""Residents as arrays: 700,000 rows cost megabytes and vectorised updates, not objects."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.config.enums import PlaceKind
from sim.config.params import Params
from sim.model.network import CityMap, town_value


class Population:
    """Per-resident state, sorted by responsibility grid (grid g holds rows
    ``start[g]:start[g+1]``, its migrants first)."""

    def __init__(self, city: CityMap, params: Params, rng: np.random.Generator):
        sizes = city.grid_population
        self.size = int(sizes.sum())
        self.start = np.concatenate([[0], np.cumsum(sizes)])
        self.grid = np.repeat(np.arange(city.grids, dtype=np.int32), sizes)
        self.grid_migrant_share = migrant_share_by_grid(city, params)
        self.grid_migrants = rng.binomial(sizes, self.grid_migrant_share)  # migrants come first in each grid
        self.migrant = (np.arange(self.size) - self.start[self.grid]) < self.grid_migrants[self.grid]
        mean_trust = np.where(self.migrant, params["initial_trust.migrant"], params["initial_trust.registered"])
        concentration = params["trust_concentration"]
        alpha = np.maximum(mean_trust * concentration, 1e-6)
        beta = np.maximum((1.0 - mean_trust) * concentration, 1e-6)
        self.trust = rng.beta(alpha, beta)
        self.certified = rng.random(self.size) < params["civility_certified_share"]
        # points from acts (and the initial holding); points for taking part are counted once for all
        # (``participation``) and read through ``joined_at`` (the participation total when one joined)
        self.points = np.where(self.certified, params["civility_initial_points"], 0).astype(np.int64)
        self.participation = 0
        self.joined_at = np.zeros(self.size, dtype=np.int64)
        self.certify_clock = rng.standard_exponential(self.size)  # when a resident joins the scheme (sim.civility)
        self.reports = np.zeros(self.size, dtype=np.int32)
        self._migrant_factor = params["migrant_report_factor"]
        self.report_factor: Callable[[np.ndarray], np.ndarray] = _no_uplift  # civility points (sim.model.civility)
        self.grid_trust_factor = np.ones(city.grids)  # word of mouth: the community's recent experience (trust.py)

    def points_held(self, rows: Sequence[int] | np.ndarray | slice = slice(None)) -> np.ndarray:
        """Civility points the residents hold: from their acts, and a week's points for taking part
        for every week since they joined."""
        return self.points[rows] + np.where(self.certified[rows], self.participation - self.joined_at[rows], 0)

    def effective_trust(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Trust as it acts: the resident's own, read through what their community has recently
        seen of the system (``sim.model.trust``), at most 1."""
        rows = np.asarray(rows)
        return np.minimum(self.trust[rows] * self.grid_trust_factor[self.grid[rows]], 1.0)

    def effective_trust_of(self, row: int) -> float:
        """``effective_trust`` of one resident, as a Python float (the case flow asks one at a time;
        the same arithmetic without building arrays)."""
        return min(float(self.trust[row]) * float(self.grid_trust_factor[self.grid[row]]), 1.0)

    def propensity(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Relative readiness to report: effective trust, weakened for migrants, raised by the
        civility points a resident holds."""
        rows = np.asarray(rows)
        factor = np.where(self.migrant[rows], self._migrant_factor, 1.0)
        return self.effective_trust(rows) * factor * self.report_factor(rows)


def _no_uplift(rows: np.ndarray) -> np.ndarray:
    return np.ones(len(rows))


def migrant_share_by_grid(city: CityMap, params: Params) -> np.ndarray:
    """Migrants concentrate by place kind and by town; the population-weighted mean is ``migrant_share``."""
    town_weight = np.array([town_value(params, "town_migrant_weight", name) for name in city.town_names])
    weight = np.array([params[f"migrant_weight.{p.label}"] for p in PlaceKind])[city.grid_place] * \
        town_weight[city.grid_town]
    mean_weight = np.average(weight, weights=city.grid_population)
    share = params["migrant_share"] * weight / mean_weight if mean_weight > 0 else np.zeros(city.grids)
    return np.clip(share, 0.0, 0.95)
