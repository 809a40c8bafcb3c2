"""Scenario files: loading, extends, overrides, and clear errors."""

import pytest

from sim.config.errors import ParamError, ScenarioError
from sim.config.params import PARAMS, Params
from sim.config.paths import BASELINE, SCENARIO_DIR
from sim.config.scenario import list_scenarios, load_scenario, parse_assignment


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_baseline_is_the_registry_defaults():
    scenario = load_scenario()
    assert scenario.name == "shishi_baseline"
    assert scenario.purpose
    assert scenario.params.changed() == {}
    assert scenario.params["workers_per_10k"] == 18.0
    assert scenario.params["escalation_rule"] == "shishi"


def test_every_parameter_has_unit_source_and_kind():
    for param in PARAMS.values():
        assert param.unit and param.source and param.doc, param.name
        assert param.check(param.default) == param.default


def test_extends_and_tables(tmp_path):
    write(tmp_path / "base.toml", f'extends = "{BASELINE}"\nworkers_per_10k = 12\n[service_days]\ntown = 12.0\n')
    write(tmp_path / "child.toml", 'purpose = "x"\nextends = "base.toml"\nescalation_rule = "bottom_up"\n')
    scenario = load_scenario(tmp_path / "child.toml", {"scale": 0.1})
    assert scenario.params["workers_per_10k"] == 12
    assert scenario.params["service_days.town"] == 12.0
    assert scenario.params["escalation_rule"] == "bottom_up"
    assert scenario.params["scale"] == 0.1
    assert [p.name for p in scenario.chain] == ["shishi_baseline.toml", "base.toml", "child.toml"]


@pytest.mark.parametrize("text, field, words", [
    ("workers_per_10k = -3", "workers_per_10k", "at least 0"),
    ("worker_per_10k = 3", "worker_per_10k", "did you mean workers_per_10k"),
    ('escalation_rule = "top_down"', "escalation_rule", "three_level"),
    ('workers_per_10k = "many"', "workers_per_10k", "expected a number"),
    ("patrol = 1", "patrol", "true or false"),
    ("[service_days]\ntown = -1.0", "service_days.town", "at least"),
    ("[service_days]\nvillage = 1.0", "service_days.village", "unknown key"),
    ("[mediator_share]\ncity = 0.5", "mediator_share", "sum to 1"),
    ("redo_limit = 2.5", "redo_limit", "whole number"),
    ("triage_accuracy = 0.3", "triage_accuracy", "at least 0.5"),
    ("[exit_petition_share]\nlabour = 0.5", "exit_litigation_share.labour", "more than 1"),
])
def test_bad_values_name_the_file_and_field(tmp_path, text, field, words):
    path = write(tmp_path / "bad.toml", text + "\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.field == field
    assert str(path) in str(caught.value)
    assert words in str(caught.value)


def test_malformed_toml_names_the_file(tmp_path):
    path = write(tmp_path / "broken.toml", "workers_per_10k = = 3\n")
    with pytest.raises(ScenarioError, match="broken.toml: not valid TOML"):
        load_scenario(path)


def test_extends_cycles_and_missing_bases_are_errors(tmp_path):
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.toml")
    write(tmp_path / "c.toml", 'extends = "nowhere.toml"\n')
    with pytest.raises(ScenarioError, match="does not exist") as caught:
        load_scenario(tmp_path / "c.toml")
    assert caught.value.field == "extends"


def test_command_line_assignments():
    assert parse_assignment("workers_per_10k=12") == ("workers_per_10k", 12)
    assert parse_assignment("escalation_rule=bottom_up") == ("escalation_rule", "bottom_up")
    assert parse_assignment("patrol=false") == ("patrol", False)
    with pytest.raises(ScenarioError, match="unknown key"):
        parse_assignment("nonsense=1")
    with pytest.raises(ScenarioError, match="KEY=VALUE"):
        parse_assignment("workers_per_10k")


def test_override_errors_name_their_source():
    with pytest.raises(ScenarioError, match="--set: workers_per_10k"):
        load_scenario(None, {"workers_per_10k": -1})


def test_params_reject_unknown_names_directly():
    with pytest.raises(ParamError):
        Params({"no_such_thing": 1})


def test_every_scenario_file_loads():
    scenarios = list_scenarios()
    assert scenarios[0].name == "shishi_baseline"
    assert all(s.purpose for s in scenarios)


def test_the_parameter_table_in_the_docs_is_current():
    from pathlib import Path

    from sim.docgen.parameters import parameter_table_markdown

    docs = (Path(__file__).resolve().parent.parent / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert parameter_table_markdown() in docs, "regenerate: python run.py params --markdown (see docs/parameters.md)"


def test_validation_only_rules_are_refused_outside_the_validation_scenarios(tmp_path):
    from sim.config.rule_names import VALIDATION_RULES
    from sim.page.controls import CONTROLS

    assert VALIDATION_RULES == ("single_level",)
    path = tmp_path / "sneaky.toml"
    path.write_text('escalation_rule = "single_level"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="escalation_rule: expected one of shishi, three_level"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="escalation_rule"):
        load_scenario(None, {"escalation_rule": "single_level"})
    assert "single_level" not in dict(CONTROLS["escalation_rule"].choices)  # nor offered on the page
    mmc = load_scenario(SCENARIO_DIR / "validation" / "mmc.toml", {"days": 5})  # the queueing checks may
    assert mmc.params["escalation_rule"] == "single_level"


@pytest.mark.parametrize("end", [0, 1])
def test_every_plausible_range_combines_into_a_valid_parameter_set(end):
    # Sweeps, Morris, Sobol and the EMA workbench draw uncertainties from their plausible ranges
    # together: the ranges' corners must satisfy the registry's relations (shares summing to at most 1).
    corners = {name: p.plausible[end] for name, p in PARAMS.items() if p.plausible is not None}
    for name, value in corners.items():
        if PARAMS[name].type is int:
            corners[name] = int(round(value))
    params = Params(corners)
    assert params["authority_share.moderate.community"] == corners["authority_share.moderate.community"]
