"""Statistics over independent replications, for every analysis that reports an interval:
comparisons, calibration, validation, the staffing search, sweep summaries and the doc generators."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the Student-t confidence interval (low, high) of independent replications."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n == 1:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def weighted_quantiles(values: Sequence[float], weights: Sequence[float] | None,
                       quantiles: Sequence[float]) -> list[float]:
    """Quantiles of a weighted sample (an ensemble's members and their importance weights): the
    inverse of the weighted empirical distribution, interpolated at each member's mid-mass (so with
    equal weights the median of an even sample is the mean of its middle two). NaNs are dropped."""
    values = np.asarray(values, dtype=float)
    weights = np.ones_like(values) if weights is None else np.asarray(weights, dtype=float)
    keep = np.isfinite(values) & (weights > 0)
    values, weights = values[keep], weights[keep]
    if len(values) == 0:
        return [math.nan] * len(quantiles)
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    mass = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return [float(np.interp(q, mass, values)) for q in quantiles]


def median_interval(values: Sequence[float], weights: Sequence[float] | None = None,
                    level: float = 0.90) -> tuple[float, float, float]:
    """The weighted median and the central ``level`` interval across ensemble members."""
    tail = (1 - level) / 2
    median, low, high = weighted_quantiles(values, weights, (0.5, tail, 1 - tail))
    return median, low, high
