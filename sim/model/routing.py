"""Grading and routing: the dispatch centre grades a report (possibly one step off) and the
escalation rule sends it to a level; hand-offs between levels and hand-downs of cases graded too
high (退单/交办). A part of ``sim.model.handling.CaseFlow``, whose ``__init__`` holds the state it
reads."""

from __future__ import annotations

from sim.config.enums import (
    CaseKind,
    Level,
    Outcome,
    Severity,
)
from sim.model.authority import authority_rungs
from sim.model.cases import (
    U_GRADE,
    U_GRADE_DIRECTION,
)
from sim.model.escalation import CaseView, ladder
from sim.model.flowstate import _VIEWS, ARRIVE_EVENT, KINDS, LEVELS, OpenCase
from sim.model.pools import HandlerPool


class Routing:
    """Where a case goes: grading, the rule's first level, hand-offs and hand-downs."""

    def _to_centre(self, case: int, state: OpenCase, t: float) -> None:
        """To the town's dispatch centre, or graded at once when grading takes no time."""
        pool = self.dispatcher.centre(self.book.grid[case])
        if self.triage_days <= 0 or pool.capacity == 0:
            self._assign(case, state, t)
        else:
            self._enter(case, state, pool, Level.DISPATCH, t)

    def _assign(self, case: int, state: OpenCase, t: float) -> None:
        """Grade the case (possibly one step off) and send it where the rule says."""
        self._grade(case)
        state.check_grade = True
        self._go(case, state, self.dispatcher.first(self.view(case), self.book.grid[case]), t)

    def _grade(self, case: int) -> None:
        book = self.book
        severity, authority = int(book.severity[case]), int(book.authority[case])
        if book.uniforms[case, U_GRADE] < self.triage_accuracy:
            book.graded_severity[case], book.graded_authority[case] = severity, authority
            book.misgraded[case] = 0
            return
        step = -1 if book.uniforms[case, U_GRADE_DIRECTION] < 0.5 else 1
        kind = KINDS[book.kind[case]]
        graded = _shifted(kind, severity, authority, step)
        if graded == (severity, authority):
            graded = _shifted(kind, severity, authority, -step)
        book.graded_severity[case], book.graded_authority[case] = graded
        book.misgraded[case] = 1

    def view(self, case: int) -> CaseView:
        book = self.book
        return _VIEWS[book.kind[case]][book.graded_severity[case]][book.graded_authority[case]]

    def true_view(self, case: int) -> CaseView:
        book = self.book
        return _VIEWS[book.kind[case]][book.severity[case]][book.authority[case]]

    def _go(self, case: int, state: OpenCase, where: tuple[Level, HandlerPool] | None, t: float) -> None:
        """Enter the level and pool the dispatcher chose, or close the case if there is none."""
        if where is None:
            self._close(case, Outcome.UNRESOLVED, t)
            return
        level, pool = where
        self._enter(case, state, pool, level, t)

    def _hand_off(self, case: int, state: OpenCase, level: Level, t: float) -> None:
        """Pass the case to another level; it arrives after ``handoff_days``."""
        if self.handoff_days > 0:
            self.in_transit += 1
            self._push(t + self.handoff_days, ARRIVE_EVENT, case, level)
        else:
            self._go(case, state, self.dispatcher.resolve(self.view(case), level, self.book.grid[case]), t)

    def _hand_down(self, case: int, state: OpenCase, t: float) -> None:
        """A level graded too high hands the case down to where it belongs (退单/交办): it has now
        been graded right."""
        book = self.book
        book.returned[case] = 1
        book.graded_severity[case], book.graded_authority[case] = book.severity[case], book.authority[case]
        self._hand_off(case, state, self.dispatcher.first_level(self.true_view(case)), t)

    def _redo_level(self, case: int) -> Level:
        """Where a reopened case is redone: the level that resolved it, or, for a request settled
        on the spot at a neighbourhood centre, where the rule sends such a request."""
        level = LEVELS[self.book.level_resolved[case]]
        if level in ladder(KINDS[self.book.kind[case]]):
            return level
        return self.dispatcher.first_level(self.true_view(case))


def _shifted(kind: CaseKind, severity: int, authority: int, step: int) -> tuple[int, int]:
    """A grade one step lower (step −1) or higher (+1) than (severity, authority), clipped."""
    graded_severity = min(max(severity + step, Severity.MINOR), Severity.MAJOR)
    rungs = authority_rungs(kind)
    position = min(max(rungs.index(Level(authority)) + step, 0), len(rungs) - 1)
    return graded_severity, int(rungs[position])
