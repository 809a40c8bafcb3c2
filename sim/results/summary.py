"""Outcome measures, computed from the case records, the daily counts, the hours ledger and the
handler pools' busy time (and, for ``systems``, what the further systems hold).

Every measure covers the reported window only: cases that arose before day 0 (the warm-up's)
are left out, and counts of work (cases taken up, busy time, hours) start at day 0. Cases a
court referred to the city centre (诉前调解) are not grid cases: they count in the city centre's
volume and in ``referrals``, nowhere else.
"""

from __future__ import annotations

import numpy as np

from sim.config.calendar import parse_date
from sim.config.enums import EXITS, MEDIATION_LEVELS, CaseKind, Channel, EndReason, Level, Outcome
from sim.model.arrivals import DAYS_PER_YEAR

WITHIN_DAYS = 30.0
# The rules the sourced service standard (sim.analyses.standard) is checked against:
MEDIATION_DEADLINE_DAYS = 30.0  # 司法部令第75号 (2002) art. 33: 人民调解委员会调解纠纷，一般在一个月内调结
# Hotline deadlines in working days: Fuzhou 2017 help 3, suggestion 5, complaint 10 (福州日报 2017-12-27);
# Shandong 2020 every request 5 (山东省政务服务热线管理办法). Requests are counted once 14 calendar days
# have passed since their report, so that even the 10-working-day deadline has run out.
REQUEST_DEADLINES_WORKING_DAYS = (3, 5, 10)
REQUEST_ELIGIBLE_DAYS = 14.0
COMMITTEE_LEVELS = (Level.COMMUNITY, Level.TOWN)  # the two-level people's-mediation network (anchors: 2,527 in 2018)
CLASSES = {"disputes": lambda kind: kind != CaseKind.PUBLIC_SERVICE,
           "public_service": lambda kind: kind == CaseKind.PUBLIC_SERVICE}


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole else float("nan")


def spread(values: np.ndarray) -> dict[str, float]:
    if not len(values):
        return {"mean": float("nan"), "median": float("nan"), "p90": float("nan")}
    return {"mean": float(values.mean()), "median": float(np.median(values)), "p90": float(np.quantile(values, 0.9))}


def resolved_share_by_level(level_resolved: np.ndarray, n_resolved: int) -> dict[str, float]:
    """Of the resolved cases, the share each level resolved (``level_resolved``: the cases' column)."""
    return {level.label: _share(np.count_nonzero(level_resolved == level), n_resolved)
            for level in Level if level not in (Level.DISPATCH, Level.FOLLOW_UP)}


class CaseView:
    """The window's cases as arrays (grid cases only unless ``referred`` is asked for)."""

    def __init__(self, model, referred: bool = False):
        book = model.cases
        start = model.first_case
        keep = (book.column("referred")[start:] == 1) if referred else (book.column("referred")[start:] == 0)
        self.ids = np.flatnonzero(keep) + start
        self.days = model.day

        def column(name: str) -> np.ndarray:
            return book.column(name)[self.ids]

        self.column = column
        self.kind = column("kind")
        self.outcome = column("outcome")
        self.t_arisen, self.t_reported, self.t_closed = column("t_arisen"), column("t_reported"), column("t_closed")
        self.reported = ~np.isnan(self.t_reported)
        self.closed = ~np.isnan(self.t_closed)
        self.resolved = self.outcome == Outcome.RESOLVED
        self.old_enough = self.t_arisen <= self.days - WITHIN_DAYS  # could have closed within 30 days by the end

    def resolved_within(self, mask: np.ndarray) -> float:
        """Of the cases in ``mask`` that arose 30+ days before the end: resolved (not withdrawn, not
        left) within 30 days of arising, follow-up included."""
        eligible = mask & self.old_enough
        done = eligible & self.resolved & (self.t_closed - self.t_arisen <= WITHIN_DAYS)
        return _share(done.sum(), eligible.sum())


