"""Tables of a run: one row per case, per visit to a level, per day and per town. Cases that arose
in the warm-up (before day 0) are left out, and so are their visits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.enums import CaseKind, Channel, EndReason, Level, Outcome, Severity

CASE_COLUMNS = ("case_id", "grid", "town", "kind", "severity", "severity_arisen", "authority", "channel", "day_arisen",
                "day_reported", "day_closed", "outcome", "level_resolved", "escalations", "failures", "misgraded",
                "returned", "cadre", "at_centre", "satisfied_first", "redos", "satisfied", "party")


def _column(model, name: str) -> np.ndarray:
    return model.cases.column(name)[model.first_case:]


def _flag(values: np.ndarray) -> pd.arrays.BooleanArray:
    """0/1 with −1 for 'not known' as a nullable boolean."""
    return pd.array(np.where(values < 0, None, values == 1), dtype="boolean")


def _labels(enum, codes: np.ndarray, missing: str = "") -> pd.Categorical:
    names = np.array([*enum.labels(), missing], dtype=object)
    return pd.Categorical(names[np.where(codes >= 0, codes, len(names) - 1)], categories=[*enum.labels(), missing])


def cases_frame(model) -> pd.DataFrame:
    outcome = _column(model, "outcome").astype(np.int16)
    grid = _column(model, "grid")
    city = model.city
    return pd.DataFrame({
        "case_id": np.arange(model.first_case, model.cases.size),
        "grid": np.array(city.grid_codes, dtype=object)[grid],
        "town": pd.Categorical(np.array(city.town_names, dtype=object)[city.grid_town[grid]],
                               categories=list(city.town_names)),
        "kind": _labels(CaseKind, _column(model, "kind")),
        "severity": _labels(Severity, _column(model, "severity")),
        "severity_arisen": _labels(Severity, _column(model, "severity_arisen")),
        "authority": _labels(Level, _column(model, "authority")),
        "channel": _labels(Channel, _column(model, "channel")),
        "day_arisen": _column(model, "t_arisen"),
        "day_reported": _column(model, "t_reported"),
        "day_closed": _column(model, "t_closed"),
        "outcome": _labels(Outcome, np.where(outcome == Outcome.NONE, -1, outcome)),
        "level_resolved": _labels(Level, _column(model, "level_resolved")),
        "escalations": _column(model, "escalations"),
        "failures": _column(model, "failures"),
        "misgraded": _flag(_column(model, "misgraded")),
        "returned": _column(model, "returned") == 1,
        "cadre": _column(model, "cadre") == 1,
        "at_centre": _column(model, "at_centre") == 1,
        "satisfied_first": _flag(_column(model, "satisfied_first")),
        "redos": _column(model, "redos"),
        "satisfied": _flag(_column(model, "satisfied")),
        "party": _column(model, "party"),
    }, columns=list(CASE_COLUMNS))


def visits_frame(model) -> pd.DataFrame:
    log = [visit for visit in model.cases.visit_log if visit.case >= model.first_case]
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


def towns_frame(summary: dict) -> pd.DataFrame:
    """One row per town, from the summary's ``towns`` table."""
    return pd.DataFrame([{"town": name, **values} for name, values in summary["towns"].items()])
