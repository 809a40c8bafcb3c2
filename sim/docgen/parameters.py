"""docs/parameters.md's table: every parameter of the registry with its kind, default, unit,
ranges, source and meaning (``python run.py params --markdown``; tests/test_scenario.py fails when
the document and the registry disagree)."""

from __future__ import annotations

from sim.config.params import PARAMS


def parameter_table_markdown() -> str:
    """One Markdown row per parameter, in registry order."""
    lines = ["| parameter | kind | default | unit | valid range | plausible range | source | meaning |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for p in PARAMS.values():
        valid = ", ".join(p.choices) if p.choices else (
            "" if p.low is None and p.high is None else f"{p.low:g} – {p.high:g}")
        plausible = f"{p.plausible[0]:g} – {p.plausible[1]:g}" if p.plausible else ""
        lines.append(f"| `{p.name}` | {p.kind.value} | {p.default!r} | {p.unit} | {valid} | {plausible} | "
                     f"{p.source} | {p.doc} |")
    return "\n".join(lines)
