"""Every case's record, as growable columns (one row per case that arose).

Times are in days since the start of the run, as floats (a case reported at 12.25 was
reported a quarter into day 12). A row also holds the case's own random numbers, drawn
when it arose, so two policies run on one seed meet each case with the same luck
(common random numbers), whatever order the cases are handled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

import numpy as np

from sim.config.enums import SURFACING_CHANNELS, EndReason, Level, Outcome

# Columns of a case's own uniform random numbers (handling stream). The longest path any rule
# allows is the dispatch centre, a level it was graded too high for (handed down), five rungs
# (grid → city), and the follow-up; each redo (重办, at most MAX_REDOS) adds a handling visit and
# a follow-up: 1 + 1 + 5 + 1 + 2 × MAX_REDOS ≤ MAX_VISITS.
MAX_REDOS = 3
MAX_VISITS = 16
MAX_FOLLOW_UPS = 1 + MAX_REDOS
U_SERVICE = 0  # one per visit: the handling time
U_SUCCESS = MAX_VISITS  # one per visit: does the attempt succeed
U_WORSEN = 2 * MAX_VISITS  # one per visit: does a failed attempt worsen the dispute
U_EXIT = 3 * MAX_VISITS  # one per visit: does the party leave after a failed attempt
U_SATISFACTION = 4 * MAX_VISITS  # one per follow-up: is the party satisfied
U_REDO = U_SATISFACTION + MAX_FOLLOW_UPS  # one per follow-up: does a dissatisfied party ask for a redo
_SINGLE = U_REDO + MAX_FOLLOW_UPS
E_WITHDRAW = _SINGLE  # uniform turned into an exponential clock for withdrawing while waiting
U_GRADE = _SINGLE + 1  # is the case misgraded at the dispatch centre
U_GRADE_DIRECTION = _SINGLE + 2  # one step too low or too high
U_EXIT_KIND = _SINGLE + 3  # court, arbitration or petition
U_CENTRE = _SINGLE + 4  # a walked-in request settled on the spot at a neighbourhood centre
U_RETURN = _SINGLE + 5  # a level that got a case graded too high hands it down
U_CADRE = _SINGLE + 6  # a stationed cadre brings the authority the case needs
N_CASE_UNIFORMS = _SINGLE + 7

_COLUMNS: dict[str, tuple[type, object]] = {
    "grid": (np.int32, 0),
    "kind": (np.int8, 0),
    "severity_arisen": (np.int8, 0),
    "severity": (np.int8, 0),  # now (latent cases and failed attempts worsen it)
    "authority": (np.int8, 0),  # the level of authority the case needs now (a Level)
    "authority_u": (np.float64, 0.0),  # world-stream uniforms that fix the needed level for any severity
    "authority_up_u": (np.float64, 1.0),
    "graded_severity": (np.int8, -1),  # what the dispatch centre graded (-1: not yet)
    "graded_authority": (np.int8, -1),
    "misgraded": (np.int8, -1),  # 1 if the centre's grade was off by one step (-1: not yet graded)
    "failures": (np.int16, 0),  # failed attempts and time-outs
    "party": (np.int32, 0),
    "t_arisen": (np.float64, np.nan),
    "t_reported": (np.float64, np.nan),
    "t_closed": (np.float64, np.nan),
    "channel": (np.int8, -1),
    "outcome": (np.int8, int(Outcome.NONE)),
    "level": (np.int8, -1),  # current level while open; level reached at close (never DISPATCH once handled)
    "level_resolved": (np.int8, -1),
    "escalations": (np.int16, 0),
    "visits": (np.int8, 0),  # visits made (written when the case closes; the flow counts them as it goes)
    "satisfied": (np.int8, -1),  # at closing (after any redo); -1: not followed up
    "satisfied_first": (np.int8, -1),  # at the first follow-up
    "redos": (np.int8, 0),  # times reopened after a dissatisfied follow-up (重办)
    "returned": (np.int8, 0),  # handed down by a level it was graded too high for
    "referred": (np.int8, 0),  # 1 if a court referred it to the city centre (诉前调解): not a grid case
    "cadre": (np.int8, 0),  # 1 if a stationed cadre joined a mediation of it
    "at_centre": (np.int8, 0),  # 1 if a neighbourhood centre settled it on the spot
    "worsen_days": (np.float64, np.inf),  # latent age at which a minor case turns moderate
    "worsen_more_days": (np.float64, np.inf),  # further latent age to turn major
}


@dataclass(slots=True)
class Visit:
    """One stay of a case at one handler pool."""

    case: int
    level: Level
    pool: int
    t_entered: float
    t_started: float = np.nan
    t_left: float = np.nan
    reason: EndReason | None = None


class CaseBook:
    def __init__(self, capacity: int = 1024):
        self.size = 0
        self._capacity = max(16, capacity)
        for name, (dtype, fill) in _COLUMNS.items():
            setattr(self, name, np.full(self._capacity, fill, dtype=dtype))
        self.clocks = np.zeros((self._capacity, SURFACING_CHANNELS))  # unit exponential per surfacing channel
        self.uniforms = np.zeros((self._capacity, N_CASE_UNIFORMS))
        self.visit_log: list[Visit] = []

    def add(self, columns: dict[str, np.ndarray], clocks: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """Append new cases; returns their ids."""
        n = len(clocks)
        if self.size + n > self._capacity:
            self._grow(self.size + n)
        rows = slice(self.size, self.size + n)  # a slice: a plain copy, where the ids would gather and scatter
        for name, values in columns.items():
            getattr(self, name)[rows] = values
        self.clocks[rows] = clocks
        self.uniforms[rows] = uniforms
        self.size += n
        return np.arange(rows.start, rows.stop)

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * self._capacity)
        for name, (dtype, fill) in _COLUMNS.items():
            old = getattr(self, name)
            new = np.full(capacity, fill, dtype=dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)
        for name in ("clocks", "uniforms"):
            old = getattr(self, name)
            new = np.zeros((capacity, old.shape[1]))
            new[: self.size] = old[: self.size]
            setattr(self, name, new)
        self._capacity = capacity

    def column(self, name: str) -> np.ndarray:
        """A read-only view of one column over the cases so far."""
        view = getattr(self, name)[: self.size].view()
        view.flags.writeable = False
        return view

    def cases_of_party(self, resident: int) -> list[int]:
        return np.flatnonzero(self.party[: self.size] == resident).tolist()

    @property
    def case_visits(self) -> dict[int, list[Visit]]:
        """Each case's visits in order (built from the log when asked for: the flow never needs it)."""
        by_case: dict[int, list[Visit]] = {}
        for visit in self.visit_log:
            by_case.setdefault(visit.case, []).append(visit)
        return by_case

    def visit_columns(self) -> dict[str, np.ndarray]:
        """The visit log as columns, in one pass (the tables and the summary read it whole, and a
        NumPy column per field is far cheaper to filter than the log's objects): ``case``, ``level``,
        ``pool``, ``t_entered``, ``t_started`` and ``t_left`` (NaN: not yet), ``reason`` (an EndReason
        code, −1 while the visit is in progress)."""
        log, n = self.visit_log, len(self.visit_log)
        # one C-level pass per field, straight into its array (no tuples of rows in between)
        result = {name: np.fromiter(map(attrgetter(name), log), dtype=dtype, count=n)
                  for name, dtype in (("case", np.int64), ("level", np.int8), ("pool", np.int32),
                                      ("t_entered", np.float64), ("t_started", np.float64), ("t_left", np.float64))}
        result["reason"] = np.fromiter((-1 if visit.reason is None else visit.reason for visit in log), dtype=np.int8,
                                       count=n)
        return result

    def open_visit(self, case: int, level: Level, pool: int, t: float) -> Visit:
        visit = Visit(case, level, pool, t)
        self.visit_log.append(visit)
        self.level[case] = level
        return visit

    # -- counts used by the conservation law: arisen = latent + open + closed
    @property
    def arisen(self) -> int:
        return self.size

    @property
    def reported(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.t_reported[: self.size])))

    @property
    def closed(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.t_closed[: self.size])))
