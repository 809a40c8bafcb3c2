"""Escalation rules: small strategy objects selected by name from scenario files.

A rule answers two questions and nothing else: where a case goes first once the dispatch
centre has graded it, and where it goes after it fails or times out at a level. It sees the
case as graded (severity and the level of authority it needs), which may be wrong. The model
checks whether that level has any handler and, if not, asks again as if the level had been
passed (``EndReason.NO_HANDLER``). ``None`` means the case has nowhere left to go.

Public-service requests are not disputes: their track is the grid worker on the spot, then the
responsible department (never a mediation committee).

``shishi`` is what Shishi runs (the baseline): 订单分包 grades and assigns every report, and
三级响应 climbs community → town → city with 跨层级直达 (a case judged to need the town or city goes
there directly). The other rules are what-ifs: strict entry by severity (``three_level``), pure
direct dispatch (``direct_dispatch``) and strict bottom-up (``bottom_up``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from sim.config.enums import SPECIALISED_FIELD_OF_KIND, CaseKind, EndReason, Level, Severity
from sim.config.rule_names import POLICY_RULES, VALIDATION_RULES


@dataclass(frozen=True, slots=True)
class CaseView:
    """What a rule may see of a case: its kind, and the dispatch centre's grade."""

    kind: CaseKind
    severity: Severity
    authority: Level  # the level of authority the centre judged the case to need


def ladder(kind: CaseKind) -> tuple[Level, ...]:
    """The rungs a case of this kind climbs one at a time: the specialised committee
    sits between community and town, and only for the kinds it serves."""
    if kind is CaseKind.PUBLIC_SERVICE:
        return (Level.GRID, Level.DEPARTMENT)
    if kind in SPECIALISED_FIELD_OF_KIND:
        return (Level.GRID, Level.COMMUNITY, Level.SPECIALISED, Level.TOWN, Level.CITY)
    return (Level.GRID, Level.COMMUNITY, Level.TOWN, Level.CITY)


def next_rung(kind: CaseKind, level: Level) -> Level | None:
    rungs = ladder(kind)
    position = rungs.index(level)
    return rungs[position + 1] if position + 1 < len(rungs) else None


class EscalationRule(Protocol):
    name: ClassVar[str]
    title: ClassVar[str]
    allows_skipping: ClassVar[bool]
    validation_only: ClassVar[bool]

    def first_route(self, case: CaseView) -> Level: ...

    def next_route(self, case: CaseView, level: Level, reason: EndReason) -> Level | None: ...


class Shishi:
    """Shishi's own rule (article: 订单分包 + 三级响应 with 跨层级直达). The centre grades each
    report: a public-service request goes to the responsible department (or to the grid worker
    when it can be settled on the spot); a minor dispute gets a local first attempt (the grid
    when it is judged to need no more, else the community, whatever it is judged to need); any
    other dispute goes to the level it is judged to need, the town's or city's directly (a
    specialised committee for its kinds at the town's level). A failure climbs one rung of
    三级响应."""

    name = "shishi"
    title = "Shishi: graded orders, three-level response with cross-level direct dispatch"
    allows_skipping = True
    validation_only = False

    def first_route(self, case: CaseView) -> Level:
        if case.kind is CaseKind.PUBLIC_SERVICE:
            return Level.GRID if case.authority is Level.GRID else Level.DEPARTMENT
        if case.severity is Severity.MINOR:
            return Level.GRID if case.authority is Level.GRID else Level.COMMUNITY
        if case.authority in (Level.GRID, Level.COMMUNITY):
            return Level.COMMUNITY
        if case.authority is Level.TOWN and case.kind in SPECIALISED_FIELD_OF_KIND:
            return Level.SPECIALISED
        return case.authority

    def next_route(self, case: CaseView, level: Level, reason: EndReason) -> Level | None:
        return next_rung(case.kind, level)


