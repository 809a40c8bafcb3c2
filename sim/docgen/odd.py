"""The ODD protocol's parameter tables (docs/odd.md), generated from the registry.

``python run.py odd`` rewrites the block between the markers; ``tests/test_odd.py`` fails when
the file and the registry disagree, so the description cannot drift from the model.
"""

from __future__ import annotations

from pathlib import Path

from sim.config.params import PARAMS, Param, ParamKind
from sim.config.paths import DOCS

ODD_PATH = DOCS / "odd.md"
BEGIN, END = "<!-- parameter tables: begin -->", "<!-- parameter tables: end -->"
_TITLES = {ParamKind.LEVER: "Levers (policy choices)", ParamKind.UNCERTAINTY: "Uncertainties (what the world does)",
           ParamKind.SETTING: "Settings (the city's facts and the run's size)"}


def _range(param: Param) -> str:
    if param.choices:
        return ", ".join(param.choices)
    if param.type is bool:
        return "true, false"
    valid = "" if param.low is None and param.high is None else f"{param.low:g} – {param.high:g}"
    if param.plausible:
        valid += f" (plausible {param.plausible[0]:g} – {param.plausible[1]:g})"
    return valid


def _value(param: Param) -> str:
    if param.type is bool:
        return "true" if param.default else "false"
    return f"{param.default:g}" if isinstance(param.default, float) else str(param.default)


def parameter_tables() -> str:
    """One table per kind of parameter: name, default, unit, range and source."""
    lines: list[str] = []
    for kind in ParamKind:
        members = [p for p in PARAMS.values() if p.kind is kind]
        lines += [f"### {_TITLES[kind]}: {len(members)}", "", "| parameter | default | unit | range | source |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| `{p.name}` | {_value(p)} | {p.unit} | {_range(p)} | {p.source.replace('|', '/')} |"
                  for p in members]
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def render(text: str) -> str:
    """The document with its parameter tables regenerated."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"{ODD_PATH.name}: the markers {BEGIN} and {END} are missing")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{parameter_tables()}\n{END}{tail}"


def write(path: Path = ODD_PATH) -> bool:
    """Regenerate the tables in place; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    updated = render(text)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text