def summarise(model, visits: dict[str, np.ndarray] | None = None) -> dict:
    """The run's outcome measures (see the README for each definition). ``visits``:
    ``model.cases.visit_columns()``, if already read."""
    cases = CaseView(model)
    days = model.day
    residents = model.population.size
    per_10k_year = 10_000 / residents * DAYS_PER_YEAR / days if days else float("nan")
    reported, closed, resolved, outcome = cases.reported, cases.closed, cases.resolved, cases.outcome
    dispute = cases.kind != CaseKind.PUBLIC_SERVICE
    level_resolved = cases.column("level_resolved")
    days_to_close = (cases.t_closed - cases.t_reported)[closed]
    days_from_arising = (cases.t_closed - cases.t_arisen)[closed]
    channel = cases.column("channel")
    petitions = int(np.count_nonzero(channel == Channel.PETITION) + np.count_nonzero(outcome == Outcome.PETITION))
    exits = int(np.isin(outcome, EXITS).sum())
    n_resolved = int(resolved.sum())
    resolved_disputes = resolved & dispute
    local = np.isin(level_resolved, (Level.GRID, Level.COMMUNITY)) & resolved_disputes
    satisfied, satisfied_first = cases.column("satisfied"), cases.column("satisfied_first")
    if visits is None:  # read once for the three measures of visits below
        visits = model.cases.visit_columns()
    mediated = mediated_cases(model, visits)[cases.ids]
    mediation_ended = mediated & closed & (outcome != Outcome.WITHDRAWN)
    org = model.organisation
    hours = model.worktime.shares()
    taken_up = cases_taken_up(model, visits)
    misgraded = cases.column("misgraded")
    return {
        "cases_arisen": int(len(cases.ids)),
        "cases_reported": int(reported.sum()),
        "cases_closed": int(closed.sum()),
        "cases_open": int((reported & ~closed).sum()),
        "cases_latent": int((~reported).sum()),
        "closure_rate": _share(closed.sum(), reported.sum()),
        "resolution_rate": _share(n_resolved, closed.sum()),
        "outcomes": {o.label: int(np.count_nonzero(outcome == o)) for o in Outcome if o is not Outcome.NONE},
        "resolved_within_30_days": {name: cases.resolved_within(is_class(cases.kind)) for name, is_class in
                                    CLASSES.items()},
        "resolved_share_by_level": resolved_share_by_level(level_resolved, n_resolved),
        "local_resolution_share": _share(local.sum(), resolved_disputes.sum()),
        "mediation_success": _share((mediation_ended & resolved & np.isin(level_resolved, MEDIATION_LEVELS)).sum(),
                                    mediation_ended.sum()),
        "escalated_share": _share(np.count_nonzero(cases.column("escalations")[reported] > 0), reported.sum()),
        "misgraded_share": _share(np.count_nonzero(misgraded == 1), np.count_nonzero(misgraded >= 0)),
        "returned_share": _share(np.count_nonzero(cases.column("returned") == 1), np.count_nonzero(misgraded >= 0)),
        "days_to_close": spread(days_to_close),
        "closed_within_30_days": _share(np.count_nonzero(days_to_close <= WITHIN_DAYS), reported.sum()),
        "days_from_arising": spread(days_from_arising),
        "closed_within_30_days_of_arising": _share(
            np.count_nonzero(closed & cases.old_enough & (cases.t_closed - cases.t_arisen <= WITHIN_DAYS)),
            cases.old_enough.sum()),
        "satisfaction_rate": _share(np.count_nonzero(satisfied == 1), np.count_nonzero(satisfied >= 0)),
        "satisfaction_first_follow_up": _share(np.count_nonzero(satisfied_first == 1),
                                               np.count_nonzero(satisfied_first >= 0)),
        "redone_share": _share(np.count_nonzero(cases.column("redos") > 0), np.count_nonzero(satisfied >= 0)),
        "petitions": petitions,
        "petitions_per_10k": petitions * per_10k_year,
        "exits": exits,
        "exits_per_10k": exits * per_10k_year,
        "police_alerts": int(np.count_nonzero(channel == Channel.POLICE_ALERT)),
        "cases_per_10k_per_year": float(reported.sum() * per_10k_year),
        "reported_by_channel": {c.label: int(np.count_nonzero(channel == c)) for c in Channel
                                if c is not Channel.COURT_REFERRAL},
        "patrol_found_share": _share(np.count_nonzero(channel == Channel.PATROL), reported.sum()),
        "committee_cases_per_10k": taken_up["committees"] * per_10k_year,
        "specialised_cases_per_10k": taken_up[Level.SPECIALISED] * per_10k_year,
        "city_centre_cases_per_year": taken_up[Level.CITY] * DAYS_PER_YEAR / days if days else float("nan"),
        "city_centre_cases_per_10k": taken_up[Level.CITY] * per_10k_year,
        "worker_hours": hours,
        "worker_utilisation": 1.0 - hours["idle"],
        "department_tasks_undone": model.worktime.department_undone(),
        "utilisation": {  # share of each level's handler capacity busy over the run
            level.label: _share(sum(p.busy_time for p in org.pools if p.level is level and not p.volunteers),
                                sum(p.capacity for p in org.pools if p.level is level and not p.volunteers) * days)
            for level in Level if level is not Level.FOLLOW_UP},
        "mediations_within_30_days": mediations_within(model, MEDIATION_DEADLINE_DAYS),
        "requests_within": requests_within(model, cases),
        "public_service_within_deadline": _share(
            np.count_nonzero(closed & ~dispute & (cases.t_closed - cases.t_reported
                                                  <= model.params["hotline_deadline_days"])),
            np.count_nonzero(reported & ~dispute)),
        "referrals": referrals_summary(model, per_10k_year),
        "systems": systems_summary(model, cases, visits),
    }


