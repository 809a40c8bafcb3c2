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


class RunClock:
    """Runs done of a known total, the time elapsed and an estimate of the time left, as plain
    lines through ``say`` (so a log or a pipe shows them too, unlike the terminal-only bar).

    The estimate is the mean wall time per run so far times the runs left: the stages of one
    analysis run the same model at the same size, so their runs cost about the same. A line is
    said at most every ``every_seconds`` (and at the last run)."""

    def __init__(self, total: int, say, *, every_seconds: float = 30.0, clock=None):
        import time

        self.total, self.say, self.every = int(total), say, float(every_seconds)
        self.clock = clock or time.monotonic
        self.started = self.last = self.clock()
        self.done, self.stage_name = 0, ""

    def stage(self, name: str) -> None:
        self.stage_name = name

    def seconds_left(self) -> float:
        if not self.done:
            return float("nan")
        return (self.clock() - self.started) / self.done * max(0, self.total - self.done)

    def line(self) -> str:
        elapsed = self.clock() - self.started
        left = self.seconds_left()
        estimate = "estimating" if left != left else f"about {_minutes(left)} left"
        prefix = f"{self.stage_name}: " if self.stage_name else ""
        return f"{prefix}{self.done}/{self.total} runs, {_minutes(elapsed)} elapsed, {estimate}"

    def advance(self, *_: object) -> None:
        """One run finished (takes and ignores the engine's ``on_done(row, daily)`` arguments)."""
        self.done += 1
        now = self.clock()
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            self.say(self.line())


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"
