"""Outcome measures, computed from the case records, the daily counts, the hours ledger and the
handler pools' busy time (and, for ``systems``, what the further systems hold)."""

from __future__ import annotations

import numpy as np

from sim.arrivals import DAYS_PER_YEAR
from sim.enums import EXITS, MEDIATION_LEVELS, CaseKind, Channel, EndReason, Level, Outcome
from sim.outcomes import MAIN_OUTCOMES, flat_outcomes  # noqa: F401  (declared in sim.outcomes; re-exported)

WITHIN_DAYS = 30.0


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole else float("nan")


def _spread(values: np.ndarray) -> dict[str, float]:
    if not len(values):
        return {"mean": float("nan"), "median": float("nan"), "p90": float("nan")}
    return {"mean": float(values.mean()), "median": float(np.median(values)), "p90": float(np.quantile(values, 0.9))}


def summarise(model) -> dict:
    """The run's outcome measures (see the README for each definition)."""
    book = model.cases
    days = model.day
    reported = ~np.isnan(book.column("t_reported"))
    closed = ~np.isnan(book.column("t_closed"))
    outcome = book.column("outcome")
    kind = book.column("kind")
    dispute = kind != CaseKind.PUBLIC_SERVICE
    resolved = outcome == Outcome.RESOLVED
    level_resolved = book.column("level_resolved")
    t_arisen, t_closed = book.column("t_arisen"), book.column("t_closed")
    days_to_close = (t_closed - book.column("t_reported"))[closed]
    days_from_arising = (t_closed - t_arisen)[closed]
    old_enough = t_arisen <= days - WITHIN_DAYS  # could have closed within 30 days of arising by the end
    residents = model.population.size
    per_10k_year = 10_000 / residents * DAYS_PER_YEAR / days if days else float("nan")
    channel = book.column("channel")
    petitions = int(np.count_nonzero(channel == Channel.PETITION) + np.count_nonzero(outcome == Outcome.PETITION))
    exits = int(np.isin(outcome, EXITS).sum())
    n_resolved = int(resolved.sum())
    by_level = {level.label: _share(np.count_nonzero(level_resolved == level), n_resolved)
                for level in Level if level is not Level.DISPATCH}
    resolved_disputes = resolved & dispute
    local = np.isin(level_resolved, (Level.GRID, Level.COMMUNITY)) & resolved_disputes
    satisfied = book.column("satisfied")
    mediated = mediated_cases(model)
    mediation_ended = mediated & closed & (outcome != Outcome.WITHDRAWN)
    org = model.organisation
    hours = model.worktime.shares()
    return {
        "cases_arisen": int(book.size),
        "cases_reported": int(reported.sum()),
        "cases_closed": int(closed.sum()),
        "cases_open": int((reported & ~closed).sum()),
        "cases_latent": int((~reported).sum()),
        "closure_rate": _share(closed.sum(), reported.sum()),
        "resolution_rate": _share(n_resolved, closed.sum()),
        "outcomes": {o.label: int(np.count_nonzero(outcome == o)) for o in Outcome if o is not Outcome.NONE},
        "resolved_share_by_level": by_level,
        "local_resolution_share": _share(local.sum(), resolved_disputes.sum()),
        "mediation_success": _share((mediation_ended & resolved & np.isin(level_resolved, MEDIATION_LEVELS)).sum(),
                                    mediation_ended.sum()),
        "escalated_share": _share(np.count_nonzero(book.column("escalations")[reported] > 0), reported.sum()),
        "misgraded_share": _share(np.count_nonzero(book.column("misgraded") == 1),
                                  np.count_nonzero(book.column("misgraded") >= 0)),
        "days_to_close": _spread(days_to_close),
        "closed_within_30_days": _share(np.count_nonzero(days_to_close <= WITHIN_DAYS), reported.sum()),
        "days_from_arising": _spread(days_from_arising),
        "closed_within_30_days_of_arising": _share(
            np.count_nonzero(closed & old_enough & (t_closed - t_arisen <= WITHIN_DAYS)), old_enough.sum()),
        "satisfaction_rate": _share(np.count_nonzero(satisfied == 1), np.count_nonzero(satisfied >= 0)),
        "petitions": petitions,
        "petitions_per_10k": petitions * per_10k_year,
        "exits": exits,
        "exits_per_10k": exits * per_10k_year,
        "police_alerts": int(np.count_nonzero(channel == Channel.POLICE_ALERT)),
        "cases_per_10k_per_year": float(reported.sum() * per_10k_year),
        "reported_by_channel": {c.label: int(np.count_nonzero(channel == c)) for c in Channel},
        "worker_hours": hours,
        "worker_utilisation": 1.0 - hours["idle"],
        "department_tasks_undone": 1.0 - _share(model.worktime.department_done_hours_week,
                                                model.worktime.department_demand_hours_week),
        "utilisation": {  # share of each level's handler capacity busy over the run
            level.label: _share(sum(p.busy_time for p in org.pools if p.level is level and not p.volunteers),
                                sum(p.capacity for p in org.pools if p.level is level and not p.volunteers) * days)
            for level in Level},
        "public_service_within_deadline": _share(
            np.count_nonzero(closed & ~dispute
                             & (t_closed - book.column("t_reported") <= model.params["hotline_deadline_days"])),
            np.count_nonzero(reported & ~dispute)),
        "systems": systems_summary(model),
    }


def systems_summary(model) -> dict[str, float]:
    """What Shishi's further systems did in the run (counts over the run; shares at its end)."""
    book, systems, org = model.cases, model.systems, model.organisation
    population = model.population
    zone_pools = {pool.index for pool in org.zone_pools}
    zone_cases = {visit.case for visit in book.visit_log
                  if visit.pool in zone_pools and visit.t_started == visit.t_started}  # started: not NaN
    relief = model.authority.member_unit_relief(book.column("kind"), book.column("authority_up_u"), book.column("grid"))
    grid_population = model.city.grid_population
    return {
        "stationed_cadres": len(org.cadres),
        "cadre_cases": int(book.column("cadre").sum()),
        "big_party_communities": int(systems.big_party.sum()),
        "member_unit_cases": int(relief.sum()),
        "pilot_zones": len(systems.zones),
        "zone_desk_cases": len(zone_cases),
        "neighbourhood_centres": sum(centre.upgraded for centre in systems.centres),
        "circle_coverage": float(np.average(systems.circle_coverage, weights=grid_population)),
        "centre_settled_requests": int(book.column("at_centre").sum()),
        "civility_certified_share": float(population.certified.mean()) if population.size else float("nan"),
        "civility_points_earned": int(model.civility.points_earned),
    }


def mediated_cases(model) -> np.ndarray:
    """Per case: did a people's-mediation committee take it up (a mediation visit that started
    and was not just the screening of a misgraded case sent back)?"""
    taken = np.zeros(model.cases.size, dtype=bool)
    for visit in model.cases.visit_log:
        if (visit.level in MEDIATION_LEVELS and visit.t_started == visit.t_started  # started (not NaN)
                and visit.reason is not EndReason.RETURNED):
            taken[visit.case] = True
    return taken
