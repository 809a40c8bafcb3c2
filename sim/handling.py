"""Handling: pools of handlers with queues, and the flow of reported cases through them.

Inside a day, time is continuous: reports arrive at their surfacing times and handling
ends after continuous durations, processed in time order from one event heap. Mesa's own
event list is not used for these because its callbacks take no arguments (one weakly
referenced callable per case event); a heap of tuples is an order of magnitude cheaper and
the model still advances day by day on Mesa's clock.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from sim.agents import Handler
from sim.cases import E_WITHDRAW, MAX_VISITS, U_SATISFACTION, U_SERVICE, U_SUCCESS, CaseBook, Visit
from sim.enums import CaseKind, Channel, EndReason, Level, Outcome, Severity, SpecialisedField
from sim.params import Params
from sim.policies import CaseView, EscalationRule
from sim.population import Population

_REPORT, _END, _TIMEOUT, _WITHDRAW = range(4)
_INVERSE_NORMAL = NormalDist().inv_cdf


class HandlerPool:
    """The handlers of one committee (or one community's grid workers or volunteers),
    with one queue that is first-in first-out within priority (major cases first)."""

    def __init__(self, index: int, level: Level, name: str, node: int, servers: Sequence[Handler],
                 town: int | None = None, community: int | None = None, field: SpecialisedField | None = None,
                 volunteers: bool = False):
        self.index, self.level, self.name, self.node = index, level, name, node
        self.servers = list(servers)
        self.town, self.community, self.field, self.volunteers = town, community, field, volunteers
        self.capacity = sum(server.capacity for server in self.servers)
        self.busy = 0
        self.waiting = 0
        self.queues: tuple[deque, ...] = tuple(deque() for _ in Severity)
        self.busy_time = 0.0  # integral of busy handlers over time, handler-days
        self._since = 0.0

    def account(self, t: float) -> None:
        self.busy_time += self.busy * (t - self._since)
        self._since = t

    def free_server(self) -> Handler | None:
        """The least loaded handler with room, or None."""
        best, room = None, 0
        for server in self.servers:
            free = server.capacity - server.active_cases
            if free > room:
                best, room = server, free
        return best

    @property
    def load(self) -> float:
        return (self.busy + self.waiting) / self.capacity if self.capacity else math.inf


@dataclass(slots=True)
class OpenCase:
    visit: Visit | None = None
    pool: HandlerPool | None = None
    server: Handler | None = None
    waiting_since: float = math.nan
    waited: float = 0.0  # days spent waiting so far, against the withdraw clock
    wait_count: int = 0


class CaseFlow:
    """Routes reported cases through the pools by the escalation rule, and closes them."""

    def __init__(self, book: CaseBook, rule: EscalationRule, params: Params, population: Population,
                 pools_for_level: Callable[[int, Level], HandlerPool | None]):
        self.book, self.rule, self.population = book, rule, population
        self.pool_for = pools_for_level
        self.heap: list = []
        self._seq = 0
        self.open: dict[int, OpenCase] = {}
        self.at_level = [0] * len(Level)  # open cases at each level (waiting or in service)
        self.closed_today = self.resolved_today = self.satisfied_today = 0
        self.time_limit = [params[f"time_limit_days.{level.label}"] for level in Level]
        factor = [1.0, params["service_factor.moderate"], params["service_factor.major"]]
        self.service_mean = [[params[f"service_days.{level.label}"] * f for f in factor] for level in Level]
        self.volunteer_service_mean = [params["volunteer_service_days"] * f for f in factor]
        self.success = [[params[f"success.{level.label}.{s.label}"] for s in Severity] for level in Level]
        self.volunteer_success = params["volunteer_success"]
        self.exponential = params["service_distribution"] == "exponential"
        sigma2 = math.log1p(params["service_cv"] ** 2)
        self.sigma, self.mu_shift = math.sqrt(sigma2), -sigma2 / 2
        self.withdraw_rate = params["withdraw_per_day"]
        self.satisfaction = {Outcome.RESOLVED: params["satisfaction.resolved"],
                             Outcome.UNRESOLVED: params["satisfaction.unresolved"],
                             Outcome.WITHDRAWN: params["satisfaction.withdrawn"]}
        self.grace_days = params["satisfaction_grace_days"]
        self.loss_per_day = params["satisfaction_loss_per_day"]
        self.loss_per_escalation = params["satisfaction_loss_per_escalation"]
        self.trust_gain = params["trust_gain_satisfied"]
        self.trust_loss = params["trust_loss_dissatisfied"]
        self.points_per_report = params["civility_points_per_report"] if params["civility_incentive"] else 0

    # ------------------------------------------------------------------ events
    def _push(self, t: float, kind: int, case: int, ref: object = None) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (t, self._seq, kind, case, ref))

    def report(self, case: int, channel: int, t: float) -> None:
        self._push(t, _REPORT, case, channel)

    def run_until(self, t_end: float) -> None:
        heap = self.heap
        while heap and heap[0][0] < t_end:
            t, _, kind, case, ref = heapq.heappop(heap)
            if kind == _REPORT:
                self._on_report(case, ref, t)
            elif kind == _END:
                self._on_end(case, ref, t)
            elif kind == _TIMEOUT:
                self._on_timeout(case, ref, t)
            else:
                self._on_withdraw(case, ref, t)

    def _on_report(self, case: int, channel: int, t: float) -> None:
        book = self.book
        book.t_reported[case] = t
        book.channel[case] = channel
        if channel in (Channel.HOTLINE, Channel.WALK_IN):
            party = book.party[case]
            self.population.reports[party] += 1
            if self.population.certified[party]:
                self.population.points[party] += self.points_per_report
        state = OpenCase()
        self.open[case] = state
        self._route(case, state, self.rule.first_route(self._view(case)), t)

    def _on_end(self, case: int, visit: Visit, t: float) -> None:
        state = self.open.get(case)
        if state is None or state.visit is not visit:
            return
        pool, server = state.pool, state.server
        severity = self.book.severity[case]
        if pool.volunteers:
            p = self.volunteer_success
        else:
            p = self.success[visit.level][severity]
        succeeded = self.book.uniforms[case, U_SUCCESS + self.book.visits[case] - 1] < p
        server.cases_handled += 1
        self._leave(case, state, t, EndReason.RESOLVED if succeeded else EndReason.FAILED)
        if succeeded:
            self._close(case, Outcome.RESOLVED, t)
        else:
            self._escalate(case, state, EndReason.FAILED, t)

    def _on_timeout(self, case: int, visit: Visit, t: float) -> None:
        state = self.open.get(case)
        if state is None or state.visit is not visit:
            return
        self._leave(case, state, t, EndReason.TIMED_OUT)
        self._escalate(case, state, EndReason.TIMED_OUT, t)

    def _on_withdraw(self, case: int, wait_count: int, t: float) -> None:
        state = self.open.get(case)
        if state is None or state.server is not None or state.wait_count != wait_count:
            return
        self._leave(case, state, t, EndReason.WITHDRAWN)
        self._close(case, Outcome.WITHDRAWN, t)

    # ------------------------------------------------------------------ routing
    def _view(self, case: int) -> CaseView:
        book = self.book
        return CaseView(CaseKind(book.kind[case]), Severity(book.severity[case]), Channel(book.channel[case]),
                        tuple(visit.level for visit in book.case_visits.get(case, ())))

    def _escalate(self, case: int, state: OpenCase, reason: EndReason, t: float) -> None:
        level = self.rule.next_route(self._view(case), Level(self.book.level[case]), reason)
        if level is not None:
            self.book.escalations[case] += 1
        self._route(case, state, level, t)

    def _route(self, case: int, state: OpenCase, level: Level | None, t: float) -> None:
        pool = None
        while level is not None:
            pool = self.pool_for(case, level)
            if pool is not None and pool.capacity > 0:
                break
            level = self.rule.next_route(self._view(case), level, EndReason.NO_HANDLER)
        if level is None:
            self._close(case, Outcome.UNRESOLVED, t)
            return
        if self.book.visits[case] >= MAX_VISITS:
            raise RuntimeError(f"case {case} would visit more than {MAX_VISITS} levels under {self.rule.name}")
        state.visit = self.book.open_visit(case, level, pool.index, t)
        state.pool = pool
        self.at_level[level] += 1
        limit = self.time_limit[level]
        if limit > 0:
            self._push(t + limit, _TIMEOUT, case, state.visit)
        server = pool.free_server()
        if server is not None:
            self._start(case, state, server, t)
        else:
            self._wait(case, state, t)

    def _wait(self, case: int, state: OpenCase, t: float) -> None:
        pool = state.pool
        pool.queues[Severity.MAJOR - self.book.severity[case]].append((case, state.visit))
        pool.waiting += 1
        state.waiting_since = t
        state.wait_count += 1
        if self.withdraw_rate > 0:
            patience = self.book.uniforms[case, E_WITHDRAW] / self.withdraw_rate - state.waited
            self._push(t + max(patience, 0.0), _WITHDRAW, case, state.wait_count)

    def _start(self, case: int, state: OpenCase, server: Handler, t: float) -> None:
        pool, visit = state.pool, state.visit
        pool.account(t)
        pool.busy += 1
        server.active_cases += 1
        state.server = server
        visit.t_started = t
        severity = self.book.severity[case]
        mean = self.volunteer_service_mean[severity] if pool.volunteers else self.service_mean[visit.level][severity]
        u = self.book.uniforms[case, U_SERVICE + self.book.visits[case] - 1]
        if self.exponential:
            duration = -mean * math.log1p(-u)
        else:
            duration = mean * math.exp(self.mu_shift + self.sigma * _INVERSE_NORMAL(min(max(u, 1e-12), 1 - 1e-12)))
        self._push(t + duration, _END, case, visit)

    def _leave(self, case: int, state: OpenCase, t: float, reason: EndReason) -> None:
        """End the case's current visit; frees its handler (who takes the next in line)."""
        pool, visit = state.pool, state.visit
        visit.t_left, visit.reason = t, reason
        self.at_level[visit.level] -= 1
        state.visit = None
        if state.server is not None:
            pool.account(t)
            pool.busy -= 1
            state.server.active_cases -= 1
            state.server = None
            self._pull(pool, t)
        else:
            pool.waiting -= 1
            state.waited += t - state.waiting_since

    def _pull(self, pool: HandlerPool, t: float) -> None:
        for queue in pool.queues:
            while queue:
                case, visit = queue.popleft()
                state = self.open.get(case)
                if state is None or state.visit is not visit:
                    continue  # withdrawn or timed out while waiting
                server = pool.free_server()
                pool.waiting -= 1
                state.waited += t - state.waiting_since
                self._start(case, state, server, t)
                return

    # ------------------------------------------------------------------ closing and follow-up
    def _close(self, case: int, outcome: Outcome, t: float) -> None:
        book = self.book
        book.t_closed[case] = t
        book.outcome[case] = outcome
        if outcome is Outcome.RESOLVED:
            book.level_resolved[case] = book.level[case]
        days = t - book.t_reported[case]
        p = (self.satisfaction[outcome] - self.loss_per_day * max(0.0, days - self.grace_days)
             - self.loss_per_escalation * book.escalations[case])
        satisfied = book.uniforms[case, U_SATISFACTION] < p
        book.satisfied[case] = satisfied
        party = book.party[case]
        trust = self.population.trust
        trust[party] = min(1.0, trust[party] + self.trust_gain) if satisfied else max(0.0, trust[party] - self.trust_loss)
        self.closed_today += 1
        self.resolved_today += outcome is Outcome.RESOLVED
        self.satisfied_today += bool(satisfied)
        del self.open[case]

    def busy_fraction(self, pools: Sequence[HandlerPool]) -> np.ndarray:
        return np.array([pool.busy / pool.capacity if pool.capacity else 0.0 for pool in pools])
