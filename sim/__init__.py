"""Shishi grid-governance agent-based model (Mesa).

The names below load on first use, so that ``import sim.cli`` can check a command's input
(and start the figure helper) before Mesa and pandas are imported.
"""

from importlib import import_module

_EXPORTS = {"run": "sim.api", "build_model": "sim.api", "RunResult": "sim.api",
            "GridGovernanceModel": "sim.model", "PARAMS": "sim.params", "Params": "sim.params",
            "Scenario": "sim.scenario", "ScenarioError": "sim.scenario", "load_scenario": "sim.scenario"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
