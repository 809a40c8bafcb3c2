"""Set-up hygiene: the lint is clean, the locks are hashed and consistent, and an installed
(not editable) copy of the package finds its scenario library."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it is in requirements-dev.lock)")
    done = subprocess.run([ruff, "check", str(REPO)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def _pins(lock: str) -> dict[str, str]:
    text = (REPO / lock).read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.MULTILINE))


def test_locks_are_hashed_and_the_run_lock_is_the_dev_lock_without_the_test_tools():
    for lock in ("requirements.lock", "requirements-dev.lock", "requirements-bootstrap.lock"):
        text = (REPO / lock).read_text(encoding="utf-8")
        requirements = re.findall(r"^[A-Za-z0-9_.-]+==\S+", text, flags=re.MULTILINE)
        assert requirements and text.count("--hash=sha256:") >= len(requirements), lock
    run, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert all(dev[name] == version for name, version in run.items())  # the same versions
    for tool in ("pytest", "hypothesis", "playwright", "ruff", "nbclient", "ema-workbench", "dask"):
        assert tool in dev and tool not in run, tool
    assert {"mesa", "numpy", "networkx", "matplotlib", "solara"} <= set(run)


@pytest.mark.slow
def test_an_installed_copy_finds_the_scenario_library(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(wheels), str(REPO)], capture_output=True, text=True, cwd=tmp_path)
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {build.stderr[-300:]}")
    wheel = next(wheels.glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    probe = ("import sim.config.scenario as s; print(s.SCENARIO_DIR); "
             "print(len(s.list_scenarios())); print(s.load_scenario().params['workers_per_10k']); "
             "import sim.config.ensemble as e; print(len(e.load_ensemble()) if e.MEMBERS_FILE in "
             "[p.name for p in e.ENSEMBLE_DIR.glob('*')] else 0)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(target)})
    assert done.returncode == 0, done.stderr
    assert (target / "bin" / "shishi").is_file()  # the console command comes with the package
    folder, count, norm, members = done.stdout.split()
    assert folder.startswith(str(target)) and int(count) == len(list((REPO / "scenarios").glob("*.toml")))
    assert float(norm) == 18.0
    shipped = REPO / "scenarios" / "ensemble" / "members.csv"
    assert int(members) == (len(shipped.read_text().splitlines()) - 1 if shipped.is_file() else 0)


def test_the_paths_module_points_into_the_repository_and_is_the_only_one_that_looks():
    from sim.config import paths

    assert paths.REPO == REPO and paths.DOCS == REPO / "docs" and (paths.DOCS / "calibration.md").is_file()
    assert paths.EXPERIMENTS_DIR == REPO / "experiments" and paths.POLICY_STAFFING_EXPERIMENT.is_file()
    assert paths.SCENARIO_DIR == (REPO / "scenarios").resolve() and paths.BASELINE.is_file()
    finders = [str(path.relative_to(REPO)) for path in (REPO / "sim").rglob("*.py")
               if "__file__" in path.read_text(encoding="utf-8")]
    assert finders == ["sim/config/paths.py"], finders  # every other module asks sim.config.paths


@pytest.mark.parametrize("ci, exit_code, words", [("", 0, "THE BROWSER TEST WAS SKIPPED"), ("true", 1, "1 error")])
def test_a_missing_browser_is_said_loudly_and_fails_under_ci(ci, exit_code, words):
    env = {**os.environ, "CHROMIUM": "/nonexistent/chromium", "CI": ci}
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/test_browser.py", "-q", "-p", "no:cacheprovider"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == exit_code, done.stdout[-2000:]
    assert words in done.stdout and "no chromium: apt-get install -y chromium" in done.stdout


def _shishi() -> Path:
    script = Path(sys.executable).parent / "shishi"
    assert script.is_file(), "no shishi command next to this Python: reinstall the package (./dev test does)"
    return script


def test_shishi_run_is_run_py_run(tmp_path):
    args = ["--scale", "0.01", "--days", "20", "--seed", "3", "--set", "triage_accuracy=0.8", "--no-figure", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    by_script = subprocess.run([str(_shishi()), "run", *args, "--out", str(tmp_path / "a")], cwd=tmp_path,
                               capture_output=True, text=True, env=env, timeout=300)
    by_run_py = subprocess.run([sys.executable, str(REPO / "run.py"), "run", *args, "--out", str(tmp_path / "b")],
                               cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert by_script.returncode == by_run_py.returncode == 0, by_script.stderr + by_run_py.stderr
    assert by_script.stdout == by_run_py.stdout == ""  # --quiet
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir()) and "summary.json" in files
    for name in files:  # the same run, byte for byte
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_shishi_refuses_bad_input_as_run_py_does(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (["run", "--scale", "abc"], ["run", "--set", "workers_per_10K=3"]):
        by_script = subprocess.run([str(_shishi()), *args], cwd=tmp_path, capture_output=True, text=True, env=env)
        by_run_py = subprocess.run([sys.executable, str(REPO / "run.py"), *args], cwd=tmp_path, capture_output=True,
                                   text=True, env=env)
        assert by_script.returncode == by_run_py.returncode == 2, args
        assert by_script.stderr.count("\n") == 1 and "Traceback" not in by_script.stderr, by_script.stderr
        assert by_script.stderr.replace("shishi", "run.py") == by_run_py.stderr, args
    assert not any(tmp_path.iterdir())  # nothing written


def test_the_citation_and_the_licence_match_the_package():
    import tomllib

    import yaml

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "software"
    assert {"message", "title", "authors"} <= set(citation) and citation["authors"]
    assert all("name" in author or "family-names" in author for author in citation["authors"])
    assert citation["version"] == project["version"] and citation["license"] == project["license"] == "MIT"
    licence = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "the Shishi grid-governance simulation authors" in licence
