"""Each escalation rule on hand-built cases, and on the real model's case paths."""

import itertools

import pytest
from conftest import small

from sim.config.enums import CaseKind, EndReason, Level, Severity
from sim.config.params import PARAMS
from sim.config.rule_names import POLICY_RULES, VALIDATION_RULES
from sim.model.escalation import RULES, CaseView, ladder, make_rule
from sim.results.api import run


def view(kind=CaseKind.NEIGHBOUR, severity=Severity.MINOR, authority=Level.GRID):
    return CaseView(kind, severity, authority)


def test_shishi_grades_then_sends_minor_disputes_local_and_hard_cases_straight_up():
    rule = make_rule("shishi")
    assert rule.first_route(view(severity=Severity.MINOR, authority=Level.GRID)) is Level.GRID
    assert rule.first_route(view(severity=Severity.MINOR, authority=Level.COMMUNITY)) is Level.COMMUNITY
    assert rule.first_route(view(severity=Severity.MINOR, authority=Level.TOWN)) is Level.COMMUNITY  # local first
    assert rule.first_route(view(severity=Severity.MODERATE, authority=Level.GRID)) is Level.COMMUNITY
    assert rule.first_route(view(severity=Severity.MODERATE, authority=Level.TOWN)) is Level.TOWN  # 跨层级直达
    assert rule.first_route(view(CaseKind.LABOUR, Severity.MODERATE, Level.TOWN)) is Level.SPECIALISED
    assert rule.first_route(view(CaseKind.FAMILY, Severity.MAJOR, Level.CITY)) is Level.CITY
    public = CaseKind.PUBLIC_SERVICE
    assert rule.first_route(view(public, Severity.MINOR, Level.GRID)) is Level.GRID
    assert rule.first_route(view(public, Severity.MINOR, Level.DEPARTMENT)) is Level.DEPARTMENT
    assert rule.next_route(view(CaseKind.LABOUR), Level.COMMUNITY, EndReason.FAILED) is Level.SPECIALISED
    assert rule.next_route(view(), Level.TOWN, EndReason.TIMED_OUT) is Level.CITY
    assert rule.next_route(view(), Level.CITY, EndReason.FAILED) is None
    assert rule.allows_skipping


def test_three_level_enters_by_severity_and_climbs_one_rung():
    rule = make_rule("three_level")
    assert rule.first_route(view(severity=Severity.MINOR)) is Level.GRID
    assert rule.first_route(view(severity=Severity.MODERATE)) is Level.COMMUNITY
    assert rule.first_route(view(severity=Severity.MAJOR)) is Level.TOWN
    labour = view(CaseKind.LABOUR, Severity.MODERATE)
    assert rule.next_route(labour, Level.COMMUNITY, EndReason.FAILED) is Level.SPECIALISED
    assert rule.next_route(labour, Level.SPECIALISED, EndReason.TIMED_OUT) is Level.TOWN
    assert rule.next_route(view(), Level.COMMUNITY, EndReason.FAILED) is Level.TOWN
    assert rule.next_route(view(), Level.TOWN, EndReason.FAILED) is Level.CITY
    assert rule.next_route(view(), Level.CITY, EndReason.FAILED) is None
    public = CaseKind.PUBLIC_SERVICE
    assert rule.first_route(view(public, Severity.MINOR, Level.DEPARTMENT)) is Level.GRID
    assert rule.first_route(view(public, Severity.MODERATE, Level.GRID)) is Level.DEPARTMENT
    assert rule.next_route(view(public), Level.GRID, EndReason.FAILED) is Level.DEPARTMENT
    assert rule.next_route(view(public), Level.DEPARTMENT, EndReason.FAILED) is None


