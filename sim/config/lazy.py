"""Package exports loaded on first use (PEP 562), so that ``import sim.cli.main`` can register its
commands and check their input without importing NumPy, pandas and Mesa (sim.results.figure_process
needs that)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports ``name`` from ``exports[name]`` when first used."""

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
