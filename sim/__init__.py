"""Shishi grid-governance agent-based model (Mesa). Names load on first use (sim.config.lazy)."""

from sim.config.lazy import lazy_exports

_EXPORTS = {"run": "sim.results.api", "build_model": "sim.results.api", "RunResult": "sim.results.api",
            "GridGovernanceModel": "sim.model.model", "PARAMS": "sim.config.params", "Params": "sim.config.params",
            "Scenario": "sim.config.scenario", "ScenarioError": "sim.config.scenario",
            "load_scenario": "sim.config.scenario"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
