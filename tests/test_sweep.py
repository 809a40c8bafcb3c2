"""Sweeps: experiment files, designs, the fault-tolerant runner, storage, resume, Dask, the sweep report."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from faults import Faults

from sim.analyses.sweep_report import report
from sim.batch import engine as sweep_runner
from sim.batch import load_experiment
from sim.batch.engine import Engine
from sim.batch.store import Store
from sim.batch.sweep import plan_runs, run_sweep
from sim.cli.sweep import add_parsers
from sim.config.errors import SweepError

REPO = Path(__file__).resolve().parent.parent
VOLATILE = ["wall_seconds", "worker", "finished_at", "_part", "attempts"]

TINY = """
name = "tiny"
scenario = "shishi_baseline.toml"
seed = 11
replications = 2
days = 30
scale = 0.01
outcomes = ["closure_rate", "days_to_close_mean", "escalated_share", "cases_reported"]
retries = {retries}

[levers]
workers_per_10k = [9, 18]
escalation_rule = ["three_level", "bottom_up"]
"""


def tiny(tmp_path: Path, retries: int = 2, name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(TINY.format(retries=retries), encoding="utf-8")
    return path


def stable(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.drop(columns=[c for c in VOLATILE if c in runs]).sort_values("run_id").reset_index(drop=True)


def cli(argv: list[str]) -> int:
    """``run.py ARGV``'s exit code (argparse exits with it for a malformed option)."""
    from sim.cli.main import main

    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny sweep, uninterrupted, on 2 local worker processes."""
    tmp = tmp_path_factory.mktemp("reference")
    experiment = load_experiment(tiny(tmp))
    result = run_sweep(experiment, tmp / "out", Engine(2), quiet=True)
    Store(tmp / "out").export_csv()
    report(tmp / "out", csv=True)
    return experiment, result, Store(tmp / "out")


# ---------------------------------------------------------------- end to end


def test_tiny_sweep_end_to_end(reference):
    experiment, result, store = reference
    runs = store.runs()
    assert result.total == 8 and result.ran == 8 and result.status == {"ok": 8}
    assert len(runs) == 8 and runs["run_id"].is_unique
    assert set(runs["status"]) == {"ok"}
    assert {"workers_per_10k", "escalation_rule", "seed", "point", "replication", "error", "wall_seconds"} <= set(runs)
    assert runs[list(experiment.outcomes)].notna().all().all()
    # common random numbers: the same two seeds at every point
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()
    assert sorted(runs["seed"].unique()) == sorted(experiment.seeds())
    daily = store.daily()
    assert len(daily) == 8 * 30 and set(daily["run_id"]) == set(runs["run_id"])
    out = store.out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["sha256"] == experiment.sha256
    assert manifest["git_commit"] and manifest["versions"]["mesa"]
    assert manifest["sessions"][-1]["status"] == "finished"
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 4 and {"closure_rate", "closure_rate_low", "closure_rate_high"} <= set(summary)
    assert (out / "figures" / "closure_rate.png").stat().st_size > 0
    assert (out / "runs.csv").is_file() and (out / "daily.csv").is_file()
    assert not list(out.rglob("*.tmp"))


def test_rerun_of_finished_sweep_runs_nothing(reference, tmp_path):
    experiment, _, store = reference
    again = run_sweep(experiment, store.out, Engine(2), quiet=True)
    assert again.ran == 0 and again.skipped == 8
    assert len(store.runs()) == 8


def test_same_results_with_one_worker(reference, tmp_path):
    experiment, _, store = reference
    run_sweep(experiment, tmp_path / "one", Engine(1), quiet=True)
    pd.testing.assert_frame_equal(stable(Store(tmp_path / "one").runs()), stable(store.runs()))


def test_dask_local_cluster_gives_identical_results(reference, tmp_path):
    experiment, _, store = reference
    result = run_sweep(experiment, tmp_path / "dask", Engine(2, dask="local", dask_processes=False), quiet=True)
    assert result.status == {"ok": 8}
    dask_store = Store(tmp_path / "dask")
    pd.testing.assert_frame_equal(stable(dask_store.runs()), stable(store.runs()))
    left = dask_store.daily().sort_values(["run_id", "day"]).reset_index(drop=True)
    right = store.daily().sort_values(["run_id", "day"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


# ---------------------------------------------------------------- never lose a run


def test_a_run_that_raises_is_recorded_and_the_rest_complete(reference, tmp_path):
    experiment, _, store = reference
    result = run_sweep(experiment, tmp_path / "out", Engine(2, execute_run=Faults(raise_in=frozenset({(1, 0)}))),
                       quiet=True)
    runs = Store(tmp_path / "out").runs()
    assert result.status == {"ok": 7, "failed": 1} and len(runs) == 8
    failed = runs[runs["status"] == "failed"].iloc[0]
    assert (failed["point"], failed["replication"]) == (1, 0)
    assert "injected failure" in failed["error"] and np.isnan(failed["closure_rate"])
    ok = stable(runs[runs["status"] == "ok"])
    expected = stable(store.runs().query("not (point == 1 and replication == 0)"))
    pd.testing.assert_frame_equal(ok, expected)
    # --retry-failed reruns it (no fault now) and the folder ends with one ok row per run
    run_sweep(experiment, tmp_path / "out", Engine(1), quiet=True, retry_failed=True)
    pd.testing.assert_frame_equal(stable(Store(tmp_path / "out").runs()), stable(store.runs()))


def test_a_killed_worker_is_replaced_and_its_run_retried(reference, tmp_path):
    experiment, _, store = reference
    faults = Faults(exit_once=frozenset({(2, 1), (0, 0)}), marker_dir=str(tmp_path))
    result = run_sweep(experiment, tmp_path / "out", Engine(2, execute_run=faults), quiet=True)
    runs = Store(tmp_path / "out").runs()
    assert result.status == {"ok": 8} and result.restarts == 2
    assert len(list(tmp_path.glob("exited-*"))) == 2
    retried = runs[runs["attempts"] == 2]
    assert sorted(zip(retried["point"], retried["replication"], strict=True)) == [(0, 0), (2, 1)]
    pd.testing.assert_frame_equal(stable(runs), stable(store.runs()))


def test_a_worker_that_always_dies_is_recorded_failed_after_the_retries(tmp_path):
    experiment = load_experiment(tiny(tmp_path, retries=1))
    result = run_sweep(experiment, tmp_path / "out", Engine(2, execute_run=Faults(exit_always=frozenset({(3, 0)}))),
                       quiet=True)
    runs = Store(tmp_path / "out").runs()
    assert result.status == {"ok": 7, "failed": 1} and len(runs) == 8
    failed = runs[runs["status"] == "failed"].iloc[0]
    assert failed["attempts"] == 2 and "worker process died (exit code 4)" in failed["error"]


def test_a_runaway_run_is_timed_out(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_runner, "TIMEOUT_GRACE", 0.2)
    experiment = load_experiment(tiny(tmp_path), timeout=1.0)
    result = run_sweep(experiment, tmp_path / "out", Engine(2, execute_run=Faults(hang_in=frozenset({(0, 1)}))),
                       quiet=True)
    runs = Store(tmp_path / "out").runs()
    assert result.status == {"ok": 7, "timed_out": 1} and len(runs) == 8
    assert runs.set_index(["point", "replication"]).loc[(0, 1), "status"] == "timed_out"


def test_interrupt_then_resume_gives_one_row_per_run(reference, tmp_path):
    experiment, _, store = reference
    seen = []

    def interrupt_after_three(row):
        seen.append(row["run_id"])
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(experiment, tmp_path / "out", Engine(2), quiet=True, on_result=interrupt_after_three)
    partial = Store(tmp_path / "out").runs()
    assert 3 <= len(partial) < 8
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["sessions"][-1]["status"] == "interrupted"
    resumed = run_sweep(experiment, tmp_path / "out", Engine(2), quiet=True)
    assert resumed.skipped == len(partial) and resumed.ran == 8 - len(partial)
    runs = Store(tmp_path / "out").runs()
    assert len(runs) == 8 and runs["run_id"].is_unique
    pd.testing.assert_frame_equal(stable(runs), stable(store.runs()))
    daily = Store(tmp_path / "out").daily()
    assert len(daily) == 8 * 30 and not daily.duplicated(["run_id", "day"]).any()


def test_a_daily_part_without_its_runs_part_is_ignored(reference, tmp_path):
    """Power loss between the two writes of a part: the run is not stored and is redone once."""
    experiment, _, store = reference
    run_sweep(experiment, tmp_path / "out", Engine(1), quiet=True)
    out = tmp_path / "out"
    last = sorted((out / "runs").glob("part-*.parquet"))[-1]
    last.unlink()  # as if the process died after writing daily/<part> but before runs/<part>
    redo = run_sweep(experiment, out, Engine(1), quiet=True)
    assert redo.ran > 0
    daily = Store(out).daily()
    assert len(Store(out).runs()) == 8 and len(daily) == 8 * 30 and not daily.duplicated(["run_id", "day"]).any()


def test_more_replications_later_keeps_the_first_seeds(tmp_path):
    experiment = load_experiment(tiny(tmp_path))
    more = load_experiment(tiny(tmp_path), replications=4)
    assert more.seeds()[:2] == experiment.seeds()
    ids = {s.run_id for s in plan_runs(experiment)}
    assert ids < {s.run_id for s in plan_runs(more)}


def test_an_experiment_from_values_is_the_experiment_from_its_file(tmp_path):
    """Values shaped like the file (dotted names or tables) build the same checked experiment, with
    the same design points and run ids; its sweep folder keeps the values as experiment.json."""
    from sim.batch.experiment import Experiment

    from_file = load_experiment(tiny(tmp_path))
    values = {"name": "tiny", "scenario": "shishi_baseline.toml", "seed": 11, "replications": 2, "days": 30,
              "scale": 0.01, "outcomes": ["closure_rate", "days_to_close_mean", "escalated_share", "cases_reported"],
              "retries": 2, "levers": {"workers_per_10k": [9, 18], "escalation_rule": ["three_level", "bottom_up"]}}
    from_values = Experiment.from_values(values)
    assert from_values == replace(from_file, path=None, text="", sha256=from_values.sha256)
    assert from_values.design.points == from_file.design.points
    assert [s.run_id for s in plan_runs(from_values)] == [s.run_id for s in plan_runs(from_file)]
    assert Experiment.from_values(values).sha256 == from_values.sha256 != from_file.sha256
    with pytest.raises(SweepError, match="^my sweep: levers.workers_per_10k: expected at least 0"):
        Experiment.from_values({**values, "levers": {"workers_per_10k": [-1]}}, source="my sweep")
    small = Experiment.from_values({**values, "replications": 1, "days": 10})
    run_sweep(small, tmp_path / "out", Engine(1), quiet=True)
    assert json.loads((tmp_path / "out" / "experiment.json").read_text())["levers"] == values["levers"]
    assert not (tmp_path / "out" / "experiment.toml").exists()


# ---------------------------------------------------------------- bad input


BAD = {
    "unknown lever": ("[levers]\nworkers_per_11k = [6, 12]\n", "levers.workers_per_11k",
                      "did you mean workers_per_10k"),
    "empty range": ("[levers]\nworkers_per_10k = {low = 12, high = 12}\n", "levers.workers_per_10k", "empty range"),
    "empty list": ("[levers]\nescalation_rule = []\n", "levers.escalation_rule", "empty list"),
    "bad design": ('[design]\nmethod = "grid"\n[levers]\nworkers_per_10k = [6, 12]\n', "design.method",
                   "unknown design"),
    "bad TOML": ("[levers\nworkers_per_10k = [6, 12]\n", "bad.toml", "not valid TOML"),
    "uncertainty as lever": ('[levers]\n"worsen_days.minor" = {}\n', "levers.worsen_days.minor", "uncertainties"),
    "value out of range": ("[levers]\nworkers_per_10k = [6, -1]\n", "levers.workers_per_10k", "at least 0"),
    "bad choice": ('[levers]\nescalation_rule = ["three_level", "sideways"]\n', "levers.escalation_rule",
                   "expected one of"),
    "unknown outcome": ('outcomes = ["closure_rat"]\n[levers]\nworkers_per_10k = [6, 12]\n', "outcomes",
                        "did you mean closure_rate"),
    "sobol without samples": ('[design]\nmethod = "sobol"\n[uncertainties]\n"worsen_days.minor" = {}\n',
                              "design.samples", "samples"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_malformed_experiment_exits_2_and_writes_nothing(case, tmp_path, capsys):
    text, field, message = BAD[case]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(SweepError) as info:
        load_experiment(path)
    assert str(path) in str(info.value) and field in str(info.value) and message in str(info.value)
    assert cli(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(path) in err and message in err
    assert not out.exists()


def test_bad_command_line_values_exit_2_and_write_nothing(tmp_path, capsys):
    path = tiny(tmp_path)
    for extra in (["--scale", "-1"], ["--replications", "0"], ["--processes", "0"], ["--timeout", "-3"]):
        out = tmp_path / "out"
        assert cli(["sweep", str(path), "--out", str(out), "--quiet", *extra]) == 2
        assert not out.exists()
    assert "--scale" in capsys.readouterr().err


def test_resuming_into_a_folder_of_another_experiment_is_refused(reference, tmp_path):
    _, _, store = reference
    other = tiny(tmp_path, retries=0, name="other.toml")
    with pytest.raises(SweepError, match="different experiment"):
        run_sweep(load_experiment(other), store.out, Engine(1), quiet=True)


# ---------------------------------------------------------------- designs, flagship, report


def test_flagship_experiment_loads():
    experiment = load_experiment(REPO / "experiments" / "staffing_vs_escalation.toml")
    design = experiment.design
    assert experiment.method == "full_factorial" and len(design) == 8 * 3
    assert {p["escalation_rule"] for p in design.points} == {"three_level", "direct_dispatch", "bottom_up"}
    assert [f.kind for f in experiment.factors] == ["lever", "lever"]
    for path in sorted((REPO / "experiments").glob("*.toml")):
        load_experiment(path)  # every shipped experiment file is valid


@pytest.mark.parametrize("method,extra,count", [
    ("latin_hypercube", "samples = 5", 2 * 5),
    ("morris", "samples = 3\nlevels = 4", 2 * 3 * (2 + 1)),
    ("sobol", "samples = 4", 2 * 4 * (2 + 2)),
])
def test_sampled_designs_cross_levers_with_uncertainties(method, extra, count, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(f'[design]\nmethod = "{method}"\n{extra}\n[levers]\nescalation_rule = ["three_level", '
                    '"bottom_up"]\n[uncertainties]\n"worsen_days.minor" = {}\n'
                    '"success.grid.minor" = {low = 0.6, high = 0.9}\n', encoding="utf-8")
    experiment = load_experiment(path)
    design = experiment.design
    assert len(design) == count
    worsen = [p["worsen_days.minor"] for p in design.points]
    assert min(worsen) >= 20.0 and max(worsen) <= 90.0  # the registry's plausible range
    # every lever value meets the same sampled futures
    by_rule = {rule: [p["worsen_days.minor"] for p in design.points if p["escalation_rule"] == rule]
               for rule in ("three_level", "bottom_up")}
    assert by_rule["three_level"] == by_rule["bottom_up"]
    assert load_experiment(path).design.points == design.points  # deterministic


def test_morris_design_with_repeated_points_keeps_every_run(tmp_path):
    path = tmp_path / "morris.toml"
    path.write_text('days = 10\nscale = 0.005\nreplications = 1\noutcomes = ["cases_reported"]\n'
                    '[design]\nmethod = "morris"\nsamples = 6\nlevels = 2\n[uncertainties]\n'
                    '"worsen_days.minor" = {}\n"report_per_day" = {}\n', encoding="utf-8")
    experiment = load_experiment(path)
    design = experiment.design
    assert len({tuple(sorted(p.items())) for p in design.points}) < len(design)  # repeated parameter sets
    specs = plan_runs(experiment)
    assert len({s.run_id for s in specs}) == len(specs)
    run_sweep(experiment, tmp_path / "out", Engine(2), quiet=True)
    report(tmp_path / "out")
    assert len(Store(tmp_path / "out").runs()) == len(design)
    indices = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    assert {"mu_star", "sigma"} <= set(indices.columns)


def test_sobol_sweep_writes_sensitivity_indices(tmp_path):
    path = tmp_path / "sobol.toml"
    path.write_text('days = 20\nscale = 0.005\nreplications = 1\noutcomes = ["closure_rate", "cases_reported"]\n'
                    '[design]\nmethod = "sobol"\nsamples = 4\n[uncertainties]\n"worsen_days.minor" = {}\n'
                    '"dispute_rate_per_10k.labour" = {}\n', encoding="utf-8")
    run_sweep(load_experiment(path), tmp_path / "out", Engine(2), quiet=True)
    report(tmp_path / "out")
    indices = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    assert set(indices["factor"]) == {"worsen_days.minor", "dispute_rate_per_10k.labour"}
    assert {"S1", "ST"} <= set(indices.columns)


def test_report_command_redraws_from_stored_results(reference, capsys):
    _, _, store = reference
    for png in (store.out / "figures").glob("*.png"):
        png.unlink()
    (store.out / "summary.parquet").unlink()
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sweep-report", str(store.out)])
    assert args.handler(args) == 0
    assert (store.out / "summary.parquet").is_file() and (store.out / "figures" / "overview.png").is_file()
    assert "mean" in capsys.readouterr().out


def test_report_of_a_folder_that_is_not_a_sweep_exits_2(tmp_path):
    assert cli(["sweep-report", str(tmp_path)]) == 2


@pytest.mark.parametrize("old, new", [("report", "sweep-report"), ("report-policy", "policy-report")])
def test_the_old_command_names_are_gone_and_say_what_they_are_now(old, new, tmp_path, capsys):
    assert cli([old, str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: run.py: there is no command {old!r}; it is now {new!r}\n"
    assert cli(["sweep", str(tiny(tmp_path)), "--workers", "2", "--out", str(tmp_path / "o")]) == 2  # --processes
    assert "unrecognized arguments: --workers" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_run_tables_have_identifier_names_typed_columns_and_units(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "names.toml"
    path.write_text('name = "names"\npurpose = "identifier-safe columns"\nreplications = 1\ndays = 10\nscale = 0.01\n'
                    '[design]\nmethod = "full_factorial"\n[levers]\ndigital_platform = [true, false]\n'
                    '[uncertainties]\n"service_days.town" = [5.0, 9.0]\n', encoding="utf-8")
    run_sweep(load_experiment(path), tmp_path / "out", Engine(1), quiet=True)
    runs = pd.read_parquet(tmp_path / "out" / "runs")
    assert {"service_days__town", "digital_platform"} <= set(runs.columns)
    assert all(column.isidentifier() for column in runs.columns)
    assert len(runs.query("service_days__town > 6 and digital_platform")) == 1  # no quoting needed
    assert str(runs["finished_at"].dtype).startswith("datetime64") and runs["digital_platform"].dtype == bool
    schema = pq.read_schema(next((tmp_path / "out" / "runs").glob("*.parquet")))
    assert schema.field("service_days__town").metadata[b"parameter"] == b"service_days.town"
    assert schema.field("closure_rate").metadata[b"unit"] == b"share of reported cases"
    assert b"columns" in schema.metadata
