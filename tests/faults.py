"""Fault injection for the sweep's robustness tests (kept out of production code).

``Faults(...)`` is a drop-in for the engine's ``execute``: keyed by (point, replication), it
raises, kills its worker process once or always, or hangs, then runs the spec normally."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from sim.batch.engine import execute


@dataclass(frozen=True)
class Faults:
    raise_in: frozenset = frozenset()
    exit_once: frozenset = frozenset()
    hang_in: frozenset = frozenset()
    exit_always: frozenset = frozenset()
    marker_dir: str = ""

    def __call__(self, spec, job):
        key = (spec.point, spec.replication)
        if key in self.exit_once:
            marker = Path(self.marker_dir) / f"exited-{spec.run_id}"
            if not marker.exists():
                marker.touch()
                os._exit(3)
        if key in self.exit_always:
            os._exit(4)
        if key in self.hang_in:
            time.sleep(3600)
        if key in self.raise_in:
            return execute(spec, _Broken(job, key))
        return execute(spec, job)


class _Broken:
    """A job whose scenario cannot load: the run fails the way a model error does."""

    def __init__(self, job, key):
        self.__dict__.update(job.__dict__)
        self._key = key

    def key(self) -> str:
        raise RuntimeError(f"injected failure (test hook) in point {self._key[0]} replication {self._key[1]}")
