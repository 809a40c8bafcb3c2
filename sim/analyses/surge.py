"""What a surge does, level by level: the surging kind's outcomes and each level's load in the
surge window, for a surge scenario against the same scenario without the surge.

A surge (``surge.*``) multiplies one kind's arrivals in some places for some days. Its effect is
read in its own window (the surge days), not over the year, where three months of extra cases
are diluted. The comparison scenario is the surge scenario with ``surge.factor`` = 1, which
keeps the window in the run's parameters and draws exactly the baseline's cases (common random
numbers), so each seed's difference is paired.

``surge_measures`` is a batch measure (``Job.measure``): it reads the window and kind from the
run's own parameters (``sim.results.summary.surge_window``, also the ``surge`` table of a surge
run's summary).
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.results.summary import SURGE_LEVELS, surge_window

MEASURE = "sim.analyses.surge:surge_measures"
LEVELS = SURGE_LEVELS


def surge_measures(result, outcomes: Sequence[str] = ()) -> dict[str, float]:
    """The surge window's measures of one run (``sim.results.summary.surge_window``)."""
    return surge_window(result.model)
