"""The one error type of sweeps: bad input, reported in one line naming the file and the field."""

from __future__ import annotations

from sim.scenario import ScenarioError


class SweepError(ScenarioError):
    """Bad sweep input (experiment file, command-line option, output folder).

    A subclass of ``ScenarioError`` (and so of ``ValueError``): ``source`` is the file or
    option, ``field`` the key, and the CLI's existing handler prints it and exits 2.
    """
