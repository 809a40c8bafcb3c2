"""pyabc's side of the calibration (imported only when pyabc is installed and ABC runs).

``PriorDraw`` proposes the parameters the patterns do not inform from their prior: in ABC-SMC a
particle's importance weight is prior / proposal, a product over every perturbed coordinate, and
with 170 perturbed coordinates and a population of 150 that product collapses the weights onto a
handful of particles. Coordinates drawn from the prior contribute exactly 1, so only the
informative ones (``informative_parameters``) are moved by a fitted normal kernel; the others
still face the acceptance step, so what the patterns say about them is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pyabc import Parameter
from pyabc.transition import Transition
from scipy import stats

# Twice Silverman's bandwidth: a wider proposal keeps prior / proposal from spiking where the
# population has thinned (pilots at scale 0.05, population 60: effective sample sizes 18 then 32 of
# 60 at 1×, 34 at 2×, with about the same acceptance).
KERNEL_SCALING = 2.0
# At most this many parameters are perturbed by the kernel: ~30 collapsed the weights (an
# effective sample size of 1 of 150 in the third generation); the strongest ten carry most of
# what the patterns say (requests ← the request rate, committees ← neighbour disputes, the city
# centre ← court referrals and its mediators' hours, success and litigation ← local knowledge).
MAX_PERTURBED = 10


class PriorDraw(Transition):
    """A kernel that ignores the population: each coordinate from the standard logistic prior
    (the image of a uniform prior on the parameter's plausible range, in logit coordinates).
    Draws use NumPy's global generator because pyabc seeds exactly that one in each sampling
    process (a private generator would repeat the same draws in every forked worker)."""

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        self.keys = list(X.columns)

    def rvs_single(self) -> Parameter:
        return Parameter(dict(zip(self.keys, np.random.logistic(0.0, 1.0, len(self.keys)), strict=True)))

    def pdf(self, x: Parameter | pd.Series | pd.DataFrame) -> float | np.ndarray:
        if isinstance(x, pd.DataFrame):
            return np.prod(stats.logistic.pdf(x[self.keys].to_numpy(dtype=float)), axis=1)
        return float(np.prod(stats.logistic.pdf(np.array([x[key] for key in self.keys], dtype=float))))


def informative_parameters(parameters: pd.DataFrame, patterns: pd.DataFrame, *, most: int) -> list[str]:
    """The parameters whose prior draws move a fitted pattern: the largest absolute Spearman rank
    correlation with any pattern at least 3/√n (about three standard errors of a correlation that
    is zero: among 170 × 9 pairs, a few pass by chance), the ``most`` strongest kept."""
    threshold = 3.0 / np.sqrt(len(parameters))
    ranks = parameters.rank().to_numpy()
    strength = {}
    for column in patterns:
        values = patterns[column].to_numpy(dtype=float)
        finite = np.isfinite(values)
        if finite.sum() < 10 or np.nanstd(values) == 0:
            continue
        pattern_ranks = pd.Series(values[finite]).rank().to_numpy()
        for index, name in enumerate(parameters.columns):
            rho = abs(np.corrcoef(ranks[finite, index], pattern_ranks)[0, 1])
            if np.isfinite(rho):
                strength[name] = max(strength.get(name, 0.0), rho)
    chosen = sorted((name for name, rho in strength.items() if rho >= threshold), key=lambda n: -strength[n])
    return chosen[:most]


def kernel(names: Sequence[str], informative: Sequence[str]):
    """A normal kernel per informative parameter (a product kernel), the prior on the rest.

    One joint kernel over ~30 informative parameters collapsed the weights too (an effective
    sample size of 2 of 150 in the first rebuild): a mixture of 150 normals in 30 dimensions has a
    density that varies by orders of magnitude between points, and so does prior / proposal. A
    product of one-dimensional mixtures varies far less; it gives up the posterior's correlations
    in the proposal only (the accepted sets keep them)."""
    from pyabc import AggregatedTransition, MultivariateNormalTransition

    rest = tuple(name for name in names if name not in set(informative))
    mapping: Mapping = {(name,): MultivariateNormalTransition(scaling=KERNEL_SCALING) for name in informative}
    if rest:
        mapping[rest] = PriorDraw()
    return AggregatedTransition(mapping)


class ScreeningKernel(Transition):
    """The calibration's kernel. Fitted first to the prior draws of generation 0, it picks the
    informative parameters from them and their patterns (read from the run's pyabc ``history``),
    then proposes as ``kernel`` does; later fits refit that kernel to each new population."""

    def __init__(self, names: Sequence[str], patterns: Sequence[str], most: int = MAX_PERTURBED):
        self.names, self.patterns, self.most = tuple(names), tuple(patterns), most
        self.history = None  # set by the caller once the run's history exists
        self.informative: list[str] | None = None
        self.inner = None

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        if self.informative is None:
            particles = self.history.get_population(t=self.history.max_t).particles
            parameters = pd.DataFrame([dict(p.parameter) for p in particles])[list(self.names)]
            found = pd.DataFrame([{name: p.sum_stat[name] for name in self.patterns} for p in particles])
            self.informative = informative_parameters(parameters, found, most=self.most)
            self.inner = kernel(self.names, self.informative)
        self.inner.fit(X, w)

    def rvs_single(self) -> Parameter:
        return self.inner.rvs_single()

    def pdf(self, x: Parameter | pd.Series | pd.DataFrame) -> float | np.ndarray:
        return self.inner.pdf(x)
