"""Shared helpers: small, fast configurations of the real model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sim.api import run  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402


def small(**overrides):
    """The baseline at a small scale (≈ 7,000 residents), with overrides."""
    return load_scenario(None, {"scale": 0.01, "days": 60, **overrides})


@pytest.fixture(scope="session")
def baseline_small_run():
    return run(small(days=120), seed=11)
