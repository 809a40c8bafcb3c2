"""The sourced standard, the staffing answer across calibrated worlds, the sensitivity of
decisions (slopes and rule differences) and discovery over ensemble members (issue 17, items 3, 6, 7)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analyses.standard import DEFAULT_STANDARD, SOURCES, parse_standard, source_of, sourced_standard


def test_the_default_standard_encodes_sourced_rules_each_at_95_percent():
    standard = parse_standard(DEFAULT_STANDARD)
    assert [c.outcome for c in standard.criteria] == ["mediations_within_30_days", "requests_within_5_working_days",
                                                     "closure_rate", "satisfaction_rate"]
    assert all(c.op == ">=" and c.threshold == 0.95 for c in standard.criteria)
    texts = {c.outcome: source_of(c) for c in standard.criteria}
    assert "order no. 75" in texts["mediations_within_30_days"] and "一个月" in texts["mediations_within_30_days"]
    assert "Shandong 2020" in texts["requests_within_5_working_days"]
    assert "Fuzhou 2017" in texts["requests_within_5_working_days"]
    assert "接近100%" in texts["closure_rate"] and "回访满意率" in texts["satisfaction_rate"]
    assert set(SOURCES) == set(texts)
    assert all(entry["source"] for entry in standard.to_json())
    looser = parse_standard(sourced_standard(0.9, hotline_days=10))
    assert [c.threshold for c in looser.criteria] == [0.9] * 4
    assert "complaints" in source_of(looser.criteria[1])


def test_the_staffing_answer_spread_is_computed_from_per_member_answers():
    from sim.analyses.worlds import answer_of, member_answers, need_at_most, spread

    assert answer_of([6, 12, 18, 24], [False, True, False, True]) == 24  # a miss above resets the answer
    assert answer_of([6, 12, 18], [False, False, False]) == math.inf
    # hand-made per-member means: four members, one rule; member 3 never meets, member 0 meets from 6
    met = {0: [True, True, True, True], 1: [False, True, True, True], 2: [False, False, False, True],
           3: [False, False, False, False]}
    rows = [{"member": m, "escalation_rule": "shishi", "workers_per_10k": g, "met": flag}
            for m, flags in met.items() for g, flag in zip((6.0, 12.0, 18.0, 24.0), flags, strict=True)]
    answers = member_answers(pd.DataFrame(rows), norm=18.0)
    assert answers.set_index("member")["answer"].tolist() == [6.0, 12.0, 24.0, math.inf]
    assert answers["met_at_norm"].tolist() == [True, True, False, False]
    weights = {0: 0.4, 1: 0.3, 2: 0.2, 3: 0.1}
    row = spread(answers, weights).iloc[0]
    assert row["share_met_at_norm"] == pytest.approx(0.7)
    assert row["share_beyond_grid"] == pytest.approx(0.1)
    assert row["need_p50"] == 12.0  # 0.4 + 0.3 ≥ 0.5
    assert row["need_p90"] == 24.0  # 0.4 + 0.3 + 0.2 = 0.9
    assert need_at_most([6, 12, 24, math.inf], [0.4, 0.3, 0.2, 0.1], 0.95) == math.inf
    # the spread changes when, and only when, a member's answer does
    answers.loc[answers["member"] == 2, "answer"] = 30.0
    assert spread(answers, weights).iloc[0]["need_p90"] == 30.0


def test_every_screened_uncertainty_belongs_to_a_system():
    from sim.analyses.decisions import DUMMY_GROUP, OTHER_SYSTEM, SYSTEMS, default_factors, system_of

    groups = {name: system_of(name) for name in default_factors()}
    assert [name for name, group in groups.items() if group == OTHER_SYSTEM] == []
    assert set(groups.values()) == {*SYSTEMS, DUMMY_GROUP}


def _linear_engine():
    """A stand-in for the model: outcome = a·workers + b with a from service_days.town and b from
    success.town.moderate; the rules add nothing. The slope (24 − 12) is 12·a: only a's group moves it."""
    from sim.batch.engine import Engine, make_row

    def execute(spec, job):
        v = spec.values
        a, b = v["service_days.town"], v["success.town.moderate"]
        value = a * v["workers_per_10k"] / 100 + b
        return make_row(spec, job, "ok", "", {"closure_rate": value}, 0.0), None

    return Engine(execute_run=execute)


def test_decision_sensitivity_finds_the_factor_that_moves_the_slope(tmp_path):
    from sim.analyses.decisions import analyse

    standard = parse_standard("closure_rate>=0.5")
    result = analyse(tmp_path, standard, factors={"service_days.town": (1.0, 5.0), "success.town.moderate": (0.5, 0.9),
                                                  "surge.factor": (1.0, 3.0)},
                     groups={"service_days.town": "slope system", "success.town.moderate": "level system"},
                     trajectories=4, seeds=(1,), scale=0.01, days=5, engine=_linear_engine())
    indices = result["indices"].set_index(["quantity", "group"])["mu_star"]
    slope = "closure_rate:slope_12_24"
    # exactly 12/100 per unit of service_days.town, times its range 4: μ* = 0.48 per unit of the range
    assert indices[(slope, "slope system")] == pytest.approx(0.48)
    assert indices[(slope, "level system")] == pytest.approx(0.0, abs=1e-12)
    assert indices[(slope, "dummy (inert)")] == pytest.approx(0.0, abs=1e-12)
    level = "closure_rate:level"
    assert indices[(level, "level system")] == pytest.approx(0.4)  # b's range
    assert indices[(level, "slope system")] == pytest.approx(0.18 * 4)
    assert indices[("closure_rate:shishi_minus_three_level", "slope system")] == pytest.approx(0.0, abs=1e-12)
    assert (tmp_path / "indices.csv").is_file()


