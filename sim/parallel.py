"""Running many independent model runs on worker processes.

One small pool for the commands that fan runs out (compare, calibrate, staffing): workers
start from a forkserver with the model preloaded, so each imports Mesa once, and the pool
lives across rounds of an adaptive search. Batch sweeps use their own fault-tolerant runner
(sim.sweep.runner), which also survives dying workers and resumes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable


def default_workers() -> int:
    return os.cpu_count() or 1


class RunPool:
    """``map(fn, tasks)`` on ``workers`` processes, or in this process when workers is 1."""

    def __init__(self, workers: int | None = None, preload: Iterable[str] = ("sim.api",)):
        self.workers = workers or default_workers()
        self._pool = None
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(preload))
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)

    def map(self, fn: Callable, tasks: list) -> list:
        if self._pool is None:
            return [fn(task) for task in tasks]
        return list(self._pool.map(fn, tasks, chunksize=1))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> RunPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
