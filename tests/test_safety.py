"""Files and runs at risk (issue 18) and progress (issue 19): one test per fault class.

Each test provokes the fault the way a user (or the machine) would and checks what the program
now does: refuse with one line and exit 2 before anything is written, set a bad file aside and
redo its runs, or leave the folder consistent for any Parquet reader."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.batch import load_experiment
from sim.batch import sweep as sweep_runner
from sim.batch.engine import Engine
from sim.batch.sweep import run_sweep
from sim.config.errors import SweepError

REPO = Path(__file__).resolve().parent.parent

TINY = """
name = "tiny"
scenario = "{scenario}"
seed = 11
replications = {replications}
days = {days}
scale = 0.01
outcomes = ["closure_rate", "cases_reported"]
{extra}
[levers]
workers_per_10k = [9, 18]
escalation_rule = ["three_level", "bottom_up"]
"""


def tiny(tmp_path: Path, *, replications: int = 2, days: int = 30, extra: str = "",
         scenario: str = "shishi_baseline.toml") -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY.format(replications=replications, days=days, extra=extra, scenario=scenario),
                    encoding="utf-8")
    return path


def cli(argv: list[str]) -> int:
    """``run.py ARGV`` in this process; its exit code (argparse exits with it for a malformed option)."""
    from sim.cli.main import main

    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


def run_cli(*args, cwd=REPO, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, str(REPO / "run.py"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def one_error_line(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], (word, lines[0])


def read_plainly(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The folder as any Parquet reader sees it: pandas on the folders, duckdb on the globs."""
    import duckdb

    runs, daily = pd.read_parquet(out / "runs"), pd.read_parquet(out / "daily")
    with duckdb.connect() as db:
        counted = db.execute(f"select count(*), count(distinct run_id) from read_parquet('{out}/runs/*.parquet')"
                             ).fetchone()
        days = db.execute(f"select count(*), count(distinct (run_id, day)) from "
                          f"read_parquet('{out}/daily/*.parquet')").fetchone()
    assert counted == (len(runs), runs["run_id"].nunique()) and days[0] == days[1] == len(daily)
    return runs, daily


def assert_complete(out: Path, runs_expected: int, days: int) -> None:
    runs, daily = read_plainly(out)
    assert len(runs) == runs_expected and runs["run_id"].is_unique
    assert len(daily) == runs_expected * days and not daily.duplicated(["run_id", "day"]).any()
    assert set(daily["run_id"]) == set(runs["run_id"])


# ---------------------------------------------------------------- the store never loses or duplicates


def test_a_second_sweep_into_the_same_folder_is_refused_while_the_first_runs(tmp_path, capsys):
    path = tiny(tmp_path)
    out = tmp_path / "out"
    second = []

    def start_a_second_sweep(row):
        if not second:
            second.append(cli(["sweep", str(path), "--out", str(out), "--quiet", "--processes", "1"]))

    run_sweep(load_experiment(path), out, Engine(1), quiet=True, on_result=start_a_second_sweep)
    assert second == [2]
    one_error_line(capsys.readouterr().err, str(out), "being written by another process", f"pid {os.getpid()}")
    assert_complete(out, 8, 30)
    assert cli(["sweep", str(path), "--out", str(out), "--quiet"]) == 0  # the lock went with the first sweep


