"""The closed loop 跟单 → 回访 → 结单: how a handled case is followed up and closed, and what
closing does to the party's trust and to the community's recent experience.

A resolved case is not closed when its handler is done: a grid worker of its grid visits the
party first (the follow-up visit, an order, ``sim.model.worktime``). A satisfied party's case is
closed. A dissatisfied party may ask for it to be redone (重办; ``redo_request_share``, at most
``redo_limit`` times): it goes back to the level that resolved it, costs that level's time, the
hand-off's days and another follow-up. Satisfaction is drawn from the case's own uniforms, so
every policy meets the same party with the same mood. Cases that end otherwise (the party left
for a court, arbitration or a petition, withdrew, or no level had a handler) close at once,
without a follow-up.

Satisfaction falls with delay beyond ``satisfaction_grace_days`` from the report, with every
hand-off up a level (推诿), and with every rung above the community at which the case was
resolved by mediation (parties travel farther and deal with strangers; a department comes to them).
"""

from __future__ import annotations

from sim.config.enums import AUTHORITY_RANK, Level, Outcome
from sim.config.params import Params
from sim.model.cases import U_REDO, U_SATISFACTION, CaseBook
from sim.model.population import Population
from sim.model.trust import Reputation

_COMMUNITY_RANK = AUTHORITY_RANK[Level.COMMUNITY]
# per level code: rungs above the community a party travels to (committees; a department comes to them)
_REMOTE_RUNGS = tuple(max(0, AUTHORITY_RANK[level] - _COMMUNITY_RANK)
                      if level in (Level.SPECIALISED, Level.TOWN, Level.CITY) else 0 for level in Level)


class Closing:
    def __init__(self, book: CaseBook, params: Params, population: Population, reputation: Reputation,
                 grid_community):
        self.book, self.population, self.reputation = book, population, reputation
        self.grid_community = grid_community
        self.satisfied_resolved = params["satisfaction.resolved"]
        self.grace_days = params["satisfaction_grace_days"]
        self.loss_per_day = params["satisfaction_loss_per_day"]
        self.loss_per_escalation = params["satisfaction_loss_per_escalation"]
        self.loss_per_remote_rung = params["remote_satisfaction_loss"]
        self.redo_limit = params["redo_limit"]
        self.redo_share = params["redo_request_share"]
        self.trust_gain = params["trust_gain_satisfied"]
        self.trust_loss = params["trust_loss_dissatisfied"]
        self.closed_today = self.resolved_today = self.satisfied_today = self.exits_today = 0

    def satisfaction_chance(self, case: int, t: float) -> float:
        """Chance the party of a resolved case is satisfied at a follow-up at ``t``."""
        book = self.book
        days = t - float(book.t_reported[case])  # Python numbers: the same values, cheaper arithmetic
        remote = _REMOTE_RUNGS[book.level_resolved[case]]
        return (self.satisfied_resolved - self.loss_per_day * max(0.0, days - self.grace_days)
                - self.loss_per_escalation * int(book.escalations[case]) - self.loss_per_remote_rung * remote)

    def followed_up(self, case: int, follow_up: int, t: float) -> bool:
        """The follow-up visit number ``follow_up`` (0 = the first) is done: returns True if the
        party asks for the case to be redone, else closes it."""
        book = self.book
        satisfied = book.uniforms[case, U_SATISFACTION + follow_up] < self.satisfaction_chance(case, t)
        if follow_up == 0:
            book.satisfied_first[case] = satisfied
        if (not satisfied and book.redos[case] < self.redo_limit
                and book.uniforms[case, U_REDO + follow_up] < self.redo_share):
            book.redos[case] += 1
            return True
        self.close(case, Outcome.RESOLVED, t, satisfied)
        return False

    def close(self, case: int, outcome: Outcome, t: float, satisfied: bool | None = None) -> None:
        """Close the case; ``satisfied`` is the follow-up's answer (None: not followed up)."""
        book = self.book
        book.t_closed[case] = t
        book.outcome[case] = outcome
        party = int(book.party[case])
        trust = self.population.trust
        if satisfied is not None:
            book.satisfied[case] = satisfied
            trust[party] = (min(1.0, trust[party] + self.trust_gain) if satisfied
                            else max(0.0, trust[party] - self.trust_loss))
        if not book.referred[case]:
            # word of mouth: every closed case is an experience of the system, good only if satisfied
            self.reputation.record(int(self.grid_community[book.grid[case]]), bool(satisfied))
        self.closed_today += 1
        self.resolved_today += outcome is Outcome.RESOLVED
        self.satisfied_today += bool(satisfied)

    def reset_day(self) -> None:
        self.closed_today = self.resolved_today = self.satisfied_today = self.exits_today = 0
