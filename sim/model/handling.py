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

import itertools
import math
from heapq import heappop as _heappop
from heapq import heappush as _heappush
from typing import TYPE_CHECKING

import numpy as np

from sim.config.enums import (
    RESIDENT_CHANNELS,
    CaseKind,
    Channel,
    EndReason,
    Level,
    Outcome,
    Severity,
)
from sim.config.params import Params
from sim.model.agents import Volunteer
from sim.model.authority import AuthorityTable
from sim.model.cadres import CadreHours
from sim.model.cases import (
    U_CENTRE,
    U_SUCCESS,
    CaseBook,
    Visit,
)
from sim.model.civility import Civility
from sim.model.closing import Closing
from sim.model.population import Population
from sim.model.worktime import WorkTime

if TYPE_CHECKING:
    from sim.model.dispatch import Dispatcher
from sim.model.endings import Endings
from sim.model.flowstate import REPORT_EVENT, OpenCase
from sim.model.routing import Routing
from sim.model.service import Service

# Bound once: an enum member read off its class costs an attribute lookup on every event.
_DISPATCH, _FOLLOW_UP = Level.DISPATCH, Level.FOLLOW_UP
_GRADED, _CLOSED, _REOPENED, _RETURNED = EndReason.GRADED, EndReason.CLOSED, EndReason.REOPENED, EndReason.RETURNED
_RESOLVED, _FAILED = EndReason.RESOLVED, EndReason.FAILED


class CaseFlow(Routing, Service, Endings):
    """Routes reported cases through the dispatch centre and the levels by the escalation rule,
    follows them up and closes them. Its roles live in their own modules (``routing``, ``service``,
    ``endings``); this class holds their state and the event loop that drives them."""

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
        self._seq = itertools.count(1)  # tie-break of events at one time: the order they were scheduled
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

    def _push(self, t: float, kind: int, case: int, ref: object = None) -> float:
        """Schedule an event; returns its time."""
        _heappush(self.heap, (t, next(self._seq), kind, case, ref))
        return t

    def report(self, case: int, channel: int, t: float) -> None:
        self._push(t, REPORT_EVENT, case, channel)

    def run_until(self, t_end: float) -> None:
        heap = self.heap
        # the handler of each kind of event, by its code (REPORT_EVENT, END_EVENT, … ARRIVE_EVENT: 0 … 4)
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
        if level is _DISPATCH:
            self._leave(case, state, t, _GRADED)
            self._assign(case, state, t)
        elif level is _FOLLOW_UP:
            redo = self.closing.followed_up(case, state.follow_ups, t)
            state.follow_ups += 1
            self._leave(case, state, t, _REOPENED if redo else _CLOSED)
            self._after_follow_up(case, state, redo, t)
        elif state.screening:
            self._leave(case, state, t, _RETURNED)
            state.screening = False
            self._hand_down(case, state, t)
        else:
            book = self.book
            succeeded = (book.uniforms[case, U_SUCCESS + state.visits - 1]
                         < self.success_chance(case, pool, state.cadre))
            self._leave(case, state, t, _RESOLVED if succeeded else _FAILED)
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