def test_torn_empty_and_foreign_parts_are_set_aside_and_their_runs_redone(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sweep_runner, "FLUSH_ROWS", 2)  # several parts
    path = tiny(tmp_path)
    out = tmp_path / "out"
    experiment = load_experiment(path)
    run_sweep(experiment, out, Engine(1), quiet=True)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) >= 3
    torn = parts[0]
    torn.write_bytes(torn.read_bytes()[: torn.stat().st_size // 2])  # a part cut short
    empty = out / "runs" / parts[1].name.replace("-000002", "-999999")
    empty.write_bytes(b"")
    pd.DataFrame({"a": [1]}).to_parquet(out / "runs" / "mine.parquet")  # someone's own file
    other = tmp_path / "other"
    (tmp_path / "another").mkdir()
    run_sweep(load_experiment(tiny(tmp_path / "another", replications=1, days=31)), other, Engine(1), quiet=True)
    stray = next((other / "runs").glob("part-*.parquet"))
    os.replace(stray, out / "runs" / stray.name.replace("-000001", "-777777"))  # runs of another sweep
    capsys.readouterr()

    assert cli(["sweep-report", str(out)]) == 0  # reading does not crash: the torn part is skipped with a warning
    assert "unreadable" in capsys.readouterr().err

    resumed = run_sweep(experiment, out, Engine(1), quiet=True)
    assert resumed.ran == 2  # the torn part's runs
    warnings = capsys.readouterr().err
    assert warnings.count("set aside") == 5  # torn, empty, foreign name, another sweep's runs, the torn part's daily
    set_aside = {str(p.relative_to(out / "quarantine")) for p in (out / "quarantine").rglob("*") if p.is_file()}
    assert {f"runs/{torn.name}", f"daily/{torn.name}", f"runs/{empty.name}", "runs/mine.parquet"} <= set_aside
    assert len(set_aside) == 5
    assert_complete(out, 8, 30)


def test_an_edited_base_scenario_is_refused_on_resume(tmp_path, capsys):
    scenario = tmp_path / "base.toml"
    scenario.write_text(f'extends = "{REPO / "scenarios" / "shishi_baseline.toml"}"\nmediators_per_10k = 3.0\n')
    path = tiny(tmp_path, scenario=str(scenario))
    out = tmp_path / "out"
    assert cli(["sweep", str(path), "--out", str(out), "--quiet", "--processes", "1"]) == 0
    scenario.write_text(f'extends = "{REPO / "scenarios" / "shishi_baseline.toml"}"\nmediators_per_10k = 4.0\n')
    stored = sorted(p.name for p in (out / "runs").iterdir())
    assert cli(["sweep", str(path), "--out", str(out), "--quiet", "--processes", "1"]) == 2
    one_error_line(capsys.readouterr().err, "base scenario that has changed", str(scenario))
    assert sorted(p.name for p in (out / "runs").iterdir()) == stored


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_a_termination_signal_leaves_an_honest_manifest_and_the_sweep_resumes(tmp_path, stop):
    path = tiny(tmp_path, replications=8, days=60)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, str(REPO / "run.py"), "sweep", str(path), "--out", str(out),
                                "--processes", "1", "--quiet"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list((out / "runs").glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(stop)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + stop, err
    assert f"interrupted ({stop.name})" in err and "Traceback" not in err
    session = json.loads((out / "manifest.json").read_text())["sessions"][-1]
    assert session["status"] == "interrupted" and session["ended_by"] == stop.name
    stored = len(pd.read_parquet(out / "runs"))
    assert 0 < stored < 32
    resumed = run_sweep(load_experiment(path), out, Engine(2), quiet=True)
    assert resumed.skipped == stored and resumed.ran == 32 - stored
    assert_complete(out, 32, 60)


def test_a_killed_session_is_recorded_as_died_and_its_lock_released(tmp_path):
    path = tiny(tmp_path, replications=8, days=60)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, str(REPO / "run.py"), "sweep", str(path), "--out", str(out),
                                "--processes", "1", "--quiet"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list((out / "runs").glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait(30)
    assert json.loads((out / "manifest.json").read_text())["sessions"][-1]["status"] == "running"
    run_sweep(load_experiment(path), out, Engine(2), quiet=True)  # the lock died with it
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert [s["status"] for s in sessions] == ["died", "finished"]
    assert_complete(out, 32, 60)


def test_a_full_disk_is_one_line_and_leaves_the_folder_consistent(tmp_path, monkeypatch, capsys):
    from sim.batch import store as store_module

    monkeypatch.setattr(sweep_runner, "FLUSH_ROWS", 2)
    path = tiny(tmp_path)
    out = tmp_path / "out"
    write = store_module.write_parquet_file
    calls = []

    def fills_up(frame, target):
        calls.append(target)
        if len(calls) > 4 and ".staged" in str(target):
            Path(target).write_bytes(b"PAR1 half")  # the disk fills mid-write
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return write(frame, target)

    monkeypatch.setattr(store_module, "write_parquet_file", fills_up)
    assert cli(["sweep", str(path), "--out", str(out), "--quiet", "--processes", "1"]) == 74
    one_error_line(capsys.readouterr().err, "No space left on device")
    session = json.loads((out / "manifest.json").read_text())["sessions"][-1]
    assert session["status"] == "failed" and "No space left" in session["ended_by"]
    runs, daily = read_plainly(out)  # no orphan daily part, no half-written file visible
    assert set(daily["run_id"]) == set(runs["run_id"]) and 0 < len(runs) < 8
    assert not [p for p in out.rglob("*") if p.name.endswith((".staged", ".tmp"))]
    monkeypatch.setattr(store_module, "write_parquet_file", write)
    assert cli(["sweep", str(path), "--out", str(out), "--quiet", "--processes", "1"]) == 0
    assert_complete(out, 8, 30)


def test_a_crash_between_a_parts_two_files_is_finished_on_resume(tmp_path, monkeypatch):
    """Power lost after the runs part is published and before its daily part: a plain reader
    sees no daily row of an unstored run, and the resume publishes the staged daily part."""
    path = tiny(tmp_path)
    out = tmp_path / "out"
    experiment = load_experiment(path)
    real = os.replace

    def power_cut(source, target):
        real(source, target)
        if Path(target).parent.name == "runs" and Path(target).name.startswith("part-"):
            raise KeyboardInterrupt  # stands in for the lost power: nothing after this write happens

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(experiment, out, Engine(1), quiet=True)
    monkeypatch.setattr(os, "replace", real)
    runs = pd.read_parquet(out / "runs")
    assert len(runs) and not list((out / "daily").glob("part-*.parquet"))  # daily still staged
    resumed = run_sweep(experiment, out, Engine(1), quiet=True)
    assert resumed.skipped == len(runs)
    assert_complete(out, 8, 30)
    assert not (out / "quarantine").exists()


def test_retried_runs_leave_one_row_each_for_plain_readers(tmp_path):
    from faults import Faults

    path = tiny(tmp_path)
    out = tmp_path / "out"
    experiment = load_experiment(path)
    run_sweep(experiment, out, Engine(1, execute_run=Faults(raise_in=frozenset({(1, 0)}))), quiet=True)
    assert (pd.read_parquet(out / "runs")["status"] == "failed").sum() == 1
    run_sweep(experiment, out, Engine(1), quiet=True, retry_failed=True)
    runs, _ = read_plainly(out)
    assert len(runs) == 8 and runs["run_id"].is_unique and set(runs["status"]) == {"ok"}
    kept = pd.read_parquet(out / "superseded")
    assert list(kept["status"]) == ["failed"] and "injected failure" in kept["error"].iloc[0]
    assert_complete(out, 8, 30)


# ---------------------------------------------------------------- files are safe


def test_a_sweep_never_writes_into_a_folder_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert cli(["sweep", str(tiny(tmp_path)), "--out", str(out), "--quiet"]) == 2
    one_error_line(capsys.readouterr().err, str(out), "no manifest.json")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_compare_keeps_a_foreign_folder_and_replaces_another_comparison_only_with_force(tmp_path, capsys):
    base, other = str(REPO / "scenarios" / "shishi_baseline.toml"), str(REPO / "scenarios" / "staffing_12.toml")
    size = ["--seeds", "2", "--scale", "0.005", "--days", "10", "--processes", "1", "--quiet"]
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "draft.md").write_text("mine")
    assert cli(["compare", base, other, *size, "--out", str(out)]) == 2
    one_error_line(capsys.readouterr().err, "did not write")
    assert [p.name for p in out.iterdir()] == ["draft.md"] and sorted(p.name for p in tmp_path.iterdir()) == ["cmp"]
    (out / "draft.md").unlink()
    assert cli(["compare", base, other, *size, "--out", str(out)]) == 0
    assert cli(["compare", base, base, *size, "--out", str(out)]) == 2
    one_error_line(capsys.readouterr().err, "another compare", "--force")
    assert cli(["compare", base, base, *size, "--out", str(out), "--force"]) == 0
    assert set(pd.read_csv(out / "runs.csv")["scenario"]) == {"shishi_baseline"}


# ---------------------------------------------------------------- limits before work


def test_process_counts_below_one_are_refused(tmp_path, capsys):
    base = str(REPO / "scenarios" / "shishi_baseline.toml")
    for argv in (["compare", base, base, "--processes", "-1"], ["compare", base, base, "--processes", "0"],
                 ["calibrate", "--processes", "0"], ["sweep", str(tiny(tmp_path)), "--processes", "-1"],
                 ["staffing", "--processes", "0"], ["sensitivity", "--processes", "-2"],
                 ["discover", "--processes", "0"]):
        assert cli([*argv, "--out", str(tmp_path / "o")]) == 2, argv
        err = capsys.readouterr().err
        assert "expected a whole number ≥ 1" in err and "Traceback" not in err, argv
    assert not (tmp_path / "o").exists()
    from sim.batch.engine import run_tasks

    with pytest.raises(ValueError, match="processes"):
        run_tasks([], processes=-1)


def test_designs_over_the_run_limit_are_refused_before_they_are_built(tmp_path, capsys):
    path = tmp_path / "huge.toml"
    path.write_text('replications = 10\n[levers]\nworkers_per_10k = {low = 1, high = 40, levels = 1000}\n'
                    'escalation_rule = ["three_level", "bottom_up", "direct_dispatch"]\n'
                    '[uncertainties]\n"worsen_days.minor" = {low = 20, high = 90, levels = 1000}\n', encoding="utf-8")
    started = time.perf_counter()
    assert cli(["sweep", str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert time.perf_counter() - started < 10
    one_error_line(capsys.readouterr().err, "3,000,000 design points", "30,000,000 runs", "--max-runs")
    sampled = tmp_path / "sampled.toml"
    sampled.write_text('[design]\nmethod = "sobol"\nsamples = 1000000000\n[uncertainties]\n'
                       '"worsen_days.minor" = {}\n', encoding="utf-8")
    with pytest.raises(SweepError, match="over the limit"):
        load_experiment(sampled)
    small = tiny(tmp_path)
    with pytest.raises(SweepError, match="8 runs, over the limit of 5"):
        load_experiment(small, max_runs=5)
    assert cli(["sweep", str(small), "--out", str(tmp_path / "o"), "--quiet", "--max-runs", "5"]) == 2
    base = str(REPO / "scenarios" / "shishi_baseline.toml")
    assert cli(["compare", base, base, "--seeds", "10000000", "--out", str(tmp_path / "o")]) == 2
    assert cli(["staffing", "--max-replications", "100000", "--out", str(tmp_path / "o")]) == 2
    assert "over the limit" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("method,extra", [("latin_hypercube", "samples = 5"), ("morris", "samples = 3\nlevels = 4"),
                                          ("sobol", "samples = 4"), ("sobol", "samples = 4\nsecond_order = true")])
def test_the_counted_design_size_is_the_built_one(method, extra, tmp_path):
    from sim.batch.design import design_size

    path = tmp_path / "s.toml"
    path.write_text(f'[design]\nmethod = "{method}"\n{extra}\n[levers]\nescalation_rule = ["three_level", '
                    '"bottom_up"]\n[uncertainties]\n"worsen_days.minor" = {}\n"success.grid.minor" = {}\n'
                    '"report_per_day" = {}\n', encoding="utf-8")
    experiment = load_experiment(path)
    assert design_size(experiment.method, experiment.design_options, experiment.levers,
                       experiment.uncertainties) == len(experiment.design)


@pytest.mark.parametrize("grid", ["6:30:1e-9", "6", "1:1000:1"])
def test_staffing_grids_outside_the_point_limits_are_refused_at_once(grid, tmp_path, capsys):
    started = time.perf_counter()
    assert cli(["staffing", "--grid", grid, "--out", str(tmp_path / "o")]) == 2
    assert time.perf_counter() - started < 10
    one_error_line(capsys.readouterr().err, "--grid", "expected 2 to 200")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("in_file,value", [(True, "inf"), (True, "nan"), (True, "-1"), (False, "inf"),
                                           (False, "nan")])
def test_timeouts_must_be_finite_seconds(in_file, value, tmp_path, capsys):
    path = tiny(tmp_path, extra=f"timeout = {value}" if in_file else "")
    argv = ["sweep", str(path), "--out", str(tmp_path / "o"), "--quiet"] + ([] if in_file else ["--timeout", value])
    assert cli(argv) == 2
    one_error_line(capsys.readouterr().err, "timeout", "finite")
    assert not (tmp_path / "o").exists()


def test_deeply_nested_toml_is_one_line(tmp_path):
    scenario = tmp_path / "deep.toml"
    scenario.write_text("workers_per_10k = " + "[" * 5000 + "]" * 5000 + "\n")
    done = run_cli(str(scenario), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    one_error_line(done.stderr, str(scenario), "nested")
    shallow = tmp_path / "shallow.toml"
    shallow.write_text("x = " + "[" * 40 + "]" * 40 + "\n")
    done = run_cli("sweep", str(shallow), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    one_error_line(done.stderr, str(shallow), "nested 40 levels deep")
    assert not (tmp_path / "o").exists()


def test_symlink_loops_in_scenarios_are_one_line(tmp_path):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    done = run_cli(str(loop), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    one_error_line(done.stderr, str(loop), "loop of symbolic links")
    child = tmp_path / "child.toml"
    child.write_text('extends = "loop.toml"\n')
    done = run_cli(str(child), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    one_error_line(done.stderr, str(child), "extends", "loop of symbolic links")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("argv,module", [(["sweep", "{tiny}", "--dask", "local"], "dask"),
                                         (["discover"], "ema_workbench"), (["policy-analysis"], "ema_workbench")])
def test_a_missing_extra_is_refused_before_any_folder(argv, module, tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == module else real(name, *a))
    out = tmp_path / "o"
    assert cli([a.replace("{tiny}", str(tiny(tmp_path))) for a in argv] + ["--out", str(out)]) == 2
    one_error_line(capsys.readouterr().err, "not installed", module)
    assert not out.exists()


def test_an_unwritable_out_is_found_before_the_work(tmp_path, capsys):
    base = str(REPO / "scenarios" / "shishi_baseline.toml")
    for argv in (["compare", base, base], ["sweep", str(tiny(tmp_path))], ["staffing"], ["sensitivity"],
                 ["calibrate", "--central", "--scale", "0.01", "--seeds", "2"],
                 ["calibrate", "--scale", "0.01", "--population", "10", "--budget", "20"]):
        started = time.perf_counter()
        assert cli([*argv, "--out", "/proc/no-such-results"]) == 2, argv
        assert time.perf_counter() - started < 10, argv
        one_error_line(capsys.readouterr().err, "--out", "cannot write under /proc")


# ---------------------------------------------------------------- progress and quiet


def test_quiet_commands_print_nothing_and_piped_ones_show_no_progress_bar(tmp_path, capsys):
    base, other = str(REPO / "scenarios" / "shishi_baseline.toml"), str(REPO / "scenarios" / "staffing_12.toml")
    size = ["--seeds", "2", "--scale", "0.005", "--days", "10", "--processes", "1"]
    capsys.readouterr()
    assert cli(["compare", base, other, *size, "--out", str(tmp_path / "q"), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "") and (tmp_path / "q" / "comparison.csv").is_file()
    assert cli(["compare", base, other, *size, "--out", str(tmp_path / "p")]) == 0
    piped = capsys.readouterr()
    assert "closure_rate" in piped.out and piped.err == ""  # no progress bar when stderr is not a terminal
    assert cli(["staffing", "--grid", "12,18", "--rules", "three_level", "--scale", "0.005", "--days", "20",
                "--min-replications", "2", "--max-replications", "2", "--processes", "1", "--quiet",
                "--out", str(tmp_path / "s")]) == 0
    assert capsys.readouterr() == ("", "") and (tmp_path / "s" / "answers.csv").is_file()


def test_the_progress_bar_shows_runs_and_time_left_on_a_terminal():
    import io

    from rich.console import Console

    from sim.batch.progress import ProgressBar

    screen = io.StringIO()
    with ProgressBar("compare", 4, console=Console(file=screen, force_terminal=True, width=120)) as bar:
        for _ in range(4):
            bar.advance({"status": "ok"}, None)
    shown = screen.getvalue()
    assert "compare" in shown and "4/4" in shown and "left" in shown
    silent = io.StringIO()
    with ProgressBar("compare", 4, quiet=True, console=Console(file=silent, force_terminal=True)) as bar:
        bar.advance()
    assert silent.getvalue() == "" and not bar.enabled
    assert not ProgressBar("piped", 4, console=Console(file=io.StringIO())).enabled


def test_calibrate_at_reduced_settings_writes_to_results_never_docs(tmp_path):
    docs = REPO / "docs" / "calibration.md"
    before = (docs.read_bytes(), docs.stat().st_mtime_ns)
    done = run_cli("calibrate", "--central", "--scale", "0.005", "--seeds", "2", "--days", "30", "--processes", "1",
                   "--quiet",
                   cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stderr
    report = tmp_path / "results" / "calibration" / "scale0.005-days30-seeds2" / "calibration.md"
    assert "--seeds 2 --scale 0.005 --days 30" in report.read_text()
    assert (docs.read_bytes(), docs.stat().st_mtime_ns) == before
    refused = run_cli("calibrate", "--central", "--scale", "0.005", "--seeds", "2", "--out", str(REPO / "docs"),
                      cwd=tmp_path)
    assert refused.returncode == 2
    one_error_line(refused.stderr, "docs/")
    assert (docs.read_bytes(), docs.stat().st_mtime_ns) == before


def test_rebuilding_the_ensemble_at_other_settings_writes_to_results_never_the_shipped_one(tmp_path):
    shipped = REPO / "scenarios" / "ensemble" / "members.csv"
    before = (shipped.read_bytes(), shipped.stat().st_mtime_ns) if shipped.is_file() else None
    done = run_cli("calibrate", "--scale", "0.005", "--days", "20", "--population", "10", "--generations", "2",
                   "--budget", "40", "--processes", "1", "--quiet", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stderr
    folder = tmp_path / "results" / "calibration" / "abc-scale0.005-days20-pop10-budget40"
    from sim.config.ensemble import load_ensemble

    ensemble = load_ensemble(folder)
    assert len(ensemble) == 10 and ensemble.provenance["scale"] == 0.005
    assert "posterior predictive check" in (folder / "ensemble.md").read_text().lower()
    assert list((tmp_path / "results" / "calibration" / "abc-history").glob("abc-*.db"))
    assert (((shipped.read_bytes(), shipped.stat().st_mtime_ns) if shipped.is_file() else None) == before)
    refused = run_cli("calibrate", "--scale", "0.005", "--out", str(REPO / "scenarios" / "ensemble"), cwd=tmp_path)
    assert refused.returncode == 2
    one_error_line(refused.stderr, "shipped ensemble")


def test_answers_across_worlds_need_an_ensemble_and_say_so(tmp_path, capsys, monkeypatch):
    import sim.config.ensemble as ensemble

    monkeypatch.setattr(ensemble, "ENSEMBLE_DIR", tmp_path / "none")
    base = str(REPO / "scenarios" / "shishi_baseline.toml")
    for argv in (["run", "--ensemble", "3"], ["compare", base, base, "--ensemble", "3"]):
        assert cli([*argv, "--scale", "0.005", "--days", "10", "--out", str(tmp_path / "o")]) == 2, argv
        one_error_line(capsys.readouterr().err, "members.csv", "python run.py calibrate")
    assert cli(["run", "--ensemble", "0"]) == 2
    one_error_line(capsys.readouterr().err, "--ensemble")