def mediations_within(model, days: float) -> float:
    """Of the mediations accepted in the window at least ``days`` before its end (a committee —
    community, specialised, town or the city centre — receiving a grid dispute, screening of a
    case graded too high excluded): the share concluded within ``days`` of acceptance, whatever
    the conclusion (settled, failed, handed up at the level's time limit, withdrawn, the party
    left). The rule is per committee (MoJ order 75 art. 33), so a dispute handed up and accepted
    again counts once per committee; court referrals are not grid cases and are left out."""
    book, end = model.cases, model.day
    referred = book.column("referred")
    accepted = concluded = 0
    for visit in book.visit_log:
        if (visit.level not in MEDIATION_LEVELS or visit.reason is EndReason.RETURNED or visit.case < model.first_case
                or referred[visit.case] == 1 or not 0 <= visit.t_entered <= end - days):
            continue
        accepted += 1
        concluded += visit.t_left - visit.t_entered <= days  # NaN (still open) is not within
    return _share(concluded, accepted)


def requests_within(model, cases: CaseView) -> dict[str, float]:
    """Public-service requests reported in the window at least ``REQUEST_ELIGIBLE_DAYS`` before
    its end: the share whose handling was concluded within N working days of the report, for each
    N of ``REQUEST_DEADLINES_WORKING_DAYS`` (keys ``N_working_days``). Concluded = the handling
    level is done and the follow-up visit (回访, which comes after a hotline's deadline) begins, or
    the request closed without one (withdrawn, the party left, no handler); a request still being
    handled at the end is late. Working days are Monday to Friday from ``start_date`` (public
    holidays and their make-up weekend days are not modelled, which makes the deadline slightly
    stricter around holidays)."""
    first_follow_up = np.full(model.cases.size, np.nan)
    for visit in model.cases.visit_log:
        if visit.level is Level.FOLLOW_UP and not visit.t_entered >= first_follow_up[visit.case]:
            first_follow_up[visit.case] = visit.t_entered  # the first (NaN compares False: replaced)
    eligible = cases.reported & (cases.kind == CaseKind.PUBLIC_SERVICE) & \
        (cases.t_reported <= model.day - REQUEST_ELIGIBLE_DAYS)
    reported = cases.t_reported[eligible]
    done = np.fmin(first_follow_up[cases.ids][eligible], cases.t_closed[eligible])  # fmin: NaN only if both are
    finished = ~np.isnan(done)
    start = np.datetime64(parse_date(model.params["start_date"]), "D")
    working = np.full(len(done), np.inf)
    working[finished] = np.busday_count(start + np.floor(reported[finished]).astype(np.int64),
                                        start + np.floor(done[finished]).astype(np.int64))
    return {f"{n}_working_days": _share(np.count_nonzero(working <= n), len(done))
            for n in REQUEST_DEADLINES_WORKING_DAYS}


def cases_taken_up(model, visits: dict[str, np.ndarray] | None = None) -> dict[Level | str, int]:
    """Distinct cases each level started handling in the window (a case graded too high and only
    screened before it was handed down is not taken up), court referrals included; "committees"
    counts a case taken up by the community committee, the town's or both once (a dispute
    mediated, as Shishi counts them). ``visits``: ``model.cases.visit_columns()``, if already read."""
    visits = model.cases.visit_columns() if visits is None else visits
    # started in the window (NaN, never started, fails >= 0), and not only screened
    taken = (visits["t_started"] >= 0) & (visits["reason"] != EndReason.RETURNED)
    level, case = visits["level"], visits["case"]
    counts: dict[Level | str, int] = {lv: len(np.unique(case[taken & (level == lv)])) for lv in Level}
    counts["committees"] = len(np.unique(case[taken & np.isin(level, COMMITTEE_LEVELS)]))
    return counts


def referrals_summary(model, per_10k_year: float) -> dict[str, float]:
    referred = CaseView(model, referred=True)
    return {"cases": int(referred.reported.sum()), "per_10k": float(referred.reported.sum() * per_10k_year),
            "settled_share": _share(referred.resolved.sum(), referred.closed.sum())}


