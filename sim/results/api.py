"""The Python API under the command line, the browser page and the sweeps.

    from sim import load_scenario, run
    result = run(load_scenario("scenarios/shishi_baseline.toml", {"scale": 0.1}), seed=7)
    result.summary["closure_rate"], result.cases.head()
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from sim.config.scenario import Scenario, load_scenario
from sim.model.model import GridGovernanceModel
from sim.results import records
from sim.results.provenance import provenance
from sim.results.summary import by_kind, by_town, summarise, surge_active, surge_window


@dataclass
class RunResult:
    scenario: Scenario
    seed: int
    model: GridGovernanceModel
    wall_seconds: float

    @cached_property
    def summary(self) -> dict:
        model, params = self.model, self.scenario.params
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "days": model.day,
            "scale": params["scale"],
            "residents": model.population.size,
            "grid_workers": len(model.workers),
            "part_time_grid_workers": sum(worker.part_time for worker in model.workers),
            "volunteers": len(model.volunteers),
            "mediators": len(model.mediators),
            "clerks": len(model.clerks),
            "officers": len(model.officers),
            "workers_per_10k": params["workers_per_10k"],
            "escalation_rule": params["escalation_rule"],
            **summarise(model, self._visit_columns),
            "towns": by_town(model),
            "by_kind": by_kind(model),
            **({"surge": surge_window(model, self._visit_columns)} if surge_active(params) else {}),
            "provenance": {
                "scenario_files": [str(path) for path in self.scenario.chain],
                "parameters": params.as_dict(),
                "changed_parameters": params.changed(),
                **provenance(),
            },
        }

    @cached_property
    def cases(self) -> pd.DataFrame:
        return records.cases_frame(self.model)

    @cached_property
    def visits(self) -> pd.DataFrame:
        return records.visits_frame(self.model, self._visit_columns)

    @cached_property
    def _visit_columns(self) -> dict:
        """The visit log as columns, read once for the summary and the visits table (the run is over)."""
        return self.model.cases.visit_columns()

    @cached_property
    def daily(self) -> pd.DataFrame:
        return records.daily_frame(self.model)


def build_model(scenario: Scenario | str | Path | None = None, *, seed: int = 1,
                overrides: Mapping[str, object] | None = None) -> GridGovernanceModel:
    scenario = as_scenario(scenario, overrides)
    return GridGovernanceModel(scenario.params, seed=seed, scenario_name=scenario.name)


def run(scenario: Scenario | str | Path | None = None, *, seed: int = 1, overrides: Mapping[str, object] | None = None,
        on_day: Callable[[int], None] | None = None) -> RunResult:
    """Build and run one scenario (default: the Shishi baseline) for its ``days``."""
    scenario = as_scenario(scenario, overrides)
    started = time.perf_counter()
    with cycle_collection_paused():
        model = GridGovernanceModel(scenario.params, seed=seed, scenario_name=scenario.name)
        model.run(on_day=on_day)
    return RunResult(scenario, seed, model, time.perf_counter() - started)


@contextmanager
def cycle_collection_paused():
    """Python's cycle collector off for a while (as it was, after). A run makes hundreds of
    thousands of short-lived objects (visits, events) but next to no reference cycles: the
    collector's passes over everything alive cost a twentieth of a full-city run and free nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def as_scenario(scenario: Scenario | str | Path | None, overrides: Mapping[str, object] | None = None) -> Scenario:
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    return scenario.with_overrides(overrides) if overrides else scenario
