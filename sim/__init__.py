"""Shishi grid-governance agent-based model (Mesa)."""

from sim.api import RunResult, build_model, run
from sim.model import GridGovernanceModel
from sim.params import PARAMS, Params
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["PARAMS", "GridGovernanceModel", "Params", "RunResult", "Scenario", "ScenarioError", "build_model",
           "load_scenario", "run"]
