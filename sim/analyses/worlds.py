"""The staffing answer across calibrated worlds: per escalation rule, how much staff the service
standard needs in each member of the calibrated ensemble (``sim.config.ensemble``), and the
spread of those answers, weighted by the members' importance weights.

Why per member: the calibration leaves many parameter sets that reproduce Shishi's patterns
equally well (the ensemble). A staffing answer computed in one of them (the defaults) hides how
much it depends on which of these worlds is the real one; computed in each, the answers form a
distribution, and the policy statement is about that distribution: "18 per 10,000 meets the
standard in x % of calibrated worlds; 90 % of worlds need at most y".

Design: a staffing **grid** (``DEFAULT_GRID``, 6–30 per 10,000) × the four rules, in every member,
on the same replication seeds (``sim.batch.engine.plan``: common random numbers within and across
members). Per member, rule and grid value the outcomes are averaged over the seeds, and the
standard is checked on the means (``Standard.met_by``: a point decision, no interval — with two
seeds a member near a threshold can be put on the wrong side by run noise; the spread across
members is the quantity of interest, and that noise widens it a little).

Per member and rule, the **answer** is the smallest grid value from which every larger grid value
meets the standard (``math.inf`` when the largest does not: "beyond the grid"). The spread
(``spread``) is computed from these per-member answers only: the weighted share of members whose
means meet the standard at the norm (18), and the weighted quantiles of the answers —
``need_at_most(level)`` is the smallest answer a such that members whose answer is ≤ a carry at
least ``level`` of the weight (a grid value, or ∞).

Discovery (``discover``) asks in which worlds the norm misses the standard: PRIM (the EMA
workbench's, through ``sim.analyses.prim``) over the members, with the members' parameter values
as the dimensions and "misses at the norm" (the whole standard, and each criterion that splits
the members) as the class of interest. PRIM does not take weights: boxes describe members, the
weighted shares are reported beside them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.analyses.standard import Standard
from sim.config.outcomes import column_name
from sim.config.presets import NORM_WORKERS_PER_10K
from sim.config.rule_names import POLICY_RULES

if TYPE_CHECKING:
    from sim.batch.engine import Engine
    from sim.config.ensemble import Member

LEVER, RULE, MEMBER = "workers_per_10k", "escalation_rule", "member"
DEFAULT_GRID = (6.0, 9.0, 12.0, 15.0, 18.0, 24.0, 30.0)  # workers per 10,000 urban residents
BEYOND = math.inf  # the answer of a member whose largest grid value misses


@dataclass(frozen=True)
class WorldsConfig:
    """The staffing grid over members: what runs, at which size, on which seeds."""

    grid: tuple[float, ...]
    rules: tuple[str, ...]
    seeds: tuple[int, ...]
    outcomes: tuple[str, ...]  # declared outcomes kept per run (the standard's and its variants')
    scale: float
    days: int
    scenario_path: str = ""  # "" = the baseline

    def points(self) -> list[dict]:
        return [{LEVER: float(value), RULE: rule} for rule in self.rules for value in self.grid]

    def runs(self, members: int) -> int:
        return len(self.grid) * len(self.rules) * len(self.seeds) * members


def execute_timed(spec, job):
    """The engine's ``execute`` with the run's CPU seconds in its row (``cpu_seconds``): on a
    machine shared with other work, wall time says how busy the machine was, CPU time what the
    analysis costs (its sum over runs / processes = the wall time on idle cores)."""
    import time

    from sim.batch.engine import execute

    started = time.process_time()
    row, daily = execute(spec, job)
    row["cpu_seconds"] = time.process_time() - started
    return row, daily


def run_grid(config: WorldsConfig, members: Sequence[Member], *, engine: Engine | None = None,
             on_done: Callable | None = None) -> pd.DataFrame:
    """Every grid point under every rule in every member on the config's seeds: one row per run
    (``member``, ``escalation_rule``, ``workers_per_10k``, the outcomes, ``status``)."""
    from sim.batch.engine import Engine, Job, plan

    job = Job(config.scenario_path, {"scale": config.scale, "days": config.days}, tuple(config.outcomes),
              factor_names=(LEVER, RULE))
    specs = plan(job, config.points(), list(config.seeds), members=tuple(members))
    engine = engine or Engine()
    rows = engine.run([(spec, job) for spec in specs], on_done)
    return pd.DataFrame(rows)


def member_means(runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per member, rule and grid value: each outcome's mean over the seeds (ok runs only) and the
    number of runs behind it."""
    ok = runs[runs["status"] == "ok"].rename(columns={column_name(n): n for n in outcomes})
    keys = [MEMBER, RULE, LEVER]
    means = ok.groupby(keys, sort=True)[list(outcomes)].mean()
    means["runs"] = ok.groupby(keys, sort=True).size()
    return means.reset_index()


