"""Component tests of the browser page (sim/page/app.py), rendered headless with solara.render."""

from __future__ import annotations

import re

import ipyvue
import ipyvuetify as v
import pytest
import solara

from sim.config.params import PARAMS
from sim.page.data import PARAM_CONTROLS, RUN_CONTROLS, SCENARIO_VALUE, check_settings, model_params_spec


@pytest.fixture
def page():
    from sim.page.app import Page

    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    yield rc
    rc.close()


def svg(rc, element_id: str) -> str:
    for widget in rc.find(ipyvue.Html).widgets:
        text = "".join(str(child) for child in widget.children)
        if f'id="{element_id}"' in text:
            return text
    raise AssertionError(f"no {element_id} on the page")


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


def text_field(rc, name: str):
    return next(w for w in rc.find(v.TextField).widgets if w.label.startswith(name))


def type_into(rc, name: str, text: str) -> None:
    """Type a value and press Enter (the input commits on Enter or blur)."""
    field = text_field(rc, name)
    field.v_model = text
    field.fire_event("keyup.enter", None)


def select(rc, name: str):
    return next(w for w in rc.find(v.Select).widgets if w.label.startswith(name))


def test_page_renders_map_charts_and_controls(page):
    grid_map = svg(page, "grid-map")
    assert attr(grid_map, "data-day") == "0"
    assert grid_map.count('class="grid"') == 139  # scale 0.1
    assert 'class="worker"' in grid_map and 'class="mediator"' in grid_map and 'id="legend"' in grid_map
    # Shishi's further systems, each in its own symbol and in the legend (scale 0.1: 13 cadres, 5 big
    # Party committees, 1 pilot zone, 5 upgraded of 18 centres)
    assert grid_map.count('class="cadre"') == 13 and grid_map.count('class="big-party"') == 5
    assert 'class="pilot-zone"' in grid_map and grid_map.count('data-upgraded="true"') == 5
    assert grid_map.count('class="centre"') == 18
    for label in ("stationed cadre (13)", "big Party committee (5)", "three-zone pilot grid (1 zone)",
                  "upgraded centre (5)", "basic centre (13)"):
        assert label in grid_map, label
    for chart in ("open_by_level", "case_flow", "resolved_share", "satisfaction", "utilisation"):
        assert attr(svg(page, f"chart-{chart}"), "data-points") == "0"
    labels = [w.label for w in page.find(v.TextField).widgets] + [w.label for w in page.find(v.Select).widgets]
    for name in PARAM_CONTROLS:
        assert any(label.startswith(name) for label in labels), name


def test_step_changes_map_and_charts(page):
    before = svg(page, "chart-case_flow")
    for _ in range(3):
        click(page, "Step")
    after = svg(page, "chart-case_flow")
    assert attr(after, "data-points") == "3" and after != before
    assert attr(svg(page, "grid-map"), "data-day") == "3"
    assert attr(svg(page, "chart-open_by_level"), "data-points") == "3"


def test_reset_rebuilds_with_chosen_parameters(page):
    type_into(page, "workers_per_10k", "30")
    select(page, "escalation_rule").v_model = "direct_dispatch"
    type_into(page, "seed", "7")
    click(page, "Step")
    click(page, "Reset")
    panel = page_text(page)
    assert "workers_per_10k 30" in panel and "rule direct_dispatch" in panel and "seed 7" in panel
    assert attr(svg(page, "grid-map"), "data-day") == "0"
    assert "grid worker (269)" in svg(page, "grid-map")  # round(30 × 0.8622 × 7) + round(14.6 × 0.8622 × 7) part-time


def test_out_of_range_value_is_refused_with_a_message(page):
    type_into(page, "workers_per_10k", "500")
    type_into(page, "scale", "abc")
    with pytest.warns(UserWarning, match="refused"):
        click(page, "Reset")  # must not raise; says so on the page and as a warning
    errors = page_text(page)
    assert "workers_per_10k" in errors and "at most 200" in errors
    assert "scale" in errors and "expected a number" in errors
    panel = page_text(page)
    assert "workers_per_10k 18" in panel  # kept the scenario's value


def test_every_control_is_built_from_the_registry():
    spec = model_params_spec()
    assert set(spec) == set(PARAM_CONTROLS) | set(RUN_CONTROLS)
    for name in PARAM_CONTROLS:
        param = PARAMS[name]
        options = spec[name]
        if param.choices is not None:
            assert options["type"] == "Select" and options["values"] == [SCENARIO_VALUE, *param.choices]
        elif param.type is bool:
            assert options["type"] == "Select" and options["values"] == [SCENARIO_VALUE, "true", "false"]
        else:
            assert options["type"] == "InputText"
            assert f"{param.low:g} to {param.high:g}" in options["label"] and param.unit in options["label"]
    assert PARAMS["scale"].low <= float(spec["scale"]["value"]) <= PARAMS["scale"].high
    for lever in ("stationed_cadres", "big_party_committees", "three_zone_pilots", "neighbourhood_centres",
                  "civility_incentive", "digital_platform", "workers_per_10k", "escalation_rule"):
        assert lever in spec, lever  # every lever, from the registry


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
