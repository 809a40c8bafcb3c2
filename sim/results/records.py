"""Tables of a run: one row per case, per visit to a level, and per day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.enums import CaseKind, Channel, EndReason, Level, Outcome, Severity

CASE_COLUMNS = ("case_id", "grid", "kind", "severity", "severity_arisen", "authority", "channel", "day_arisen",
                "day_reported", "day_closed", "outcome", "level_resolved", "escalations", "failures", "misgraded",
                "cadre", "at_centre", "satisfied", "party")


def _labels(enum, codes: np.ndarray, missing: str = "") -> pd.Categorical:
    names = np.array([*enum.labels(), missing], dtype=object)
    return pd.Categorical(names[np.where(codes >= 0, codes, len(names) - 1)], categories=[*enum.labels(), missing])


def cases_frame(model) -> pd.DataFrame:
    book = model.cases
    outcome = book.column("outcome").astype(np.int16)
    satisfied = book.column("satisfied")
    return pd.DataFrame({
        "case_id": np.arange(book.size),
        "grid": np.array(model.city.grid_codes, dtype=object)[book.column("grid")],
        "kind": _labels(CaseKind, book.column("kind")),
        "severity": _labels(Severity, book.column("severity")),
        "severity_arisen": _labels(Severity, book.column("severity_arisen")),
        "authority": _labels(Level, book.column("authority")),
        "channel": _labels(Channel, book.column("channel")),
        "day_arisen": book.column("t_arisen"),
        "day_reported": book.column("t_reported"),
        "day_closed": book.column("t_closed"),
        "outcome": _labels(Outcome, np.where(outcome == Outcome.NONE, -1, outcome)),
        "level_resolved": _labels(Level, book.column("level_resolved")),
        "escalations": book.column("escalations"),
        "failures": book.column("failures"),
        "misgraded": pd.array(np.where(book.column("misgraded") < 0, None, book.column("misgraded") == 1),
                              dtype="boolean"),
        "cadre": book.column("cadre") == 1,
        "at_centre": book.column("at_centre") == 1,
        "satisfied": pd.array(np.where(satisfied < 0, None, satisfied == 1), dtype="boolean"),
        "party": book.column("party"),
    }, columns=list(CASE_COLUMNS))


def visits_frame(model) -> pd.DataFrame:
    log = model.cases.visit_log
    pools = model.organisation.pools
    return pd.DataFrame({
        "case_id": np.array([v.case for v in log], dtype=np.int64),
        "level": pd.Categorical([Level(v.level).label for v in log], categories=Level.labels()),
        "handler": [pools[v.pool].name for v in log],
        "day_entered": np.array([v.t_entered for v in log], dtype=float),
        "day_started": np.array([v.t_started for v in log], dtype=float),
        "day_left": np.array([v.t_left for v in log], dtype=float),
        "end": pd.Categorical([EndReason(v.reason).label if v.reason is not None else "" for v in log],
                              categories=[*EndReason.labels(), ""]),
    })


def daily_frame(model) -> pd.DataFrame:
    return pd.DataFrame(model.daily)
