"""Every folder and file the code finds by location, in one place.

- The scenario library ships inside the package (``sim/scenarios`` links to the top-level
  ``scenarios/`` folder, package data), so an installed copy finds it as well as a checkout does.
- The repository's other folders (``docs/``, ``experiments/``) exist in a checkout only: the doc
  generators write into ``docs/``, the policy analyses read their default experiment files from
  ``experiments/``, and provenance asks git about the checkout.
- Results go under ``results/`` in the current folder unless a command is given ``--out``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # sim/
REPO = PACKAGE.parent  # the checkout (or, installed, the site-packages folder: no docs/ there)

SCENARIO_DIR = (PACKAGE / "scenarios").resolve()
BASELINE = SCENARIO_DIR / "shishi_baseline.toml"
VALIDATION_DIR = SCENARIO_DIR / "validation"  # only files here may choose a validation-only rule
MMC_SCENARIO = VALIDATION_DIR / "mmc.toml"  # the M/M/c queue of the queueing-theory checks

DOCS = REPO / "docs"
EXPERIMENTS_DIR = REPO / "experiments"
# The experiment files the policy analyses run by default.
POLICY_STAFFING_EXPERIMENT = EXPERIMENTS_DIR / "policy_staffing.toml"
POLICY_DISCOVERY_EXPERIMENT = EXPERIMENTS_DIR / "policy_discovery.toml"

RESULTS = Path("results")  # relative: under the folder a command runs in


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (links resolved); False if it cannot be resolved."""
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except (OSError, RuntimeError):
        return False
