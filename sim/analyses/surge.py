"""What a surge does, level by level: the surging kind's outcomes and each level's load in the
surge window, for a surge scenario against the same scenario without the surge.

A surge (``surge.*``) multiplies one kind's arrivals in some places for some days. Its effect is
read in its own window (the surge days), not over the year, where three months of extra cases
are diluted. The comparison scenario is the surge scenario with ``surge.factor`` = 1, which
keeps the window in the run's parameters and draws exactly the baseline's cases (common random
numbers), so each seed's difference is paired.

``surge_measures`` is a batch measure (``Job.measure``): it reads the window and kind from the
run's own parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.config.enums import CaseKind, Level, Outcome

MEASURE = "sim.analyses.surge:surge_measures"
LEVELS = (Level.GRID, Level.COMMUNITY, Level.SPECIALISED, Level.TOWN, Level.CITY)
RESOLVED_WITHIN_DAYS = 30.0


def surge_measures(result, outcomes: Sequence[str] = ()) -> dict[str, float]:
    """The surging kind's outcomes for cases arising in the surge window, and every handling
    level's waits and busy share over the window (all kinds: a surge loads a level for everyone).

    - ``surge_cases`` / ``surge_referrals``: grid cases and court or arbitration referrals of the
      kind arising in the window;
    - ``surge_resolved_within_30_days``: of those grid cases, resolved within 30 days of arising
      (exits, withdrawals and cases still open count as not resolved);
    - ``surge_referrals_settled_within_30_days``: the same for the referrals, and
      ``surge_referral_days_to_close`` their mean days from arising to closing (settled or sent back);
    - ``surge_days_to_close``: mean days from arising to closing of the grid cases closed;
    - ``surge_exit_share``: grid cases whose party left (petition, arbitration, court);
    - ``wait_days.<level>``: mean days from entering a level to a handler starting, for visits
      entering in the window; ``busy_share.<level>``: handler-days busy in the window over the
      level's capacity × window days."""
    model = result.model
    params = model.params
    start, days = float(params["surge.start_day"]), float(params["surge.days"])
    end = start + days
    kind = CaseKind.from_label(params["surge.kind"]).value
    book = model.cases
    first = model.first_case
    arisen = book.column("t_arisen")[first:]
    closed = book.column("t_closed")[first:]
    outcome = book.column("outcome")[first:]
    in_window = (book.column("kind")[first:] == kind) & (arisen >= start) & (arisen < end)
    referred = book.column("referred")[first:] == 1
    resolved_in_time = (outcome == Outcome.RESOLVED) & (closed - arisen <= RESOLVED_WITHIN_DAYS)
    grid_cases, referrals = in_window & ~referred, in_window & referred
    left = np.isin(outcome, [Outcome.PETITION, Outcome.ARBITRATION, Outcome.LITIGATION])
    closed_grid = grid_cases & ~np.isnan(closed)
    closed_referrals = referrals & ~np.isnan(closed)
    row = {
        "surge_cases": float(grid_cases.sum()),
        "surge_referrals": float(referrals.sum()),
        "surge_resolved_within_30_days": _share(resolved_in_time[grid_cases].sum(), grid_cases.sum()),
        "surge_referrals_settled_within_30_days": _share(resolved_in_time[referrals].sum(), referrals.sum()),
        "surge_days_to_close": float(np.mean((closed - arisen)[closed_grid])) if closed_grid.any() else float("nan"),
        "surge_exit_share": _share(left[grid_cases].sum(), grid_cases.sum()),
        "surge_referral_days_to_close": float(np.mean((closed - arisen)[closed_referrals]))
        if closed_referrals.any() else float("nan"),
    }
    visits = book.visit_columns()
    pools = model.organisation.pools
    pool_level = np.array([pool.level.value for pool in pools])
    capacity = np.array([0 if pool.volunteers else pool.capacity for pool in pools], dtype=float)
    volunteer_pool = np.array([pool.volunteers for pool in pools], dtype=bool)
    by_handlers = ~volunteer_pool[visits["pool"]]
    entered, started, left_at = visits["t_entered"], visits["t_started"], visits["t_left"]
    for level in LEVELS:
        at_level = (visits["level"] == level.value) & by_handlers
        entering = at_level & (entered >= start) & (entered < end) & ~np.isnan(started)
        row[f"wait_days.{level.label}"] = float(np.mean(started[entering] - entered[entering])) if entering.any() \
            else float("nan")
        busy_from = np.clip(started[at_level], start, end)
        busy_to = np.clip(np.where(np.isnan(left_at[at_level]), end, left_at[at_level]), start, end)
        busy = np.nansum(np.maximum(busy_to - busy_from, 0.0))
        row[f"busy_share.{level.label}"] = _share(busy, capacity[pool_level == level.value].sum() * days)
    return row


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole else float("nan")
