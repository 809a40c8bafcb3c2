"""What a policy costs in yuan a year, and what it buys: the cost of a run's staffing, the cost per
resolved case, the cost-effectiveness frontier and the marginal cost of a percentage point.

    frame = run_policy_grid(scale=0.05, days=365, seeds=[1, 2], members=ensemble.take(10))
    frame = add_costs(frame, scale=0.05, days=365)       # yuan a year for the full city, per run
    worlds = world_means(frame)                          # each policy in each world, mean over seeds
    table = frontier_table(worlds)                       # median and 90 % interval over worlds

Why priced from the run, not from the levers: the model's head counts are what did the work
(rounding, and the floors that give every town centre a clerk and every committee a mediator, are
in them), and the mediation subsidy is paid per case a committee takes up, which the run counts.
Counts at scale *s* are reported for the full city by dividing by *s*; the centres are the city's
(1 city, 9 town, 128 community centres at any scale: a smaller run has fewer, but the full city
has these). At small scales the floors inflate the clerks' and officers' cost (a 0.05 city keeps
6 town centres, each with a clerk): docs/cost.md shows the head counts behind every figure.

The frontier: a policy (escalation rule × staffing level) is on it for a class of case when no
other policy resolves as large a share of that class within 30 days for less money (in the median
world). The marginal cost of a point is the extra yuan a year per extra percentage point, between
neighbouring staffing levels of one rule (paired within each world: common seeds) and between
neighbouring points of the frontier.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.analyses.stats import median_interval
from sim.batch.engine import Job, plan, run_many
from sim.config.costs import COSTS, cost_values
from sim.config.enums import Level
from sim.config.params import PARAMS
from sim.model.arrivals import DAYS_PER_YEAR
from sim.results.summary import CLASSES as KIND_CLASSES
from sim.results.summary import CaseView, cases_taken_up

if TYPE_CHECKING:
    from sim.config.ensemble import Member

STAFF_MEASURE = "sim.analyses.cost:staff_counts"
RULES = ("shishi", "three_level", "direct_dispatch", "bottom_up")
STAFFING = (12.0, 18.0, 24.0)  # full-time grid workers per 10,000 urban residents (the norm is 18)
CLASSES = ("disputes", "public_service")
CLASS_LABELS = {"disputes": "disputes", "public_service": "public-service requests"}
OUTCOMES = ("resolved_within_30_days_disputes", "resolved_within_30_days_public_service", "outcomes_resolved",
            "residents", "grid_workers", "part_time_grid_workers", "mediators", "clerks", "officers")
POLICY = ("escalation_rule", "workers_per_10k")
# head counts a run reports (``staff_counts``), and the price each is paid at
STAFF = {"staff_grid_full_time": "grid_worker_full_time", "staff_grid_part_time": "grid_worker_part_time",
         "staff_mediators_full_time": "mediator_full_time", "staff_mediators_part_time": "mediator_part_time",
         "staff_clerks": "dispatch_clerk", "staff_officers": "department_officer",
         "staff_centre_officers": "department_officer", "staff_zone_officers": "department_officer"}
SALARIED = {"staff_grid_full_time", "staff_mediators_full_time", "staff_clerks", "staff_officers",
            "staff_centre_officers", "staff_zone_officers"}  # full-time posts: the employer's on-costs apply
# cost lines (yuan a year, full city), in the order tables show them
LINES = {"cost_grid_workers_full_time": "full-time grid workers", "cost_grid_workers_part_time":
         "part-time grid workers", "cost_mediators_full_time": "full-time mediators", "cost_mediators_part_time":
         "part-time mediators' allowances", "cost_mediation_case_subsidies": "mediation case subsidies",
         "cost_dispatch_clerks": "dispatch-centre clerks", "cost_department_staff":
         "department staff (case officers, city-centre and pilot-desk officers)", "cost_centres":
         "centres (1 city, 9 town, 128 community)"}


def full_city_centres() -> dict[str, int]:
    """The centres Shishi has (the registry's full-scale counts): one city centre, a social-governance
    centre per town, a service centre per village or community."""
    return {"city_centre": 1, "town_centre": int(PARAMS["towns"].default),
            "community_centre": int(PARAMS["communities"].default)}


# ---------------------------------------------------------------- one run


def staff_counts(result, outcomes=()) -> dict[str, float]:
    """The run's head counts by kind of post and the cases its prices need (``Job.measure``): the
    summary counts grid workers and mediators but does not split full- from part-time mediators or
    count the city centre's and the pilot desks' officers."""
    org = result.model.organisation
    full_mediators = sum(1 for mediator in org.mediators if mediator.full_time)
    taken = cases_taken_up(result.model)
    cases = CaseView(result.model)
    return {
        "staff_grid_full_time": float(sum(1 for worker in org.workers if not worker.part_time)),
        "staff_grid_part_time": float(sum(1 for worker in org.workers if worker.part_time)),
        "staff_mediators_full_time": float(full_mediators),
        "staff_mediators_part_time": float(len(org.mediators) - full_mediators),
        "staff_clerks": float(len(org.clerks)),
        "staff_officers": float(len(org.officers)),
        "staff_centre_officers": float(len(org.centre_officers)),
        "staff_zone_officers": float(len(org.zone_officers)),
        "mediated_cases": float(taken["committees"] + taken[Level.SPECIALISED]),
        "run_days": float(result.model.day),
        **{f"resolved_cases_{name}": float((cases.resolved & is_class(cases.kind)).sum())
           for name, is_class in KIND_CLASSES.items()},
    }


def staffing_cost(counts: Mapping[str, float], scale: float, days: float,
                  prices: Mapping[str, float] | None = None,
                  centres: Mapping[str, int] | None = None) -> dict[str, float]:
    """Yuan a year for the full city: each kind of post's head count ÷ ``scale`` × its price (× 1 +
    the employer's on-costs for full-time posts), the case subsidies on the cases committees took
    up (÷ ``scale``, × 365 / ``days``), and the centres' running costs; ``cost_total`` sums them."""
    prices = cost_values(prices)
    centres = full_city_centres() if centres is None else centres
    on_cost = 1.0 + prices["employer_on_cost_share"]

    def pay(name: str) -> float:
        return counts[name] / scale * prices[STAFF[name]] * (on_cost if name in SALARIED else 1.0)

    per_year = DAYS_PER_YEAR / days
    lines = {
        "cost_grid_workers_full_time": pay("staff_grid_full_time"),
        "cost_grid_workers_part_time": pay("staff_grid_part_time"),
        "cost_mediators_full_time": pay("staff_mediators_full_time"),
        "cost_mediators_part_time": pay("staff_mediators_part_time"),
        "cost_mediation_case_subsidies": counts["mediated_cases"] / scale * per_year
        * prices["mediation_case_subsidy"],
        "cost_dispatch_clerks": pay("staff_clerks"),
        "cost_department_staff": pay("staff_officers") + pay("staff_centre_officers") + pay("staff_zone_officers"),
        "cost_centres": sum(count * prices[name] for name, count in centres.items()),
    }
    lines["cost_total"] = sum(lines.values())
    resolved = (counts["resolved_cases_disputes"] + counts["resolved_cases_public_service"]) / scale * per_year
    lines["cost_per_resolved_case"] = lines["cost_total"] / resolved if resolved else float("nan")
    for name in CLASSES:
        lines[f"resolved_per_year_{name}"] = counts[f"resolved_cases_{name}"] / scale * per_year
    return lines


# ---------------------------------------------------------------- many runs


def policy_points(rules: Sequence[str] = RULES, staffing: Sequence[float] = STAFFING) -> list[dict]:
    """Every escalation rule at every staffing level (full-time grid workers per 10,000 urban residents)."""
    return [{"escalation_rule": rule, "workers_per_10k": float(level)} for rule in rules for level in staffing]


def policy_job(scale: float, days: int, scenario_path: str = "") -> Job:
    return Job(scenario_path, {"scale": scale, "days": days}, outcomes=OUTCOMES, factor_names=POLICY,
               measure=STAFF_MEASURE)


def run_policy_grid(scale: float, days: int, seeds: Sequence[int], members: Sequence[Member] = (), *,
                    rules: Sequence[str] = RULES, staffing: Sequence[float] = STAFFING, processes: int = 1,
                    on_done: Callable | None = None, scenario_path: str = "") -> pd.DataFrame:
    """Every policy in every member (or at the registry's defaults without members) on common seeds,
    on the batch engine; one row a run (``member`` = -1 without members). A failed run raises: a
    frontier with holes would mislead."""
    job = policy_job(scale, days, scenario_path)
    specs = plan(job, policy_points(rules, staffing), list(seeds), members=members)
    rows = run_many(specs, job, processes=processes, on_done=on_done)
    failed = [row for row in rows if row["status"] != "ok"]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(rows)} runs failed; the first: {failed[0]['error']}")
    frame = pd.DataFrame(rows)
    if "member" not in frame:
        frame.insert(1, "member", -1)
    return frame


