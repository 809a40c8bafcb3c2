"""The folders of sim/ are its layers, and imports only go down.

A module may import its own layer and the layers below it, never one above; an import inside
``if TYPE_CHECKING:`` never runs and may name any layer (a type a signature mentions). Imports
inside functions count: they run too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
LAYERS = ("config", "model", "results", "batch", "analyses", "docgen", "page", "cli")  # bottom to top
DATA = ("scenarios",)  # folders of package data, not code


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    """The layer of ``sim.LAYER.…``; the package root ``sim`` counts as the bottom layer (it stays
    as light as config: its exports load on first use)."""
    parts = module.split(".")
    return 0 if parts == ["sim"] else LAYERS.index(parts[1])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(tree: ast.AST, module: str, package: bool) -> list[tuple[str, int]]:
    """Every ``sim`` module the code imports (at any depth), with its line; ``if TYPE_CHECKING:``
    blocks are skipped."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names if alias.name.split(".")[0] == "sim")
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package
                base = module.split(".") if package else module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target == "sim":  # from sim import LAYER, or one of the root's exports
                found.extend((f"sim.{alias.name}" if alias.name in LAYERS else "sim", node.lineno)
                             for alias in node.names)
            elif target.split(".")[0] == "sim":
                found.append((target, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def modules() -> list[Path]:
    return sorted(SIM.rglob("*.py"))


def test_the_top_of_sim_holds_only_the_layers():
    top = sorted(p.name for p in SIM.iterdir() if p.name not in ("__pycache__", "__init__.py"))
    assert top == sorted((*LAYERS, *DATA)), f"sim/ should hold its layers' folders only, not {set(top) - set(LAYERS)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SIM.parent)))
def test_imports_only_go_down(path: Path):
    module = module_name(path)
    own = layer(module)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    upward = [f"line {line}: {target} ({LAYERS[layer(target)]})"
              for target, line in imported(tree, module, path.name == "__init__.py") if layer(target) > own]
    assert not upward, f"{module} ({LAYERS[own]}) imports from a layer above it: " + "; ".join(upward)


def test_the_check_sees_imports_inside_functions_and_skips_type_checking_blocks():
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim.cli.main import main\n"
              "def f():\n    from sim.batch.engine import run_tasks\nfrom . import records\n")
    found = imported(ast.parse(source), "sim.results.output", package=False)
    assert found == [("sim.batch.engine", 5), ("sim.results", 6)]
    assert layer("sim.batch.engine") > layer("sim.results.output") == layer("sim.results")