def test_discovery_over_members_finds_the_worlds_that_miss(tmp_path):
    pytest.importorskip("ema_workbench", reason="the optional extra 'ema'")
    from sim.analyses.standard import parse_standard
    from sim.analyses.worlds import discover, mark_met
    from sim.config.ensemble import Member

    rng = np.random.default_rng(3)
    members = [Member(i, 1.0, 0.5, {"service_days.town": float(x), "success.town.moderate": float(y)})
               for i, (x, y) in enumerate(rng.uniform(0, 1, size=(60, 2)) * [4, 0.4] + [1, 0.5])]
    # planted: a world misses at 18 when its town service is slow (service_days.town above 3.5)
    means = pd.DataFrame([{"member": m.index, "escalation_rule": "shishi", "workers_per_10k": 18.0,
                           "closure_rate": 0.9 if m.values["service_days.town"] > 3.5 else 0.99} for m in members])
    marked = mark_met(means, parse_standard("closure_rate>=0.95"))
    table = discover(marked, members, parse_standard("closure_rate>=0.95"))
    row = table[table["target"] == "standard"].iloc[0]
    assert row["missed"] == sum(m.values["service_days.town"] > 3.5 for m in members)
    assert "service_days.town above" in row["description"] and "success" not in row["description"]
    assert row["coverage"] == 1.0 and row["density"] >= 0.8  # the largest-coverage box at density ≥ 0.8


def write_tiny_ensemble(folder, members: int = 6):
    """An ensemble folder as ``python run.py calibrate`` writes it (sim.config.ensemble), with two
    uncertainties and unequal weights."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    weights = rng.uniform(0.5, 1.5, members)
    weights /= weights.sum()
    lines = ["member,weight,distance,service_days.town,success.town.moderate"]
    for index in range(members):
        lines.append(f"{index},{weights[index]:.6f},0.8,{rng.uniform(1, 5):.4f},{rng.uniform(0.5, 0.9):.4f}")
    (folder / "members.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "provenance.json").write_text(json.dumps({"scale": 0.25, "command": "test"}), encoding="utf-8")
    return folder


def _stand_in_engine():
    """Outcomes that depend on staffing, rule and the member's town service days, without the model."""
    from sim.batch.engine import Engine, make_row

    def execute(spec, job):
        v = spec.values
        good = 0.9 + 0.004 * v["workers_per_10k"] - 0.01 * v.get("service_days.town", 3.0) \
            + (0.01 if v["escalation_rule"] == "shishi" else 0.0)
        values = {name: min(1.0, good) for name in job.outcomes}
        return make_row(spec, job, "ok", "", values, 0.0), None

    return Engine(execute_run=execute)


def test_policy_analysis_prints_its_plan_progress_and_time_left_and_writes_the_answers(tmp_path):
    pytest.importorskip("ema_workbench", reason="the optional extra 'ema'")
    from sim.docgen.policy_report import DOC_BEGIN, DOC_END, policy_analysis, write_doc

    ensemble = write_tiny_ensemble(tmp_path / "ensemble")
    said = []
    report = policy_analysis(tmp_path / "out", parse_standard(DEFAULT_STANDARD), ensemble=ensemble, members=5,
                             seeds=1, grid=(12.0, 18.0, 24.0), scale=0.01, days=5, trajectories=1,
                             progress=said.append, engine=_stand_in_engine(), every_seconds=0.0)
    assert said[0].startswith("plan: ") and "runs" in said[0]
    ticks = [line for line in said if "runs," in line and "elapsed" in line]
    assert ticks and all("left" in line or "estimating" in line for line in ticks)
    assert ticks[-1].split(":")[1].strip().startswith(tuple(str(n) for n in range(10)))
    assert any("about" in line and "left" in line for line in ticks)
    text = report.read_text(encoding="utf-8")
    assert "Ministry of Justice order no. 75" in text and "calibrated worlds" in text
    assert "## 2. What the decisions are sensitive to" in text and "slope 12 → 24" in text
    spread = pd.read_csv(tmp_path / "out" / "worlds" / "spread.csv")
    assert set(spread["escalation_rule"]) == {"shishi", "three_level", "direct_dispatch", "bottom_up"}
    answers = pd.read_csv(tmp_path / "out" / "worlds" / "member_answers.csv")
    assert len(answers[answers["standard"] == "default"]) == 5 * 4
    doc = tmp_path / "policy.md"
    doc.write_text(f"# Policy\n\nintro\n\n{DOC_BEGIN}\nOLD-ANSWERS\n{DOC_END}\n\ntail\n", encoding="utf-8")
    write_doc(tmp_path / "out", doc, "stand-in engine")
    written = doc.read_text(encoding="utf-8")
    assert "OLD-ANSWERS" not in written and "stand-in engine" in written and written.endswith("tail\n")
    assert "### 1. Staffing per rule across calibrated worlds" in written
