"""Progress of long work (runs done of a total, time elapsed and time left) on stderr.

A rich bar while stderr is a terminal; silent when it is not (pipes, logs, tests) or when the
caller is quiet, so output stays deterministic. Library functions take a ``ProgressBar`` (or
None) and call ``advance`` once per finished run; a multi-stage analysis calls ``stage`` for
each stage and ``set_total`` when an adaptive search learns how many runs are left.
"""

from __future__ import annotations


class ProgressBar:
    def __init__(self, description: str, total: int = 0, *, quiet: bool = False, console=None):
        from rich.console import Console

        self.console = console if console is not None else Console(stderr=True)
        self.enabled = not quiet and self.console.is_terminal
        self.description, self.total = description, total
        self.bar = None
        self.task = None

    def __enter__(self) -> ProgressBar:
        if not self.enabled:
            return self
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
                            TimeElapsedColumn(), TextColumn("elapsed,"), TimeRemainingColumn(), TextColumn("left"),
                            TextColumn("{task.fields[note]}"), console=self.console)
        self.bar.start()
        self.task = self.bar.add_task(self.description, total=self.total or None, note="")
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def stage(self, description: str, total: int) -> None:
        """Start counting a new stage from zero."""
        self.description, self.total = description, total
        if self.bar is not None:
            self.bar.reset(self.task, total=total or None, description=description, note="")

    def set_total(self, total: int) -> None:
        self.total = total
        if self.bar is not None:
            self.bar.update(self.task, total=total or None)

    def advance(self, *_: object) -> None:
        """One run finished (takes and ignores the engine's ``on_done(row, daily)`` arguments)."""
        if self.bar is not None:
            self.bar.advance(self.task)

    def note(self, text: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, note=text)

    def log(self, message: str) -> None:
        """A line above the bar (nothing when the bar is off)."""
        if self.bar is not None:
            self.bar.console.print(message, highlight=False)
