"""Sensitivity of the decisions, not only of the levels: which uncertainties move the staffing
slope and the differences between escalation rules.

A decision turns on *differences*: whether 24 workers per 10,000 buy much over 12 (the staffing
slope), whether Shishi's rule beats the three-level one. An uncertainty can move the level of an
outcome a lot while leaving these differences alone (a higher dispute rate lowers every rule's
closure share alike), and the reverse. So each design point is run six times on the same seeds:

- ``shishi`` at 12, 18 and 24 per 10,000, and ``three_level``, ``direct_dispatch`` and
  ``bottom_up`` at 18 (the norm);

and for each outcome the quantities analysed are the **level** (``shishi`` at 18), the **slope**
(``shishi`` at 24 minus at 12, same seeds) and the **rule differences** (``shishi`` minus each
other rule at 18, same seeds), each averaged over the replications. The **margin** of the
standard — the smallest over its criteria of (value − threshold) for ``>=`` and (threshold −
value) for ``<=``, so positive means met — is analysed the same way.

Design: **Morris group screening** (SALib): the uncertainties with a plausible range are grouped
by the system of the model they belong to (``SYSTEMS``: arrivals, seasons, surfacing, …), and a
trajectory moves one group at a time, so the design costs (groups + 1) points per trajectory
rather than (factors + 1): 13 groups instead of 176 factors. The price: an index says which
*system* matters, not which parameter within it; μ* of a group bounds the effect of moving all of
its parameters together. A **dummy** group (``surge.factor`` with ``surge.days = 0``, inert by
construction) gives the noise floor. Each uncertainty moves over its plausible range
(``sim.config.params``); indices are per unit of that range, in the outcome's units.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.analyses.standard import Standard
from sim.config.outcomes import column_name
from sim.config.params import PARAMS
from sim.config.presets import NORM_WORKERS_PER_10K, SHISHI_RULE

if TYPE_CHECKING:
    from sim.batch.engine import Engine

LEVER, RULE = "workers_per_10k", "escalation_rule"
DUMMY, DUMMY_RANGE, DUMMY_GROUP = "surge.factor", (1.0, 3.0), "dummy (inert)"
LOW, HIGH = 12.0, 24.0  # workers per 10,000 for the slope
OTHER_RULES = ("three_level", "direct_dispatch", "bottom_up")
MARGIN = "standard_margin"

# The model's systems, by the first part of a parameter's name (the registry's sections).
SYSTEMS: dict[str, tuple[str, ...]] = {
    "arrivals": ("dispute_rate_per_10k", "moderate_share", "major_share", "migrant_share", "migrant_rate_ratio",
                 "court_referral_per_10k"),
    "seasons": ("spring_festival_away_share", "spring_festival_leave_days", "spring_festival_return_days",
                "wage_arrears_factor", "wage_arrears_window_days", "festival_labour_factor",
                "post_festival_labour_factor", "festival_request_factor", "summer_request_factor",
                "typhoons_per_year", "typhoon_days", "typhoon_request_factor"),
    "surfacing and reporting": ("visibility", "report_factor", "police_alert_per_day", "patrol_find_per_day",
                                "patrol_saturation_visits_per_week", "events_per_patrol_hour",
                                "volunteer_find_per_day", "report_per_day", "request_report_per_day",
                                "migrant_report_factor", "walk_in_report_share", "app_share_of_remote_reports",
                                "petition_per_day"),
    "grid workers' time": ("part_time_hours_share", "department_hours_per_household_month", "order_hours",
                           "registration_hours", "followup_hours", "event_hours", "household_visit_hours"),
    "dispatch centre": ("triage_hours_per_case", "handoff_days", "screening_days", "overgrade_return_share",
                        "manual_triage_hours_per_case", "manual_triage_accuracy", "manual_registration_hours",
                        "app_to_hotline_share"),
    "authority": ("authority_share", "authority_up_share", "success_below_authority",
                  "local_knowledge_failure_factor"),
    "handling time": ("service_days", "service_factor", "service_cv", "mediation_hours",
                      "part_time_mediator_hours_per_week", "full_time_mediator_case_share", "volunteer_service_days",
                      "public_service_on_spot_share", "withdraw_per_day"),
    "mediation success": ("success", "volunteer_success", "court_referral_success"),
    "worsening and exits": ("worsen_days", "worsen_per_failure", "exit_petition_share", "exit_litigation_share",
                            "exit_arbitration_share", "exit_per_failure"),
    "trust and satisfaction": ("initial_trust", "trust_concentration", "trust_gain_satisfied",
                               "trust_loss_dissatisfied", "trust_loss_per_failure", "reputation_reference",
                               "reputation_elasticity", "reputation_memory_days", "satisfaction",
                               "satisfaction_grace_days", "satisfaction_loss_per_day",
                               "satisfaction_loss_per_escalation", "remote_satisfaction_loss", "redo_request_share"),
    "further systems (cadres, zones, centres, civility)": (
        "cadre_hours_per_week", "cadre_emergency_hours_per_week", "cadre_hours_per_case",
        "cadre_brings_authority_share", "member_unit_share", "big_party_report_factor", "zone_staff_per_pilot",
        "zone_service_factor", "zone_find_per_day", "zone_site_hours_per_week", "walk_in_outside_circle_factor",
        "centre_opening_hours_per_week", "centre_on_spot_share", "civility_certification_per_year",
        "civility_points_per_week", "civility_half_points", "civility_report_uplift", "civility_volunteer_uplift"),
}
OTHER_SYSTEM = "other"


def system_of(name: str) -> str:
    """The system a parameter belongs to (``SYSTEMS`` by its name's first part); the dummy its own."""
    if name == DUMMY:
        return DUMMY_GROUP
    prefix = name.split(".")[0]
    for system, prefixes in SYSTEMS.items():
        if prefix in prefixes:
            return system
    return OTHER_SYSTEM


def default_factors() -> dict[str, tuple[float, float]]:
    """Every uncertainty with a plausible range, over that range; the dummy over 1–3."""
    from sim.analyses.sensitivity import plausible_uncertainties

    factors = {name: tuple(map(float, PARAMS[name].plausible)) for name in plausible_uncertainties()}
    factors[DUMMY] = DUMMY_RANGE
    return factors


def combos(rule: str = SHISHI_RULE, norm: float = NORM_WORKERS_PER_10K) -> dict[str, dict]:
    """The six runs behind one design point: label → the lever values."""
    out = {f"{rule}@{v:g}": {LEVER: v, RULE: rule} for v in (LOW, norm, HIGH)}
    out.update({f"{other}@{norm:g}": {LEVER: norm, RULE: other} for other in OTHER_RULES if other != rule})
    return out


def quantities(means: pd.DataFrame, outcomes: Sequence[str], *, rule: str = SHISHI_RULE,
               norm: float = NORM_WORKERS_PER_10K) -> pd.DataFrame:
    """Per design point (rows) the analysed quantities from the per-combo means (``means``: one
    row per point and combo label, outcome columns): ``OUTCOME:level``, ``OUTCOME:slope_12_24``
    and ``OUTCOME:RULE_minus_OTHER`` for each outcome."""
    wide = means.pivot(index="point", columns="combo", values=list(outcomes))
    out = pd.DataFrame(index=wide.index)
    level, low, high = f"{rule}@{norm:g}", f"{rule}@{LOW:g}", f"{rule}@{HIGH:g}"
    for name in outcomes:
        out[f"{name}:level"] = wide[(name, level)]
        out[f"{name}:slope_{LOW:g}_{HIGH:g}"] = wide[(name, high)] - wide[(name, low)]
        for other in OTHER_RULES:
            if other != rule:
                out[f"{name}:{rule}_minus_{other}"] = wide[(name, level)] - wide[(name, f"{other}@{norm:g}")]
    return out


def margins(frame: pd.DataFrame, standard: Standard) -> pd.Series:
    """The standard's margin per row: the smallest over criteria of how far the value is on the
    right side of its threshold (positive: every criterion met)."""
    parts = [(frame[c.outcome] - c.threshold) if c.op == ">=" else (c.threshold - frame[c.outcome])
             for c in standard.criteria]
    return pd.concat(parts, axis=1).min(axis=1)


def analyse(out: Path, standard: Standard, *, factors: Mapping[str, tuple[float, float]] | None = None,
            groups: Mapping[str, str] | None = None, trajectories: int = 6, levels: int = 4,
            seeds: Sequence[int] = (1,), scale: float = 0.05, days: int = 365, scenario_path: str = "",
            extra_outcomes: Sequence[str] = (), seed: int = 20240614, engine: Engine | None = None,
            on_done: Callable | None = None) -> dict:
    """Morris group screening of the decision quantities; writes ``design.csv`` (the points),
    ``runs.csv``, ``quantities.csv`` and ``indices.csv`` (per quantity and group: μ*, its 95 %
    confidence, μ, σ, and μ* relative to the dummy's) into ``out``. ``groups``: factor → group
    (default ``system_of``)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    from sim.batch.engine import Engine, Job, plan
    from sim.results.files import atomic_write_csv

    factors = dict(factors if factors is not None else default_factors())
    names = list(factors)
    group_of = [(groups or {}).get(n) or system_of(n) for n in names]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": group_of}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unit = np.asarray(morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed))
    design = pd.DataFrame({n: [_value(n, factors[n], u) for u in unit[:, i]] for i, n in enumerate(names)})
    labels = combos()
    points, keys = [], []
    for index, row in enumerate(design.to_dict("records")):  # per column types: whole numbers stay whole
        for label, lever in labels.items():
            points.append({**row, **lever})
            keys.append((index, label))
    outcomes = list(dict.fromkeys([*standard.outcomes, *extra_outcomes]))
    job = Job(scenario_path, {"scale": scale, "days": days, "surge.days": 0}, tuple(outcomes),
              factor_names=(LEVER, RULE))
    specs = plan(job, points, list(seeds))
    rows = (engine or Engine()).run([(spec, job) for spec in specs], on_done)
    runs = pd.DataFrame(rows)
    runs["design_point"] = [keys[p][0] for p in runs["point"]]
    runs["combo"] = [keys[p][1] for p in runs["point"]]
    ok = runs[runs["status"] == "ok"].rename(columns={column_name(n): n for n in outcomes})
    means = ok.groupby(["design_point", "combo"])[outcomes].mean().reset_index()
    means[MARGIN] = margins(means, standard)
    table = quantities(means.rename(columns={"design_point": "point"}), [*outcomes, MARGIN])
    table = table.reindex(range(len(design)))
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_csv(design, out / "design.csv")
    atomic_write_csv(runs, out / "runs.csv")
    atomic_write_csv(table.reset_index(names="point"), out / "quantities.csv")
    indices = []
    for quantity in table.columns:
        y = table[quantity].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            continue  # a failed run: this quantity has no complete design
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = morris_analyze.analyze(problem, unit, y, num_levels=levels, conf_level=0.95, seed=seed)
        for group, mu_star, conf, mu, sigma in zip(result["names"], result["mu_star"], result["mu_star_conf"],
                                                   result["mu"], result["sigma"], strict=True):
            outcome, _, kind = quantity.partition(":")
            indices.append({"quantity": quantity, "outcome": outcome, "kind": kind, "group": group,
                            "mu_star": float(mu_star), "mu_star_conf": float(conf), "mu": float(mu),
                            "sigma": float(sigma)})
    indices = pd.DataFrame(indices)
    if len(indices):
        floor = indices[indices["group"] == DUMMY_GROUP].set_index("quantity")["mu_star"]
        indices["over_dummy"] = [m / floor.get(q, math.nan) if floor.get(q, 0) > 0 else math.inf if m > 0 else math.nan
                                 for q, m in zip(indices["quantity"], indices["mu_star"], strict=True)]
        indices["rank"] = indices.groupby("quantity")["mu_star"].rank(ascending=False, method="first").astype(int)
        indices = indices.sort_values(["quantity", "rank"]).reset_index(drop=True)
    atomic_write_csv(indices, out / "indices.csv")
    return {"design": design, "runs": runs, "quantities": table, "indices": indices,
            "groups": dict(zip(names, group_of, strict=True))}


def top_groups(indices: pd.DataFrame, quantity_kind: str | None = None, count: int = 3) -> list[str]:
    """The groups with the largest μ* relative to their quantity's largest, averaged over the
    quantities (of one kind: "level", "slope_12_24", "shishi_minus_…"), dummy and "other" left out."""
    part = indices if quantity_kind is None else indices[indices["kind"] == quantity_kind]
    part = part[~part["group"].isin([DUMMY_GROUP])].copy()
    if part.empty:
        return []
    top = part.groupby("quantity")["mu_star"].transform("max")
    part["norm"] = np.where(top > 0, part["mu_star"] / top, 0.0)
    return part.groupby("group")["norm"].mean().sort_values(ascending=False).index[:count].tolist()


def runs_needed(trajectories: int, groups: int, seeds: int) -> int:
    """Runs of the design: (groups + 1) points per trajectory, six runs per point, per seed."""
    return trajectories * (groups + 1) * len(combos()) * seeds


def _value(name: str, bounds: tuple[float, float], u: float):
    low, high = bounds
    value = low + float(u) * (high - low)
    if PARAMS[name].type is int:
        return int(min(max(round(value), math.ceil(low)), math.floor(high)))
    return float(value)
