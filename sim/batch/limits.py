"""Limits checked before any work, so a typo cannot start a run that never ends or fills memory.

- ``MAX_RUNS``: runs one command may start (design points × replications, scenarios × seeds, …);
  ``--max-runs N`` raises it for a user who means it.
- ``MIN_GRID_POINTS`` – ``MAX_GRID_POINTS``: values a staffing search tries.
- ``timeout_error``: seconds, finite and ≥ 0 (0 = no limit); ``inf`` and ``nan`` are refused.
- ``require``: an optional extra (Dask, the EMA workbench) is installed before a folder is made.
"""

from __future__ import annotations

import importlib.util
import math

from sim.config.errors import CliError

MAX_RUNS = 100_000
MIN_GRID_POINTS, MAX_GRID_POINTS = 2, 200

EXTRAS = {  # module → (what needs it, how to install it)
    "dask.distributed": ("--dask", 'pip install ".[distributed]" (or ./dev test, which installs '
                                   "requirements-dev.lock)"),
    "ema_workbench": ("scenario discovery (PRIM)", 'pip install ".[ema]" (or ./dev test, which installs '
                                                  "requirements-dev.lock)"),
}


def run_count_error(runs: int, what: str, limit: int = MAX_RUNS) -> str | None:
    """The message refusing ``runs`` runs over ``limit`` (None when within it)."""
    if runs <= limit:
        return None
    return (f"{what} = {runs:,} runs, over the limit of {limit:,}; give --max-runs {runs} if you mean it "
            "(or make the design smaller)")


def check_runs(runs: int, what: str, limit: int = MAX_RUNS) -> None:
    message = run_count_error(runs, what, limit)
    if message:
        raise CliError(message)


def timeout_error(value) -> str | None:
    """Why ``value`` is not a time limit in seconds (None when it is one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return f"expected seconds, a finite number ≥ 0 (0 = no limit), got {value!r}"
    return None


def require(module: str) -> None:
    """Refuse, before any folder is made, a command that needs an optional extra not installed."""
    if importlib.util.find_spec(module.split(".")[0]) is None or importlib.util.find_spec(module) is None:
        needed, install = EXTRAS[module]
        raise CliError(f"{needed} needs {module.split('.')[0]}, which is not installed: {install}")