def add_costs(frame: pd.DataFrame, scale: float, days: float,
              prices: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The runs with their cost lines (yuan a year, full city) appended."""
    costs = pd.DataFrame([staffing_cost(row, scale, row.get("run_days", days) or days, prices)
                          for row in frame.to_dict("records")], index=frame.index)
    return pd.concat([frame, costs], axis=1)


def world_means(frame: pd.DataFrame) -> pd.DataFrame:
    """Each policy in each world (ensemble member): the mean of every number over the seeds."""
    numbers = frame.select_dtypes("number").drop(columns=["point", "replication", "seed", "member",
                                                          "workers_per_10k", "wall_seconds", "attempts"],
                                                 errors="ignore")
    keys = ["member", *POLICY]
    return frame[keys].join(numbers).groupby(keys, as_index=False, sort=True).mean()


def member_weights(worlds: pd.DataFrame, weights: Mapping[int, float] | None) -> np.ndarray:
    """Each row's world weight (equal without ``weights``)."""
    if not weights:
        return np.ones(len(worlds))
    return worlds["member"].map(weights).to_numpy(dtype=float)


# ---------------------------------------------------------------- the frontier


def nondominated(cost: Sequence[float], outcome: Sequence[float]) -> np.ndarray:
    """True for each point no other point beats: none costs no more and resolves at least as much,
    with one of the two strictly. NaN points are never on the frontier; ties are all kept."""
    cost, outcome = np.asarray(cost, dtype=float), np.asarray(outcome, dtype=float)
    keep = np.isfinite(cost) & np.isfinite(outcome)
    result = keep.copy()
    for i in np.flatnonzero(keep):
        others = keep.copy()
        others[i] = False
        no_worse = others & (cost <= cost[i]) & (outcome >= outcome[i])
        if np.any(no_worse & ((cost < cost[i]) | (outcome > outcome[i]))):
            result[i] = False
    return result


def frontier_table(worlds: pd.DataFrame, weights: Mapping[int, float] | None = None) -> pd.DataFrame:
    """One row a policy: the weighted median over worlds and the 90 % interval of its cost (yuan a
    year, full city), its cost per resolved case and the share of each class resolved within 30
    days (per cent); ``frontier_<class>`` marks the non-dominated policies for that class, and
    ``marginal_<class>`` the yuan a year per extra point from the frontier point below it."""
    rows = []
    for (rule, level), group in worlds.groupby(list(POLICY), sort=False):
        w = member_weights(group, weights)
        row = {"escalation_rule": rule, "workers_per_10k": float(level), "worlds": len(group)}
        for column, name, factor in (("cost_total", "cost_yuan", 1.0), ("cost_per_resolved_case",
                                     "cost_per_resolved_case_yuan", 1.0),
                                     *((f"resolved_within_30_days_{c}", f"{c}_pct", 100.0) for c in CLASSES)):
            median, low, high = median_interval(group[column].to_numpy(dtype=float) * factor, w)
            row.update({name: median, f"{name}_low": low, f"{name}_high": high})
        rows.append(row)
    table = pd.DataFrame(rows)
    for name in CLASSES:
        on = nondominated(table["cost_yuan"], table[f"{name}_pct"])
        table[f"frontier_{name}"] = on
        table[f"marginal_{name}_yuan_per_point"] = np.nan
        points = table[on].sort_values("cost_yuan")
        previous = None
        for index, point in points.iterrows():
            if previous is not None:
                gain = point[f"{name}_pct"] - previous[f"{name}_pct"]
                if gain > 0:
                    extra = point["cost_yuan"] - previous["cost_yuan"]
                    table.loc[index, f"marginal_{name}_yuan_per_point"] = extra / gain
            previous = point
    return table


def marginal_costs(worlds: pd.DataFrame, weights: Mapping[int, float] | None = None) -> pd.DataFrame:
    """Per rule, from each staffing level to the next: the extra yuan a year and the extra points
    per class, paired within each world (same seeds), their weighted medians over worlds and 90 %
    intervals; ``<class>_yuan_per_point`` is the median extra cost ÷ the median extra points (NaN
    when the median gain is not positive: more staff bought nothing measurable)."""
    rows = []
    for rule, by_rule in worlds.groupby("escalation_rule", sort=False):
        levels = sorted(by_rule["workers_per_10k"].unique())
        wide = by_rule.set_index(["member", "workers_per_10k"])
        for low_level, high_level in zip(levels, levels[1:], strict=False):
            low = wide.xs(low_level, level="workers_per_10k")
            high = wide.xs(high_level, level="workers_per_10k").reindex(low.index)
            w = member_weights(low.reset_index(), weights)
            extra_cost = (high["cost_total"] - low["cost_total"]).to_numpy(dtype=float)
            row = {"escalation_rule": rule, "from_workers_per_10k": low_level, "to_workers_per_10k": high_level}
            row["extra_cost_yuan"], row["extra_cost_yuan_low"], row["extra_cost_yuan_high"] = median_interval(
                extra_cost, w)
            for name in CLASSES:
                column = f"resolved_within_30_days_{name}"
                gain = 100.0 * (high[column] - low[column]).to_numpy(dtype=float)
                median, lo, hi = median_interval(gain, w)
                row.update({f"{name}_extra_points": median, f"{name}_extra_points_low": lo,
                            f"{name}_extra_points_high": hi,
                            f"{name}_yuan_per_point": row["extra_cost_yuan"] / median if median > 0 else np.nan})
            rows.append(row)
    return pd.DataFrame(rows)


def cost_lines_table(worlds: pd.DataFrame, weights: Mapping[int, float] | None = None) -> pd.DataFrame:
    """Per policy, each cost line and head count (full city) as its weighted median over worlds."""
    rows = []
    columns = [*LINES, "cost_total", *STAFF]
    for (rule, level), group in worlds.groupby(list(POLICY), sort=False):
        w = member_weights(group, weights)
        row = {"escalation_rule": rule, "workers_per_10k": float(level)}
        row.update({name: median_interval(group[name].to_numpy(dtype=float), w)[0] for name in columns})
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- the figure

RULE_COLOURS = {"shishi": "#C0392B", "three_level": "#3B7EA1", "direct_dispatch": "#C17C2E", "bottom_up": "#4C9F70"}


def frontier_figure(table: pd.DataFrame, title: str = ""):
    """Cost (million yuan a year, full city) against the share resolved within 30 days (%), one panel
    per class; each policy its rule's colour and its staffing level as a label, the interval over
    worlds as bars, the non-dominated policies ringed and joined. A bare ``Figure``: no pyplot state."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.8))
    axes = fig.subplots(1, len(CLASSES))
    for ax, name in zip(axes, CLASSES, strict=True):
        y, x = table[f"{name}_pct"], table["cost_yuan"] / 1e6
        for rule, group in table.groupby("escalation_rule", sort=False):
            gx, gy = group["cost_yuan"] / 1e6, group[f"{name}_pct"]
            ax.errorbar(gx, gy, yerr=[gy - group[f"{name}_pct_low"], group[f"{name}_pct_high"] - gy],
                        xerr=[gx - group["cost_yuan_low"] / 1e6, group["cost_yuan_high"] / 1e6 - gx],
                        fmt="o", color=RULE_COLOURS.get(rule, "#555555"), label=rule, capsize=2, alpha=0.85)
            for _, point in group.iterrows():
                ax.annotate(f"{point['workers_per_10k']:g}", (point["cost_yuan"] / 1e6, point[f"{name}_pct"]),
                            textcoords="offset points", xytext=(5, 4), fontsize=7)
        on = table[f"frontier_{name}"].to_numpy(dtype=bool)
        order = np.argsort(x[on].to_numpy())
        ax.plot(x[on].to_numpy()[order], y[on].to_numpy()[order], "-", color="black", lw=1, zorder=0)
        ax.scatter(x[on], y[on], s=160, facecolors="none", edgecolors="black", label="non-dominated")
        ax.set(xlabel="cost (million yuan a year, full city)",
               ylabel=f"{CLASS_LABELS[name]} resolved within 30 days (%)",
               title=f"{CLASS_LABELS[name].capitalize()}")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower right", fontsize=8, frameon=False, title="rule (label: workers per 10,000)",
                   title_fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def write_cost_outputs(frame: pd.DataFrame, out: Path, weights: Mapping[int, float] | None = None,
                       title: str = "") -> dict[str, pd.DataFrame]:
    """runs.csv, frontier.csv, marginal.csv, cost_lines.csv and frontier.png in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    worlds = world_means(frame)
    tables = {"frontier": frontier_table(worlds, weights), "marginal": marginal_costs(worlds, weights),
              "cost_lines": cost_lines_table(worlds, weights)}
    frame.drop(columns=["error"], errors="ignore").to_csv(out / "runs.csv", index=False)
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False)
    frontier_figure(tables["frontier"], title).savefig(out / "frontier.png", dpi=120)
    return tables


def prices_table() -> pd.DataFrame:
    """Every price with its unit, plausible range and source (for docs and the summary)."""
    return pd.DataFrame([{"cost": item.name, "default": item.default, "unit": item.unit,
                          "plausible_low": item.plausible[0], "plausible_high": item.plausible[1],
                          "source": item.source} for item in COSTS.values()])
