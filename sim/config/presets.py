"""Run presets: the named run sizes and seeds the tools start from, so no module writes its own
literal. Each is a default a command line or a caller can override.

Seeds: a run's seed is the only thing that differs between replications. Every tool starts
from its preset's ``first_seed`` and gives replication *r* the same seed under every policy, so
a baseline and a policy compared on ``n`` seeds meet the same disputes (common random numbers);
``sim.batch.seeds`` makes the seeds (``first_seed``, ``first_seed + 1``, … for the presets that
number them; spawned from it for sweeps and the staffing search).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sim.config.params import PARAMS


@dataclass(frozen=True, slots=True)
class RunPreset:
    name: str
    scale: float  # share of the 700,000 residents
    days: int
    first_seed: int
    seeds: int  # replications
    purpose: str


PRESETS: Mapping[str, RunPreset] = MappingProxyType({preset.name: preset for preset in (
    RunPreset("full", 1.0, 365, 1, 10, "the whole city for a year: calibration, docs/mechanisms.md, benchmarks"),
    RunPreset("page", 0.1, 365, 1, 1, "the browser page: 70,000 residents, a step redrawn in tens of milliseconds"),
    RunPreset("compare", 1.0, 365, 1, 10, "python run.py compare: scenarios side by side on common seeds"),
    RunPreset("fit", 1.0, 365, 1, 4, "python run.py calibrate --fit: the objective on four common seeds"),
    RunPreset("sweep", 0.1, 365, 20240601, 5, "experiments/*.toml sweeps when the file gives no scale or seed"),
    RunPreset("analysis", 0.05, 365, 20240612, 2, "sensitivity and discovery (policy-analysis): run size, seed"),
    RunPreset("staffing", 0.05, 365, 20240610, 20, "the staffing search from a scenario file: seed, replication cap"),
    RunPreset("validation", 0.1, 365, 1, 10, "python run.py validate: queueing-theory checks"),
    RunPreset("ema", 0.05, 365, 1, 1, "sim.analyses.ema.shishi_model: the EMA workbench client"),
)})
@dataclass(frozen=True)
class AbcSettings:
    """What ``python run.py calibrate`` runs by default (``sim.analyses.abc``; the shipped ensemble,
    scenarios/ensemble/, was built with these)."""

    scale: float = 0.25  # share of the city: 175,000 residents, volumes within a few % of full scale
    days: int = 365  # one year after the warm-up, as the patterns are yearly
    population: int = 150  # accepted parameter sets per generation (the ensemble's size)
    generations: int = 10  # at most
    max_runs: int = 4000  # simulation budget (≈ 35 min on two idle cores)
    min_acceptance: float = 0.01
    minimum_epsilon: float = 1.0  # every fitted pattern inside its band


ABC = AbcSettings()
FIRST_SEED = PRESETS["full"].first_seed  # a model built without a seed runs on this one
# The staffing norm the analyses examine (国办发〔2021〕56号) and Shishi's rule: the registry's defaults.
NORM_WORKERS_PER_10K = float(PARAMS["workers_per_10k"].default)
SHISHI_RULE = str(PARAMS["escalation_rule"].default)
