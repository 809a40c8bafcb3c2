"""Limits checked before any work, so a typo cannot start a run that never ends or fills memory.

- ``MAX_RUNS``: runs one command may start (design points × replications, scenarios × seeds, …);
  ``--max-runs N`` raises it for a user who means it.
- ``MIN_GRID_POINTS`` – ``MAX_GRID_POINTS``: values a staffing search tries.
- ``MAX_TOML_DEPTH``: nesting of tables and arrays in a scenario or experiment file.
- ``check_timeout``: seconds, finite and ≥ 0 (0 = no limit); ``inf`` and ``nan`` are refused.
- ``require``: an optional extra (Dask, the EMA workbench) is installed before a folder is made.
"""

from __future__ import annotations

import argparse
import importlib.util
import math

from sim.config.errors import CliError

MAX_RUNS = 100_000
MIN_GRID_POINTS, MAX_GRID_POINTS = 2, 200
MAX_TOML_DEPTH = 32

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


def toml_depth(document) -> int:
    """How deeply tables and arrays nest in a parsed TOML document, below the document itself
    (counted iteratively: no recursion)."""
    deepest, stack = 0, [(document, -1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


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


# ---------------------------------------------------------------- command-line types


def process_count(text: str) -> int:
    """``--processes``: a whole number ≥ 1 (0 and negatives are refused, not read as "all cores")."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {value}")
    return value


def run_limit(text: str) -> int:
    """``--max-runs``: a whole number ≥ 1."""
    return process_count(text)


def add_limit_options(parser, *, processes: bool = True) -> None:
    """``--processes`` (and its old name ``--workers``) and ``--max-runs`` on a subcommand."""
    if processes:
        parser.add_argument("--processes", type=process_count, help="worker processes, ≥ 1 (default: the number "
                                                                      "of cores)")
        parser.add_argument("--workers", dest="processes", type=process_count, help=argparse.SUPPRESS)  # old name
    parser.add_argument("--max-runs", type=run_limit, default=MAX_RUNS,
                        help=f"refuse to start more runs than this (default {MAX_RUNS:,})")
