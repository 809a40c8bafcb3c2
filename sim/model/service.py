"""A visit at a level: a case enters a pool of handlers, waits in its queue or starts at once,
takes a handling time drawn from its own uniforms, succeeds with the level's chance, and leaves
(freeing its handler for the next in line). A part of ``sim.model.handling.CaseFlow``, whose
``__init__`` holds the state it reads."""

from __future__ import annotations

import math

from sim.config.enums import (
    AUTHORITY_RANK,
    EndReason,
    Level,
    Severity,
)
from sim.model.agents import GridWorker, Handler
from sim.model.cases import (
    E_WITHDRAW,
    MAX_VISITS,
    U_CADRE,
    U_RETURN,
    U_SERVICE,
)
from sim.model.flowstate import (
    CADRE_RANK,
    END_EVENT,
    INVERSE_NORMAL,
    LOCAL_KINDS,
    RANK,
    REMOTE_LEVELS,
    TIMEOUT_EVENT,
    WITHDRAW_EVENT,
    OpenCase,
)
from sim.model.pools import FOLLOW_UP_PRIORITY, HandlerPool

# Levels the hot paths test for, bound once: reading an enum member off its class costs an
# attribute lookup on every event.
_FOLLOW_UP, _DISPATCH, _COMMUNITY = Level.FOLLOW_UP, Level.DISPATCH, Level.COMMUNITY


class Service:
    """Queues, handling times and success at a pool of handlers."""

    def _enter(self, case: int, state: OpenCase, pool: HandlerPool, level: Level, t: float) -> None:
        visits = state.visits
        if visits >= MAX_VISITS:
            rule = self.dispatcher.rule.name
            raise RuntimeError(f"case {case} would make more than {MAX_VISITS} visits under {rule}")
        state.visits = visits + 1
        state.visit = visit = self.book.open_visit(case, level, pool.index, t)
        state.pool = pool
        self.at_level[level] += 1
        limit = self.time_limit[level]
        server = pool.free_server()
        if server is not None:
            end = self._start(case, state, server, t)
            if 0 < limit < end - t:  # only a visit that would outlast its limit needs the time-out
                self._push(t + limit, TIMEOUT_EVENT, case, visit)
        else:
            if limit > 0:
                self._push(t + limit, TIMEOUT_EVENT, case, visit)
            self._wait(case, state, t)

    def _wait(self, case: int, state: OpenCase, t: float) -> None:
        pool, visit = state.pool, state.visit
        follow_up = visit.level is _FOLLOW_UP
        if follow_up:
            priority = FOLLOW_UP_PRIORITY
        else:  # ungraded at the centre: first come, first served
            priority = Severity.MAJOR - max(int(self.book.graded_severity[case]), Severity.MINOR)
        pool.queues[priority].append((case, visit))
        pool.waiting += 1
        state.waiting_since = t
        state.wait_count += 1
        if self.withdraw_rate > 0 and not follow_up:
            patience = -math.log1p(-self.book.uniforms[case, E_WITHDRAW]) / self.withdraw_rate - state.waited
            self._push(t + max(patience, 0.0), WITHDRAW_EVENT, case, state.wait_count)

    def _start(self, case: int, state: OpenCase, server: Handler, t: float) -> float:
        """The server starts on the case's visit at ``t``; returns when the visit will end."""
        pool, visit, book = state.pool, state.visit, self.book
        pool.take(server, t)
        state.server = server
        visit.t_started = t
        worker = isinstance(server, GridWorker)
        if worker:
            self.worktime.start(server.slot, t)
        level = visit.level
        if level is _FOLLOW_UP:
            return self._push(t + self.followup_hours / server.hours_per_day, END_EVENT, case, visit)
        if state.check_grade:
            state.check_grade = False  # only the first visit after grading checks the grade
            if (
                book.misgraded[case] == 1
                and book.uniforms[case, U_RETURN] < self.overgrade_return
                and AUTHORITY_RANK[level] > AUTHORITY_RANK[self.dispatcher.first_level(self.true_view(case))]
            ):
                state.screening = True  # graded too high: not theirs; screen it and hand it down
                return self._push(t + self.screening_days, END_EVENT, case, visit)
        pool_level = pool.level
        if (
            pool_level is _COMMUNITY
            and RANK[book.authority[case]] == CADRE_RANK
            and self.cadres.join(pool.community)
        ):
            state.cadre = True  # the community's stationed cadre takes part
            book.cadre[case] = 1
        u = float(book.uniforms[case, U_SERVICE + state.visits - 1])  # a Python float: cheaper to compute with
        severity = book.severity[case]
        if pool_level is _DISPATCH:
            duration = self._draw(self.triage_days, u)
        elif worker:
            duration = self._draw(self.order_hours[book.kind[case]][severity], u) / server.hours_per_day
        elif pool.volunteers:
            duration = self._draw(self.volunteer_service_mean[severity], u)
        else:
            duration = self._draw(self.service_mean[level][severity] * pool.service_factor, u)
        return self._push(t + duration, END_EVENT, case, visit)

    def _draw(self, mean: float, u: float) -> float:
        """A handling time with this mean, from the case's own uniform."""
        if self.exponential:
            return -mean * math.log1p(-u)
        if not 1e-12 < u < 1 - 1e-12:  # clipped only at the ends (rare): two calls saved on every other
            u = min(max(u, 1e-12), 1 - 1e-12)
        return mean * math.exp(self.mu_shift + self.sigma * INVERSE_NORMAL(u))

    def success_chance(self, case: int, pool: HandlerPool, cadre: bool = False) -> float:
        """Chance this pool resolves the case: its own success rate, unless it lacks the
        authority the case needs (then ``success_below_authority`` at most; a stationed cadre
        taking part brings a department's, for a share ``cadre_brings_authority_share`` of
        cases); neighbour and family disputes fail more often far from the people (town, city)."""
        book, level = self.book, pool.level
        if book.referred[case]:
            return self.referral_success
        kind, severity = int(book.kind[case]), book.severity[case]  # int: a NumPy scalar compares slowly with an enum
        p = self.volunteer_success if pool.volunteers else self.success[level][severity]
        rank = AUTHORITY_RANK[level]
        if cadre and book.uniforms[case, U_CADRE] < self.cadre_authority:
            rank = max(rank, CADRE_RANK)
        if rank < RANK[book.authority[case]]:
            return min(p, self.below_authority)
        if kind in LOCAL_KINDS and level in REMOTE_LEVELS:
            return max(0.0, 1.0 - (1.0 - p) * self.local_knowledge)
        return p

    def _leave(self, case: int, state: OpenCase, t: float, reason: EndReason) -> None:
        """End the case's current visit; frees its handler (who takes the next in line)."""
        pool, visit, server = state.pool, state.visit, state.server
        visit.t_left, visit.reason = t, reason
        self.at_level[visit.level] -= 1
        state.visit = None
        state.cadre = False
        if server is not None:
            pool.release(server, t)
            state.server = None
            if isinstance(server, GridWorker):
                self.worktime.stop(server.slot, t)
            if pool.waiting:
                self._pull(pool, t)
        else:
            pool.waiting -= 1
            state.waited += t - state.waiting_since

    def _pull(self, pool: HandlerPool, t: float) -> None:
        """The freed handler takes the first case in line (stale entries, of cases that left while
        waiting, are dropped on the way; with none waiting, any left are dropped later). Called only
        with someone waiting."""
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
