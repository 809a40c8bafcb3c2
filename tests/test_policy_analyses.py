"""Policy analysis: staffing search (against Erlang C), adaptive stopping, sensitivity, PRIM, CLI errors."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from sim.analyses.queueing import servers_for_wait
from sim.analyses.staffing import SearchConfig, decide, search
from sim.analyses.standard import parse_standard
from sim.config.errors import ScenarioError
from sim.config.paths import SCENARIO_DIR

MMC = SCENARIO_DIR / "validation" / "mmc.toml"


def _cli(argv: list[str]) -> int:
    """The policy subcommands under a small parser, with sim.cli.main's handling of bad input."""
    from sim.cli.analyses import add_parsers
    from sim.config.errors import EXIT_BAD_INPUT, CliError

    parser = argparse.ArgumentParser(prog="run.py")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ScenarioError, CliError) as error:
        print(f"error: {error}")
        return EXIT_BAD_INPUT


# ---------------------------------------------------------------- staffing search against Erlang C


def test_search_finds_erlang_c_servers_on_mmc(tmp_path):
    """The M/M/c scenario: λ = 10 a day, μ = 4 a day, c = round(mediators_per_10k × 0.7). With a
    target mean wait of 0.15 days, Erlang C says c = 4 (W_q: c=3 0.35, c=4 0.053)."""
    from sim.config.scenario import load_scenario

    base = load_scenario(MMC)
    residents = base.params["population"] * base.params["scale"]
    arrival = base.params["dispute_rate_per_10k.public_service"] * residents / 10_000 / 365
    service = 1.0 / base.params["service_days.city"]
    target = 0.15
    expected = servers_for_wait(arrival, service, target)
    grid = tuple(c / (residents / 10_000) for c in (3, 4, 5, 6))
    # CLI path: the same search function, through the staffing command on the scenario file
    out = tmp_path / "mmc"
    code = _cli(["staffing", str(MMC), "--lever", "mediators_per_10k", "--rules", "scenario",
                 "--grid", ",".join(f"{g!r}" for g in grid), "--target", f"mean_wait_days<={target}",
                 "--days", "120", "--processes", "1", "--min-replications", "3", "--step", "3",
                 "--max-replications", "9", "--out", str(out), "--quiet"])
    assert code == 0
    answers = pd.read_csv(out / "answers.csv")
    found = answers["smallest_met"].iloc[0]
    assert round(found * residents / 10_000) == expected == 4
    points = pd.read_csv(out / "points.csv")
    assert points["decision"].tolist() == ["missed", "met", "met", "met"]
    assert (out / "staffing.png").is_file()
    # rerun reuses the stored runs (same run ids) and gives the same answer
    assert _cli(["staffing", str(MMC), "--lever", "mediators_per_10k", "--rules", "scenario", "--grid",
                 ",".join(f"{g!r}" for g in grid), "--target", f"mean_wait_days<={target}", "--days", "120",
                 "--processes", "1", "--min-replications", "3", "--step", "3", "--max-replications", "9",
                 "--out", str(out), "--quiet"]) == 0
    assert pd.read_csv(out / "answers.csv")["smallest_met"].iloc[0] == found


# ---------------------------------------------------------------- the stopping rule


def test_decide_met_missed_open():
    standard = parse_standard("closed_within_30_days>=0.9,petitions_per_10k<=1")
    met = {"closed_within_30_days": [0.95, 0.96, 0.97], "petitions_per_10k": [0.2, 0.3, 0.25]}
    assert decide(met, standard)[0] == "met"
    missed = {"closed_within_30_days": [0.80, 0.81, 0.79], "petitions_per_10k": [0.2, 0.3, 0.25]}
    assert decide(missed, standard)[0] == "missed"
    open_ = {"closed_within_30_days": [0.85, 0.95, 0.90], "petitions_per_10k": [0.2, 0.3, 0.25]}
    assert decide(open_, standard)[0] == "open"


