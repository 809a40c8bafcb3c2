"""PRIM for scenario discovery: the EMA workbench's ``Prim`` (optional extra ``ema``), and what
the project reads from it.

    boxes = prim_boxes(X, y)         # X: DataFrame of uncertainties (numeric or categorical); y: bool
    boxes[0].describe()              # "dispute_rate_per_10k.labour above 31.2 and surge.kind in {labour}"
    boxes[0].stability               # per restricted dimension: % of resamples that restrict it again
    boxes[0].inspect()               # the workbench's table: limits and quasi-p-values ("graph" draws them)

EMA's ``Prim`` peels (a trajectory of boxes), pastes, handles categorical dimensions and gives
quasi-p-values (``inspect``) and resampling (``resample``). Importing this module also mends the
workbench's ``PrimBox.inspect()`` for boxes that restrict a categorical dimension (it raises a
``TypeError`` with pandas ≥ 3; see ``_inspect_data``). On top of it:

1. **Selection.** From each peeling trajectory, the box with the largest coverage among those
   with density ≥ ``threshold``; if none reaches it, the one with the largest coverage × density
   (first box only).
2. **Covering.** Up to ``max_boxes`` boxes, each found by a fresh ``Prim`` among the points the
   earlier ones left (a later box must reach the threshold).
3. **Stability.** ``resample`` reruns PRIM on random halves of the data (``resample_iterations``
   times, seeded): for each restricted dimension, the share of resamples whose box at the same
   coverage (and the same density) restricts it too. A box whose dimensions reproduce in few
   resamples is not to be trusted: with few futures, peeling restricts dimensions by chance.

Measures: coverage = points of interest in the box / all points of interest; density = points of
interest in the box / points in the box; mass = points in the box / all points.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

with warnings.catch_warnings():  # the workbench warns that an optional parallel backend is absent
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    try:
        from ema_workbench.analysis import prim as ema_prim
    except ImportError as error:  # pragma: no cover - the message is the point
        raise ImportError("scenario discovery uses the EMA workbench's PRIM: pip install '.[ema]' "
                          "(./dev run discover and ./dev test install it)") from error

logging.getLogger("ema_workbench").setLevel(logging.WARNING)


def _inspect_data(self, i: int, uncs) -> tuple[pd.Series, pd.DataFrame]:
    """``PrimBox._inspect_data`` of the EMA workbench, for categorical dimensions too.

    The workbench (3.0.0) writes each restricted dimension's limits into a table of floats; a
    categorical dimension's limits are sets of categories, which pandas ≥ 3 refuses to put in a
    float column (``TypeError: Invalid value '{'x'}' for dtype 'float64'``), so ``inspect()``
    failed whenever a box restricted a categorical dimension. Here the table is built from its
    rows: a column holding sets is of object dtype, the rest stay floats. Same layout and values
    (quasi-p-values of −1, "not restricted", as NaN)."""
    p_values = self.p_values[i]
    stats = self.peeling_trajectory.iloc[i]
    columns = pd.MultiIndex.from_product([[f"box {i}"], ["min", "max", "qp value", "qp value"]])
    rows = [[*self.box_lims[i][unc].tolist(), *(np.nan if value == -1 else value for value in p_values[unc])]
            for unc in uncs]
    return stats, pd.DataFrame(rows, index=list(uncs), columns=columns)


def _fix_inspect() -> None:
    """Put ``_inspect_data`` (above) in the workbench's ``PrimBox``, whose ``inspect()`` (table, data and
    graph styles) calls it. Done once, when this module is imported."""
    box_class = ema_prim.PrimBox
    if getattr(box_class._inspect_data, "__module__", None) != __name__:
        box_class._inspect_data = _inspect_data


_fix_inspect()


@dataclass
class Box:
    limits: dict[str, object]  # restricted dimensions only: (low, high) or a set of categories
    coverage: float
    density: float
    mass: float
    n_in: int
    n_interest_in: int
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)
    quasi_p: dict[str, float] = field(default_factory=dict)  # per restricted dimension (EMA's inspect)
    stability: pd.DataFrame = field(default_factory=pd.DataFrame)  # % reproduce coverage / density, per dimension
    data_range: dict[str, object] = field(default_factory=dict)
    prim_box: object = field(default=None, repr=False)  # the workbench's PrimBox this box was chosen from
    index: int = -1  # the chosen box's place on its peeling trajectory

    def inspect(self, style: str = "table", **options):
        """The workbench's ``inspect`` of this box (``style``: "table" prints, "data" returns the
        statistics and the limits with quasi-p-values, "graph" draws them)."""
        if self.prim_box is None:
            raise ValueError("this box has no PRIM run behind it (made by hand, not by prim_boxes)")
        return self.prim_box.inspect(self.index, style=style, **options)

    @property
    def restricted(self) -> dict[str, object]:
        """Numeric dimensions as (low or None, high or None): None where the box reaches the data's edge."""
        out = {}
        for name, limit in self.limits.items():
            if isinstance(limit, (set, frozenset)):
                out[name] = limit
                continue
            low, high = limit
            lo, hi = self.data_range[name]
            out[name] = (low if low > lo else None, high if high < hi else None)
        return out

    def describe(self, digits: int = 3) -> str:
        parts = []
        for name, limit in self.restricted.items():
            if isinstance(limit, (set, frozenset)):
                parts.append(f"{name} in {{{', '.join(sorted(map(str, limit)))}}}")
                continue
            low, high = limit
            if low is not None and high is not None:
                parts.append(f"{name} between {low:.{digits}g} and {high:.{digits}g}")
            elif low is not None:
                parts.append(f"{name} above {low:.{digits}g}")
            elif high is not None:
                parts.append(f"{name} below {high:.{digits}g}")
        return " and ".join(parts) if parts else "(the whole space: no restriction)"

    def stability_text(self) -> str:
        """'x0 100 %, x1 90 %': how often each restriction reproduces (coverage-matched resamples)."""
        if self.stability.empty:
            return ""
        return ", ".join(f"{name} {row['reproduce coverage']:.0f} %" for name, row in self.stability.iterrows()
                         if name in self.limits)


