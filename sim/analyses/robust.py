"""The robust choice: which policy (escalation rule × staffing level) is least bad across the
calibrated worlds, by regret.

    frame = add_costs(run_policy_grid(scale, days, seeds, members), scale, days)   # sim.analyses.cost
    worlds = world_means(frame)
    scores = policy_scores(worlds, "disputes")          # world × policy, mean over the seeds
    table = regret_summary(regret(scores), weights)     # max, 90th percentile and mean regret per policy
    choice = robust_choice(table)

Why regret: a researcher does not know which calibrated world is Shishi's. A policy's regret in
a world is its shortfall against the best policy in that world (0 for the best); the minimax
policy has the smallest largest regret over the worlds, and the 90th-percentile choice the smallest
regret in all but the worst tenth of them (weighted by the members' importance weights), which
one unlucky member cannot swing.

The scores (higher is better; every regret is in percentage points):

- ``disputes``, ``public_service``: per cent of that class resolved within 30 days of arising;
- ``cost_adjusted``: the mean of the two classes' per cents less the policy's cost (yuan a year,
  full city) ÷ ``value_of_a_point`` (``sim.config.costs``): what a point is worth a year. Without a
  price, more staff always wins on service alone.

Within a world every policy runs on the same seeds (common random numbers), so a regret is a
difference of paired runs. The batch engine computes the table (``run_policy_grid``); the EMA
workbench computes the same one (``ema_policy_grid``: members as ``Sample`` scenarios, policies as
``Sample`` policies, a ``ReplicatorModel`` over the same seeds), for a researcher who works there.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.analyses.cost import CLASSES, POLICY, RULES, STAFFING, add_costs, staff_counts
from sim.analyses.stats import weighted_quantiles
from sim.config.costs import cost_values

if TYPE_CHECKING:
    from sim.config.ensemble import Member

SCORES = {"disputes": "disputes resolved within 30 days (%)",
          "public_service": "public-service requests resolved within 30 days (%)",
          "cost_adjusted": "mean of the two classes' % resolved within 30 days − cost ÷ value_of_a_point"}
HEADLINE_SCORE = "disputes"


def policy_label(rule: str, workers_per_10k: float) -> str:
    return f"{rule} @ {workers_per_10k:g}"


def policy_scores(worlds: pd.DataFrame, score: str = HEADLINE_SCORE,
                  prices: Mapping[str, float] | None = None) -> pd.DataFrame:
    """World (member) × policy table of a score (higher is better; percentage points)."""
    if score not in SCORES:
        raise KeyError(f"score: expected one of {', '.join(SCORES)}, got {score!r}")
    if score == "cost_adjusted":
        value = cost_values(prices)["value_of_a_point"]
        points = 100.0 * worlds[[f"resolved_within_30_days_{name}" for name in CLASSES]].mean(axis=1)
        values = points - worlds["cost_total"] / value
    else:
        values = 100.0 * worlds[f"resolved_within_30_days_{score}"]
    labels = [policy_label(rule, level) for rule, level in zip(worlds["escalation_rule"], worlds["workers_per_10k"],
                                                                strict=True)]
    table = pd.DataFrame({"member": worlds["member"].to_numpy(), "policy": labels, "value": values.to_numpy()})
    wide = table.pivot(index="member", columns="policy", values="value")
    order = list(dict.fromkeys(labels))
    return wide[order]


def regret(scores: pd.DataFrame) -> pd.DataFrame:
    """Each policy's shortfall against the best policy of its world (row): 0 for the best."""
    return scores.rsub(scores.max(axis=1), axis=0)


