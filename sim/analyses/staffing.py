"""Staffing search: the smallest value of a staffing lever that meets a service standard with
95 % confidence, for each escalation rule, with replications added adaptively.

Search: a **grid** (every grid value is evaluated, no bisection), so the result does not rest on
an assumption of monotonicity; monotonicity is *checked* afterwards (see ``monotonicity``).

Common random numbers: replication r uses the same seed at every grid value and under every
rule: ``SeedSequence(seed).spawn(max_replications)[r].generate_state(1)`` (``sim.batch.seeds``, as sweeps do).

Stopping rule (per design point = one rule × one grid value), exactly:

1. Run ``min_replications`` replications (default 4).
2. For each criterion ``OUTCOME >= X`` (or ``<= X``) compute the two-sided Student-t
   ``confidence`` (default 95 %) interval [L, H] of the mean of OUTCOME over the replications
   (``sim.analyses.stats.mean_ci``; failed runs are left out).
   A criterion is *met* if L >= X (for <=: H <= X), *missed* if H < X (for <=: L > X), else open.
3. The point is **met** when every criterion is met, **missed** when at least one criterion is
   missed, otherwise it stays open: add ``step`` replications (default 4) and go to 2.
4. A point still open after ``max_replications`` (default 20) is **undecided**.

Each one-sided statement then holds at 97.5 %; "met" (an intersection of criteria) is therefore a
97.5 % statement and "missed" with two criteria a ≥ 95 % one (Bonferroni). The intervals are
recomputed at every look (at most 1 + (max − min) / step looks), which makes the guarantee
approximate (repeated looks); the cap bounds the number of looks. Identical values in every
replication give a zero-width interval and decide at once.

The answer for a rule is the smallest grid value that is *met* and above which no grid value is
*missed*. If that is the lowest value searched, the standard is reported as "met at the lowest
staffing tried" — the true threshold may be lower; no threshold is invented.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analyses.standard import Standard
from sim.analyses.stats import mean_ci
from sim.batch.seeds import spawned_seeds
from sim.config.presets import PRESETS

RULE_COLUMN = "escalation_rule"


@dataclass(frozen=True)
class SearchConfig:
    scenario_path: str | None          # base scenario file (None: the baseline)
    base_overrides: dict               # days, scale and any fixed values
    lever: str                         # the parameter searched (workers_per_10k, mediators_per_10k …)
    grid: tuple[float, ...]            # its values, ascending
    rules: tuple[str | None, ...]      # escalation rules (None: the scenario's own rule)
    standard: Standard
    seed: int = PRESETS["staffing"].first_seed
    min_replications: int = 4
    step: int = 4
    max_replications: int = 20
    confidence: float = 0.95

    def seeds(self) -> list[int]:
        """One seed per replication, spawned from the search's seed (``sim.batch.seeds``)."""
        return spawned_seeds(self.seed, self.max_replications)

    def max_looks(self) -> int:
        return 1 + math.ceil(max(0, self.max_replications - self.min_replications) / self.step)

    def stopping_rule(self) -> str:
        return (f"start with {self.min_replications} replications per point; after each batch compute the "
                f"two-sided {self.confidence:.0%} Student-t interval of each outcome's mean; a point is MET when "
                f"every criterion's interval lies on the right side of its threshold, MISSED when any lies wholly "
                f"on the wrong side; otherwise add {self.step} replications; after {self.max_replications} "
                f"replications an open point is UNDECIDED (at most {self.max_looks()} looks; common random numbers)")

    def to_json(self) -> dict:
        return {"scenario": self.scenario_path, "base_overrides": self.base_overrides, "lever": self.lever,
                "grid": list(self.grid), "rules": list(self.rules), "standard": self.standard.to_json(),
                "standard_text": str(self.standard), "seed": self.seed, "seeds": self.seeds(),
                "min_replications": self.min_replications, "step": self.step,
                "max_replications": self.max_replications, "confidence": self.confidence,
                "stopping_rule": self.stopping_rule()}


# ---------------------------------------------------------------- the decision


def decide(values: dict[str, Sequence[float]], standard: Standard, confidence: float = 0.95) -> tuple[str, dict]:
    """'met', 'missed' or 'open' for one point, and per-criterion (mean, low, high, verdict)."""
    verdicts, detail = [], {}
    for criterion in standard.criteria:
        mean, low, high = mean_ci(values[criterion.outcome], confidence)
        if not math.isfinite(low) or not math.isfinite(high):
            verdict = "open"
        elif criterion.op == ">=":
            verdict = "met" if low >= criterion.threshold else "missed" if high < criterion.threshold else "open"
        else:
            verdict = "met" if high <= criterion.threshold else "missed" if low > criterion.threshold else "open"
        detail[str(criterion)] = (mean, low, high, verdict)
        verdicts.append(verdict)
    if "missed" in verdicts:
        return "missed", detail
    if all(v == "met" for v in verdicts):
        return "met", detail
    return "open", detail


