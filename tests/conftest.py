"""Shared helpers: small, fast configurations of the real model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sim.config.scenario import load_scenario  # noqa: E402
from sim.results.api import run  # noqa: E402


def small(**overrides):
    """The baseline at a small scale (≈ 7,000 residents), with overrides."""
    return load_scenario(None, {"scale": 0.01, "days": 60, **overrides})


@pytest.fixture(scope="session")
def baseline_small_run():
    return run(small(days=120), seed=11)


# ------------------------------------------------------------------ a skipped browser test is loud
_browser_skips: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and report.nodeid.startswith("tests/test_browser.py"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _browser_skips.append(reason.removeprefix("Skipped: "))


def pytest_terminal_summary(terminalreporter):
    if _browser_skips:
        terminalreporter.write_sep("!", "THE BROWSER TEST WAS SKIPPED: the page was not tested in a real browser",
                                   red=True, bold=True)
        for reason in dict.fromkeys(_browser_skips):
            terminalreporter.write_line(f"  {reason}", red=True)
        terminalreporter.write_line("  It needs Debian's chromium (apt-get install -y chromium) and npm once for the "
                                    "page's front-end files; with CI=true a missing one fails the run.", red=True)
