"""Speed work may not change the model: a stored summary must be reproduced exactly."""

import json

from regression.update_baseline import BASELINE_FILE, CONFIG, SEED, current_outcomes


def test_summary_matches_the_stored_baseline():
    stored = json.loads(BASELINE_FILE.read_text())
    assert stored["config"] == CONFIG and stored["seed"] == SEED
    current = json.loads(json.dumps(current_outcomes()))  # same float round trip as the file
    differing = {key: (stored["outcomes"].get(key), current.get(key)) for key in set(stored["outcomes"]) | set(current)
                 if stored["outcomes"].get(key) != current.get(key)}
    assert not differing, f"outcomes changed (stored, now): {differing}; if intended, see update_baseline.py"
