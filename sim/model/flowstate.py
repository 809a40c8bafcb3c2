"""What the case flow's parts share: the event codes of its heap, code → enum lookups, and a
case's state while it is open (``OpenCase``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from sim.config.enums import (
    AUTHORITY_RANK,
    CaseKind,
    Level,
    Severity,
)
from sim.model.agents import Handler
from sim.model.cases import (
    Visit,
)
from sim.model.escalation import CaseView
from sim.model.pools import HandlerPool

REPORT_EVENT, END_EVENT, TIMEOUT_EVENT, WITHDRAW_EVENT, ARRIVE_EVENT = range(5)
KINDS, LEVELS = tuple(CaseKind), tuple(Level)  # code → member, without a lookup
RANK = tuple(AUTHORITY_RANK[level] for level in Level)  # level code → authority rank
INVERSE_NORMAL = NormalDist().inv_cdf
LOCAL_KINDS = (CaseKind.NEIGHBOUR, CaseKind.FAMILY)  # where lower levels' local knowledge counts
REMOTE_LEVELS = (Level.TOWN, Level.CITY)
CADRE_RANK = AUTHORITY_RANK[Level.DEPARTMENT]  # a stationed cadre brings a city department's authority
# Every view a rule can be shown, by (kind, severity, authority) code: views are immutable, so the
# flow hands out these instead of building one for each routing question.
_VIEWS = tuple(
    tuple(tuple(CaseView(kind, severity, level) for level in Level) for severity in Severity) for kind in CaseKind
)


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
