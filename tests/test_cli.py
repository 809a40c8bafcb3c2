"""run.py end to end, in a subprocess, as a researcher would call it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args, cwd=REPO):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, str(REPO / "run.py"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_run_writes_the_results_folder(tmp_path):
    out = tmp_path / "res"
    done = run_cli("--scale", "0.02", "--days", "90", "--seed", "4", "--workers-per-10k", "15",
                   "--set", "triage_accuracy=0.8", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "closure rate" in done.stdout
    written = {"summary.json", "cases.csv", "visits.csv", "daily.csv", "towns.csv", "summary.png"}
    assert {p.name for p in out.iterdir()} == written | {".shishi-results"}
    marker = json.loads((out / ".shishi-results").read_text())
    assert marker["command"] == "run" and set(marker["files"]) == written and marker["describes"]["seed"] == 4
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "seed", "days", "scale", "residents", "grid_workers", "volunteers", "mediators",
                "workers_per_10k", "escalation_rule", "cases_arisen", "cases_reported", "cases_closed",
                "cases_open", "closure_rate", "resolution_rate", "resolved_share_by_level", "escalated_share",
                "days_to_close", "satisfaction_rate", "petitions", "cases_per_10k_per_year", "worker_utilisation",
                "days_from_arising", "closed_within_30_days_of_arising", "worker_hours", "utilisation", "outcomes",
                "exits_per_10k", "mediation_success", "provenance"):
        assert key in summary, key
    assert set(summary["resolved_share_by_level"]) == {"grid", "community", "specialised", "town", "city",
                                                       "department"}
    assert set(summary["days_to_close"]) == set(summary["days_from_arising"]) == {"mean", "median", "p90"}
    assert set(summary["worker_hours"]) == {"department_tasks", "orders", "patrol", "idle"}
    assert abs(sum(summary["worker_hours"].values()) - 1) < 1e-9
    assert summary["worker_utilisation"] == 1 - summary["worker_hours"]["idle"]
    assert {"dispatch", "department", "town"} <= set(summary["utilisation"])
    assert summary["seed"] == 4 and summary["days"] == 90 and summary["workers_per_10k"] == 15
    assert summary["provenance"]["parameters"]["triage_accuracy"] == 0.8
    assert summary["provenance"]["git_commit"]
    cases = pd.read_csv(out / "cases.csv")
    assert list(cases.columns) == ["case_id", "grid", "town", "kind", "severity", "authority", "channel",
                                   "day_arisen", "day_reported", "day_closed", "outcome", "level_resolved",
                                   "escalations", "failures", "misgraded", "returned", "cadre", "at_centre",
                                   "satisfied_first", "redos", "satisfied"]
    referred = cases["channel"] == "court_referral"  # the city centre's court referrals: not grid cases
    assert referred.sum() == summary["referrals"]["cases"]
    assert (~referred).sum() == summary["cases_arisen"]
    assert cases.loc[~referred, "day_closed"].notna().sum() == summary["cases_closed"]
    assert (cases["day_arisen"] >= 0).all()  # the warm-up's cases are left out
    daily = pd.read_csv(out / "daily.csv")
    assert len(daily) == 90
    assert {"day", "arisen", "reported", "closed", "open", "open_grid", "open_community", "open_town",
            "open_city", "open_specialised"} <= set(daily.columns)
    assert daily["arisen"].sum() == summary["cases_arisen"]
    towns = pd.read_csv(out / "towns.csv")
    assert towns["cases_arisen"].sum() == summary["cases_arisen"]  # the towns add up to the city


@pytest.mark.parametrize("args, words", [
    (["{bad}"], "not valid TOML"),
    (["{unknown}"], "{unknown}: volunteerz_per_10k: unknown key"),
    (["--workers-per-10k", "-5"], "workers_per_10k: expected at least 0"),
    (["{negative}"], "{negative}: workers_per_10k: expected at least 0"),
    (["--set", "escalation_rule=top_down"], "escalation_rule: expected one of"),
    (["{rule}"], "{rule}: escalation_rule: expected one of"),
    (["{missing}"], "{missing}: no such file"),
    (["--set", "scale=0"], "scale: expected at least"),
    (["--scale", "abc"], "argument --scale: invalid float value: 'abc'"),
    (["--escalation-rule", "top"], "escalation_rule: expected one of"),
    (["--seed", "-3"], "argument --seed: expected a whole number ≥ 0, got -3"),
    (["--seed", "1.5"], "argument --seed: expected a whole number ≥ 0"),
])
def test_bad_input_exits_2_with_one_clear_line_and_writes_nothing(tmp_path, args, words):
    files = {"bad": "workers_per_10k = = 3\n", "unknown": "volunteerz_per_10k = 3\n",
             "negative": "workers_per_10k = -1\n", "rule": 'escalation_rule = "top_down"\n'}
    paths = {name: tmp_path / f"{name}.toml" for name in [*files, "missing"]}
    for name, text in files.items():
        paths[name].write_text(text)
    args = [a.format(**{k: str(v) for k, v in paths.items()}) for a in args]
    words = words.format(**{k: str(v) for k, v in paths.items()})
    out = tmp_path / "out"
    done = run_cli(*args, "--days", "5", "--out", str(out))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert words in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_a_results_folder_that_cannot_be_written_is_refused_before_the_run(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for out, words in ((blocker / "sub" / "out", "--out: cannot write under"), (blocker, "exists and is not a folder"),
                       (Path("/proc/no-such-results"), "--out: cannot write under /proc")):
        done = run_cli("--days", "5", "--scale", "0.01", "--out", str(out))
        assert done.returncode == 2 and words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_list_and_params():
    listing = run_cli("list")
    assert listing.returncode == 0 and "shishi_baseline.toml" in listing.stdout
    params = run_cli("params")
    assert params.returncode == 0 and "workers_per_10k = 18.0" in params.stdout


def test_rerun_of_the_same_run_replaces_its_folder_whole(tmp_path):
    out = tmp_path / "res"
    assert run_cli("--scale", "0.01", "--days", "10", "--out", str(out), "--no-figure").returncode == 0
    (out / "daily.csv").write_text("stale")  # a file of ours, changed
    done = run_cli("--scale", "0.01", "--days", "10", "--out", str(out), "--no-figure")
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(out / "daily.csv")) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_a_folder_this_program_did_not_write_is_kept(tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("years of work")
    done = run_cli("--scale", "0.01", "--days", "5", "--out", str(out), "--no-figure")
    assert done.returncode == 2 and "did not write" in done.stderr and "--out" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert [p.name for p in out.iterdir()] == ["chapter1.tex"] and (out / "chapter1.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no staging folder left beside it


def test_another_runs_results_are_replaced_only_with_force_and_never_files_of_others(tmp_path):
    out = tmp_path / "res"
    assert run_cli("--scale", "0.01", "--days", "10", "--out", str(out), "--no-figure").returncode == 0
    refused = run_cli("--scale", "0.01", "--days", "12", "--out", str(out), "--no-figure")
    assert refused.returncode == 2 and "another run" in refused.stderr and "--force" in refused.stderr
    assert json.loads((out / "summary.json").read_text())["days"] == 10
    forced = run_cli("--scale", "0.01", "--days", "12", "--out", str(out), "--no-figure", "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads((out / "summary.json").read_text())["days"] == 12
    (out / "notes.txt").write_text("mine")
    kept = run_cli("--scale", "0.01", "--days", "14", "--out", str(out), "--no-figure", "--force")
    assert kept.returncode == 2 and "notes.txt" in kept.stderr
    assert (out / "notes.txt").read_text() == "mine" and json.loads((out / "summary.json").read_text())["days"] == 12


@pytest.mark.parametrize("name", ["../escaped", "/tmp/absolute-escape", "a/../../b", ".."])
def test_a_scenario_name_cannot_send_output_outside_results(tmp_path, name):
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'extends = "{REPO / "scenarios" / "shishi_baseline.toml"}"\nname = {json.dumps(name)}\n')
    work = tmp_path / "work"
    work.mkdir()
    done = run_cli(str(scenario), "--scale", "0.01", "--days", "5", "--no-figure", "--quiet", cwd=work)
    assert done.returncode == 0, done.stderr
    folders = list((work / "results").iterdir())
    assert len(folders) == 1 and (folders[0] / "summary.json").is_file()
    assert folders[0].parent == work / "results" and not folders[0].name.startswith(".")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml", "work"]
    assert not Path("/tmp/absolute-escape").exists()


def test_help_for_every_command():
    commands = ("run", "compare", "sweep", "sweep-report", "staffing", "sensitivity", "discover", "policy-report",
                "policy-analysis", "viz", "validate", "calibrate", "list", "odd", "params")
    for command in ("--help", *[f"{c} --help" for c in commands]):
        done = run_cli(*command.split())
        assert done.returncode == 0 and "usage:" in done.stdout, (command, done.stderr)
