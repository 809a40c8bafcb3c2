"""The escalation rules' names: what a scenario file, the registry and the command line accept.

The rules themselves (where each sends a case) are the model's (``sim.model.escalation``), which
checks when it is imported that it implements exactly these names, so the registry can validate a
scenario without importing the model.
"""

from __future__ import annotations

POLICY_RULES = ("shishi", "three_level", "direct_dispatch", "bottom_up")  # what a scenario may choose
VALIDATION_RULES = ("single_level",)  # accepted from scenarios/validation/ only (queueing-theory checks)
