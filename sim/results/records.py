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


def visits_frame(model, visits: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """One row per visit of a case that arose after the warm-up. ``visits``:
    ``model.cases.visit_columns()``, if already read."""
    if visits is None:
        visits = model.cases.visit_columns()
    keep = visits["case"] >= model.first_case
    pool = visits["pool"][keep]
    reason = visits["reason"][keep]
    names = [p.name for p in model.organisation.pools]
    no_end = len(EndReason)  # the code of a visit still in progress ("")
    return pd.DataFrame({
        "case_id": visits["case"][keep],
        "level": pd.Categorical.from_codes(visits["level"][keep], categories=Level.labels()),
        "handler": pd.Categorical.from_codes(pool, categories=names) if len(set(names)) == len(names)
        else [names[p] for p in pool.tolist()],
        "day_entered": visits["t_entered"][keep],
        "day_started": visits["t_started"][keep],
        "day_left": visits["t_left"][keep],
        "end": pd.Categorical.from_codes(np.where(reason < 0, no_end, reason).astype(np.int8),
                                         categories=[*EndReason.labels(), ""]),
    })


def daily_frame(model) -> pd.DataFrame:
    return pd.DataFrame(model.daily)


def towns_frame(summary: dict) -> pd.DataFrame:
    """One row per town, from the summary's ``towns`` table."""
    return pd.DataFrame([{"town": name, **values} for name, values in summary["towns"].items()])
