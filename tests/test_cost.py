"""Cost and robust choice: the cost sums by hand on a small city, the frontier's non-dominated set,
regret and the minimax choice on hand-made tables, the EMA workbench's table equal to the engine's,
and the two commands end to end at a tiny size."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analyses.cost import (
    add_costs,
    frontier_table,
    marginal_costs,
    nondominated,
    run_policy_grid,
    staff_counts,
    staffing_cost,
    world_means,
)
from sim.analyses.robust import policy_scores, regret, regret_summary, robust_choice
from sim.cli.main import main
from sim.config.costs import COSTS, cost_values
from sim.config.ensemble import load_ensemble
from sim.config.errors import ParamError
from sim.config.scenario import load_scenario
from sim.results.api import run

TINY = {"scale": 0.005, "days": 60}  # cases arisen in the first 30 days count in the 30-day shares


def write_ensemble(folder, rows=((7, 0.5, 0.8, 0.8, 0.3), (3, 0.3, 0.9, 2.0, 0.5), (11, 0.2, 1.1, 1.2, 0.45))):
    """A hand-made ensemble in the shipped format (members.csv + provenance.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["member,weight,distance,handoff_days,part_time_hours_share"]
    lines += [",".join(str(value) for value in row) for row in rows]
    (folder / "members.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "provenance.json").write_text(json.dumps({"command": "hand-made for tests"}), encoding="utf-8")
    return folder


# ---------------------------------------------------------------- prices and the cost of a run


def test_every_price_has_a_unit_a_source_and_a_range_around_its_default():
    for item in COSTS.values():
        assert item.unit and item.source and item.doc
        assert item.plausible[0] <= item.default <= item.plausible[1]
    assert cost_values({"town_centre": 1})["town_centre"] == 1.0
    with pytest.raises(ParamError, match="not a declared cost"):
        cost_values({"grid_worker": 1})
    with pytest.raises(ParamError, match="grid_worker_full_time"):
        cost_values({"grid_worker_full_time": -5})


def test_cost_of_a_small_city_is_its_heads_times_the_prices_by_hand():
    scale = TINY["scale"]
    result = run(load_scenario(None, TINY), seed=3)
    org = result.model.organisation
    # count the heads ourselves
    full_workers = sum(1 for w in org.workers if not w.part_time)
    part_workers = len(org.workers) - full_workers
    full_mediators = sum(1 for m in org.mediators if m.full_time)
    part_mediators = len(org.mediators) - full_mediators
    officers = len(org.officers) + len(org.centre_officers) + len(org.zone_officers)
    counts = staff_counts(result)
    assert (counts["staff_grid_full_time"], counts["staff_grid_part_time"]) == (full_workers, part_workers)
    assert (counts["staff_mediators_full_time"], counts["staff_mediators_part_time"]) == (full_mediators,
                                                                                          part_mediators)
    assert counts["staff_clerks"] == len(org.clerks) and counts["run_days"] == 60
    # and multiply by the declared defaults, written out
    on = 1.30
    expected = {
        "cost_grid_workers_full_time": full_workers / scale * 26_400 * on,
        "cost_grid_workers_part_time": part_workers / scale * 10_560,
        "cost_mediators_full_time": full_mediators / scale * 60_176 * on,
        "cost_mediators_part_time": part_mediators / scale * 1_200,
        "cost_mediation_case_subsidies": counts["mediated_cases"] / scale * 365 / 60 * 100,
        "cost_dispatch_clerks": len(org.clerks) / scale * 60_176 * on,
        "cost_department_staff": officers / scale * 68_188 * on,
        "cost_centres": 140_000 + 9 * 100_000 + 128 * 22_000,
    }
    cost = staffing_cost(counts, scale, 60)
    for name, value in expected.items():
        assert cost[name] == pytest.approx(value), name
    assert cost["cost_total"] == pytest.approx(sum(expected.values()))
    resolved = (counts["resolved_cases_disputes"] + counts["resolved_cases_public_service"]) / scale * 365 / 60
    assert resolved > 0 and cost["cost_per_resolved_case"] == pytest.approx(cost["cost_total"] / resolved)
    # a price override moves only its line
    cheaper = staffing_cost(counts, scale, 60, {"community_centre": 0})
    assert cheaper["cost_total"] == pytest.approx(cost["cost_total"] - 128 * 22_000)


# ---------------------------------------------------------------- the frontier


def test_nondominated_set_of_a_hand_made_table():
    cost = [10, 20, 20, 30, 40, 15, np.nan]
    share = [50, 60, 55, 60, 70, 45, 90]
    # 20/55 loses to 20/60; 30/60 to 20/60; 15/45 to 10/50; NaN is never on it
    assert nondominated(cost, share).tolist() == [True, True, False, False, True, False, False]
    assert nondominated([1, 1], [5, 5]).tolist() == [True, True]  # ties are both kept


def _worlds() -> pd.DataFrame:
    """Two worlds × two rules × two staffing levels, hand-made."""
    rows = []
    table = {  # (rule, level): (cost in world 1, world 2, disputes share w1, w2, public service w1, w2)
        ("a", 12.0): (100e6, 100e6, 0.70, 0.60, 0.90, 0.90),
        ("a", 18.0): (120e6, 120e6, 0.75, 0.66, 0.91, 0.92),
        ("b", 12.0): (101e6, 101e6, 0.72, 0.58, 0.95, 0.93),
        ("b", 18.0): (121e6, 121e6, 0.72, 0.64, 0.95, 0.93),
    }
    for (rule, level), (c1, c2, d1, d2, p1, p2) in table.items():
        for member, cost, d, p in ((1, c1, d1, p1), (2, c2, d2, p2)):
            rows.append({"member": member, "escalation_rule": rule, "workers_per_10k": level, "cost_total": cost,
                         "cost_per_resolved_case": cost / 1e4, "resolved_within_30_days_disputes": d,
                         "resolved_within_30_days_public_service": p})
    return pd.DataFrame(rows)


def test_frontier_table_marks_the_non_dominated_policies_and_the_marginal_cost():
    table = frontier_table(_worlds()).set_index(["escalation_rule", "workers_per_10k"])
    # medians over two equal worlds are the means: disputes a@12 65, a@18 70.5, b@12 65, b@18 68
    assert table.loc[("a", 18.0), "disputes_pct"] == pytest.approx(70.5)
    assert table["frontier_disputes"].to_dict() == {("a", 12.0): True, ("a", 18.0): True, ("b", 12.0): False,
                                                    ("b", 18.0): False}
    # public service: b@12 (94 %) beats everything dearer; a@12 is cheapest
    assert table["frontier_public_service"].to_dict() == {("a", 12.0): True, ("a", 18.0): False,
                                                          ("b", 12.0): True, ("b", 18.0): False}
    assert table.loc[("a", 18.0), "marginal_disputes_yuan_per_point"] == pytest.approx(20e6 / 5.5)
    assert table.loc[("b", 12.0), "marginal_public_service_yuan_per_point"] == pytest.approx(1e6 / 4)  # 94 − 90 points
    marginal = marginal_costs(_worlds()).set_index("escalation_rule")
    assert marginal.loc["a", "extra_cost_yuan"] == pytest.approx(20e6)
    assert marginal.loc["a", "disputes_extra_points"] == pytest.approx(5.5)  # 5 and 6 points: median 5.5
    assert marginal.loc["a", "disputes_yuan_per_point"] == pytest.approx(20e6 / 5.5)
    assert np.isnan(marginal.loc["b", "public_service_yuan_per_point"])  # no gain


# ---------------------------------------------------------------- regret and the robust choice


def test_regret_is_zero_for_the_best_and_the_shortfall_otherwise():
    scores = policy_scores(_worlds(), "disputes")
    regrets = regret(scores)
    # world 1: best a@18 (75): a@12 5, b@12 3, b@18 3; world 2: best a@18 (66): a@12 6, b@12 8, b@18 2
    assert regrets.loc[1].to_dict() == pytest.approx({"a @ 12": 5, "a @ 18": 0, "b @ 12": 3, "b @ 18": 3})
    assert regrets.loc[2].to_dict() == pytest.approx({"a @ 12": 6, "a @ 18": 0, "b @ 12": 8, "b @ 18": 2})
    assert (regrets.min(axis=1) == 0).all()


def test_minimax_choice_on_a_hand_made_table():
    scores = pd.DataFrame({"x @ 1": [10.0, 0.0, 0.0, 0.0], "y @ 1": [5.0, 5.0, 5.0, 5.0],
                           "z @ 1": [0.0, 10.0, 10.0, 10.0]}, index=pd.Index([1, 2, 3, 4], name="member"))
    regrets = regret(scores)  # x: 0, 10, 10, 10; y: 5 everywhere; z: 10, 0, 0, 0
    summary = regret_summary(regrets, scores=scores).set_index("policy")
    assert summary["max_regret"].to_dict() == {"x @ 1": 10, "y @ 1": 5, "z @ 1": 10}
    assert summary.loc["z @ 1", "mean_regret"] == pytest.approx(2.5)
    assert robust_choice(summary.reset_index()) == {"minimax": "y @ 1", "p90": "y @ 1"}
    # weights move the 90th percentile, not the largest regret: with world 1 nearly weightless z's
    # 90th-percentile regret falls below y's 5, and z becomes the p90 choice while y stays minimax
    weighted = regret_summary(regrets, {1: 0.01, 2: 0.33, 3: 0.33, 4: 0.33}).set_index("policy")
    assert weighted.loc["z @ 1", "max_regret"] == 10 and weighted.loc["z @ 1", "p90_regret"] < 5
    assert robust_choice(weighted.reset_index()) == {"minimax": "y @ 1", "p90": "z @ 1"}


def test_cost_adjusted_score_charges_the_cost_at_the_value_of_a_point():
    worlds = _worlds()
    scores = policy_scores(worlds, "cost_adjusted", {"value_of_a_point": 1e6})
    # a@12 in world 1: mean of 70 and 90 = 80 points − 100 M yuan / 1 M yuan per point = −20
    assert scores.loc[1, "a @ 12"] == pytest.approx(-20.0)


# ---------------------------------------------------------------- the engine, the workbench, the commands


def test_engine_and_ema_workbench_give_the_same_regret_table(tmp_path):
    pytest.importorskip("ema_workbench")
    from sim.analyses.robust import ema_policy_grid, robust_tables

    members = load_ensemble(write_ensemble(tmp_path / "ensemble")).take(2)
    kwargs = {"rules": ("shishi", "bottom_up"), "staffing": (12.0, 24.0)}
    frame = run_policy_grid(TINY["scale"], TINY["days"], [1], members, processes=1, **kwargs)
    assert set(frame["member"]) == {7, 3} and len(frame) == 8
    engine = robust_tables(world_means(add_costs(frame, TINY["scale"], TINY["days"])))
    ema = robust_tables(ema_policy_grid(TINY["scale"], TINY["days"], [1], members, **kwargs))
    for score in engine:
        pd.testing.assert_frame_equal(engine[score]["regret"], ema[score]["regret"])
        assert engine[score]["choice"] == ema[score]["choice"]


def test_commands_refuse_a_missing_ensemble_with_one_line(tmp_path, capsys):
    for command in ("robust", "cost"):
        code = main([command, "--ensemble-dir", str(tmp_path / "none"), "--out", str(tmp_path / command)])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "no ensemble" in err and "--ensemble" in err


def test_cost_and_robust_commands_write_their_tables(tmp_path, capsys):
    ensemble = write_ensemble(tmp_path / "ensemble")
    size = ["--scale", str(TINY["scale"]), "--days", str(TINY["days"]), "--seeds", "1", "--staffing", "12,18",
            "--rules", "shishi,bottom_up", "--processes", "1", "--quiet"]
    assert main(["cost", *size, "--ensemble", "0", "--out", str(tmp_path / "cost")]) == 0
    for name in ("frontier.csv", "marginal.csv", "cost_lines.csv", "runs.csv", "frontier.png", "summary.md"):
        assert (tmp_path / "cost" / name).is_file(), name
    frontier = pd.read_csv(tmp_path / "cost" / "frontier.csv")
    assert len(frontier) == 4 and frontier["cost_yuan"].gt(0).all()
    assert main(["robust", *size, "--ensemble", "2", "--ensemble-dir", str(ensemble),
                 "--out", str(tmp_path / "robust")]) == 0
    summary = pd.read_csv(tmp_path / "robust" / "robust_disputes.csv")
    assert len(summary) == 4 and summary["max_regret"].min() >= 0
    assert "minimax" in (tmp_path / "robust" / "summary.md").read_text(encoding="utf-8")
    assert capsys.readouterr().out == ""
