"""Component tests of the browser page (sim/page/app.py), rendered headless with solara.render."""

from __future__ import annotations

import re

import ipyvue
import ipyvuetify as v
import pytest
import solara

from sim.config.params import PARAMS
from sim.page.controls import CONTROLS, GROUPS, LEVERS
from sim.page.data import CHARTS, PARAM_CONTROLS, check_settings


@pytest.fixture
def page():
    from sim.page.app import Page

    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    yield rc
    rc.close()


def svg(rc, element_id: str) -> str:
    """The HTML of the element with this id (the innermost widget holding it: a container's text
    holds its children's)."""
    found = []
    for widget in [*rc.find(ipyvue.VueTemplate).widgets, *rc.find(ipyvue.Html).widgets]:
        text = getattr(widget, "unsafe_innerHTML", None) or "".join(str(c) for c in getattr(widget, "children", []))
        if f'id="{element_id}"' in text:
            found.append(text)
    if not found:
        raise AssertionError(f"no {element_id} on the page")
    return min(found, key=len)


def attr(text: str, name: str) -> str:
    return re.search(rf'{name}="([^"]*)"', text).group(1)


def page_text(rc) -> str:
    parts = []
    widgets = [*rc.find(ipyvue.VueTemplate).widgets, *rc.find(v.Alert).widgets]
    for widget in widgets:
        for key in ("template", "children", "label", "text", "unsafe_innerHTML"):
            value = getattr(widget, key, None)
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, (list, tuple)):
                parts.extend(str(item) for item in value if isinstance(item, str))
    return " ".join(parts)


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def slider(rc, name: str):
    """The slider of a lever in an open group (found by its range, which is the registry's)."""
    item = CONTROLS[name]
    return next(w for w in rc.find(v.Slider).widgets if (w.min, w.max, w.step) == (item.minimum, item.maximum,
                                                                                     item.step))


def select(rc, label: str):
    return next(w for w in rc.find(v.Select).widgets if w.label.startswith(label))


def test_page_renders_map_charts_table_and_grouped_controls(page):
    grid_map = svg(page, "grid-map")
    assert attr(grid_map, "data-day") == "0"
    assert grid_map.count('class="grid"') == 139  # scale 0.1
    assert 'class="worker"' in grid_map and 'class="mediator"' in grid_map and 'id="legend"' in grid_map
    # Shishi's further systems, each in its own symbol and in the legend (scale 0.1: 13 cadres, 5 big
    # Party committees, 1 pilot zone, 5 upgraded of 18 centres)
    assert grid_map.count('class="cadre"') == 13 and grid_map.count('class="big-party"') == 5
    assert 'class="pilot-zone"' in grid_map and grid_map.count('data-upgraded="true"') == 5
    assert grid_map.count('class="centre"') == 18
    for label in ("stationed cadre (13)", "big Party committee (5 communities)", "three-zone pilot grid (1 zone)",
                  "upgraded centre (5)", "basic centre (13)"):
        assert label in grid_map, label
    for chart in CHARTS:
        assert attr(svg(page, f"chart-{chart}"), "data-points") == "0"
    assert 'id="town-table"' in svg(page, "town-table") and "Hubin" in svg(page, "town-table")
    text = page_text(page)
    for group in ("Staffing", "Escalation and dispatch", "Mediation", "The further systems", "The world"):
        assert any(group in str(w.children) for w in page.find(v.Btn).widgets), group
    # labels in plain words with the value and its unit; no raw identifiers, no Mesa controls
    assert "Full-time grid workers: 18 per 10,000 urban residents" in text
    assert "Volunteers: 73.8 per 10,000 residents" in text
    for mesa_control in ("Play Interval", "Render Interval", "Use Threads"):
        assert mesa_control not in text
    # the header states the run's actual settings
    assert "rule Shishi (grade and assign)" in text and "18 full-time" in text and "seed 1" in text
    assert "scale 0.1 of the city (70,000 residents)" in text and "Shishi today" not in text


