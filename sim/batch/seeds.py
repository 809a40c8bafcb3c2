"""Replication seeds: the one place they are made.

Every tool that runs the model many times gives replication *r* the same seed at every design
point, scenario and rule (common random numbers: policies meet the same disputes with the same
luck), and keeps the first seeds when replications are added. How the seeds are numbered follows
from what the tool is given:

- a **first seed** (``compare``, ``calibrate``, ``validate``, the doc generators, the EMA client,
  all starting from a run preset's ``first_seed``): replications run on ``first_seed``,
  ``first_seed + 1``, … (``sequential_seeds``), so a report can say "seeds 1–10";
- one **experiment seed** (a sweep's ``seed``, the staffing search's ``--seed``): replication *r*
  runs on ``SeedSequence(seed).spawn(R)[r].generate_state(1)`` (``spawned_seeds``), well spread
  whatever seed the file gives.

(The two rules stay apart on purpose: numbering sweeps sequentially would change every stored
sweep's run ids, and spawning the presets' seeds would change the runs docs/calibration.md reports.)
"""

from __future__ import annotations

import numpy as np


def sequential_seeds(first_seed: int, count: int) -> list[int]:
    """``first_seed``, ``first_seed + 1``, … (``count`` of them)."""
    return list(range(first_seed, first_seed + count))


def spawned_seeds(seed: int, count: int) -> list[int]:
    """``count`` seeds spawned from one experiment seed (``SeedSequence(seed).spawn``); the first
    ones stay the same when ``count`` grows."""
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in np.random.SeedSequence(seed).spawn(count)]
