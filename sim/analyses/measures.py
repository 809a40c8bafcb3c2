"""Per-run measures beyond the declared outcomes, computed from a run's records in the worker
(the engine's ``Job.measure`` hook: ``"sim.analyses.measures:by_severity"``)."""

from __future__ import annotations

import numpy as np

SEVERITIES = ("minor", "moderate", "major")
NOT_QUEUES = ("follow_up", "dispatch")  # visits that are not a handling level's queue


def handling_waits(visits) -> np.ndarray:
    """Days each visit to a handling level waited for a handler (started visits only; the model
    starts warmed up, so no day is left out; follow-up visits and the dispatch centre are not
    handling levels)."""
    started = visits[visits["day_started"].notna() & ~visits["level"].isin(NOT_QUEUES)]
    return (started["day_started"] - started["day_entered"]).to_numpy(dtype=float)


def by_severity(result, outcomes=()) -> dict[str, float]:
    """Police alerts per 10,000 residents, and per severity at arising (closed cases): mean days
    from arising, share resolved, share that exited (court, arbitration, petition)."""
    cases = result.cases
    closed = cases[cases["day_closed"].notna()]
    values = {"police_alerts_per_10k": result.summary["police_alerts"] * 10_000 / result.summary["residents"]}
    for severity in SEVERITIES:
        part = closed[closed["severity_arisen"] == severity]
        values[f"{severity}_days_from_arising"] = float((part["day_closed"] - part["day_arisen"]).mean())
        values[f"{severity}_resolved"] = float((part["outcome"] == "resolved").mean())
        values[f"{severity}_exits"] = float(part["outcome"].isin(["litigation", "arbitration", "petition"]).mean())
    return values
