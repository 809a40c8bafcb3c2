"""The policy analyses as typed library functions: what the command line's ``staffing``,
``sensitivity``, ``discover`` and ``policy-analysis`` call, and what a script can call directly.

    from sim.analyses.pipeline import policy_analysis
    report = policy_analysis(Path("results/policy"), parse_standard(DEFAULT_STANDARD), scale=0.05, processes=2)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sim.analyses.staffing import SearchConfig, SearchResult, search, write_outputs
from sim.analyses.standard import Standard
from sim.config.errors import StandardError
from sim.config.paths import POLICY_DISCOVERY_EXPERIMENT, POLICY_STAFFING_EXPERIMENT
from sim.config.presets import NORM_WORKERS_PER_10K, PRESETS
from sim.config.rule_names import POLICY_RULES

DEFAULT_STAFFING, DEFAULT_DISCOVERY = POLICY_STAFFING_EXPERIMENT, POLICY_DISCOVERY_EXPERIMENT
DEFAULT_GRID = (2.0, 4.0, 6.0, 9.0, 12.0, 15.0, 18.0, 24.0, 30.0)  # workers per 10,000 tried by default
DEFAULT_SEARCH_SEED = PRESETS["staffing"].first_seed  # replication seeds of a search from a scenario file
Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


def search_config(source: Path, standard: Standard, *, lever: str = "workers_per_10k",
                  grid: tuple[float, ...] | None = None, rules: tuple[str | None, ...] | None = None,
                  overrides: dict | None = None, scale: float | None = None, days: int | None = None,
                  seed: int | None = None, min_replications: int = 4, step: int = 4,
                  max_replications: int = 20) -> SearchConfig:
    """A staffing search from an experiment file (its grid, rules, seed, scale, days) or a
    scenario file (the default grid and all rules). ``rules=(None,)``: the scenario's own rule."""
    from sim.batch.experiment import load_experiment
    from sim.config.scenario import load_scenario

    overrides = dict(overrides or {})
    if _is_experiment(source):
        experiment = load_experiment(source, scale=scale, days=days)
        scenario_path = str(experiment.scenario_path)
        base = {**experiment.base_overrides(), **overrides}
        factors = {f.name: f for f in experiment.factors}
        if grid is None and lever in factors:
            grid = tuple(sorted(float(v) for v in factors[lever].grid()))
        if rules is None:
            rules = tuple(factors["escalation_rule"].grid()) if "escalation_rule" in factors else POLICY_RULES
        seed = experiment.seed if seed is None else seed
    else:
        load_scenario(source)  # raises ScenarioError on a bad file
        scenario_path = str(source)
        base = {**overrides, **{k: v for k, v in (("scale", scale), ("days", days)) if v is not None}}
        if grid is None and lever == "workers_per_10k":
            grid = DEFAULT_GRID
        rules = POLICY_RULES if rules is None else rules
        seed = DEFAULT_SEARCH_SEED if seed is None else seed
    if grid is None:
        raise StandardError(f"give the values of {lever} to try (the source does not vary it)", source="--grid")
    base.pop(lever, None)
    if rules != (None,):
        base.pop("escalation_rule", None)
    load_scenario(scenario_path, {**base, lever: grid[0]}).with_overrides({}, source="command line")
    return SearchConfig(scenario_path, base, lever, tuple(grid), tuple(rules), standard, seed=seed,
                        min_replications=min_replications, step=step, max_replications=max_replications)


def _is_experiment(path: Path) -> bool:
    import tomllib

    from sim.config.errors import ScenarioError

    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ScenarioError(str(path), None, "no such file") from None
    except IsADirectoryError:
        return False
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ScenarioError(str(path), None, f"not valid TOML ({error})") from None
    return any(key in document for key in ("levers", "uncertainties", "design", "replications"))


def analysis_marker(name: str, settings: dict):
    """The marker of an analysis folder (``sim.results.folders``): the analysis and its settings."""
    from sim.results.folders import Marker, identity

    return Marker(name, identity(settings), {key: settings[key] for key in list(settings)[:4]})


def staffing(config: SearchConfig, out: Path, *, processes: int = 1, progress: Progress = _quiet,
             bar=None) -> SearchResult:
    """The staffing search, its runs stored in ``out`` (resumable) and its tables written there;
    ``bar``: a ``sim.batch.progress.ProgressBar``."""
    progress(f"staffing search: {len(config.rules)} rule(s) × {len(config.grid)} values of {config.lever}; "
             f"standard {config.standard}")
    result = search(config, processes=processes, out=out, progress=progress, bar=bar)
    write_outputs(result, out)
    return result