def test_step_changes_map_and_charts(page):
    before = svg(page, "chart-case_flow")
    for _ in range(3):
        click(page, "Step")
    after = svg(page, "chart-case_flow")
    assert attr(after, "data-points") == "3" and after != before
    assert attr(svg(page, "grid-map"), "data-day") == "3"
    assert attr(svg(page, "chart-open_by_level"), "data-points") == "3"
    click(page, "+30 days")
    assert attr(svg(page, "grid-map"), "data-day") == "33"


def test_a_town_fills_the_map_and_towns_are_coloured_by_an_outcome(page):
    click(page, "+30 days")
    select(page, "Colour towns by").v_model = "Cases reported (per 10,000 residents a year)"
    grid_map = svg(page, "grid-map")
    assert "Towns coloured by" in grid_map and grid_map.count('class="town"') == 9
    select(page, "Show town").v_model = "Baogai"
    grid_map = svg(page, "grid-map")
    assert attr(grid_map, "data-town") == "Baogai" and 0 < grid_map.count('class="grid"') < 139


def test_chart_ticks_are_round_and_shares_in_percent(page):
    for _ in range(11):
        click(page, "Step")
    flow = svg(page, "chart-case_flow")
    assert attr(flow, "data-xticks").split(",") in (["0", "5", "10", "15"], ["0", "2", "4", "6", "8", "10", "12"])
    for tick in attr(flow, "data-yticks").split(","):
        assert float(tick.replace(",", "")).is_integer(), tick
    assert attr(svg(page, "chart-satisfaction"), "data-yticks") == "0%,20%,40%,60%,80%,100%"


def test_a_slider_restarts_the_model_with_its_value(page):
    click(page, "Step")
    slider(page, "workers_per_10k").v_model = 30.0
    text = page_text(page)
    assert "Full-time grid workers: 30 per 10,000 urban residents" in text
    assert "30 full-time" in text and "changed from the scenario file: Full-time grid workers: 18 → 30" in text
    assert attr(svg(page, "grid-map"), "data-day") == "0"
    assert "grid worker (269 shown)" in svg(page, "grid-map")  # round(30 × 0.8622 × 7) + round(14.6 × 0.8622 × 7)
    seed = next(w for w in page.find(v.TextField).widgets if w.label.startswith("Seed"))
    seed.v_model = "7"
    seed.fire_event("keyup.enter", None)
    assert "seed 7" in page_text(page)
    click(page, "▸ Escalation and dispatch")
    rule = next(w for w in page.find(v.Select).widgets if w.v_model and str(w.v_model).startswith("Shishi:"))
    rule.v_model = "Direct dispatch to the responsible level"
    assert "rule direct dispatch" in page_text(page)


def test_compare_mode_runs_two_settings_on_the_same_seed(page):
    next(w for w in page.find(v.Switch).widgets if w.label.startswith("Compare")).v_model = True
    assert "B differs from A in" in page_text(page)
    slider(page, "workers_per_10k").v_model = 6.0  # the controls now set B
    text = page_text(page)
    assert "Setting A" in text and "Setting B" in text and "Full-time grid workers: 18 → 6 per 10,000" in text
    for _ in range(5):
        click(page, "Step")
    chart = svg(page, "chart-case_flow")
    assert attr(chart, "data-compare") == "true" and 'class="difference"' in chart and "B − A" in chart
    # common random numbers: the same disputes arise in both
    a = dict(item.split("=") for item in attr(chart, "data-last").split(";"))
    b = dict(item.split("=") for item in attr(chart, "data-last-b").split(";"))
    assert a["arisen"] == b["arisen"]
    assert "B − A" in svg(page, "town-table")


def test_every_control_is_built_from_the_registry():
    from sim.config.params import ParamKind

    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(set(grouped)) == sorted(LEVERS)
    offered = {p.name for p in PARAMS.values() if p.kind is ParamKind.LEVER and "." not in p.name}
    assert set(LEVERS) == offered  # every top-level lever, in one group
    assert set(PARAM_CONTROLS) == set(LEVERS) | {"scale"}
    for name in LEVERS:
        param, item = PARAMS[name], CONTROLS[name]
        if param.choices is not None:
            assert item.kind == "select" and [c for c, _ in item.choices] == list(param.choices)
        elif param.type is bool:
            assert item.kind == "switch"
        else:
            assert item.kind == "slider" and param.low <= item.minimum < item.maximum <= param.high
            assert item.minimum <= param.default <= item.maximum, name
            if param.plausible:
                assert item.maximum >= param.plausible[1], name
            assert item.unit and name not in item.label  # plain words, not the identifier