class ThreeLevel:
    """Strict three-level response (a what-if: 小事不出村、大事不出镇、难事不出县 read literally):
    minor matters start at the grid, moderate ones at the community, major ones at the town,
    whatever the centre judged them to need; failures climb one rung, never skipping one."""

    name = "three_level"
    title = "Three-level response (community → town → city)"
    allows_skipping = False
    validation_only = False

    _entry = {Severity.MINOR: Level.GRID, Severity.MODERATE: Level.COMMUNITY, Severity.MAJOR: Level.TOWN}

    def first_route(self, case: CaseView) -> Level:
        if case.kind is CaseKind.PUBLIC_SERVICE:
            return Level.GRID if case.severity is Severity.MINOR else Level.DEPARTMENT
        return self._entry[case.severity]

    def next_route(self, case: CaseView, level: Level, reason: EndReason) -> Level | None:
        return next_rung(case.kind, level)


class DirectDispatch:
    """Pure graded direct dispatch (a what-if: 跨层级直达 for everything): the centre sends each case
    straight to the level of authority it graded the case to need, minor ones included (a
    specialised committee for its kinds when the town's authority is needed; the department for
    public-service requests beyond the grid); a major case that fails below the city goes straight
    to the city."""

    name = "direct_dispatch"
    title = "Graded direct dispatch to the right level"
    allows_skipping = True
    validation_only = False

    def first_route(self, case: CaseView) -> Level:
        if case.authority is Level.GRID:
            return Level.GRID
        if case.kind is CaseKind.PUBLIC_SERVICE:
            return Level.DEPARTMENT
        if case.authority is Level.TOWN and case.kind in SPECIALISED_FIELD_OF_KIND:
            return Level.SPECIALISED
        return case.authority

    def next_route(self, case: CaseView, level: Level, reason: EndReason) -> Level | None:
        if (case.severity is Severity.MAJOR and case.kind is not CaseKind.PUBLIC_SERVICE and level is not Level.CITY
                and reason is not EndReason.NO_HANDLER):
            return Level.CITY
        return next_rung(case.kind, level)


class BottomUp:
    """Strict bottom-up: every case starts at the grid and climbs one rung at a time."""

    name = "bottom_up"
    title = "Strict bottom-up, one level at a time"
    allows_skipping = False
    validation_only = False

    def first_route(self, case: CaseView) -> Level:
        return Level.GRID

    def next_route(self, case: CaseView, level: Level, reason: EndReason) -> Level | None:
        return next_rung(case.kind, level)


class SingleLevel:
    """Validation only: every case goes to the city committee and ends there. With
    Poisson arrivals and exponential handling this is an M/M/c queue (Erlang C)."""

    name = "single_level"
    title = "Validation: one queue at the city level"
    allows_skipping = True
    validation_only = True  # accepted only from scenarios/validation/; never offered on the page

    def first_route(self, case: CaseView) -> Level:
        return Level.CITY

    def next_route(self, case: CaseView, level: Level, reason: EndReason) -> Level | None:
        return None


RULES: dict[str, type] = {rule.name: rule for rule in (Shishi, ThreeLevel, DirectDispatch, BottomUp, SingleLevel)}
# The names are declared in the config layer (sim.config.rule_names), where scenarios are checked;
# the rules implemented here must be exactly those, policy and validation-only alike.
IMPLEMENTED = (tuple(name for name, rule in RULES.items() if not rule.validation_only),
               tuple(name for name, rule in RULES.items() if rule.validation_only))
if IMPLEMENTED != (POLICY_RULES, VALIDATION_RULES):
    raise RuntimeError(f"sim.model.escalation implements the rules {IMPLEMENTED}, but sim.config.rule_names declares "
                       f"{(POLICY_RULES, VALIDATION_RULES)}")


def make_rule(name: str) -> EscalationRule:
    try:
        return RULES[name]()
    except KeyError:
        raise ValueError(f"unknown escalation rule {name!r}; expected one of {sorted(RULES)}") from None