def systems_summary(model, cases: CaseView, visits: dict[str, np.ndarray] | None = None) -> dict[str, float]:
    """What Shishi's further systems did in the run (counts over the window; shares at its end).
    ``visits``: ``model.cases.visit_columns()``, if already read."""
    systems, org = model.systems, model.organisation
    population = model.population
    visits = model.cases.visit_columns() if visits is None else visits
    at_desk = np.isin(visits["pool"], [pool.index for pool in org.zone_pools])
    zone_cases = np.unique(visits["case"][at_desk & (visits["t_started"] >= 0)])  # started in the window (not NaN)
    relief = model.authority.member_unit_relief(cases.kind, cases.column("authority_up_u"), cases.column("grid"))
    grid_population = model.city.grid_population
    return {
        "stationed_cadres": len(org.cadres),
        "cadre_cases": int(cases.column("cadre").sum()),
        "big_party_communities": int(systems.big_party.sum()),
        "member_unit_cases": int(relief.sum()),
        "pilot_zones": len(systems.zones),
        "zone_desk_cases": len(zone_cases),
        "neighbourhood_centres": sum(centre.upgraded for centre in systems.centres),
        "circle_coverage": float(np.average(systems.circle_coverage, weights=grid_population)),
        "centre_settled_requests": int(cases.column("at_centre").sum()),
        "civility_certified_share": float(population.certified.mean()) if population.size else float("nan"),
        "civility_points_earned": int(model.civility.points_earned),
    }


def mediated_cases(model, visits: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Per case: did a people's-mediation committee take it up (a mediation visit that started
    and was not just the screening of a case graded too high)? ``visits``: ``model.cases.visit_columns()``,
    if already read."""
    visits = model.cases.visit_columns() if visits is None else visits
    taken = np.zeros(model.cases.size, dtype=bool)
    mediation = (np.isin(visits["level"], MEDIATION_LEVELS) & ~np.isnan(visits["t_started"])  # started
                 & (visits["reason"] != EndReason.RETURNED))
    taken[visits["case"][mediation]] = True
    return taken


def by_kind(model) -> dict[str, dict[str, float]]:
    """Per kind of case: reported, resolved within 30 days of arising, mean days from arising to
    close, exits."""
    cases = CaseView(model)
    table = {}
    for kind in CaseKind:
        mine = cases.kind == kind
        closed = mine & cases.closed
        table[kind.label] = {
            "reported": int((mine & cases.reported).sum()),
            "resolved_within_30_days": cases.resolved_within(mine),
            "days_from_arising_mean": float(np.mean((cases.t_closed - cases.t_arisen)[closed])) if closed.any()
            else float("nan"),
            "exits": int((mine & np.isin(cases.outcome, EXITS)).sum()),
        }
    return table


def by_town(model) -> dict[str, dict[str, float]]:
    """Per town: its residents, grid workers and the headline outcomes of its cases; the counts
    add up to the city's."""
    cases = CaseView(model)
    city = model.city
    town = city.grid_town[cases.column("grid")]
    residents = np.bincount(city.grid_town, weights=city.grid_population, minlength=city.towns)
    urban = model.params["urban_share"]
    worker_town = np.bincount([city.community_town[w.community] for w in model.workers], minlength=city.towns)
    full_time = np.bincount([city.community_town[w.community] for w in model.workers if not w.part_time],
                            minlength=city.towns)
    per_year = DAYS_PER_YEAR / model.day if model.day else float("nan")
    satisfied = cases.column("satisfied")
    table = {}
    for t, name in enumerate(city.town_names):
        mine = town == t
        closed = mine & cases.closed
        table[name] = {
            "residents": int(residents[t]),
            "grid_workers": int(worker_town[t]),
            "workers_per_10k": float(full_time[t] / (urban * residents[t]) * 10_000) if residents[t] else float("nan"),
            "cases_arisen": int(mine.sum()),
            "cases_reported": int((mine & cases.reported).sum()),
            "cases_closed": int(closed.sum()),
            "cases_resolved": int((mine & cases.resolved).sum()),
            "exits": int((mine & np.isin(cases.outcome, EXITS)).sum()),
            "cases_per_10k_per_year": float((mine & cases.reported).sum() * 10_000 / residents[t] * per_year)
            if residents[t] else float("nan"),
            **{f"resolved_within_30_days_{name_}": cases.resolved_within(mine & is_class(cases.kind))
               for name_, is_class in CLASSES.items()},
            "days_from_arising_mean": float(np.mean((cases.t_closed - cases.t_arisen)[closed])) if closed.any()
            else float("nan"),
            "satisfaction_rate": _share(np.count_nonzero(mine & (satisfied == 1)),
                                        np.count_nonzero(mine & (satisfied >= 0))),
        }
    return table