def test_experiment_plan_values_and_curve():
    from sim.page.experiment import ExperimentPlan, curve, default_values, parse_values, run_experiment, summary_table

    assert default_values("workers_per_10k") == [6.0, 18.0, 30.0]  # the plausible range
    assert default_values("escalation_rule") == ["shishi", "three_level", "direct_dispatch"]
    assert parse_values("workers_per_10k", "6, 12,18") == ([6.0, 12.0, 18.0], "")
    assert "at most 200" in parse_values("workers_per_10k", "6, 500")[1]
    assert "2 to 5 values" in parse_values("workers_per_10k", "6")[1]
    plan = ExperimentPlan("workers_per_10k", (6.0, 18.0), replications=2, scale=0.01, days=30)
    seen = []
    frame = run_experiment(plan, on_progress=lambda done, total: seen.append((done, total)), processes=1)
    assert seen[0] == (0, 4) and seen[-1] == (4, 4) and (frame["status"] == "ok").all()
    assert sorted(frame["seed"].unique()) == [1, 2]  # replication r on seed 1 + r at every value
    points = curve(frame, plan, "closure_rate")
    assert [p["x"] for p in points] == [6.0, 18.0] and all(p["n"] == 2 for p in points)
    assert all(p["low"] <= p["mean"] <= p["high"] for p in points)
    assert set(summary_table(frame, plan).columns) == {"workers_per_10k", "outcome", "runs", "mean", "ci95_low",
                                                       "ci95_high"}


def test_check_settings_uses_registry_validation():
    good = check_settings("shishi_baseline", "3", workers_per_10k="12", escalation_rule="bottom_up", scale="0.05")
    assert good.refused == [] and good.overrides == {"workers_per_10k": 12.0, "escalation_rule": "bottom_up",
                                                     "scale": 0.05} and good.seed == 3
    switches = check_settings("shishi_baseline", "1", digital_platform="false", stationed_cadres="0")
    assert switches.refused == [] and switches.overrides == {"digital_platform": False, "stationed_cadres": 0}
    assert switches.load().params["digital_platform"] is False
    bad = check_settings("nope", "-1", workers_per_10k="-5", volunteers_per_10k="1e9", scale="")
    assert bad.overrides == {} and bad.seed == 1 and len(bad.refused) == 4
    assert bad.load().params["workers_per_10k"] == PARAMS["workers_per_10k"].default


def test_exports(page):
    import json

    from sim.page.data import summary_json
    from sim.page.export import all_pngs_zip, chart_png, map_png

    click(page, "Step")
    model_text = svg(page, "grid-map")
    assert attr(model_text, "data-day") == "1"
    from sim.page.app import VizModel

    model = VizModel(scale="0.02")
    model.step()
    summary = json.loads(summary_json(model))
    assert summary["days"] == 1 and "closure_rate" in summary and summary["provenance"]["parameters"]["scale"] == 0.02
    assert map_png(model).startswith(b"\x89PNG") and chart_png(model, "satisfaction").startswith(b"\x89PNG")
    assert all_pngs_zip(model)[:2] == b"PK"


def test_the_page_model_refuses_unknown_keywords_visibly_and_takes_every_lever():
    from sim.page.app import VizModel

    with pytest.warns(UserWarning, match="bogus: not a model parameter"):
        model = VizModel(scale="0.02", bogus="1", three_zone_pilots="0", digital_platform="false")
    assert any(message.startswith("bogus") for message in model.refused)
    assert model.params["three_zone_pilots"] == 0 and model.params["digital_platform"] is False
    assert model.systems.zones == ()
