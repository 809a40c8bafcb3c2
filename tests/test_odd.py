"""docs/odd.md: the model described in the ODD protocol, with parameter tables that follow the registry."""

import re

from sim.config.params import PARAMS
from sim.docgen.odd import BEGIN, END, ODD_PATH, parameter_tables, render
from sim.model import model as model_module

HEADINGS = ("Purpose and patterns", "Entities, state variables and scales", "Process overview and scheduling",
            "Design concepts", "Initialization", "Input data", "Submodels")


def test_odd_has_the_protocol_sections_in_order():
    text = ODD_PATH.read_text(encoding="utf-8")
    positions = [text.find(f"## {i}. {heading}") for i, heading in enumerate(HEADINGS, start=1)]
    assert all(p >= 0 for p in positions), dict(zip(HEADINGS, positions, strict=True))
    assert positions == sorted(positions)


def test_parameter_tables_are_current_with_the_registry():
    text = ODD_PATH.read_text(encoding="utf-8")
    assert render(text) == text, "docs/odd.md is out of date: run `python run.py odd`"
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    named = set(re.findall(r"^\| `([^`]+)` \|", block, flags=re.MULTILINE))
    assert named == set(PARAMS)  # every parameter, once
    assert block.strip() == parameter_tables()


def test_the_step_order_is_stated_once_in_the_model_docstring_and_the_odd_points_to_it():
    doc = model_module.__doc__
    steps = re.findall(r"^(\d)\. ", doc, flags=re.MULTILINE)
    assert steps == [str(i) for i in range(len(steps))] and len(steps) >= 7
    text = ODD_PATH.read_text(encoding="utf-8")
    section = text.split("## 3. Process overview and scheduling", 1)[1].split("## 4.", 1)[0]
    assert "sim/model/model.py" in section
    # the ODD does not restate the list: no step's wording from the docstring appears in it
    for line in re.findall(r"^\d\. (.{30,}?)$", doc, flags=re.MULTILINE):
        assert line[:40] not in text, line
