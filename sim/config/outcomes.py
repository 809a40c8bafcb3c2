"""Every outcome a run reports, declared once: identifier-safe name, unit, description and
which way is better. Next to the parameter registry (``sim.config.params``), and read by the tables,
the sweeps' Parquet metadata, the experiment engine and the EMA workbench client.

A run's ``summary.json`` nests some measures (``days_to_close.mean``); the flat outcome row
joins the keys with an underscore (``days_to_close_mean``), so every name is a Python
identifier: no quoting in pandas ``query`` or duckdb.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from sim.config.enums import Channel, Level, Outcome, WorkerActivity


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"  # a count or a context figure: neither way is better


@dataclass(frozen=True, slots=True)
class OutcomeSpec:
    name: str
    unit: str
    description: str
    better: Better = Better.NEUTRAL
    label: str = ""  # plain language for a figure's axis or a table's row (set below for every outcome)


_DECLARED: dict[str, OutcomeSpec] = {}


def _declare(name: str, unit: str, description: str, better: Better = Better.NEUTRAL) -> None:
    if name in _DECLARED:
        raise RuntimeError(f"outcome {name} declared twice")
    if not name.isidentifier():
        raise RuntimeError(f"outcome {name} is not a Python identifier")
    _DECLARED[name] = OutcomeSpec(name, unit, description, better)


H, L, N = Better.HIGHER, Better.LOWER, Better.NEUTRAL

# ---------------------------------------------------------------- the run's size and staff
_declare("residents", "residents", "Residents simulated.")
for _name, _what in (("grid_workers", "grid workers, full- and part-time"), ("part_time_grid_workers",
                     "part-time grid workers"), ("volunteers", "volunteers"), ("mediators", "people's mediators"),
                     ("clerks", "dispatch-centre clerks"), ("officers", "department case officers")):
    _declare(_name, "people", f"Number of {_what} in the run.")
# ---------------------------------------------------------------- cases
_declare("cases_arisen", "cases", "Disputes and requests that arose (latent or not).")
_declare("cases_reported", "cases", "Cases that surfaced and were reported.")
_declare("cases_closed", "cases", "Reported cases closed by the end.")
_declare("cases_open", "cases", "Reported cases still open at the end.")
_declare("cases_latent", "cases", "Cases that arose and never surfaced by the end.")
_declare("closure_rate", "share of reported cases", "Closed / reported (办结率).", H)
_declare("resolution_rate", "share of closed cases", "Resolved / closed.", H)
for _outcome in Outcome:
    if _outcome is not Outcome.NONE:
        _declare(f"outcomes_{_outcome.label}", "cases", f"Closed cases whose outcome is {_outcome.label}.")
for _class, _what in (("disputes", "disputes"), ("public_service", "public-service requests")):
    _declare(f"resolved_within_30_days_{_class}", f"share of {_what}", f"{_what.capitalize()} that arose at least 30 "
             "days before the end and were resolved (followed up and closed) within 30 days of arising; exits and "
             "withdrawals count as not resolved: the headline.", H)
for _level in Level:
    if _level not in (Level.DISPATCH, Level.FOLLOW_UP):
        _declare(f"resolved_share_by_level_{_level.label}", "share of resolved cases",
                 f"Share of resolved cases resolved at the {_level.label} level.")
_declare("local_resolution_share", "share of resolved disputes", "Resolved disputes resolved at grid or community "
         "level (小事不出村).", H)
_declare("mediation_success", "share of mediated cases", "Disputes a committee took up that were resolved by "
         "mediation, of those closed other than withdrawn.", H)
_declare("escalated_share", "share of reported cases", "Reported cases handed up at least once.", L)
_declare("misgraded_share", "share of graded cases", "Cases the dispatch centre graded one step off.", L)
_declare("returned_share", "share of graded cases", "Cases graded too high that the level they reached handed down "
         "(the order bounce rate, 退单).", L)
for _spread in ("mean", "median", "p90"):
    _declare(f"days_to_close_{_spread}", "days", f"Days from report to close, {_spread} over closed cases.", L)
    _declare(f"days_from_arising_{_spread}", "days", f"Days from arising to close, {_spread} over closed cases "
             "(detection delay counts).", L)
_declare("closed_within_30_days", "share of reported cases", "Reported cases closed within 30 days of report.", H)
_declare("closed_within_30_days_of_arising", "share of cases", "Cases that arose at least 30 days before the end "
         "and closed within 30 days of arising: the headline.", H)
_declare("satisfaction_rate", "share of followed-up cases", "Satisfied at closing, after any redo (回访满意率, the "
         "article's figure).", H)
_declare("satisfaction_first_follow_up", "share of followed-up cases", "Satisfied at the first follow-up visit.", H)
_declare("redone_share", "share of followed-up cases", "Followed-up cases reopened at least once after a "
         "dissatisfied follow-up (重办).", L)
_declare("petitions", "cases", "Cases that surfaced as petitions plus parties who left to petition.")
_declare("petitions_per_10k", "per 10,000 residents a year", "Petitions per 10,000 residents a year.", L)
_declare("exits", "cases", "Parties who left for a court, arbitration or a petition.")
_declare("exits_per_10k", "per 10,000 residents a year", "Exits per 10,000 residents a year.", L)
_declare("police_alerts", "cases", "Latent disputes that surfaced as 110 police alerts.", L)
_declare("cases_per_10k_per_year", "per 10,000 residents a year", "Reported cases per 10,000 residents a year.")
for _channel in Channel:
    if _channel is not Channel.COURT_REFERRAL:
        _declare(f"reported_by_channel_{_channel.label}", "cases", f"Cases reported through the {_channel.label} "
                 "channel.")
_declare("patrol_found_share", "share of reported cases", "Reported cases found by grid workers' patrol.")
_declare("committee_cases_per_10k", "per 10,000 residents a year", "Cases community and town mediation committees "
         "took up (anchors: Shishi 36–50 per 10,000).")
_declare("specialised_cases_per_10k", "per 10,000 residents a year", "Cases specialised committees and pilot-zone "
         "desks took up.")
_declare("city_centre_cases_per_year", "cases a year", "Cases the city centre took up, court referrals included "
         "(anchors: 3,616 in 2022 at full scale).")
_declare("city_centre_cases_per_10k", "per 10,000 residents a year", "Cases the city centre took up, court referrals "
         "included.")
# ---------------------------------------------------------------- grid workers' hours and handlers' load
for _activity in WorkerActivity:
    _declare(f"worker_hours_{_activity.label}", "share of grid workers' hours",
             f"Share of all grid workers' hours spent on {_activity.label.replace('_', ' ')}.")
_declare("worker_utilisation", "share of grid workers' hours", "1 − the idle share of grid workers' hours.")
_declare("department_tasks_undone", "share of department tasks", "Departments' tasks no hours were left for.", L)
for _level in Level:
    if _level is not Level.FOLLOW_UP:
        _declare(f"utilisation_{_level.label}", "share of capacity", f"Share of the {_level.label} level's handler "
                 "capacity busy over the run.")
_declare("mediations_within_30_days", "share of mediations", "Mediations (a committee taking up a grid dispute) "
         "accepted at least 30 days before the end and concluded — settled, failed, handed up, withdrawn — within 30 "
         "days of acceptance (MoJ order no. 75, 2002, art. 33: 一般在一个月内调结).", H)
for _n, _rule in ((3, "Fuzhou 2017: help requests"), (5, "Shandong 2020: every request; Fuzhou 2017: suggestions"),
                  (10, "Fuzhou 2017: complaints")):
    _declare(f"requests_within_{_n}_working_days", "share of requests", f"Public-service requests reported at least 14 "
             f"days before the end whose handling concluded within {_n} working days of the report ({_rule}).", H)
_declare("public_service_within_deadline", "share of requests", "Public-service requests closed within "
         "hotline_deadline_days of report.", H)
# ---------------------------------------------------------------- court referrals (诉前调解)
_declare("referrals_cases", "cases", "Disputes a court referred to the city centre in the run.")
_declare("referrals_per_10k", "per 10,000 residents a year", "Court referrals per 10,000 residents a year.")
_declare("referrals_settled_share", "share of closed referrals", "Court referrals the city centre settled.", H)
# ---------------------------------------------------------------- Shishi's further systems
_declare("systems_stationed_cadres", "cadres", "Stationed cadres in the run.")
_declare("systems_cadre_cases", "cases", "Community mediations a stationed cadre joined.")
_declare("systems_big_party_communities", "communities", "Communities with a big Party committee.")
_declare("systems_member_unit_cases", "cases", "Disputes spared a level of authority by a member unit.")
_declare("systems_pilot_zones", "zones", "Three-zone pilot zones.")
_declare("systems_zone_desk_cases", "cases", "Disputes a pilot zone's desk took up.")
_declare("systems_neighbourhood_centres", "centres", "Upgraded neighbourhood centres.")
_declare("systems_circle_coverage", "share of residents", "Residents within the 15-minute circle of a centre.")
_declare("systems_centre_settled_requests", "cases", "Requests settled on the spot at an upgraded centre.")
_declare("systems_civility_certified_share", "share of residents", "Residents certified for civility points at "
         "the end.")
_declare("systems_civility_points_earned", "points", "Civility points earned during the run.")

del H, L, N

# ---------------------------------------------------------------- plain-language labels
# What a figure's axis or a table's row calls each outcome; the unit follows it (sim.config.display).
# Outcomes declared in a loop get theirs from the same loop's words; the rest are named here.
_LABELS = {
    "residents": "Residents", "grid_workers": "Grid workers", "part_time_grid_workers": "Part-time grid workers",
    "volunteers": "Volunteers", "mediators": "People's mediators", "clerks": "Dispatch clerks",
    "officers": "Department case officers",
    "cases_arisen": "Cases arisen", "cases_reported": "Cases reported", "cases_closed": "Cases closed",
    "cases_open": "Cases open at the end", "cases_latent": "Cases never reported",
    "closure_rate": "Closure rate", "resolution_rate": "Resolution rate",
    "resolved_within_30_days_disputes": "Disputes resolved within 30 days",
    "resolved_within_30_days_public_service": "Requests resolved within 30 days",
    "local_resolution_share": "Resolved at grid or community", "mediation_success": "Mediation success",
    "escalated_share": "Escalated", "misgraded_share": "Misgraded at dispatch", "returned_share": "Handed back down",
    "days_to_close_mean": "Days from report to close, mean",
    "days_to_close_median": "Days from report to close, median",
    "days_to_close_p90": "Days from report to close, 90th percentile",
    "days_from_arising_mean": "Days from arising to close, mean",
    "days_from_arising_median": "Days from arising to close, median",
    "days_from_arising_p90": "Days from arising to close, 90th percentile",
    "closed_within_30_days": "Closed within 30 days of report",
    "closed_within_30_days_of_arising": "Closed within 30 days of arising",
    "satisfaction_rate": "Satisfied at closing", "satisfaction_first_follow_up": "Satisfied at first follow-up",
    "redone_share": "Redone after follow-up", "petitions": "Petitions", "petitions_per_10k": "Petitions",
    "exits": "Exits to court, arbitration or petition", "exits_per_10k": "Exits to court, arbitration or petition",
    "police_alerts": "Police (110) alerts", "cases_per_10k_per_year": "Cases reported",
    "patrol_found_share": "Found on patrol", "committee_cases_per_10k": "Cases taken up by mediation committees",
    "specialised_cases_per_10k": "Cases taken up by specialised committees",
    "city_centre_cases_per_year": "Cases taken up by the city centre",
    "city_centre_cases_per_10k": "Cases taken up by the city centre",
    "worker_utilisation": "Grid workers' busy time", "department_tasks_undone": "Department tasks left undone",
    "public_service_within_deadline": "Requests closed within the hotline deadline",
    "mediations_within_30_days": "Mediations concluded within 30 days",
    "requests_within_3_working_days": "Requests handled within 3 working days",
    "requests_within_5_working_days": "Requests handled within 5 working days",
    "requests_within_10_working_days": "Requests handled within 10 working days",
    "referrals_cases": "Court referrals", "referrals_per_10k": "Court referrals",
    "referrals_settled_share": "Court referrals settled",
    "systems_stationed_cadres": "Stationed cadres", "systems_cadre_cases": "Mediations joined by a cadre",
    "systems_big_party_communities": "Communities with a big Party committee",
    "systems_member_unit_cases": "Disputes eased by member units", "systems_pilot_zones": "Pilot zones",
    "systems_zone_desk_cases": "Disputes at pilot-zone desks", "systems_neighbourhood_centres": "Upgraded centres",
    "systems_circle_coverage": "Residents within 15 minutes of a centre",
    "systems_centre_settled_requests": "Requests settled at centres",
    "systems_civility_certified_share": "Residents certified for civility points",
    "systems_civility_points_earned": "Civility points earned",
}
for _outcome in Outcome:
    if _outcome is not Outcome.NONE:
        _LABELS[f"outcomes_{_outcome.label}"] = f"Closed as {_outcome.label.replace('_', ' ')}"
for _level in Level:
    _LABELS[f"resolved_share_by_level_{_level.label}"] = f"Resolved at {_level.label.replace('_', ' ')} level"
    _LABELS[f"utilisation_{_level.label}"] = f"{_level.label.replace('_', ' ').capitalize()} handlers' busy time"
for _channel in Channel:
    _LABELS[f"reported_by_channel_{_channel.label}"] = f"Reported by {_channel.label.replace('_', ' ')}"
for _activity in WorkerActivity:
    _LABELS[f"worker_hours_{_activity.label}"] = f"Grid workers' hours: {_activity.label.replace('_', ' ')}"
_unlabelled = [name for name in _DECLARED if name not in _LABELS]
if _unlabelled:
    raise RuntimeError(f"outcomes without a label: {', '.join(_unlabelled)}")
for _name, _spec in _DECLARED.items():
    _DECLARED[_name] = OutcomeSpec(_spec.name, _spec.unit, _spec.description, _spec.better, _LABELS[_name])

OUTCOMES: Mapping[str, OutcomeSpec] = MappingProxyType(_DECLARED)
# The headline outcomes: first in every table and figure.
HEADLINE_OUTCOMES = ("resolved_within_30_days_disputes", "resolved_within_30_days_public_service",
                     "closed_within_30_days_of_arising")
# The outcomes researchers compare and sweep by default ("outcomes = main"), with what "better" means.
MAIN_OUTCOMES: Mapping[str, str] = MappingProxyType({name: OUTCOMES[name].better.value for name in (
    "resolved_within_30_days_disputes", "resolved_within_30_days_public_service", "closure_rate", "resolution_rate",
    "satisfaction_rate", "days_to_close_mean", "days_to_close_p90",
    "closed_within_30_days", "days_from_arising_mean", "days_from_arising_p90", "closed_within_30_days_of_arising",
    "escalated_share", "petitions_per_10k", "exits_per_10k", "cases_per_10k_per_year", "worker_utilisation",
    "local_resolution_share", "mediation_success")})
# Fields of the summary that describe the run rather than measure it (inputs, not outcomes).
RUN_FIELDS = ("scenario", "seed", "days", "scale", "workers_per_10k", "escalation_rule")


def column_name(name: str) -> str:
    """An identifier-safe column name for a parameter or outcome: the dot becomes a double
    underscore (``service_days.town`` → ``service_days__town``); outcome names are already safe."""
    return name.replace(".", "__")


def parameter_name(column: str) -> str:
    """The registry name behind a column (``service_days__town`` → ``service_days.town``)."""
    return column.replace("__", ".")


TABLES = ("provenance", "towns", "by_kind", "surge")  # nested tables of a summary, not outcomes


def flat_outcomes(summary: Mapping) -> dict[str, object]:
    """One level of keys, joined by an underscore (``days_to_close_mean``); run fields kept; the
    per-town and per-kind tables left out (they have files of their own)."""
    flat: dict[str, object] = {}
    for key, value in summary.items():
        if key in TABLES:
            continue
        if isinstance(value, Mapping):
            for sub, inner in value.items():
                flat[f"{key}_{sub}"] = inner
        else:
            flat[key] = value
    return flat


def outcome_row(summary: Mapping) -> dict[str, float]:
    """The declared outcomes of one run, as floats, in declaration order."""
    flat = flat_outcomes(summary)
    undeclared = [name for name in flat if name not in OUTCOMES and name not in RUN_FIELDS]
    if undeclared:
        raise KeyError(f"outcomes not declared in sim/config/outcomes.py: {', '.join(undeclared)}")
    return {name: float(flat[name]) if flat.get(name) is not None else float("nan") for name in OUTCOMES}
