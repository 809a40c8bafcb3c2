"""Many runs: the engine (``engine``: run specifications in, flat outcome rows out, here, on local
worker processes or on Dask), experiments and their designs (``experiment``, ``design``), sweeps
(``sweep``: resumable, fault-tolerant), their Parquet store (``store``), limits checked before any
work (``limits``) and progress bars (``progress``). Reads the results, model and config layers.

    from sim.batch import Engine, load_experiment, run_sweep
    experiment = load_experiment("experiments/staffing_vs_escalation.toml", scale=0.02, days=60)
    result = run_sweep(experiment, "results/sweeps/staffing", Engine(processes=2))

See experiments/README.md for the experiment file format and for running on Dask / SLURM. The
names below load on first use (``sim.config.lazy``), so the command line can register its
commands without importing NumPy.
"""

from sim.config.lazy import lazy_exports

_EXPORTS = {"Engine": "sim.batch.engine", "Experiment": "sim.batch.experiment", "Factor": "sim.batch.design",
            "load_experiment": "sim.batch.experiment", "run_sweep": "sim.batch.sweep", "Store": "sim.batch.store"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