def prim_boxes(X: pd.DataFrame, y, *, max_boxes: int = 2, threshold: float = 0.8, peel_alpha: float = 0.05,
               paste_alpha: float = 0.05, mass_min: float = 0.05, min_interest: int = 5,
               resample_iterations: int = 10, seed: int = 1) -> list[Box]:
    """Up to ``max_boxes`` boxes by covering, each with its quasi-p-values and resampled stability."""
    X = _prepared(X)
    y = np.asarray(y, dtype=bool)
    data_range = {name: (float(X[name].min()), float(X[name].max())) for name in X.columns
                  if not isinstance(X[name].dtype, pd.CategoricalDtype)}
    remaining = np.ones(len(y), dtype=bool)
    boxes: list[Box] = []
    for k in range(max_boxes):
        if y[remaining].sum() < min_interest or y[remaining].all():
            break
        # Covering: each box from a fresh Prim on the points the earlier boxes left (EMA's own
        # covering cannot resample its later boxes).
        finder = ema_prim.Prim(X[remaining].reset_index(drop=True), y[remaining], peel_alpha=peel_alpha,
                               paste_alpha=paste_alpha, mass_min=mass_min)
        found = finder.find_box()
        if found is None:
            break
        trajectory = found.peeling_trajectory
        good = trajectory[trajectory["density"] >= threshold]
        if k and not len(good):
            break  # a later box must reach the threshold: below it, covering only picks up noise
        index = int(good["coverage"].idxmax()) if len(good) else \
            int((trajectory["coverage"] * trajectory["density"]).idxmax())
        found.select(index)
        limits = _restricted(found.box_lims[index], finder.box_init)
        if not limits:
            break
        inside = _inside(X, limits) & remaining
        n_in, n_interest = int(inside.sum()), int((inside & y).sum())
        boxes.append(Box(limits, n_interest / int(y.sum()), n_interest / n_in if n_in else float("nan"),
                         n_in / len(y), n_in, n_interest, trajectory.copy(), _quasi_p(found, index, limits),
                         found.resample(index, iterations=resample_iterations, rng=seed + k), data_range,
                         found, index))
        remaining &= ~inside
    return boxes


def _prepared(X: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns as floats, the rest as categories (EMA's categorical dimensions)."""
    out = {}
    for name in X.columns:
        column = X[name]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        out[name] = column.astype(float) if numeric else column.astype(str).astype("category")
    return pd.DataFrame(out).reset_index(drop=True)


def _restricted(box_lims: pd.DataFrame, box_init: pd.DataFrame) -> dict[str, object]:
    limits: dict[str, object] = {}
    for name in box_lims.columns:
        low, high = box_lims[name].iloc[0], box_lims[name].iloc[1]
        if isinstance(low, (set, frozenset)):
            if set(low) != set(box_init[name].iloc[0]):
                limits[name] = frozenset(low)
        elif low > box_init[name].iloc[0] or high < box_init[name].iloc[1]:
            limits[name] = (float(low), float(high))
    return limits


def _inside(X: pd.DataFrame, limits: dict[str, object]) -> np.ndarray:
    mask = np.ones(len(X), dtype=bool)
    for name, limit in limits.items():
        if isinstance(limit, (set, frozenset)):
            mask &= X[name].astype(str).isin({str(v) for v in limit}).to_numpy()
        else:
            mask &= ((X[name] >= limit[0]) & (X[name] <= limit[1])).to_numpy()
    return mask


def _quasi_p(found, index: int, limits: dict[str, object]) -> dict[str, float]:
    """EMA's quasi-p-value per restricted dimension (how likely the restriction is chance): the
    larger of its two bounds' values (EMA gives −1 for a bound that is not restricted)."""
    values = found.p_values[index]
    out = {}
    for name in limits:
        valid = [float(v) for v in np.atleast_1d(values.get(name, []))
                 if v is not None and v >= 0 and not math.isnan(v)]
        if valid:
            out[name] = max(valid)
    return out