def mark_met(means: pd.DataFrame, standard: Standard) -> pd.DataFrame:
    """Adds ``met`` (the whole standard on the means) and ``met:CRITERION`` per criterion."""
    out = means.copy()
    for criterion in standard.criteria:
        out[f"met:{criterion}"] = [criterion.met_by(float(v)) for v in out[criterion.outcome]]
    out["met"] = out[[f"met:{c}" for c in standard.criteria]].all(axis=1)
    return out


def answer_of(values: Sequence[float], met: Sequence[bool]) -> float:
    """The smallest value from which every larger value meets (values ascending); ∞ if the largest misses."""
    answer = BEYOND
    for value, ok in zip(reversed(list(values)), reversed(list(met)), strict=True):
        if not ok:
            break
        answer = float(value)
    return answer


def member_answers(marked: pd.DataFrame, *, norm: float = NORM_WORKERS_PER_10K, column: str = "met") -> pd.DataFrame:
    """One row per member and rule: the answer (``answer``, ∞ beyond the grid) and whether the
    means meet at the norm (``met_at_norm``), from a table ``mark_met`` wrote (``column`` picks a
    criterion instead of the whole standard)."""
    rows = []
    for (member, rule), part in marked.groupby([MEMBER, RULE], sort=True):
        part = part.sort_values(LEVER)
        at_norm = part[np.isclose(part[LEVER], norm)]
        rows.append({MEMBER: member, RULE: rule, "answer": answer_of(part[LEVER].tolist(), part[column].tolist()),
                     "met_at_norm": bool(at_norm[column].iloc[0]) if len(at_norm) else np.nan})
    return pd.DataFrame(rows)


def need_at_most(answers: Sequence[float], weights: Sequence[float], level: float) -> float:
    """The smallest answer a such that members answering ≤ a carry at least ``level`` of the
    weight (∞ when that takes members beyond the grid)."""
    answers, weights = np.asarray(answers, dtype=float), np.asarray(weights, dtype=float)
    keep = ~np.isnan(answers) & (weights > 0)
    answers, weights = answers[keep], weights[keep]
    if not len(answers):
        return math.nan
    order = np.argsort(answers, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(answers[order][int(np.searchsorted(cumulative, level - 1e-12))])


def spread(answers: pd.DataFrame, weights: Mapping[int, float], *, levels: Sequence[float] = (0.5, 0.9)) \
        -> pd.DataFrame:
    """Per rule, from the per-member answers only: members, the weighted share meeting at the norm,
    the weighted share whose answer is beyond the grid, and ``need_at_most`` at each level
    (columns ``need_p50``, ``need_p90``). Weights are renormalised over the members present."""
    rows = []
    for rule, part in answers.groupby(RULE, sort=False):
        w = np.array([weights[m] for m in part[MEMBER]], dtype=float)
        w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1 / len(w))
        met = part["met_at_norm"].astype(float).to_numpy()
        row = {RULE: rule, "members": len(part), "share_met_at_norm": float(np.sum(w * met)),
               "share_beyond_grid": float(np.sum(w * np.isinf(part["answer"].to_numpy(dtype=float))))}
        for level in levels:
            row[f"need_p{round(level * 100)}"] = need_at_most(part["answer"], w, level)
        rows.append(row)
    return pd.DataFrame(rows)


def sentence(row: Mapping, norm: float = NORM_WORKERS_PER_10K, grid_top: float | None = None) -> str:
    """The answer in words: "18 per 10,000 meets the standard in x % of calibrated worlds; 90 % of
    worlds need at most y" (or "more than 10 % need more than the grid's largest value")."""
    top = f"{grid_top:g} per 10,000" if grid_top else "the grid's largest value"

    def need(value: float, level: int) -> str:
        if math.isnan(value):
            return f"{level} %: n/a"
        if math.isinf(value):
            return f"more than {100 - level} % of the weight needs more than {top} (beyond the grid)"
        return f"{level} % of worlds need at most {value:g} per 10,000"

    return (f"{norm:g} per 10,000 meets the standard in {row['share_met_at_norm']:.0%} of calibrated worlds "
            f"({row['members']} members, weighted); {need(row['need_p50'], 50)}; {need(row['need_p90'], 90)}")


# ---------------------------------------------------------------- discovery over members


def member_frame(members: Sequence[Member], dims: Sequence[str] | None = None) -> pd.DataFrame:
    """The members' parameter values (one row per member, ``member`` first); dimensions that do not
    vary across the members are left out (PRIM cannot restrict them)."""
    frame = pd.DataFrame([{MEMBER: m.index, **m.values} for m in members])
    names = [n for n in (dims if dims is not None else frame.columns[1:]) if n in frame.columns]
    varying = [n for n in names if frame[n].nunique() > 1]
    return frame[[MEMBER, *varying]]


