"""Drawing summary.png on the second core while the model runs.

On a small run a third of the wall time is Matplotlib: importing it and drawing the figure.
``FigureProcess`` forks a helper before the model is imported; the helper imports
Matplotlib while this process imports Mesa and simulates, then draws while this process
writes the tables. It receives plain data (the summary, the daily series, the days to
close) through a pipe, so it never needs pandas or the model. Forking is only safe while
this process has a single thread (before NumPy starts its BLAS threads, for instance): in any
other case, or where ``os.fork`` does not exist, the figure is drawn in this process instead.
"""

from __future__ import annotations

import os
import pickle
import traceback
from pathlib import Path


def _single_threaded() -> bool:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1]) == 1
    except OSError:
        pass
    return False  # cannot tell: do not fork


class FigureProcess:
    def __init__(self, fork: bool = True):
        self._pid: int | None = None
        self._write: int | None = None
        if not (fork and hasattr(os, "fork") and _single_threaded()):
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper
            os.close(write)
            code = 0
            try:
                from sim.results.figures import save_figure, summary_figure

                with os.fdopen(read, "rb") as pipe:
                    data = pipe.read()
                if data:
                    job = pickle.loads(data)
                    save_figure(summary_figure(**job["figure"]), job["path"])
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        os.close(read)
        self._pid, self._write = pid, write

    @property
    def forked(self) -> bool:
        return self._pid is not None

    @classmethod
    def inline(cls) -> FigureProcess:
        """Draw in this process (no helper)."""
        return cls(fork=False)

    def draw(self, path: Path, **figure) -> None:
        """Start drawing ``summary_figure(**figure)`` into ``path`` (returns at once)."""
        if self._pid is None:
            from sim.results.figures import save_figure, summary_figure

            save_figure(summary_figure(**figure), path)
            return
        with os.fdopen(self._write, "wb") as pipe:
            pipe.write(pickle.dumps({"figure": figure, "path": str(path)}, protocol=pickle.HIGHEST_PROTOCOL))
        self._write = None

    def wait(self) -> None:
        """Wait for the figure; raise if drawing it failed."""
        if self._pid is None:
            return
        if self._write is not None:  # nothing was sent: let the helper go
            os.close(self._write)
            self._write = None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError("drawing summary.png failed (see the message above)")

    def close(self) -> None:
        """Let the helper go if it is still there (after an error elsewhere); never raises."""
        try:
            self.wait()
        except RuntimeError:
            pass
