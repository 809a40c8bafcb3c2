"""Handling: the flow of reported cases through the dispatch centre, the levels and the follow-up.

A reported case goes first to its town's dispatch centre, which grades it (severity and the
level of authority it needs; one step off with probability 1 − ``triage_accuracy``) and
assigns it by the escalation rule (订单分包). Misgrading has the costs it has in practice:

- graded too low, the case reaches a level without the authority it needs, which tries and
  most likely fails (``success_below_authority``), with every cost of a failed attempt;
- graded too high, it takes a higher, scarcer level's time, or that level hands it down to
  where it belongs (退单/交办, ``overgrade_return_share``): a screening and a hand-off lost.

A handler below the authority a case needs rarely resolves it, unless a stationed cadre joins a
community mediation and brings a department's authority (``sim.model.cadres``). A pilot zone's desk
is the specialised rung for its own labour and commercial disputes, faster on site. A
public-service request walked in to an upgraded neighbourhood centre may be settled there and
then. Cases referred by a court or the arbitration institute (诉前调解) are mediated at the
city centre and go back to the court or the arbitration commission if that fails.

A failed attempt (or a time-out) costs: the party's trust falls, the dispute may worsen, the
party may leave for a court, an arbitration commission or a petition (more likely the less
they trust), and if not, the case is handed to the next level, which takes ``handoff_days``.
After a failure at the top the party always leaves. A resolved case is followed up by a grid
worker before it is closed, and may be redone (``sim.model.closing``).

Inside a day, time is continuous: reports arrive at their surfacing times and handling ends
after continuous durations, processed in time order from one event heap. Mesa's own event list
is not used for these because its callbacks take no arguments (one weakly referenced callable
per case event); a heap of tuples is an order of magnitude cheaper and the model still advances
day by day on Mesa's clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from heapq import heappop as _heappop
from heapq import heappush as _heappush
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

from sim.config.enums import (
    AUTHORITY_RANK,
    RESIDENT_CHANNELS,
    CaseKind,
    Channel,
    EndReason,
    Level,
    Outcome,
    Severity,
)
from sim.config.params import Params
from sim.model.agents import GridWorker, Handler, Volunteer
from sim.model.authority import AuthorityTable, authority_rungs
from sim.model.cadres import CadreHours
from sim.model.cases import (
    E_WITHDRAW,
    MAX_VISITS,
    U_CADRE,
    U_CENTRE,
    U_EXIT,
    U_EXIT_KIND,
    U_GRADE,
    U_GRADE_DIRECTION,
    U_RETURN,
    U_SERVICE,
    U_SUCCESS,
    U_WORSEN,
    CaseBook,
    Visit,
)
from sim.model.civility import Civility
from sim.model.closing import Closing
from sim.model.escalation import CaseView, ladder
from sim.model.pools import FOLLOW_UP_PRIORITY, HandlerPool
from sim.model.population import Population
from sim.model.worktime import WorkTime

if TYPE_CHECKING:
    from sim.model.dispatch import Dispatcher

_REPORT, _END, _TIMEOUT, _WITHDRAW, _ARRIVE = range(5)
_KINDS, _LEVELS = tuple(CaseKind), tuple(Level)  # code → member, without a lookup
_RANK = tuple(AUTHORITY_RANK[level] for level in Level)  # level code → authority rank
_INVERSE_NORMAL = NormalDist().inv_cdf
_LOCAL_KINDS = (CaseKind.NEIGHBOUR, CaseKind.FAMILY)  # where lower levels' local knowledge counts
_REMOTE_LEVELS = (Level.TOWN, Level.CITY)
_CADRE_RANK = AUTHORITY_RANK[Level.DEPARTMENT]  # a stationed cadre brings a city department's authority
# Every view a rule can be shown, by (kind, severity, authority) code: views are immutable, so the
# flow hands out these instead of building one for each routing question.
_VIEWS = tuple(tuple(tuple(CaseView(kind, severity, level) for level in Level) for severity in Severity)
               for kind in CaseKind)


@dataclass(slots=True)
class OpenCase:
    visit: Visit | None = None
    pool: HandlerPool | None = None
    server: Handler | None = None
    waiting_since: float = math.nan
    waited: float = 0.0  # days spent waiting so far, against the withdraw clock
    wait_count: int = 0
    check_grade: bool = False  # this visit is the first after grading: a case graded too high may be handed down
    screening: bool = False  # the handler is only screening it, to hand it down
    cadre: bool = False  # a stationed cadre takes part in this visit
    follow_ups: int = 0  # follow-up visits done
    visits: int = 0  # visits begun: the current visit's uniforms are in column (offset + visits − 1)


class CaseFlow:
    """Routes reported cases through the dispatch centre and the levels by the escalation rule,
    follows them up and closes them."""

    def __init__(self, book: CaseBook, params: Params, population: Population, authority: AuthorityTable,
                 worktime: WorkTime, cadres: CadreHours, civility: Civility, upgraded_walk_in_share: np.ndarray,
                 dispatcher: Dispatcher, closing: Closing):
        self.book, self.population, self.authority = book, population, authority
        self.worktime, self.cadres, self.civility = worktime, cadres, civility
        # per grid: chance a walked-in public-service request is settled at an upgraded centre
        self.centre_on_spot = upgraded_walk_in_share * params["centre_on_spot_share"]
        self.dispatcher = dispatcher
        self.closing = closing
        self.heap: list = []
        self._seq = 0
        self.open: dict[int, OpenCase] = {}
        self.at_level = [0] * len(Level)  # open cases at each level (waiting or in service)
        self.in_transit = 0  # open cases being handed from one level to another
        self.time_limit = [params.get(f"time_limit_days.{level.label}", 0.0) for level in Level]
        factor = [1.0, params["service_factor.moderate"], params["service_factor.major"]]
        self.service_mean = [[params.get(f"service_days.{level.label}", math.nan) * f for f in factor]
                             for level in Level]
        self.order_hours = [[params[f"order_hours.{kind.label}"] * f for f in factor] for kind in CaseKind]
        self.followup_hours = params["followup_hours"]
        self.volunteer_service_mean = [params["volunteer_service_days"] * f for f in factor]
        clerk_hours_per_day = params["working_hours_per_week"] / 7
        platform = params["digital_platform"]  # without it the centre grades by hand
        self.triage_days = params["triage_hours_per_case" if platform else "manual_triage_hours_per_case"] / \
            clerk_hours_per_day
        self.triage_accuracy = params["triage_accuracy" if platform else "manual_triage_accuracy"]
        self.overgrade_return = params["overgrade_return_share"]
        self.handoff_days = params["handoff_days"]
        self.screening_days = params["screening_days"]
        self.success = [[params.get(f"success.{level.label}.{s.label}", 0.0) for s in Severity] for level in Level]
        self.volunteer_success = params["volunteer_success"]
        self.referral_success = params["court_referral_success"]
        self.below_authority = params["success_below_authority"]
        self.cadre_authority = params["cadre_brings_authority_share"]
        self.local_knowledge = params["local_knowledge_failure_factor"]
        self.worsen_per_failure = params["worsen_per_failure"]
        self.trust_loss_per_failure = params["trust_loss_per_failure"]
        self.exit_per_failure = params["exit_per_failure"]
        self.exit_split = tuple(tuple(params[f"exit_{name}_share.{kind.label}"]
                                      for name in ("petition", "arbitration", "litigation")) for kind in CaseKind)
        self.exponential = params["service_distribution"] == "exponential"
        sigma2 = math.log1p(params["service_cv"] ** 2)
        self.sigma, self.mu_shift = math.sqrt(sigma2), -sigma2 / 2
        self.withdraw_rate = params["withdraw_per_day"]
        self.centres_settled = 0

    # ------------------------------------------------------------------ events
    def _push(self, t: float, kind: int, case: int, ref: object = None) -> float:
        """Schedule an event; returns its time."""
        self._seq += 1
        _heappush(self.heap, (t, self._seq, kind, case, ref))
        return t

    def report(self, case: int, channel: int, t: float) -> None:
        self._push(t, _REPORT, case, channel)

    def run_until(self, t_end: float) -> None:
        heap = self.heap
        # the handler of each kind of event, by its code (_REPORT, _END, _TIMEOUT, _WITHDRAW, _ARRIVE)
        handlers = (self._on_report, self._on_end, self._on_timeout, self._on_withdraw, self._on_arrive)
        while heap and heap[0][0] < t_end:
            t, _, kind, case, ref = _heappop(heap)
            handlers[kind](case, ref, t)

    def _on_report(self, case: int, channel: int, t: float) -> None:
        book = self.book
        book.t_reported[case] = t
        book.channel[case] = channel
        state = OpenCase()
        self.open[case] = state
        if book.referred[case]:  # mediated at the city centre, graded there (诉前调解)
            book.graded_severity[case], book.graded_authority[case] = book.severity[case], book.authority[case]
            self._go(case, state, self.dispatcher.resolve(self.view(case), Level.CITY, book.grid[case]), t)
            return
        if channel in RESIDENT_CHANNELS:
            party = book.party[case]
            self.population.reports[party] += 1
            self.civility.credit(party, self.civility.points_per_report)
        if (channel == Channel.WALK_IN and int(book.kind[case]) == CaseKind.PUBLIC_SERVICE
                and book.uniforms[case, U_CENTRE] < self.centre_on_spot[book.grid[case]]):
            book.at_centre[case] = 1  # one of the six service functions settles it there and then
            book.level[case] = Level.COMMUNITY
            book.graded_severity[case], book.graded_authority[case] = book.severity[case], book.authority[case]
            self.centres_settled += 1
            self._resolved(case, state, Level.COMMUNITY, t)
            return
        self._to_centre(case, state, t)

    def _on_end(self, case: int, visit: Visit, t: float) -> None:
        state = self.open.get(case)
        if state is None or state.visit is not visit:
            return
        pool, server = state.pool, state.server
        server.cases_handled += 1
        level = visit.level
        if level is Level.DISPATCH:
            self._leave(case, state, t, EndReason.GRADED)
            self._assign(case, state, t)
        elif level is Level.FOLLOW_UP:
            redo = self.closing.followed_up(case, state.follow_ups, t)
            state.follow_ups += 1
            self._leave(case, state, t, EndReason.REOPENED if redo else EndReason.CLOSED)
            self._after_follow_up(case, state, redo, t)
        elif state.screening:
            self._leave(case, state, t, EndReason.RETURNED)
            state.screening = False
            self._hand_down(case, state, t)
        else:
            book = self.book
            succeeded = (book.uniforms[case, U_SUCCESS + state.visits - 1]
                         < self.success_chance(case, pool, state.cadre))
            self._leave(case, state, t, EndReason.RESOLVED if succeeded else EndReason.FAILED)
            if succeeded:
                if isinstance(server, Volunteer):
                    self.civility.credit(server.resident, self.civility.points_per_volunteer_case)
                self._resolved(case, state, level, t)
            else:
                self._fail(case, state, EndReason.FAILED, level, t)

    def _on_timeout(self, case: int, visit: Visit, t: float) -> None:
        state = self.open.get(case)
        if state is None or state.visit is not visit:
            return
        state.screening = False
        self._leave(case, state, t, EndReason.TIMED_OUT)
        self._fail(case, state, EndReason.TIMED_OUT, visit.level, t)

    def _on_withdraw(self, case: int, wait_count: int, t: float) -> None:
        state = self.open.get(case)
        if state is None or state.server is not None or state.visit is None or state.wait_count != wait_count:
            return
        self._leave(case, state, t, EndReason.WITHDRAWN)
        self._close(case, Outcome.WITHDRAWN, t)

    def _on_arrive(self, case: int, level: Level, t: float) -> None:
        self.in_transit -= 1
        state = self.open[case]
        self._go(case, state, self.dispatcher.resolve(self.view(case), level, self.book.grid[case]), t)

    # ------------------------------------------------------------------ grading and routing
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
        kind = _KINDS[book.kind[case]]
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

    def _enter(self, case: int, state: OpenCase, pool: HandlerPool, level: Level, t: float) -> None:
        if state.visits >= MAX_VISITS:
            rule = self.dispatcher.rule.name
            raise RuntimeError(f"case {case} would make more than {MAX_VISITS} visits under {rule}")
        state.visits += 1
        state.visit = self.book.open_visit(case, level, pool.index, t)
        state.pool = pool
        self.at_level[level] += 1
        limit = self.time_limit[level]
        server = pool.free_server()
        if server is not None:
            end = self._start(case, state, server, t)
            if 0 < limit < end - t:  # only a visit that would outlast its limit needs the time-out
                self._push(t + limit, _TIMEOUT, case, state.visit)
        else:
            if limit > 0:
                self._push(t + limit, _TIMEOUT, case, state.visit)
            self._wait(case, state, t)

    def _hand_off(self, case: int, state: OpenCase, level: Level, t: float) -> None:
        """Pass the case to another level; it arrives after ``handoff_days``."""
        if self.handoff_days > 0:
            self.in_transit += 1
            self._push(t + self.handoff_days, _ARRIVE, case, level)
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
        level = _LEVELS[self.book.level_resolved[case]]
        if level in ladder(_KINDS[self.book.kind[case]]):
            return level
        return self.dispatcher.first_level(self.true_view(case))

    def _wait(self, case: int, state: OpenCase, t: float) -> None:
        pool, visit = state.pool, state.visit
        if visit.level is Level.FOLLOW_UP:
            priority = FOLLOW_UP_PRIORITY
        else:  # ungraded at the centre: first come, first served
            priority = Severity.MAJOR - max(int(self.book.graded_severity[case]), Severity.MINOR)
        pool.queues[priority].append((case, visit))
        pool.waiting += 1
        state.waiting_since = t
        state.wait_count += 1
        if self.withdraw_rate > 0 and visit.level is not Level.FOLLOW_UP:
            patience = -math.log1p(-self.book.uniforms[case, E_WITHDRAW]) / self.withdraw_rate - state.waited
            self._push(t + max(patience, 0.0), _WITHDRAW, case, state.wait_count)

    def _start(self, case: int, state: OpenCase, server: Handler, t: float) -> float:
        """The server starts on the case's visit at ``t``; returns when the visit will end."""
        pool, visit, book = state.pool, state.visit, self.book
        pool.take(server, t)
        state.server = server
        visit.t_started = t
        if isinstance(server, GridWorker):
            self.worktime.start(server.slot, t)
        if visit.level is Level.FOLLOW_UP:
            return self._push(t + self.followup_hours / server.hours_per_day, _END, case, visit)
        check, state.check_grade = state.check_grade, False
        if (check and book.misgraded[case] == 1 and book.uniforms[case, U_RETURN] < self.overgrade_return
                and AUTHORITY_RANK[visit.level] > AUTHORITY_RANK[self.dispatcher.first_level(self.true_view(case))]):
            state.screening = True  # graded too high: not theirs; screen it and hand it down
            return self._push(t + self.screening_days, _END, case, visit)
        if (pool.level is Level.COMMUNITY and _RANK[book.authority[case]] == _CADRE_RANK
                and self.cadres.join(pool.community)):
            state.cadre = True  # the community's stationed cadre takes part
            book.cadre[case] = 1
        u = float(book.uniforms[case, U_SERVICE + state.visits - 1])  # a Python float: cheaper to compute with
        severity = book.severity[case]
        if pool.level is Level.DISPATCH:
            duration = self._draw(self.triage_days, u)
        elif isinstance(server, GridWorker):
            duration = self._draw(self.order_hours[book.kind[case]][severity], u) / server.hours_per_day
        elif pool.volunteers:
            duration = self._draw(self.volunteer_service_mean[severity], u)
        else:
            duration = self._draw(self.service_mean[visit.level][severity] * pool.service_factor, u)
        return self._push(t + duration, _END, case, visit)

    def _draw(self, mean: float, u: float) -> float:
        """A handling time with this mean, from the case's own uniform."""
        if self.exponential:
            return -mean * math.log1p(-u)
        return mean * math.exp(self.mu_shift + self.sigma * _INVERSE_NORMAL(min(max(u, 1e-12), 1 - 1e-12)))

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
            rank = max(rank, _CADRE_RANK)
        if rank < _RANK[book.authority[case]]:
            return min(p, self.below_authority)
        if kind in _LOCAL_KINDS and level in _REMOTE_LEVELS:
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
            self._pull(pool, t)
        else:
            pool.waiting -= 1
            state.waited += t - state.waiting_since

    def _pull(self, pool: HandlerPool, t: float) -> None:
        """The freed handler takes the first case in line (stale entries, of cases that left while
        waiting, are dropped on the way; with none waiting, any left are dropped later)."""
        if not pool.waiting:
            return
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

    # ------------------------------------------------------------------ what a failed attempt costs
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
            needed = self.authority.needed_one(book.kind[case], book.severity[case], book.authority_u[case],
                                               book.authority_up_u[case], book.grid[case])
            if AUTHORITY_RANK[needed] > _RANK[book.graded_authority[case]]:
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

    # ------------------------------------------------------------------ resolution, follow-up, closing
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


def _shifted(kind: CaseKind, severity: int, authority: int, step: int) -> tuple[int, int]:
    """A grade one step lower (step −1) or higher (+1) than (severity, authority), clipped."""
    graded_severity = min(max(severity + step, Severity.MINOR), Severity.MAJOR)
    rungs = authority_rungs(kind)
    position = min(max(rungs.index(Level(authority)) + step, 0), len(rungs) - 1)
    return graded_severity, int(rungs[position])
