"""Command-line option types: ``--processes`` and ``--max-runs`` (shared by the subcommands) and
``run --seed``."""

from __future__ import annotations

import argparse

from sim.batch.limits import MAX_RUNS


def _whole_number(text: str, least: int, what: str = "a whole number") -> int:
    """``text`` as an int ≥ ``least``, or argparse's error saying what was expected."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what} ≥ {least}, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"expected {what} ≥ {least}, got {value}")
    return value


def process_count(text: str) -> int:
    """``--processes``: a whole number ≥ 1 (0 and negatives are refused, not read as "all cores")."""
    return _whole_number(text, 1)


def run_limit(text: str) -> int:
    """``--max-runs``: a whole number ≥ 1."""
    return process_count(text)


def add_limit_options(parser, *, processes: bool = True) -> None:
    """``--processes`` and ``--max-runs`` on a subcommand."""
    if processes:
        parser.add_argument("--processes", type=process_count, help="worker processes, ≥ 1 (default: the number "
                                                                      "of cores)")
    parser.add_argument("--max-runs", type=run_limit, default=MAX_RUNS,
                        help=f"refuse to start more runs than this (default {MAX_RUNS:,})")


def member_count(text: str) -> int:
    """``--ensemble N``: a whole number ≥ 1 of calibrated worlds."""
    return _whole_number(text, 1, "a whole number of calibrated worlds")


def run_seed(text: str) -> int:
    """``run --seed``: a whole number ≥ 0."""
    return _whole_number(text, 0)