def surge_active(params) -> bool:
    """A surge scenario: some days with a surge factor other than 1."""
    return params["surge.days"] > 0 and params["surge.factor"] != 1.0


SURGE_LEVELS = (Level.GRID, Level.COMMUNITY, Level.SPECIALISED, Level.TOWN, Level.CITY)
SURGE_RESOLVED_WITHIN_DAYS = 30.0


def surge_window(model, visits: dict[str, np.ndarray] | None = None) -> dict[str, float]:
    """A surge read in its own window (``surge.start_day`` for ``surge.days``; three months of
    extra cases are diluted in a year's figures): the surging kind's outcomes for cases arising in
    it, and every handling level's waits and busy share over it (all kinds: a surge loads a level
    for everyone).

    - ``surge_cases`` / ``surge_referrals``: grid cases and court or arbitration referrals of the
      kind arising in the window;
    - ``surge_resolved_within_30_days``: of those grid cases, resolved within 30 days of arising
      (exits, withdrawals and cases still open count as not resolved);
    - ``surge_referrals_settled_within_30_days``: the same for the referrals, and
      ``surge_referral_days_to_close`` their mean days from arising to closing (settled or sent back);
    - ``surge_days_to_close``: mean days from arising to closing of the grid cases closed;
    - ``surge_exit_share``: grid cases whose party left (petition, arbitration, court);
    - ``wait_days.<level>``: mean days from entering a level to a handler starting, for visits
      entering in the window; ``busy_share.<level>``: handler-days busy in the window over the
      level's capacity × window days.

    ``visits``: ``model.cases.visit_columns()``, if already read."""
    params = model.params
    start, days = float(params["surge.start_day"]), float(params["surge.days"])
    end = start + days
    kind = CaseKind.from_label(params["surge.kind"]).value
    book = model.cases
    first = model.first_case
    arisen = book.column("t_arisen")[first:]
    closed = book.column("t_closed")[first:]
    outcome = book.column("outcome")[first:]
    in_window = (book.column("kind")[first:] == kind) & (arisen >= start) & (arisen < end)
    referred = book.column("referred")[first:] == 1
    resolved_in_time = (outcome == Outcome.RESOLVED) & (closed - arisen <= SURGE_RESOLVED_WITHIN_DAYS)
    grid_cases, referrals = in_window & ~referred, in_window & referred
    left = np.isin(outcome, EXITS)
    closed_grid = grid_cases & ~np.isnan(closed)
    closed_referrals = referrals & ~np.isnan(closed)
    row = {
        "surge_cases": float(grid_cases.sum()),
        "surge_referrals": float(referrals.sum()),
        "surge_resolved_within_30_days": _share(resolved_in_time[grid_cases].sum(), grid_cases.sum()),
        "surge_referrals_settled_within_30_days": _share(resolved_in_time[referrals].sum(), referrals.sum()),
        "surge_days_to_close": float(np.mean((closed - arisen)[closed_grid])) if closed_grid.any() else float("nan"),
        "surge_exit_share": _share(left[grid_cases].sum(), grid_cases.sum()),
        "surge_referral_days_to_close": float(np.mean((closed - arisen)[closed_referrals]))
        if closed_referrals.any() else float("nan"),
    }
    visits = book.visit_columns() if visits is None else visits
    pools = model.organisation.pools
    pool_level = np.array([pool.level.value for pool in pools])
    capacity = np.array([0 if pool.volunteers else pool.capacity for pool in pools], dtype=float)
    volunteer_pool = np.array([pool.volunteers for pool in pools], dtype=bool)
    by_handlers = ~volunteer_pool[visits["pool"]]
    entered, started, left_at = visits["t_entered"], visits["t_started"], visits["t_left"]
    for level in SURGE_LEVELS:
        at_level = (visits["level"] == level.value) & by_handlers
        entering = at_level & (entered >= start) & (entered < end) & ~np.isnan(started)
        row[f"wait_days.{level.label}"] = float(np.mean(started[entering] - entered[entering])) if entering.any() \
            else float("nan")
        busy_from = np.clip(started[at_level], start, end)
        busy_to = np.clip(np.where(np.isnan(left_at[at_level]), end, left_at[at_level]), start, end)
        busy = np.nansum(np.maximum(busy_to - busy_from, 0.0))
        row[f"busy_share.{level.label}"] = _share(busy, capacity[pool_level == level.value].sum() * days)
    return row
