"""Every error the project reports to a user, in one place.

Each names where the problem is (a file, an option or a parameter) and what was expected; the
command line prints it as one line and exits with code 2 (``EXIT_BAD_INPUT``), before anything
is run or written.
"""

from __future__ import annotations

EXIT_BAD_INPUT = 2


class ParamError(ValueError):
    """A bad parameter value: ``field`` names the parameter, the message says what was expected."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ScenarioError(ValueError):
    """Bad scenario input: ``source`` is the file (or ``--set``), ``field`` the key."""

    def __init__(self, source: str, field: str | None, message: str):
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")
        self.source, self.field, self.message = source, field, message


class SweepError(ScenarioError):
    """Bad experiment input (experiment file, command-line option, output folder)."""


class StandardError(ScenarioError):
    """A bad service standard (``--target``: unknown outcome, malformed criterion)."""

    def __init__(self, message: str, source: str = "--target"):
        super().__init__(source, None, message)


class CliError(Exception):
    """A usage error on the command line (a folder that cannot be written, a bad option value)."""


# a file could not be read or written while working (a full disk, a vanished folder): sysexits EX_IOERR
EXIT_IO_ERROR = 74


class Interrupted(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP) raised as an interrupt, so that every ``finally``
    runs (workers stopped, the sweep's manifest marked "interrupted"); ``signal`` names it."""

    def __init__(self, signum: int):
        import signal as signals

        self.signum = signum
        self.signal = signals.Signals(signum).name
        super().__init__(self.signal)
