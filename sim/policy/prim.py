"""PRIM (Friedman & Fisher's Patient Rule Induction Method), hand-written, for scenario discovery.

Why not the EMA workbench: ema_workbench 3.0.0 would add scikit-learn, statsmodels, seaborn,
platypus-opt, formulaic, patsy and more to the environment; this module is ~200 lines of numpy.

    box = prim(X, y)                 # X: DataFrame of numeric uncertainties; y: bool "of interest"
    box.describe()                   # "dispute_rate_per_10k.labour above 31.2 and success.town.major below 0.9"
    box.coverage, box.density, box.mass

Algorithm:

1. **Peeling.** Start from the box holding every point. At each step, for every dimension try
   removing the points below the ``peel_alpha`` quantile (inside the box) or above the
   1 − ``peel_alpha`` quantile; keep the single peel that leaves the highest density (share of
   points of interest in the box). Stop when the box's mass (share of all points inside) would
   fall below ``mass_min``. Every box along the way is kept (the peeling trajectory).
2. **Selection.** From the trajectory, the box with the largest coverage among those with
   density ≥ ``threshold``; if none reaches it, the box with the largest coverage × density.
3. **Pasting.** Repeatedly widen one side of one dimension of the chosen box to take in the next
   ``paste_alpha`` share of its points from outside, whenever that raises coverage without
   lowering density; stop when no such paste exists.
4. **Simplification.** Drop restrictions (the cheapest first) while more than ``max_dims``
   (default 3) dimensions are restricted or a removal costs less than ``drop_tolerance`` (0.02)
   of density: with few futures, peeling restricts many dimensions by chance.
5. **Covering** (``prim_boxes``): remove the points in the box and search again for the next box.

Measures: coverage = points of interest in the box / all points of interest; density = points of
interest in the box / points in the box; mass = points in the box / all points. A dimension is
*restricted* when a bound of the box lies strictly inside the data's range; only restricted
dimensions appear in the description. ``drop_one`` says how density and coverage change if one
restriction is removed (a restriction that barely matters is a candidate to drop).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Box:
    limits: dict[str, tuple[float, float]]   # per dimension (low, high), inclusive
    data_range: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    n_in: int
    n_interest_in: int
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)
    drop_one: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def restricted(self) -> dict[str, tuple[float | None, float | None]]:
        """Restricted dimensions only: (low or None, high or None)."""
        out = {}
        for name, (low, high) in self.limits.items():
            lo, hi = self.data_range[name]
            low_r = low if low > lo else None
            high_r = high if high < hi else None
            if low_r is not None or high_r is not None:
                out[name] = (low_r, high_r)
        return out

    def describe(self, digits: int = 3) -> str:
        parts = []
        for name, (low, high) in self.restricted.items():
            if low is not None and high is not None:
                parts.append(f"{name} between {low:.{digits}g} and {high:.{digits}g}")
            elif low is not None:
                parts.append(f"{name} above {low:.{digits}g}")
            else:
                parts.append(f"{name} below {high:.{digits}g}")
        return " and ".join(parts) if parts else "(the whole space: no restriction)"

    def contains(self, X: pd.DataFrame) -> np.ndarray:
        return _inside(X, self.limits)


def _inside(X: pd.DataFrame, limits: dict) -> np.ndarray:
    mask = np.ones(len(X), dtype=bool)
    for name, (low, high) in limits.items():
        column = X[name].to_numpy(dtype=float)
        mask &= (column >= low) & (column <= high)
    return mask


def _stats(y: np.ndarray, mask: np.ndarray, total_interest: int) -> tuple[float, float, float]:
    n_in = int(mask.sum())
    hits = int(y[mask].sum())
    coverage = hits / total_interest if total_interest else float("nan")
    density = hits / n_in if n_in else 0.0
    return coverage, density, n_in / len(y)


def prim(X: pd.DataFrame, y, *, peel_alpha: float = 0.05, paste_alpha: float = 0.05, mass_min: float = 0.05,
         threshold: float = 0.8, max_dims: int | None = 3, drop_tolerance: float = 0.02) -> Box:
    X = X.reset_index(drop=True).astype(float)
    y = np.asarray(y, dtype=bool)
    if len(X) != len(y):
        raise ValueError("X and y differ in length")
    if not 0 < peel_alpha < 0.5 or not 0 < paste_alpha < 0.5:
        raise ValueError("peel_alpha and paste_alpha must be in (0, 0.5)")
    names = list(X.columns)
    data_range = {n: (float(X[n].min()), float(X[n].max())) for n in names}
    total = int(y.sum())
    limits = dict(data_range)
    mask = np.ones(len(X), dtype=bool)
    trajectory = [(dict(limits), *_stats(y, mask, total))]
    values = {n: X[n].to_numpy() for n in names}
    while True:
        best = None
        n_in = int(mask.sum())
        for name in names:
            column = values[name][mask]
            for side in ("low", "high"):
                q = np.quantile(column, peel_alpha if side == "low" else 1 - peel_alpha)
                if side == "low":
                    keep = values[name] >= q if q > column.min() else values[name] > q
                    new = (float(values[name][mask & keep].min()) if (mask & keep).any() else q, limits[name][1])
                else:
                    keep = values[name] <= q if q < column.max() else values[name] < q
                    new = (limits[name][0], float(values[name][mask & keep].max()) if (mask & keep).any() else q)
                candidate = mask & keep
                m = int(candidate.sum())
                if m == n_in or m == 0 or m / len(y) < mass_min:
                    continue
                density = y[candidate].mean()
                key = (density, m)  # highest density; on a tie, the gentler peel
                if best is None or key > best[0]:
                    best = (key, name, new, candidate)
        if best is None:
            break
        _, name, new, mask = best
        limits[name] = new
        trajectory.append((dict(limits), *_stats(y, mask, total)))
    frame = pd.DataFrame([{"step": i, "coverage": c, "density": d, "mass": m,
                           "restricted": sum(1 for n, (lo, hi) in lim.items() if lo > data_range[n][0] or hi < data_range[n][1])}
                          for i, (lim, c, d, m) in enumerate(trajectory)])
    good = frame[frame["density"] >= threshold]
    if len(good):
        step = int(good.sort_values(["coverage", "density"], ascending=False).iloc[0]["step"])
    else:
        step = int((frame["coverage"] * frame["density"]).idxmax())
    limits = dict(trajectory[step][0])
    limits = _paste(X, y, limits, data_range, paste_alpha, total)
    limits = _simplify(X, y, limits, data_range, total, max_dims, drop_tolerance)
    mask = _inside(X, limits)
    coverage, density, mass = _stats(y, mask, total)
    box = Box(limits, data_range, coverage, density, mass, int(mask.sum()), int(y[mask].sum()), frame)
    box.drop_one = _drop_one(X, y, box, total)
    return box


def _paste(X, y, limits, data_range, alpha, total) -> dict:
    limits = dict(limits)
    while True:
        mask = _inside(X, limits)
        coverage, density, _ = _stats(y, mask, total)
        n_add = max(1, int(round(alpha * mask.sum())))
        best = None
        for name in limits:
            others = _inside(X, {n: lim for n, lim in limits.items() if n != name})
            column = X[name].to_numpy(dtype=float)
            low, high = limits[name]
            for side in ("low", "high"):
                outside = others & ((column < low) if side == "low" else (column > high))
                if not outside.any():
                    continue
                candidates = np.sort(column[outside])
                edge = candidates[-n_add:][0] if side == "low" else candidates[:n_add][-1]
                new = (float(edge), high) if side == "low" else (low, float(edge))
                trial = dict(limits)
                trial[name] = new
                c, d, _ = _stats(y, _inside(X, trial), total)
                if c > coverage and d >= density and (best is None or (d, c) > best[0]):
                    best = ((d, c), name, new)
        if best is None:
            return limits
        limits[best[1]] = best[2]


def _simplify(X, y, limits, data_range, total, max_dims, tolerance) -> dict:
    """5. Simplification: drop the restriction whose removal keeps the highest density while more
    than ``max_dims`` dimensions are restricted, or while some removal costs less than ``tolerance``
    density (small samples let peeling restrict many dimensions by chance)."""
    limits = dict(limits)
    while True:
        restricted = [n for n, (lo, hi) in limits.items() if lo > data_range[n][0] or hi < data_range[n][1]]
        if not restricted:
            return limits
        _, density, _ = _stats(y, _inside(X, limits), total)
        options = []
        for name in restricted:
            trial = dict(limits)
            trial[name] = data_range[name]
            options.append((_stats(y, _inside(X, trial), total)[1], name))
        best_density, name = max(options)
        if (max_dims is not None and len(restricted) > max_dims) or density - best_density < tolerance:
            limits[name] = data_range[name]
        else:
            return limits


def _drop_one(X, y, box: Box, total: int) -> pd.DataFrame:
    rows = []
    for name in box.restricted:
        trial = dict(box.limits)
        trial[name] = box.data_range[name]
        c, d, m = _stats(y, _inside(X, trial), total)
        rows.append({"dimension": name, "coverage_without": c, "density_without": d, "mass_without": m})
    return pd.DataFrame(rows)


def prim_boxes(X: pd.DataFrame, y, *, max_boxes: int = 2, min_interest: int = 5, **options) -> list[Box]:
    """Covering: find a box, remove its points, find the next (coverage is of all points of interest)."""
    X = X.reset_index(drop=True)
    y = np.asarray(y, dtype=bool)
    total = int(y.sum())
    boxes = []
    remaining = np.ones(len(X), dtype=bool)
    for _ in range(max_boxes):
        if y[remaining].sum() < min_interest:
            break
        box = prim(X[remaining], y[remaining], **options)
        if not box.restricted or (boxes and box.density < options.get("threshold", 0.8)):
            break  # later boxes must themselves be dense, else they describe noise
        hits_in = box.n_interest_in
        box.coverage = hits_in / total if total else float("nan")  # of all points of interest
        boxes.append(box)
        remaining &= ~box.contains(X)
    return boxes
