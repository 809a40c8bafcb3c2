"""Per-run measures beyond the declared outcomes, computed from a run's records in the worker
(the engine's ``Job.measure`` hook: ``"sim.analyses.measures:by_severity"``)."""

from __future__ import annotations

import numpy as np

from sim.config.enums import WorkerActivity

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


CLASSES = {"disputes": lambda kind: kind != "public_service", "requests": lambda kind: kind == "public_service"}


def by_class(result, outcomes=()) -> dict[str, float]:
    """Where the time from arising to close goes, per class of case (disputes, public-service
    requests): mean days from arising to report (detection) and from report to close (handling,
    follow-up included), over the grid cases closed in the run; and, per severity at arising, the
    disputes resolved within 30 days of arising and the share that left (court, arbitration,
    petition); and the patrol visits per household a week over the run."""
    cases = result.cases[result.cases["channel"] != "court_referral"]
    closed = cases[cases["day_closed"].notna()]
    values = by_severity(result)
    for name, is_class in CLASSES.items():
        part = closed[is_class(closed["kind"])]
        values[f"{name}_days_to_report"] = float((part["day_reported"] - part["day_arisen"]).mean())
        values[f"{name}_days_report_to_close"] = float((part["day_closed"] - part["day_reported"]).mean())
    days = float(result.summary["days"])
    worktime = result.model.worktime
    visit_hours = worktime.households.sum() * worktime.visit_hours
    values["patrol_visits_per_household_week"] = float(worktime.total[WorkerActivity.PATROL] / visit_hours / (days / 7))
    disputes = cases[(cases["kind"] != "public_service") & (cases["day_arisen"] <= days - 30)]
    for severity in SEVERITIES:
        part = disputes[disputes["severity_arisen"] == severity]
        within = (part["outcome"] == "resolved") & (part["day_closed"] - part["day_arisen"] <= 30)
        values[f"{severity}_resolved_within_30_days"] = float(within.mean()) if len(part) else float("nan")
    return values
