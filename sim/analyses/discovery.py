"""Scenario discovery: the futures in which a staffing norm (18 per 10,000) misses the standard.

Input: a sweep (sim.batch) that crosses staffing and escalation rules with a Latin hypercube over
uncertainties (``design.levers = "factorial"``, so every policy meets the same sampled futures),
e.g. experiments/policy_discovery.toml. For each future (one LHS sample) and policy, outcomes are
averaged over replications; the future *misses* when that mean fails any criterion of the
standard (a point estimate: with few replications, futures near the threshold can be
misclassified by run noise — PRIM tolerates some label noise, and density says how pure a box is).

PRIM (the EMA workbench's, through sim.analyses.prim) is run per escalation rule on the futures at
the norm, with the sampled uncertainties as the dimensions (numeric or categorical). Output:
boxes.csv (readable description, coverage, density, mass, limits, quasi-p-values and each
restriction's resampled stability), miss_rates.csv (share of futures missed per staffing × rule,
and how many of the futures missed at the norm are met with more staff), futures.csv, and figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analyses.prim import prim_boxes
from sim.analyses.standard import Standard
from sim.config.errors import StandardError
from sim.config.presets import NORM_WORKERS_PER_10K

LEVER, RULE = "workers_per_10k", "escalation_rule"


def load_futures(sweep: Path) -> tuple[pd.DataFrame, list[str], dict]:
    """Per design point: lever values, sample index, uncertainty values, replication-mean outcomes."""
    from sim.batch.store import Store
    from sim.config.outcomes import column_name

    store = Store(sweep)
    manifest = store.read_manifest()
    meta = json.loads((sweep / "design.json").read_text(encoding="utf-8"))
    uncertainties = [f["name"] for f in manifest["factors"] if f["kind"] == "uncertainty"]
    outcomes = list(manifest["settings"]["outcomes"])
    factor_names = [f["name"] for f in manifest["factors"]]
    runs = store.runs().rename(columns={column_name(n): n for n in factor_names})  # PRIM describes dotted names
    ok = runs[runs["status"] == "ok"]
    sample_of = {}
    for _, ids in meta.get("blocks", []):
        for index, point in enumerate(ids):
            sample_of[int(point)] = index
    means = ok.groupby("point").agg({**{n: "first" for n in factor_names}, **{o: "mean" for o in outcomes},
                                     "replication": "count"}).rename(columns={"replication": "replications"})
    means = means.reset_index()
    means["sample"] = means["point"].map(sample_of)
    return means, uncertainties, manifest


def discover(sweep: Path, out: Path, standard: Standard, *, norm: float = NORM_WORKERS_PER_10K, threshold: float = 0.8,
             peel_alpha: float = 0.05, max_boxes: int = 2, mass_min: float = 0.05) -> dict:
    from sim.results.files import atomic_write_csv

    futures, uncertainties, manifest = load_futures(sweep)
    missing = [o for o in standard.outcomes if o not in futures.columns]
    if missing:
        raise StandardError(f"the sweep in {sweep} did not keep {', '.join(missing)}; discovery needs outcomes the "
                            "sweep stored (" + ", ".join(manifest["settings"]["outcomes"]) + ")")
    if LEVER not in futures.columns:
        raise StandardError(f"the sweep in {sweep} does not vary {LEVER}", source=str(sweep))
    if not uncertainties:
        raise StandardError(f"the sweep in {sweep} samples no uncertainties", source=str(sweep))
    levels = sorted(futures[LEVER].unique())
    if not np.isclose(levels, norm).any():
        raise StandardError(f"the sweep has no runs at {LEVER} = {norm:g} (it has "
                            f"{', '.join(f'{v:g}' for v in levels)})", source="--norm")
    futures["missed"] = ~futures.apply(lambda row: standard.met_by(row), axis=1)
    if RULE not in futures.columns:
        futures[RULE] = "(scenario)"
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_csv(futures, out / "futures.csv")

    # miss rates per staffing × rule, and rescue by more staff
    rates = []
    for (level, rule), part in futures.groupby([LEVER, RULE]):
        rates.append({LEVER: level, RULE: rule, "futures": len(part), "missed": int(part["missed"].sum()),
                      "miss_rate": float(part["missed"].mean())})
    rates = pd.DataFrame(rates)
    at_norm = futures[np.isclose(futures[LEVER], norm)]
    rescue = []
    for rule, part in at_norm.groupby(RULE):
        missed_samples = set(part.loc[part["missed"], "sample"])
        for level in levels:
            if level <= norm:
                continue
            other = futures[np.isclose(futures[LEVER], level) & (futures[RULE] == rule)]
            rescued = other[other["sample"].isin(missed_samples) & ~other["missed"]]
            rescue.append({RULE: rule, "from": norm, "to": level, "missed_at_norm": len(missed_samples),
                           "met_with_more_staff": len(rescued)})
    rescue = pd.DataFrame(rescue)
    atomic_write_csv(rates, out / "miss_rates.csv")
    atomic_write_csv(rescue, out / "rescue.csv")

    boxes, box_objects = [], {}
    for rule, part in at_norm.groupby(RULE, sort=False):
        X = part[uncertainties].reset_index(drop=True)
        y = part["missed"].to_numpy(dtype=bool)
        row_base = {RULE: rule, LEVER: norm, "futures": len(part), "missed": int(y.sum())}
        if y.sum() == 0:
            boxes.append({**row_base, "box": 0, "description": "no future misses the standard", "coverage": np.nan,
                          "density": np.nan, "mass": np.nan})
            continue
        if y.all():
            boxes.append({**row_base, "box": 0, "description": "every future misses the standard",
                          "coverage": 1.0, "density": 1.0, "mass": 1.0})
            continue
        found = prim_boxes(X, y, max_boxes=max_boxes, threshold=threshold, peel_alpha=peel_alpha, mass_min=mass_min)
        box_objects[rule] = (found, X, y)
        for number, box in enumerate(found, start=1):
            boxes.append({**row_base, "box": number, "description": box.describe(), "coverage": box.coverage,
                          "density": box.density, "mass": box.mass, "in_box": box.n_in,
                          "missed_in_box": box.n_interest_in,
                          "limits": json.dumps({k: sorted(v) if isinstance(v, frozenset) else list(v)
                                                for k, v in box.restricted.items()}),
                          "quasi_p": json.dumps({k: float(f"{v:.3g}") for k, v in box.quasi_p.items()}),
                          "stability": box.stability_text()})
        if not found:
            boxes.append({**row_base, "box": 0, "description": "PRIM found no restricting box", "coverage": np.nan,
                          "density": np.nan, "mass": np.nan})
    boxes = pd.DataFrame(boxes)
    atomic_write_csv(boxes, out / "boxes.csv")
    figures(box_objects, out)
    from sim.results.files import atomic_write_json
    from sim.results.provenance import provenance

    atomic_write_json({"analysis": "discovery", "sweep": str(sweep), "standard": standard.to_json(),
                       "standard_text": str(standard), "norm": norm, "threshold": threshold, "peel_alpha": peel_alpha,
                       "uncertainties": uncertainties, "sweep_settings": manifest.get("settings"),
                       "sweep_seeds": manifest.get("seeds"), "sweep_git_commit": manifest.get("git_commit"),
                       **provenance()}, out / "manifest.json")
    return {"boxes": boxes, "rates": rates, "rescue": rescue, "futures": futures}


def figures(box_objects: dict, out: Path) -> None:
    if not box_objects:
        return
    draw_figures(box_objects).savefig(out / "prim.png", dpi=100, metadata={"Software": None})


def draw_figures(box_objects: dict):
    """prim.png's figure: per rule, PRIM's peeling trajectory and the futures on the chosen box's
    first two dimensions (labelled from the parameter registry, with units)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from sim.config.display import axis_label, factor
    from sim.results.plotting import round_ticks

    fig = Figure(figsize=(5.5 * len(box_objects), 8.4), layout="constrained")
    axes = fig.subplots(2, len(box_objects), squeeze=False)
    for column, (rule, (found, X, y)) in enumerate(box_objects.items()):
        ax = axes[0][column]
        if found:
            trajectory = found[0].trajectory
            ax.plot(trajectory["coverage"], trajectory["density"], marker=".", linewidth=1)
            ax.scatter([found[0].coverage], [found[0].density], color="red", zorder=3, label="chosen box (pasted)")
            ax.legend(fontsize=7)
        ax.set_xlabel("Coverage (share of the failing futures inside the box, 0–1)", fontsize=8)
        ax.set_ylabel("Density (share of the box's futures that fail, 0–1)", fontsize=8)
        round_ticks(ax)
        ax.set_title(f"{rule}: PRIM peeling trajectory", fontsize=9)
        ax.grid(alpha=0.3)
        ax = axes[1][column]
        numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
        dims = [d for d in (found[0].limits if found else {}) if d in numeric]
        dims = (dims + [c for c in numeric if c not in dims])[:2]
        if len(dims) == 2:
            fx, fy = factor(dims[0]), factor(dims[1])  # a share as a percentage, as its label says
            ax.scatter(X[dims[0]] * fx, X[dims[1]] * fy, c=np.where(y, "tab:red", "tab:blue"), s=14)
            if found:
                (lo0, hi0), (lo1, hi1) = (found[0].limits.get(d, (X[d].min(), X[d].max())) for d in dims)
                ax.add_patch(Rectangle((lo0 * fx, lo1 * fy), (hi0 - lo0) * fx, (hi1 - lo1) * fy, fill=False,
                                       edgecolor="red", linewidth=1.5))
            ax.set_xlabel(axis_label(dims[0]), fontsize=8)
            ax.set_ylabel(axis_label(dims[1]), fontsize=8)
            round_ticks(ax)
        ax.set_title("Sampled futures (red: misses the standard) and box 1\non its first two dimensions", fontsize=9)
    return fig
