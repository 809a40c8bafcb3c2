"""Regenerate the stored regression summary after an intended change to the model.

    ./dev python tests/regression/update_baseline.py

An optimisation that keeps the random draws must leave this file unchanged; a change that
alters the draw order must first show, over many seeds, that the main outcomes'
distributions are unchanged (say how in the commit message), then update it here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from sim.config.outcomes import flat_outcomes  # noqa: E402
from sim.config.scenario import load_scenario  # noqa: E402
from sim.results.api import run  # noqa: E402
from sim.results.output import json_safe as _clean  # noqa: E402

BASELINE_FILE = HERE / "baseline_summary.json"
CONFIG = {"scale": 0.02, "days": 180}
SEED = 7


def current_outcomes() -> dict:
    summary = run(load_scenario(None, CONFIG), seed=SEED).summary
    outcomes = {key: value for key, value in summary.items() if key != "provenance"}
    return _clean(flat_outcomes(outcomes))


if __name__ == "__main__":
    BASELINE_FILE.write_text(json.dumps({"config": CONFIG, "seed": SEED, "outcomes": current_outcomes()}, indent=2,
                                        sort_keys=True) + "\n")
    print(f"wrote {BASELINE_FILE}")