def _mmc_config(target: float, max_reps: int = 9, sense: str = "<=") -> SearchConfig:
    return SearchConfig(str(MMC), {"days": 60}, "mediators_per_10k", (4 / 0.7,), (None,),
                        parse_standard(f"mean_wait_days{sense}{target}"), seed=3, min_replications=3, step=3,
                        max_replications=max_reps)


def test_adaptive_replication_stops_early_when_clearly_met_or_missed():
    # c = 4: mean wait ≈ 0.053 days
    met = search(_mmc_config(1.0))
    assert met.points["decision"].iloc[0] == "met" and met.points["replications"].iloc[0] == 3
    missed = search(_mmc_config(1.0, sense=">="))  # a wait of at least a day: clearly missed
    assert missed.points["decision"].iloc[0] == "missed" and missed.points["replications"].iloc[0] == 3


def test_adaptive_replication_stops_at_the_cap_when_undecided():
    # a threshold at the simulated mean itself cannot be decided: replications go to the cap
    config = _mmc_config(1.0, max_reps=9)
    from sim.batch.engine import Job, RunSpec, run_many

    job = Job(str(MMC), {"days": 60}, ("mean_wait_days",), measure="sim.analyses.standard:run_outcomes")
    specs = [RunSpec(f"r{i}", 0, i, seed, {"mediators_per_10k": 4 / 0.7}) for i, seed in enumerate(config.seeds())]
    values = [row["mean_wait_days"] for row in run_many(specs, job)]
    target = float(np.mean(values))
    result = search(_mmc_config(target, max_reps=9))
    assert result.points["decision"].iloc[0] == "undecided"
    assert result.points["replications"].iloc[0] == 9


def test_common_random_numbers_same_seeds_across_levels_and_rules():
    config = SearchConfig(None, {"days": 20, "scale": 0.01}, "workers_per_10k", (6.0, 18.0),
                          ("three_level", "bottom_up"), parse_standard("closure_rate>=0.0"), min_replications=2,
                          step=2, max_replications=2)
    result = search(config)
    seeds = result.runs.groupby(["escalation_rule", "workers_per_10k"])["seed"].apply(tuple)
    assert len(set(seeds)) == 1


# ---------------------------------------------------------------- sensitivity


def test_morris_ranks_an_inert_parameter_last(tmp_path):
    from sim.analyses.sensitivity import DUMMY, morris_stage

    ranking = morris_stage(tmp_path, factors={"dispute_rate_per_10k.public_service": None, "report_per_day": None,
                                              "handoff_days": None, DUMMY: (1.0, 3.0)},
                           outcomes=["closed_within_30_days", "days_to_close_mean"], trajectories=4, replications=1,
                           days=60, scale=0.01, processes=1)
    assert ranking["factor"].iloc[-1] == DUMMY
    assert ranking["score"].iloc[-1] == 0.0 < ranking["score"].iloc[-2]
    assert (tmp_path / "morris_ranking.csv").is_file() and (tmp_path / "morris" / "sweep" / "manifest.json").is_file()


# ---------------------------------------------------------------- PRIM


def test_prim_recovers_a_planted_box_with_a_categorical_dimension_and_says_how_stable_it_is():
    pytest.importorskip("ema_workbench", reason="the optional extra 'ema'")
    from sim.analyses.prim import prim_boxes

    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.uniform(size=(500, 5)), columns=[f"x{i}" for i in range(5)])
    X["rule"] = rng.choice(["three_level", "direct_dispatch", "bottom_up"], size=len(X))
    y = ((X["x0"] > 0.6) & (X["x1"] < 0.5) & (X["rule"] != "bottom_up")).to_numpy()
    y = np.where(rng.uniform(size=len(y)) < 0.02, ~y, y)  # 2 % label noise
    boxes = prim_boxes(X, y, max_boxes=2, threshold=0.8)
    box = boxes[0]
    planted = {"x0", "x1", "rule"}
    assert planted <= set(box.restricted)
    assert abs(box.restricted["x0"][0] - 0.6) < 0.08 and box.restricted["x0"][1] is None
    assert 0.4 < box.restricted["x1"][1] < 0.7 and box.restricted["x1"][0] is None
    assert box.restricted["rule"] == {"three_level", "direct_dispatch"}
    assert box.density >= 0.8 and box.coverage > 0.7
    assert "x0 above" in box.describe() and "rule in {direct_dispatch, three_level}" in box.describe()
    assert all(box.quasi_p[name] < 1e-3 for name in planted)  # not chance
    assert all(box.quasi_p[name] > 0.05 for name in set(box.restricted) - planted)  # chance, and flagged so
    stable = box.stability.loc[list(planted), "reproduce coverage"]
    assert (stable >= 70).all(), box.stability  # the planted restrictions come back in resamples
    assert box.stability_text().count("%") == len(box.restricted)
    assert all(b.density >= 0.8 for b in boxes[1:])  # a later box only if it reaches the threshold


