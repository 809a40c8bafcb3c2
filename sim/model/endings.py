"""How a case ends: what a failed attempt costs (trust, worsening, exits, the next level), the
party leaving the system, resolution, the follow-up (回访) and its redo (重办), and closing. A
part of ``sim.model.handling.CaseFlow``, whose ``__init__`` holds the state it reads."""

from __future__ import annotations

from sim.config.enums import (
    AUTHORITY_RANK,
    CaseKind,
    EndReason,
    Level,
    Outcome,
    Severity,
)
from sim.model.cases import (
    U_EXIT,
    U_EXIT_KIND,
    U_WORSEN,
)
from sim.model.flowstate import RANK, OpenCase


class Endings:
    """Failures, exits, resolution, follow-up and closing."""

    def _fail(self, case: int, state: OpenCase, reason: EndReason, level: Level, t: float) -> None:
        book = self.book
        visit_index = state.visits - 1
        book.failures[case] += 1
        if book.referred[case]:  # back to the court or the arbitration commission
            self._close(case, Outcome.ARBITRATION if int(book.kind[case]) == CaseKind.LABOUR else Outcome.LITIGATION, t)
            return
        party = book.party[case]
        trust = self.population.trust
        trust[party] = max(0.0, trust[party] - self.trust_loss_per_failure)
        worsens = book.uniforms[case, U_WORSEN + visit_index] < self.worsen_per_failure
        if worsens and int(book.severity[case]) < Severity.MAJOR:
            book.severity[case] += 1
            book.graded_severity[case] = min(int(book.graded_severity[case]) + 1, Severity.MAJOR)
            needed = self.authority.needed_one(
                book.kind[case], book.severity[case], book.authority_u[case], book.authority_up_u[case], book.grid[case]
            )
            if AUTHORITY_RANK[needed] > RANK[book.graded_authority[case]]:
                book.graded_authority[case] = needed
            book.authority[case] = needed
        effective_trust = self.population.effective_trust_of(party)
        if book.uniforms[case, U_EXIT + visit_index] < self.exit_per_failure * (1.0 - effective_trust):
            self._exit(case, t)
            return
        following = self.dispatcher.next_level(self.view(case), level, reason)
        if following is None:
            self._exit(case, t)
            return
        book.escalations[case] += 1
        self._hand_off(case, state, following, t)

    def _exit(self, case: int, t: float) -> None:
        """The party leaves the system, by kind: for a petition, arbitration or a court, or gives up."""
        petition, arbitration, litigation = self.exit_split[self.book.kind[case]]
        u = self.book.uniforms[case, U_EXIT_KIND]
        if u < petition:
            outcome = Outcome.PETITION
        elif u < petition + arbitration:
            outcome = Outcome.ARBITRATION
        elif u < petition + arbitration + litigation:
            outcome = Outcome.LITIGATION
        else:
            outcome = Outcome.WITHDRAWN
        self._close(case, outcome, t)

    def _resolved(self, case: int, state: OpenCase, level: Level, t: float) -> None:
        """Resolved at ``level``: a referral is closed (the court confirms the agreement); any
        other case waits for its follow-up visit by a grid worker of its grid."""
        book = self.book
        book.level_resolved[case] = level  # the outcome is set when it closes, after the follow-up
        if book.referred[case]:
            self._close(case, Outcome.RESOLVED, t)
            return
        workers = self.dispatcher.follow_up_pool(book.grid[case])
        if workers.capacity == 0:  # nobody to visit: the centre calls instead, at once
            redo = self.closing.followed_up(case, state.follow_ups, t)
            state.follow_ups += 1
            self._after_follow_up(case, state, redo, t)
            return
        self._enter(case, state, workers, Level.FOLLOW_UP, t)

    def _after_follow_up(self, case: int, state: OpenCase, redo: bool, t: float) -> None:
        """The party asked for a redo (重办): back to the level that resolved the case; else it is closed."""
        if redo:
            self._hand_off(case, state, self._redo_level(case), t)
        else:
            self.book.level[case] = self.book.level_resolved[case]
            self._forget(case)

    def _close(self, case: int, outcome: Outcome, t: float) -> None:
        """Close a case that is not followed up (withdrawn, left, or with nowhere to go)."""
        if outcome in (Outcome.PETITION, Outcome.ARBITRATION, Outcome.LITIGATION):
            self.closing.exits_today += 1
        self.closing.close(case, outcome, t)
        self._forget(case)

    def _forget(self, case: int) -> None:
        """The case is closed: its state goes, its count of visits stays in the book."""
        self.book.visits[case] = self.open.pop(case).visits
