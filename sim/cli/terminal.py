"""Terminal output: a rich console that stays readable in logs and pipes."""

from __future__ import annotations


def console(width_when_piped: int = 120, **kwargs):
    """A rich Console; ``width_when_piped`` columns when output is not a terminal (rich
    would otherwise assume 80 and fold every table)."""
    from rich.console import Console

    made = Console(**kwargs)
    return made if made.is_terminal else Console(width=width_when_piped, **kwargs)
