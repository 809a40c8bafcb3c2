"""The policy analyses as typed library functions: what the command line's ``staffing`` and
``discover`` call (``sensitivity``: ``sim.analyses.sensitivity.analyse``), and what a script can call
directly; ``sim.docgen.policy_report.policy_analysis`` runs all three and writes the report.

    from sim.analyses.pipeline import search_config, staffing
    config = search_config(Path("experiments/policy_staffing.toml"), parse_standard(DEFAULT_STANDARD), scale=0.05)
    result = staffing(config, Path("results/policy/staffing"), processes=2)
"""

from __future__ import annotations

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


def no_progress(message: str) -> None:
    """The default ``progress``: say nothing."""
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


def staffing(config: SearchConfig, out: Path, *, processes: int = 1, progress: Progress = no_progress,
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
              replications: int | None = None, processes: int = 1, progress: Progress = no_progress, quiet: bool = True,
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
