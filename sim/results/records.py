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
    names = [pool.name for pool in model.organisation.pools]
    no_end = len(EndReason)  # the code of a visit still in progress ("")
    return pd.DataFrame({
        "case_id": np.fromiter((v.case for v in log), dtype=np.int64, count=len(log)),
        "level": pd.Categorical.from_codes(np.fromiter((v.level for v in log), dtype=np.int8, count=len(log)),
                                           categories=Level.labels()),
        "handler": pd.Categorical.from_codes(np.fromiter((v.pool for v in log), dtype=np.int32, count=len(log)),
                                             categories=names) if len(set(names)) == len(names)
        else [names[v.pool] for v in log],
        "day_entered": np.fromiter((v.t_entered for v in log), dtype=float, count=len(log)),
        "day_started": np.fromiter((v.t_started for v in log), dtype=float, count=len(log)),
        "day_left": np.fromiter((v.t_left for v in log), dtype=float, count=len(log)),
        "end": pd.Categorical.from_codes(
            np.fromiter((no_end if v.reason is None else v.reason for v in log), dtype=np.int8, count=len(log)),
            categories=[*EndReason.labels(), ""]),
    })


def daily_frame(model) -> pd.DataFrame:
    return pd.DataFrame(model.daily)


def towns_frame(summary: dict) -> pd.DataFrame:
    """One row per town, from the summary's ``towns`` table."""
    return pd.DataFrame([{"town": name, **values} for name, values in summary["towns"].items()])