def discover(marked: pd.DataFrame, members: Sequence[Member], standard: Standard, *,
             norm: float = NORM_WORKERS_PER_10K, dims: Sequence[str] | None = None, threshold: float = 0.8,
             peel_alpha: float = 0.1, mass_min: float = 0.1, max_boxes: int = 1, min_interest: int = 3) \
        -> pd.DataFrame:
    """PRIM per rule over the members at the norm: which worlds miss the standard (target
    ``standard``) and, for each criterion that some members meet and some miss, which worlds miss
    it (target = the criterion). One row per (rule, target) with the weighted and counted miss
    shares and PRIM's box (description, coverage, density, mass, quasi-p-values, stability)."""
    import json

    from sim.analyses.prim import prim_boxes
    from sim.config.ensemble import normalised_weights

    values = member_frame(members, dims)
    weight = dict(zip([m.index for m in members], normalised_weights(tuple(members)), strict=True))
    at_norm = marked[np.isclose(marked[LEVER], norm)]
    rows = []
    targets = [("standard", "met")] + [(str(c), f"met:{c}") for c in standard.criteria]
    for rule, part in at_norm.groupby(RULE, sort=False):
        part = part.merge(values, on=MEMBER, how="inner").sort_values(MEMBER)
        w = part[MEMBER].map(weight).to_numpy(dtype=float)
        w = w / w.sum()
        for target, column in targets:
            missed = ~part[column].to_numpy(dtype=bool)
            row = {RULE: rule, "target": target, "members": len(part), "missed": int(missed.sum()),
                   "weighted_miss_share": float(np.sum(w * missed))}
            if target != "standard" and (missed.all() or not missed.any()):
                continue  # a criterion that does not split the worlds says nothing PRIM could add
            if not missed.any():
                rows.append({**row, "description": "no world misses"})
                continue
            if missed.all():
                rows.append({**row, "description": "every world misses"})
                continue
            if missed.sum() < min_interest or values.shape[1] < 2:
                rows.append({**row, "description": f"too few worlds miss ({missed.sum()}) for PRIM"})
                continue
            found = prim_boxes(part[values.columns[1:]].reset_index(drop=True), missed, max_boxes=max_boxes,
                               threshold=threshold, peel_alpha=peel_alpha, mass_min=mass_min,
                               min_interest=min_interest)
            if not found:
                rows.append({**row, "description": "PRIM found no restricting box"})
                continue
            box = found[0]
            rows.append({**row, "description": box.describe(), "coverage": box.coverage, "density": box.density,
                         "mass": box.mass,
                         "quasi_p": json.dumps({k: float(f"{v:.3g}") for k, v in box.quasi_p.items()}),
                         "stability": box.stability_text()})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- the whole step


def analyse(out: Path, config: WorldsConfig, members: Sequence[Member], standard: Standard, *,
            variants: Mapping[str, Standard] | None = None, norm: float = NORM_WORKERS_PER_10K,
            engine: Engine | None = None, on_done: Callable | None = None) -> dict:
    """Run the grid in every member and write ``runs.csv``, ``member_means.csv`` (with the met
    flags), ``member_answers.csv`` and ``spread.csv`` (one block per standard: the default and each
    variant, e.g. stricter or looser readings of the same rules) into ``out``."""
    from sim.config.ensemble import normalised_weights
    from sim.results.files import atomic_write_csv

    out.mkdir(parents=True, exist_ok=True)
    runs = run_grid(config, members, engine=engine, on_done=on_done)
    atomic_write_csv(runs, out / "runs.csv")
    means = member_means(runs, config.outcomes)
    weights = dict(zip([m.index for m in members], normalised_weights(tuple(members)), strict=True))
    standards = {"default": standard, **(variants or {})}
    answers, spreads, marked_default = [], [], None
    for label, each in standards.items():
        marked = mark_met(means, each)
        if label == "default":
            marked_default = marked
        table = member_answers(marked, norm=norm)
        table.insert(0, "standard", label)
        answers.append(table)
        summary = spread(table, weights)
        summary.insert(0, "standard", label)
        summary.insert(1, "criteria", str(each))
        spreads.append(summary)
    answers, spreads = pd.concat(answers, ignore_index=True), pd.concat(spreads, ignore_index=True)
    atomic_write_csv(marked_default, out / "member_means.csv")
    atomic_write_csv(answers, out / "member_answers.csv")
    atomic_write_csv(spreads, out / "spread.csv")
    return {"runs": runs, "means": marked_default, "answers": answers, "spread": spreads, "weights": weights}


def default_rules() -> tuple[str, ...]:
    return tuple(POLICY_RULES)