def regret_summary(regrets: pd.DataFrame, weights: Mapping[int, float] | None = None,
                   scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per policy: the largest regret over worlds, the weighted 90th percentile and mean regret, the
    weighted share of worlds where it is best, and (with ``scores``) its weighted median score."""
    w = (np.array([weights[int(member)] for member in regrets.index], dtype=float) if weights
         else np.ones(len(regrets)))
    w = w / w.sum()
    rows = []
    for policy in regrets.columns:
        values = regrets[policy].to_numpy(dtype=float)
        rule, level = policy.split(" @ ")
        row = {"policy": policy, "escalation_rule": rule, "workers_per_10k": float(level),
               "max_regret": float(np.nanmax(values)), "p90_regret": weighted_quantiles(values, w, [0.9])[0],
               "mean_regret": float(np.nansum(values * w)), "best_in_share": float(w[values <= 1e-12].sum())}
        if scores is not None:
            row["median_score"] = weighted_quantiles(scores[policy].to_numpy(dtype=float), w, [0.5])[0]
        rows.append(row)
    return pd.DataFrame(rows)


def robust_choice(summary: pd.DataFrame) -> dict[str, str]:
    """The minimax-regret policy and the policy with the least 90th-percentile regret (ties broken by
    the other measure, then the mean regret, then the table's order)."""
    minimax = summary.sort_values(["max_regret", "p90_regret", "mean_regret"], kind="stable").iloc[0]["policy"]
    p90 = summary.sort_values(["p90_regret", "max_regret", "mean_regret"], kind="stable").iloc[0]["policy"]
    return {"minimax": str(minimax), "p90": str(p90)}


def robust_tables(worlds: pd.DataFrame, weights: Mapping[int, float] | None = None,
                  prices: Mapping[str, float] | None = None) -> dict[str, dict]:
    """For every score: the scores, the regrets, the per-policy summary and the choice."""
    result = {}
    for score in SCORES:
        scores = policy_scores(worlds, score, prices)
        regrets = regret(scores)
        summary = regret_summary(regrets, weights, scores)
        result[score] = {"scores": scores, "regret": regrets, "summary": summary, "choice": robust_choice(summary)}
    return result


# ---------------------------------------------------------------- the same table through the EMA workbench


def _ema_run(**experiment) -> dict[str, float]:
    """One run for the workbench: registry parameters by dotted name, ``seed``, ``scale``, ``days``;
    returns the declared outcomes and the head counts the prices need."""
    from sim.config.outcomes import outcome_row
    from sim.config.scenario import load_scenario
    from sim.results.api import run

    seed = int(experiment.pop("seed"))
    overrides = {name: (value.item() if isinstance(value, np.generic) else value) for name, value in experiment.items()}
    result = run(load_scenario(None, overrides), seed=seed)
    return {**outcome_row(result.summary), **staff_counts(result)}


EMA_COLUMNS = ("resolved_within_30_days_disputes", "resolved_within_30_days_public_service", "staff_grid_full_time",
               "staff_grid_part_time", "staff_mediators_full_time", "staff_mediators_part_time", "staff_clerks",
               "staff_officers", "staff_centre_officers", "staff_zone_officers", "mediated_cases", "run_days",
               "resolved_cases_disputes", "resolved_cases_public_service")


def ema_policy_grid(scale: float, days: int, seeds: Sequence[int], members: Sequence[Member], *,
                    rules: Sequence[str] = RULES, staffing: Sequence[float] = STAFFING,
                    prices: Mapping[str, float] | None = None) -> pd.DataFrame:
    """``world_means`` of ``run_policy_grid`` with costs added, computed by the EMA workbench: the
    members as scenarios (``Sample``), the policies as policies, a ``ReplicatorModel`` over the same
    seeds whose outcomes are the seed means. Sequential (the workbench's default evaluator)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        from ema_workbench import (
            CategoricalParameter,
            Constant,
            RealParameter,
            ReplicatorModel,
            Sample,
            ScalarOutcome,
            perform_experiments,
        )

    from sim.config.outcomes import column_name

    model = ReplicatorModel("shishi_robust", function=_ema_run)
    model.replications = [{"seed": int(seed)} for seed in seeds]
    names = sorted({name for member in members for name in member.values})
    uncertainties = []
    for name in names:
        values = [float(member.values[name]) for member in members if name in member.values]
        low, high = min(values), max(values)
        uncertainties.append(RealParameter(column_name(name), low, high if high > low else low + 1e-9,
                                           variable_name=name))
    model.uncertainties = uncertainties
    low, high = float(min(staffing)), float(max(staffing))
    model.levers = [CategoricalParameter("escalation_rule", list(rules)),
                    RealParameter("workers_per_10k", low, high if high > low else low + 1e-9)]
    model.constants = [Constant("scale", float(scale)), Constant("days", int(days))]
    model.outcomes = [ScalarOutcome(name, function=np.mean) for name in EMA_COLUMNS]
    scenarios = [Sample(name=str(member.index), **{column_name(k): v for k, v in member.values.items()})
                 for member in members]
    policies = [Sample(name=policy_label(rule, level), escalation_rule=rule, workers_per_10k=float(level))
                for rule in rules for level in staffing]
    experiments, outcomes = perform_experiments(model, scenarios=scenarios, policies=policies)
    frame = pd.DataFrame({"member": experiments["scenario"].astype(int).to_numpy(),
                          "escalation_rule": experiments["escalation_rule"].astype(str).to_numpy(),
                          "workers_per_10k": experiments["workers_per_10k"].astype(float).to_numpy(),
                          **{name: np.asarray(outcomes[name], dtype=float) for name in EMA_COLUMNS}})
    frame = add_costs(frame, scale, days, prices)
    return frame.sort_values(["member", *POLICY], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- outputs


def regret_figure(tables: Mapping[str, dict], title: str = ""):
    """Largest and 90th-percentile regret per policy (percentage points), one panel per score."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5 * len(tables), 0.32 * max(len(t["summary"]) for t in tables.values()) + 1.6))
    axes = np.atleast_1d(fig.subplots(1, len(tables), sharey=True))
    for ax, (score, table) in zip(axes, tables.items(), strict=True):
        summary = table["summary"]
        y = np.arange(len(summary))
        ax.barh(y + 0.2, summary["max_regret"], height=0.4, color="#C0392B", label="largest regret")
        ax.barh(y - 0.2, summary["p90_regret"], height=0.4, color="#3B7EA1", label="90th-percentile regret")
        ax.set_yticks(y, summary["policy"], fontsize=8)
        ax.invert_yaxis()
        unit = "points of the cost-adjusted score" if score == "cost_adjusted" else "percentage points"
        ax.set(xlabel=f"regret ({unit})", title=f"{score}: minimax {table['choice']['minimax']}")
        ax.title.set_fontsize(9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_ylabel("policy (rule @ full-time grid workers per 10,000 urban residents)")
    axes[0].legend(fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def write_robust_outputs(tables: Mapping[str, dict], out: Path, title: str = "") -> None:
    """scores_<score>.csv, regret_<score>.csv (world × policy), robust_<score>.csv (per policy) and
    regret.png in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for score, table in tables.items():
        table["scores"].to_csv(out / f"scores_{score}.csv")
        table["regret"].to_csv(out / f"regret_{score}.csv")
        table["summary"].to_csv(out / f"robust_{score}.csv", index=False)
    regret_figure(tables, title).savefig(out / "regret.png", dpi=120)
