"""Batch parameter sweeps: experiment files, designs, a fault-tolerant runner, Parquet storage, reports.

    from sim.sweep import load_experiment, run_sweep
    experiment = load_experiment("experiments/staffing_vs_escalation.toml", scale=0.02, days=60)
    result = run_sweep(experiment, "results/sweeps/staffing", workers=2)

See experiments/README.md for the experiment file format and for running on Dask / SLURM.
"""

from sim.sweep.errors import SweepError
from sim.sweep.experiment import Experiment, Factor, load_experiment

__all__ = ["Experiment", "Factor", "SweepError", "load_experiment", "run_sweep", "report"]


def run_sweep(*args, **kwargs):
    from sim.sweep.runner import run_sweep as _run_sweep

    return _run_sweep(*args, **kwargs)


def report(*args, **kwargs):
    from sim.sweep.report import report as _report

    return _report(*args, **kwargs)