# ---------------------------------------------------------------- running


@dataclass
class SearchResult:
    config: SearchConfig
    runs: pd.DataFrame
    points: pd.DataFrame
    answers: pd.DataFrame
    monotonicity: pd.DataFrame
    seconds: float = 0.0
    out: Path | None = None
    notes: list[str] = field(default_factory=list)


def search(config: SearchConfig, *, processes: int = 1, out: str | Path | None = None,
           progress: Callable[[str], None] | None = None, bar=None) -> SearchResult:
    """Evaluate every (rule, grid value) point with adaptive replications; return tables.
    With ``out``, runs are stored in ``out/runs/part-*.parquet`` (sim.batch.store) as batches
    finish, and stored runs are reused on a rerun (same run id = same parameters and seed).
    ``bar`` (a ``sim.batch.progress.ProgressBar``) counts runs against the most the search
    can still need: decided points need no more. The folder is locked while the search writes it
    (a second search into it is refused), and parts a stopped search left torn are set aside."""
    if out is None:
        return _search(config, processes=processes, out=None, progress=progress, bar=bar)
    from sim.results.folders import FolderLock

    Path(out).mkdir(parents=True, exist_ok=True)
    with FolderLock(Path(out)):
        return _search(config, processes=processes, out=out, progress=progress, bar=bar)