def test_direct_dispatch_sends_each_case_to_the_authority_it_was_graded_to_need():
    rule = make_rule("direct_dispatch")
    assert rule.first_route(view(CaseKind.PROPERTY, Severity.MODERATE, Level.TOWN)) is Level.SPECIALISED
    assert rule.first_route(view(CaseKind.PROPERTY, Severity.MODERATE, Level.COMMUNITY)) is Level.COMMUNITY
    assert rule.first_route(view(CaseKind.COMMERCIAL, Severity.MAJOR, Level.CITY)) is Level.CITY
    assert rule.first_route(view(CaseKind.FAMILY, Severity.MAJOR, Level.TOWN)) is Level.TOWN
    assert rule.first_route(view(CaseKind.FAMILY, Severity.MAJOR, Level.GRID)) is Level.GRID
    assert rule.first_route(view(CaseKind.PUBLIC_SERVICE, Severity.MINOR, Level.DEPARTMENT)) is Level.DEPARTMENT
    major = view(CaseKind.LABOUR, Severity.MAJOR, Level.TOWN)
    assert rule.next_route(major, Level.SPECIALISED, EndReason.FAILED) is Level.CITY
    assert rule.next_route(major, Level.SPECIALISED, EndReason.NO_HANDLER) is Level.TOWN
    assert rule.next_route(view(CaseKind.LABOUR, Severity.MODERATE), Level.SPECIALISED, EndReason.FAILED) is Level.TOWN


def test_bottom_up_starts_every_case_at_the_grid():
    rule = make_rule("bottom_up")
    for kind in CaseKind:
        for severity in Severity:
            assert rule.first_route(view(kind, severity)) is Level.GRID
    assert rule.next_route(view(CaseKind.PROPERTY), Level.COMMUNITY, EndReason.FAILED) is Level.SPECIALISED


def test_the_rules_implemented_are_the_names_the_config_layer_declares():
    """The registry checks scenarios against sim.config.rule_names without importing the model;
    the model implements exactly those rules (its import fails otherwise)."""
    assert set(RULES) == {*POLICY_RULES, *VALIDATION_RULES}
    assert [name for name, rule in RULES.items() if rule.validation_only] == list(VALIDATION_RULES)
    assert PARAMS["escalation_rule"].choices == POLICY_RULES


def test_unknown_rule_names_the_choices():
    with pytest.raises(ValueError, match="three_level"):
        make_rule("top_down")


RESTARTS = ("graded", "returned", "reopened")  # a path starts afresh after grading, a hand-down and a redo


def _paths(result) -> dict[int, list[str]]:
    """Each case's path through the handling levels since it was last sent anywhere on purpose:
    after its grading at the centre, after a level graded too high handed it down, after a
    dissatisfied follow-up reopened it; dispatch-centre and follow-up visits are not rungs."""
    paths = {}
    for case_id, group in result.visits.groupby("case_id", sort=False):
        ends, levels = group["end"].tolist(), group["level"].tolist()
        start = max((i for i, end in enumerate(ends) if end in RESTARTS), default=-1) + 1
        since = ends[start - 1] if start else ""
        paths[case_id] = (since, [level for level in levels[start:] if level not in ("dispatch", "follow_up")])
    return paths


@pytest.mark.parametrize("name", ["shishi", "three_level", "direct_dispatch", "bottom_up"])
def test_rules_shape_the_paths_cases_take(name):
    result = run(small(escalation_rule=name, days=120, scale=0.05), seed=3)
    cases = result.cases.set_index("case_id")
    paths = _paths(result)
    assert len(paths) > 100
    rule = RULES[name]
    for case_id, (since, path) in paths.items():
        levels = [Level.from_label(label) for label in path]
        rungs = ladder(CaseKind.from_label(cases.at[case_id, "kind"]))
        positions = [rungs.index(level) for level in levels]
        assert positions == sorted(set(positions)), (case_id, path)  # never down, never twice
        if not rule.allows_skipping:
            assert all(b - a == 1 for a, b in itertools.pairwise(positions)), (case_id, path)
        if name == "bottom_up" and levels and since == "graded":
            assert levels[0] is Level.GRID


def test_direct_dispatch_differs_from_three_level_on_the_same_cases():
    a = run(small(days=120, scale=0.05, escalation_rule="three_level"), seed=5).cases
    b = run(small(days=120, scale=0.05, escalation_rule="direct_dispatch"), seed=5).cases
    assert (a["level_resolved"] == "specialised").sum() < (b["level_resolved"] == "specialised").sum()
