"""Batch parameter sweeps: experiment files, designs, the fault-tolerant runner, Parquet storage, reports.

    from sim.experiments.sweep import load_experiment, run_sweep
    experiment = load_experiment("experiments/staffing_vs_escalation.toml", scale=0.02, days=60)
    result = run_sweep(experiment, "results/sweeps/staffing", processes=2)

See experiments/README.md for the experiment file format and for running on Dask / SLURM.
"""

from sim.config.lazy import lazy_exports

# Loaded on first use (sim.config.lazy).
_EXPORTS = {"SweepError": "sim.config.errors", "Experiment": "sim.experiments.sweep.experiment",
            "Factor": "sim.experiments.sweep.experiment", "load_experiment": "sim.experiments.sweep.experiment",
            "run_sweep": "sim.experiments.sweep.runner", "report": "sim.experiments.sweep.report"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
