"""Outcome measures, computed only from the case records and the daily counts."""

from __future__ import annotations

import numpy as np

from sim.arrivals import DAYS_PER_YEAR
from sim.enums import Channel, Level, Outcome

# The outcomes researchers compare and sweep, with what "better" means.
MAIN_OUTCOMES = {
    "closure_rate": "higher", "resolution_rate": "higher", "satisfaction_rate": "higher",
    "days_to_close_mean": "lower", "days_to_close_p90": "lower", "closed_within_30_days": "higher",
    "escalated_share": "lower", "petitions_per_10k": "lower", "cases_per_10k_per_year": "neutral",
    "worker_utilisation": "neutral", "local_resolution_share": "higher",
}


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole else float("nan")


def summarise(model) -> dict:
    """The run's outcome measures (see the README for each definition)."""
    book = model.cases
    days = model.day
    reported = ~np.isnan(book.column("t_reported"))
    closed = ~np.isnan(book.column("t_closed"))
    outcome = book.column("outcome")
    resolved = outcome == Outcome.RESOLVED
    level_resolved = book.column("level_resolved")
    days_to_close = (book.column("t_closed") - book.column("t_reported"))[closed]
    residents = model.population.size
    per_10k_year = 10_000 / residents * DAYS_PER_YEAR / days if days else float("nan")
    channel = book.column("channel")
    petitions = int(np.count_nonzero(channel == Channel.PETITION) + np.count_nonzero(outcome == Outcome.UNRESOLVED))
    n_resolved = int(resolved.sum())
    by_level = {level.label: _share(np.count_nonzero(level_resolved == level), n_resolved) for level in Level}
    satisfied = book.column("satisfied")
    org = model.organisation
    worker_capacity_days = sum(pool.capacity for pool in org.worker_pools) * days
    worker_busy_days = sum(pool.busy_time for pool in org.worker_pools)
    return {
        "cases_arisen": int(book.size),
        "cases_reported": int(reported.sum()),
        "cases_closed": int(closed.sum()),
        "cases_open": int((reported & ~closed).sum()),
        "cases_latent": int((~reported).sum()),
        "closure_rate": _share(closed.sum(), reported.sum()),
        "resolution_rate": _share(n_resolved, closed.sum()),
        "resolved_share_by_level": by_level,
        "local_resolution_share": by_level["grid"] + by_level["community"] if n_resolved else float("nan"),
        "escalated_share": _share(np.count_nonzero(book.column("escalations")[reported] > 0), reported.sum()),
        "days_to_close": {
            "mean": float(days_to_close.mean()) if len(days_to_close) else float("nan"),
            "median": float(np.median(days_to_close)) if len(days_to_close) else float("nan"),
            "p90": float(np.quantile(days_to_close, 0.9)) if len(days_to_close) else float("nan"),
        },
        "closed_within_30_days": _share(np.count_nonzero(days_to_close <= 30.0), reported.sum()),
        "satisfaction_rate": _share(np.count_nonzero(satisfied == 1), np.count_nonzero(satisfied >= 0)),
        "petitions": petitions,
        "petitions_per_10k": petitions * per_10k_year,
        "police_alerts": int(np.count_nonzero(channel == Channel.POLICE_ALERT)),
        "cases_per_10k_per_year": float(reported.sum() * per_10k_year),
        "reported_by_channel": {c.label: int(np.count_nonzero(channel == c)) for c in Channel},
        "worker_utilisation": _share(worker_busy_days, worker_capacity_days),
        "mediator_utilisation": {  # committees only: grid workers and volunteers are at the GRID level
            level.label: _share(sum(p.busy_time for p in org.pools if p.level is level),
                                sum(p.capacity for p in org.pools if p.level is level) * days)
            for level in (Level.COMMUNITY, Level.SPECIALISED, Level.TOWN, Level.CITY)},
    }


def flat_outcomes(summary: dict) -> dict[str, float]:
    """One level of keys (``days_to_close_mean``), for tables and sweeps."""
    flat: dict[str, float] = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                flat[f"{key}_{sub}"] = inner
        else:
            flat[key] = value
    return flat