def test_the_workbenchs_inspect_works_on_a_box_that_restricts_a_categorical_dimension(capsys):
    """ema_workbench 3.0.0's PrimBox.inspect() raised TypeError under pandas 3 whenever a box restricted a
    categorical dimension; sim.analyses.prim mends it (and Box.inspect() calls it)."""
    pytest.importorskip("ema_workbench", reason="the optional extra 'ema'")
    import matplotlib
    import matplotlib.pyplot

    matplotlib.use("Agg")
    from ema_workbench.analysis import prim as ema_prim

    from sim.analyses.prim import prim_boxes

    rng = np.random.default_rng(5)
    X = pd.DataFrame({"x0": rng.uniform(size=400), "x1": rng.uniform(size=400),
                      "rule": pd.Categorical(rng.choice(["three_level", "direct_dispatch", "bottom_up"], size=400))})
    y = ((X["x0"] > 0.5) & (X["rule"] == "bottom_up")).to_numpy()
    found = ema_prim.Prim(X, y).find_box()  # the workbench used directly
    index = found._cur_box
    stats, limits = found.inspect(style="data")[0]
    assert set(limits.index) == {"x0", "rule"} and stats["density"] == 1.0
    box_column = f"box {index}"
    assert limits.loc["rule", (box_column, "min")] == {"bottom_up"} == limits.loc["rule", (box_column, "max")]
    assert 0.45 < limits.loc["x0", (box_column, "min")] < 0.55 and limits.loc["x0", (box_column, "max")] > 0.95
    quasi_p = limits[box_column]["qp value"].to_numpy(dtype=float)
    assert quasi_p[:, 0].max() < 1e-6 and np.isnan(quasi_p[:, 1]).all()  # restricted from one side: one value
    assert limits[(box_column, "min")].dtype == object  # a column holding a set
    found.inspect()
    assert "{bottom_up}" in capsys.readouterr().out
    found.inspect(style="graph")
    matplotlib.pyplot.close("all")
    box = prim_boxes(X, y, max_boxes=1)[0]  # the project's boxes keep their PRIM run
    assert box.inspect(style="data")[0][1].index.tolist() == limits.index.tolist()


# ---------------------------------------------------------------- CLI errors


@pytest.mark.parametrize("argv, words", [
    (["staffing", "--target", "closed_within_30_dayz>=0.9"], "unknown outcome"),
    (["staffing", "--target", "closed_within_30_days=0.9"], "expected OUTCOME>=NUMBER"),
    (["staffing", "--grid", "6,x"], "--grid"),
    (["staffing", "--grid", "30:6:2"], "--grid"),
    (["staffing", "--grid=-5,6"], "--grid"),
    (["staffing", "--lever", "workers_per_11k"], "did you mean workers_per_10k"),
    (["staffing", "--rules", "sideways"], "unknown escalation rule"),
    (["staffing", "--max-replications", "1"], "--max-replications"),
    (["staffing", "no/such/file.toml"], "no such file"),
    (["discover", "--target", "nope<=1"], "unknown outcome"),
    (["discover", "--threshold", "2"], "--threshold"),
    (["sensitivity", "--outcomes", "nope"], "unknown outcome"),
    (["policy-analysis", "--target", "closed_within_14_days>=0.9"], "flat_outcomes"),
    (["policy-report", "no/such/folder"], "no such folder"),
])
def test_cli_bad_input_exits_2_with_one_line(argv, words, capsys, tmp_path):
    assert _cli(argv + ([] if argv[0] == "policy-report" else ["--out", str(tmp_path / "o")])) == 2
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("error:") and words in printed[0]
    assert not (tmp_path / "o").exists()


