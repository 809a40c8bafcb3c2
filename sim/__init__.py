"""Shishi grid-governance agent-based model (Mesa). Names load on first use (sim.lazy)."""

from sim.lazy import lazy_exports

_EXPORTS = {"run": "sim.api", "build_model": "sim.api", "RunResult": "sim.api",
            "GridGovernanceModel": "sim.model", "PARAMS": "sim.params", "Params": "sim.params",
            "Scenario": "sim.scenario", "ScenarioError": "sim.scenario", "load_scenario": "sim.scenario"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
