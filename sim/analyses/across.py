"""Answers across the calibrated ensemble: scenarios run in every member, on common seeds.

A member (``sim.config.ensemble``) is one calibrated world. Each scenario runs in each of N
members on the same replication seeds, so within a member two scenarios meet the same disputes
(common random numbers) and their difference is paired. An answer is then summarised in two
ways side by side:

- **across worlds**: each member's mean over its seeds, then the weighted median and central
  90 % interval over members (importance weights, ``stats.median_interval``): what the answer is
  given what Shishi's patterns leave open;
- **over seeds** (``seed_ci``): the mean and 95 % interval over seeds in one world, as every
  answer used to be reported.

A scenario's own settings come before the member's: a scenario that sets an uncertainty keeps
its value in every world.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analyses.stats import median_interval
from sim.batch.engine import Job, OnDone, RunSpec, default_processes, run_id, run_tasks
from sim.config.ensemble import Member, normalised_weights
from sim.config.scenario import Scenario


def member_values(scenario: Scenario, member: Member) -> dict[str, object]:
    """The member's values the scenario does not set itself."""
    own = set(scenario.overrides)
    return {name: value for name, value in member.values.items() if name not in own}


def run_across(scenarios: Sequence[Scenario], members: Sequence[Member], replication_seeds: Sequence[int],
               outcomes: Sequence[str], processes: int | None = None, on_run: OnDone | None = None) -> pd.DataFrame:
    """One row per (scenario, member, seed): the scenario's outcomes in that world on that seed."""
    tasks = []
    for replication, seed in enumerate(replication_seeds):
        for member in members:
            for position, scenario in enumerate(scenarios):
                job = Job(str(scenario.path) if scenario.path else "", dict(scenario.overrides), tuple(outcomes))
                values = member_values(scenario, member)
                key = {**scenario.params.changed(), **values, "ensemble_member": member.index}
                tasks.append((RunSpec(run_id(key, position, seed), position, replication, seed, values, member.index),
                              job))
    rows = run_tasks(tasks, processes=min(processes or default_processes(), len(tasks)), on_done=on_run)
    failed = [row for row in rows if row["status"] != "ok"]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(rows)} runs across the ensemble failed; the first: "
                           f"{failed[0]['error']}")
    weights = dict(zip((m.index for m in members), normalised_weights(list(members)), strict=True))
    return pd.DataFrame([{"scenario": scenarios[row["point"]].name, "position": row["point"], "member": row["member"],
                          "weight": weights[row["member"]], "seed": row["seed"],
                          **{name: row[name] for name in outcomes}} for row in rows])


def across_table(runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per scenario and outcome: the weighted median and 90 % interval across members of the
    member's mean over seeds, and the same for the paired difference against the first scenario."""
    means = runs.groupby(["position", "member"], sort=True)[list(outcomes)].mean()
    weights = runs.groupby("member")["weight"].first()
    names = runs.groupby("position")["scenario"].first()
    first = means.loc[0]
    rows = []
    for position in sorted(runs["position"].unique()):
        mine = means.loc[position]
        members = mine.index.intersection(first.index)
        member_weights = weights.loc[members].to_numpy()
        for outcome in outcomes:
            median, low, high = median_interval(mine.loc[members, outcome].to_numpy(), member_weights)
            diff = (mine.loc[members, outcome] - first.loc[members, outcome]).to_numpy()
            if np.all(diff == 0):
                d_median = d_low = d_high = 0.0
            else:
                d_median, d_low, d_high = median_interval(diff, member_weights)
            rows.append({"scenario": names.loc[position], "position": position, "outcome": outcome,
                         "median": median, "low_90": low, "high_90": high, "diff_median": d_median,
                         "diff_low_90": d_low, "diff_high_90": d_high, "members": len(members),
                         "seeds": int(runs["seed"].nunique())})
    return pd.DataFrame(rows)