def discovery(source: Path, out: Path, standard: Standard, *, norm: float = NORM_WORKERS_PER_10K,
              threshold: float = 0.8, peel_alpha: float = 0.05, scale: float | None = None, days: int | None = None,
              replications: int | None = None, processes: int = 1, progress: Progress = _quiet, quiet: bool = True,
              max_runs: int | None = None) -> dict:
    """Scenario discovery on a stored sweep folder, or on the sweep an experiment file describes
    (run into ``out/sweep`` first, resumably; with a progress bar unless ``quiet``)."""
    from sim.batch.limits import MAX_RUNS, require

    require("ema_workbench")
    from sim.analyses.discovery import discover
    from sim.batch.engine import Engine
    from sim.batch.experiment import load_experiment
    from sim.batch.sweep import run_sweep

    if source.is_dir():
        if not (source / "manifest.json").is_file():
            raise StandardError("not a sweep output folder (no manifest.json)", source=str(source))
        sweep = source
    else:
        experiment = load_experiment(source, scale=scale, days=days, replications=replications,
                                     max_runs=max_runs or MAX_RUNS)
        if "workers_per_10k" not in {f.name for f in experiment.levers} or not experiment.uncertainties:
            raise StandardError("discovery needs a sweep crossing workers_per_10k (and rules) with sampled "
                                "uncertainties", source=str(source))
        sweep = out / "sweep"
        progress(f"running the discovery sweep into {sweep} ...")
        run_sweep(experiment, sweep, Engine(processes), quiet=quiet)
    return discover(sweep, out, standard, norm=norm, threshold=threshold, peel_alpha=peel_alpha)


def policy_analysis(out: Path, standard: Standard, *, scale: float = PRESETS["analysis"].scale,
                    days: int = PRESETS["analysis"].days, processes: int = 1, min_replications: int = 4,
                    step: int = 4, max_replications: int = 20, seed: int | None = None, trajectories: int = 8,
                    top: int = 4, sobol_samples: int = 32, replications: int = PRESETS["analysis"].seeds,
                    sweep_outcomes: tuple[str, ...] = (), progress: Progress = _quiet, quiet: bool = True) -> Path:
    """Staffing search, sensitivity (Morris, then Sobol) and scenario discovery at one run size,
    then the report; returns the report's path. ``sweep_outcomes``: the outcomes sensitivity
    analyses (default: the standard's). Each analysis's folder is marked as its own command
    marks it (``sim.results.folders``); progress bars on a terminal unless ``quiet``."""
    from sim.analyses.sensitivity import analyse
    from sim.batch.progress import ProgressBar
    from sim.docgen.policy_report import write_report
    from sim.results.files import atomic_write_json
    from sim.results.folders import mark

    started = time.perf_counter()
    timings = {}
    t = time.perf_counter()
    progress("1/3 staffing search")
    config = search_config(DEFAULT_STAFFING, standard, scale=scale, days=days, seed=seed,
                           min_replications=min_replications, step=step, max_replications=max_replications)
    points = len(config.rules) * len(config.grid)
    with ProgressBar("staffing", points * config.max_replications, quiet=quiet) as bar:
        staffing(config, mark(out / "staffing", analysis_marker("staffing", config.to_json())), processes=processes,
                 progress=progress, bar=bar)
    timings["staffing"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("2/3 sensitivity (Morris, then Sobol)")
    outcomes = list(sweep_outcomes or dict.fromkeys(c.outcome for c in standard.criteria))
    settings = dict(outcomes=outcomes, top=top, trajectories=trajectories, sobol_samples=sobol_samples,
                    replications=replications, days=days, scale=scale, scenario=None)
    analyse(mark(out / "sensitivity", analysis_marker("sensitivity", settings)), **settings, processes=processes,
            progress=progress, quiet=quiet)
    timings["sensitivity"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("3/3 scenario discovery")
    what = {"source": str(Path(DEFAULT_DISCOVERY).resolve()), "standard": str(standard), "norm": NORM_WORKERS_PER_10K,
            "scale": scale, "days": days, "replications": replications, "threshold": 0.8, "peel_alpha": 0.05}
    discovery(DEFAULT_DISCOVERY, mark(out / "discovery", analysis_marker("discovery", what)), standard,
              replications=replications, scale=scale, days=days, processes=processes, progress=progress, quiet=quiet)
    timings["discovery"] = time.perf_counter() - t
    atomic_write_json({"seconds": {k: round(v, 1) for k, v in timings.items()},
                       "total_seconds": round(time.perf_counter() - started, 1),
                       "settings": {"scale": scale, "days": days, "standard": str(standard), "processes": processes,
                                    "replications": replications, "trajectories": trajectories, "top": top,
                                    "sobol_samples": sobol_samples}}, out / "timings.json")
    return write_report(out)