def test_discovery_end_to_end_on_a_small_sweep_writes_boxes_with_stability(tmp_path):
    pytest.importorskip("ema_workbench", reason="the optional extra 'ema'")
    import json

    from sim.analyses.discovery import discover
    from sim.analyses.standard import parse_standard
    from sim.batch.engine import Engine
    from sim.batch.experiment import load_experiment
    from sim.batch.sweep import run_sweep

    experiment_file = tmp_path / "discovery.toml"
    experiment_file.write_text(
        'name = "tiny_discovery"\npurpose = "discovery end to end"\nseed = 5\nreplications = 1\ndays = 90\n'
        'scale = 0.01\noutcomes = ["closed_within_30_days", "days_to_close_mean"]\ndaily = false\n'
        '[design]\nmethod = "latin_hypercube"\nsamples = 40\nlevers = "factorial"\n'
        '[levers]\nworkers_per_10k = [18, 24]\nescalation_rule = ["three_level"]\n'
        '[uncertainties]\n"dispute_rate_per_10k.public_service" = {}\n"service_days.department" = {}\n'
        '"success.community.minor" = {}\n', encoding="utf-8")
    sweep = tmp_path / "sweep"
    run_sweep(load_experiment(experiment_file), sweep, Engine(1), quiet=True)
    futures_at_norm = pd.read_parquet(sweep / "runs").query("workers_per_10k == 18")
    cut = float(futures_at_norm["days_to_close_mean"].median())  # half the futures miss
    result = discover(sweep, tmp_path / "out", parse_standard(f"days_to_close_mean<={cut}"), norm=18.0,
                      threshold=0.7)
    boxes = pd.read_csv(tmp_path / "out" / "boxes.csv")
    assert len(boxes) == len(result["boxes"]) >= 1 and (boxes["futures"] == 40).all()
    first = boxes.iloc[0]
    assert 0 < first["coverage"] <= 1 and 0 < first["density"] <= 1
    assert set(json.loads(first["limits"])) <= {"dispute_rate_per_10k.public_service", "service_days.department",
                                               "success.community.minor"}
    assert "%" in first["stability"] and json.loads(first["quasi_p"])
    assert (tmp_path / "out" / "prim.png").is_file()


@pytest.mark.slow
def test_policy_analysis_end_to_end_through_the_library_functions(tmp_path):
    """The real model in a tiny run: every step writes its tables and the report its sections."""
    pytest.importorskip("ema_workbench", reason="the optional extra 'ema'")
    from test_policy_worlds import write_tiny_ensemble

    from sim.analyses.standard import DEFAULT_STANDARD, parse_standard
    from sim.docgen.policy_report import policy_analysis

    ensemble = write_tiny_ensemble(tmp_path / "ensemble", members=3)
    report = policy_analysis(tmp_path / "out", parse_standard(DEFAULT_STANDARD), ensemble=ensemble, members=2,
                             seeds=1, grid=(12.0, 18.0), scale=0.005, days=20, processes=2, trajectories=1)
    text = report.read_text(encoding="utf-8")
    for section in ("## 1. Staffing per rule", "## 2. What the decisions", "## 3. In which calibrated worlds",
                    "## Time"):
        assert section in text
    for written in ("worlds/spread.csv", "decisions/indices.csv", "discovery_worlds/boxes.csv", "timings.json"):
        assert (tmp_path / "out" / written).is_file(), written