def _search(config: SearchConfig, *, processes: int, out: str | Path | None, progress, bar) -> SearchResult:
    from sim.batch.engine import Job, RunSpec, run_id, run_tasks
    from sim.batch.store import Store
    from sim.config.outcomes import column_name
    from sim.config.scenario import load_scenario

    started = time.perf_counter()
    seeds = config.seeds()
    names = config.standard.outcomes
    points = [(rule, value) for rule in config.rules for value in config.grid]
    store = None
    stored: dict[str, dict] = {}
    if out is not None:
        store = Store(out)
        store.create()
        store.recover()
        old = store.runs()
        if len(old):
            stored = {row["run_id"]: row for row in old.to_dict("records")}
    rows: list[dict] = []
    count = {p: 0 for p in points}
    status = {p: "open" for p in points}
    job = Job(str(config.scenario_path or ""), dict(config.base_overrides), tuple(names),
              measure="sim.analyses.standard:run_outcomes")
    base = load_scenario(config.scenario_path, config.base_overrides).params.changed()
    columns = [column_name(n) for n in names]
    target = min(config.min_replications, config.max_replications)
    while True:
        todo = []
        for index, point in enumerate(points):
            if status[point] != "open":
                continue
            for replication in range(count[point], target):
                todo.append((index, point, replication))
        if not todo:
            break
        if bar is not None:
            bar.set_total(sum(count[p] if status[p] != "open" else config.max_replications for p in points))
        tasks, specs, results = [], [], {}
        for index, (rule, value), replication in todo:
            values = {config.lever: value, **({RULE_COLUMN: rule} if rule is not None else {})}
            rid = run_id({**base, **values}, 0, seeds[replication])
            if rid in stored and all(c in stored[rid] for c in columns) and stored[rid].get("status") == "ok":
                results[rid] = {c: stored[rid][c] for c in (*columns, "status", "error", "wall_seconds")}
            else:
                tasks.append((RunSpec(rid, index, replication, seeds[replication], values), job))
            specs.append((rid, index, rule, value, replication))
        if bar is not None:
            for _ in range(len(specs) - len(tasks)):
                bar.advance()  # stored already
        new = {row["run_id"]: row for row in run_tasks(tasks, processes=processes,
                                                       on_done=bar.advance if bar is not None else None)}
        fresh = []
        for rid, index, rule, value, replication in specs:
            if rid in results:
                outcome = results[rid]
            else:
                outcome = {c: new[rid][c] for c in (*columns, "status", "error", "wall_seconds")}
                fresh.append(rid)
            row = {"run_id": rid, "point": index, "replication": replication, "seed": seeds[replication],
                   RULE_COLUMN: rule if rule is not None else "(scenario)", column_name(config.lever): float(value),
                   **outcome}
            rows.append(row)
        if store is not None and fresh:
            store.append([r for r in rows[-len(specs):] if r["run_id"] in set(fresh)], [])
        for point in points:
            if status[point] != "open":
                continue
            count[point] = max(count[point], target)
            status[point] = decide(_values(rows, points.index(point), names), config.standard,
                                   config.confidence)[0]
            if status[point] == "open" and count[point] >= config.max_replications:
                status[point] = "undecided"
        if progress:
            counts = pd.Series(list(status.values())).value_counts().to_dict()
            progress(f"{target} replications: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        if target >= config.max_replications:
            break
        target = min(target + config.step, config.max_replications)
    for point in points:
        if status[point] == "open":
            status[point] = "undecided"
    runs = pd.DataFrame(rows)
    table = points_table(runs, config, points, status)
    result = SearchResult(config, runs, table, answers(table, config), monotonicity(runs, config),
                          time.perf_counter() - started, Path(out) if out is not None else None)
    return result


def _values(rows: list[dict], index: int, names: list[str]) -> dict[str, list[float]]:
    mine = [r for r in rows if r["point"] == index and r["status"] == "ok"]
    return {n: [float(r[n]) for r in mine] for n in names}


def points_table(runs: pd.DataFrame, config: SearchConfig, points: list, status: dict) -> pd.DataFrame:
    names = config.standard.outcomes
    out = []
    for index, point in enumerate(points):
        rule, value = point
        rows = runs[runs["point"] == index]
        ok = rows[rows["status"] == "ok"]
        _, detail = decide({n: ok[n].to_numpy(dtype=float) for n in names}, config.standard, config.confidence)
        row = {RULE_COLUMN: rule if rule is not None else "(scenario)", config.lever: float(value),
               "replications": len(rows), "failed": int((rows["status"] != "ok").sum()), "decision": status[point]}
        for name in names:
            mean, low, high = mean_ci(ok[name].to_numpy(dtype=float), config.confidence)
            row[name], row[f"{name}_low"], row[f"{name}_high"] = mean, low, high
        row["criteria"] = "; ".join(f"{c}: {v[3]}" for c, v in detail.items())
        out.append(row)
    return pd.DataFrame(out)


def answers(table: pd.DataFrame, config: SearchConfig) -> pd.DataFrame:
    """Per rule: the smallest grid value met with no missed value above it, and what that means."""
    rows = []
    lever = config.lever
    for rule, part in table.groupby(RULE_COLUMN, sort=False):
        part = part.sort_values(lever)
        values, decisions = part[lever].tolist(), part["decision"].tolist()
        answer, index = math.nan, None
        for i, decision in enumerate(decisions):
            if decision == "met" and "missed" not in decisions[i + 1:]:
                answer, index = values[i], i
                break
        if index is None:
            if "met" in decisions:
                verdict = "not monotone: met at " \
                          + ", ".join(f"{v:g}" for v, d in zip(values, decisions, strict=True) if d == "met") \
                          + " but missed above; no reliable answer"
            elif all(d == "missed" for d in decisions):
                verdict = f"missed at every staffing tried (up to {values[-1]:g})"
            else:
                verdict = f"not shown to be met at any staffing tried (up to {values[-1]:g}); " \
                          + ", ".join(f"{v:g} {d}" for v, d in zip(values, decisions, strict=True) if d != "missed")
            below = math.nan
        elif index == 0:
            verdict = f"met at the lowest staffing tried ({values[0]:g}); the threshold is at or below it"
            below = math.nan
        else:
            below = values[index - 1]
            if decisions[index - 1] == "missed":
                verdict = (f"met at {values[index]:g}, missed at {below:g}: "
                           f"the threshold lies in ({below:g}, {values[index]:g}]")
            else:
                undecided = [f"{v:g}" for v, d in zip(values[:index], decisions[:index], strict=True)
                             if d == "undecided"]
                verdict = (f"met at {values[index]:g}; {', '.join(undecided)} undecided after "
                           f"{config.max_replications} replications (may also meet)") if undecided else \
                    f"met at {values[index]:g}"
        rows.append({RULE_COLUMN: rule, "smallest_met": answer, "next_lower": below,
                     "lowest_tried": values[0], "highest_tried": values[-1], "verdict": verdict,
                     "decisions": " ".join(f"{v:g}:{d}" for v, d in zip(values, decisions, strict=True))})
    return pd.DataFrame(rows)


def monotonicity(runs: pd.DataFrame, config: SearchConfig) -> pd.DataFrame:
    """For each rule, outcome and pair of neighbouring grid values: the paired difference (common
    random numbers: same replication, same seed) of the outcome, with its 95 % CI, and whether it
    goes significantly the wrong way (worse with more staff) — a reversal of monotonicity."""
    rows = []
    ok = runs[runs["status"] == "ok"]
    for criterion in config.standard.criteria:
        name = criterion.outcome
        for rule, part in ok.groupby(RULE_COLUMN, sort=False):
            values = sorted(part[config.lever].unique())
            for a, b in itertools.pairwise(values):
                left = part[part[config.lever] == a].set_index("replication")[name]
                right = part[part[config.lever] == b].set_index("replication")[name]
                common = left.index.intersection(right.index)
                diff = (right.loc[common] - left.loc[common]).to_numpy(dtype=float)
                mean, low, high = mean_ci(diff)
                if criterion.higher_is_better:
                    wrong = bool(np.isfinite(high) and high < 0)
                else:
                    wrong = bool(np.isfinite(low) and low > 0)
                rows.append({RULE_COLUMN: rule, "outcome": name, "from": a, "to": b, "pairs": len(common),
                             "difference": mean, "low": low, "high": high, "reversal": wrong})
    return pd.DataFrame(rows)


def monotonicity_summary(mono: pd.DataFrame) -> list[str]:
    lines = []
    if mono.empty:
        return ["no pairs to check"]
    for (rule, name), part in mono.groupby([RULE_COLUMN, "outcome"], sort=False):
        bad = part[part["reversal"]]
        if bad.empty:
            lines.append(f"{rule}, {name}: no significant reversal over {len(part)} neighbouring pairs (monotone "
                         "within noise)")
        else:
            lines.append(f"{rule}, {name}: significant reversal(s) at " + ", ".join(
                f"{r['from']:g}→{r['to']:g} ({r['difference']:+.3g})" for _, r in bad.iterrows()))
    return lines


# ---------------------------------------------------------------- output


def write_outputs(result: SearchResult, out: Path) -> list[Path]:
    from sim.results.files import atomic_write_csv, atomic_write_json
    from sim.results.provenance import provenance

    out.mkdir(parents=True, exist_ok=True)
    atomic_write_csv(result.points, out / "points.csv")
    atomic_write_csv(result.answers, out / "answers.csv")
    atomic_write_csv(result.monotonicity, out / "monotonicity.csv")
    atomic_write_csv(result.runs, out / "runs.csv")
    atomic_write_json({"analysis": "staffing", **result.config.to_json(), "seconds": round(result.seconds, 2),
                       "runs": int(len(result.runs)), "scenario_parameters": _scenario_params(result.config),
                       **provenance()}, out / "manifest.json")
    figure(result, out / "staffing.png")
    return [out / n for n in ("points.csv", "answers.csv", "monotonicity.csv", "runs.csv", "manifest.json",
                              "staffing.png")]


def _scenario_params(config: SearchConfig) -> dict:
    from sim.config.scenario import load_scenario

    return load_scenario(config.scenario_path, config.base_overrides).params.changed()


def draw_figure(result: SearchResult):
    """staffing.png's figure: each criterion of the standard against the lever, one line per rule
    (mean and CI; the marker says met, missed or undecided), in the registry's labels and units (a
    share as a percentage), the standard's threshold dashed."""
    import textwrap

    from matplotlib.figure import Figure

    from sim.config.display import axis_label, factor, format_value, label
    from sim.results.plotting import round_ticks

    config, table = result.config, result.points
    criteria = config.standard.criteria
    fig = Figure(figsize=(6 * len(criteria), 4.6), layout="constrained")
    axes = fig.subplots(1, len(criteria), squeeze=False)
    markers = {"met": "o", "missed": "X", "undecided": "s"}
    across = factor(config.lever)
    for ax, criterion in zip(axes[0], criteria, strict=False):
        name = criterion.outcome
        scale = factor(name)
        for rule, part in table.groupby(RULE_COLUMN, sort=False):
            part = part.sort_values(config.lever)
            x = part[config.lever].to_numpy(dtype=float) * across
            y = part[name].to_numpy(dtype=float) * scale
            err = np.vstack([y - part[f"{name}_low"].to_numpy(dtype=float) * scale,
                             part[f"{name}_high"].to_numpy(dtype=float) * scale - y])
            line = ax.errorbar(x, y, yerr=np.nan_to_num(err), capsize=3, label=str(rule), linewidth=1.2)
            colour = line[0].get_color()
            for decision, marker in markers.items():
                mask = (part["decision"] == decision).to_numpy()
                if mask.any():
                    ax.scatter(x[mask], y[mask], marker=marker, s=40,
                               color=colour if decision != "undecided" else "white",
                               edgecolor=colour, zorder=3)
            answer = result.answers.set_index(RULE_COLUMN).loc[rule, "smallest_met"]
            if np.isfinite(answer):
                ax.axvline(answer * across, color=colour, linestyle=":", linewidth=1)
        op = "≥" if criterion.op == ">=" else "≤"
        ax.axhline(criterion.threshold * scale, color="black", linestyle="--", linewidth=1,
                   label=f"standard: {op} {format_value(name, criterion.threshold)}")
        ax.set_xlabel(axis_label(config.lever))
        ax.set_ylabel(axis_label(name))
        round_ticks(ax)
        title = textwrap.fill(f"{label(name)} {op} {format_value(name, criterion.threshold, unit=True)}", 60)
        ax.set_title(f"{title}\n(mean and {config.confidence:.0%} CI; ● met, ✕ missed, □ undecided)", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return fig


def figure(result: SearchResult, path: Path) -> None:
    draw_figure(result).savefig(path, dpi=110, metadata={"Software": None})
