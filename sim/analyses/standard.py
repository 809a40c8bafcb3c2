"""Service standards: a conjunction of criteria ``OUTCOME >= X`` / ``OUTCOME <= X`` on run outcomes.

Outcomes are the model's flat outcomes (``sim.config.outcomes.flat_outcomes``: ``closed_within_30_days``,
``petitions_per_10k``, ``days_to_close_p90`` …) plus outcomes derived here from a run's records:

- ``closed_within_N_days`` for any whole N (share of reported cases closed within N days of
  report; N = 30 equals the model's own outcome);
- ``mean_wait_days``: mean time a case waited for a handler (from ``visits``: day_started −
  day_entered over visits that started, entered after a 20-day warm-up), as in sim.analyses.validation.

A standard is met at a design point when every criterion is met (see sim.analyses.staffing for
the statistical decision).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from sim.analyses.measures import handling_waits
from sim.config.errors import StandardError
from sim.config.outcomes import OUTCOMES

DEFAULT_STANDARD = "closed_within_30_days_of_arising>=0.95,petitions_per_10k<=1"
_DERIVED = re.compile(r"^closed_within_(\d+)_days$")
_CRITERION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|≥|≤)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Criterion:
    outcome: str
    op: str  # ">=" or "<="
    threshold: float

    @property
    def higher_is_better(self) -> bool:
        return self.op == ">="

    def met_by(self, value: float) -> bool:
        return value >= self.threshold if self.op == ">=" else value <= self.threshold

    def __str__(self) -> str:
        return f"{self.outcome} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Standard:
    criteria: tuple[Criterion, ...]

    @property
    def outcomes(self) -> list[str]:
        return list(dict.fromkeys(c.outcome for c in self.criteria))

    def met_by(self, values: dict) -> bool:
        """Point check (no statistics): every criterion met by these values."""
        return all(c.met_by(float(values[c.outcome])) for c in self.criteria)

    def __str__(self) -> str:
        return " AND ".join(str(c) for c in self.criteria)

    def to_json(self) -> list[dict]:
        return [{"outcome": c.outcome, "op": c.op, "threshold": c.threshold} for c in self.criteria]


def known_outcome(name: str) -> bool:
    """A declared outcome (``sim.config.outcomes.OUTCOMES``) or one derived here."""
    return name in OUTCOMES or name == "mean_wait_days" or bool(_DERIVED.match(name))


def parse_standard(texts: str | list[str] | None) -> Standard:
    """``"closed_within_30_days>=0.95,petitions_per_10k<=1"`` (or a list of such strings) → Standard.
    Raises StandardError (exit 2 at the CLI) on an unknown outcome or a malformed criterion."""
    if texts is None or texts == [] or texts == "":
        texts = [DEFAULT_STANDARD]
    if isinstance(texts, str):
        texts = [texts]
    criteria = []
    for text in texts:
        for part in str(text).split(","):
            if not part.strip():
                continue
            match = _CRITERION.match(part)
            if not match:
                raise StandardError(f"{part.strip()!r}: expected OUTCOME>=NUMBER or OUTCOME<=NUMBER, "
                                    "e.g. closed_within_30_days>=0.95")
            name, op, raw = match.groups()
            op = {"≥": ">=", "≤": "<="}.get(op, op)
            try:
                threshold = float(raw)
            except ValueError:
                raise StandardError(f"{part.strip()!r}: {raw!r} is not a number") from None
            if not math.isfinite(threshold):
                raise StandardError(f"{part.strip()!r}: the threshold must be finite")
            if not known_outcome(name):
                raise StandardError(f"unknown outcome {name!r}{_did_you_mean(name)}; use a name from "
                                    "sim.config.outcomes.flat_outcomes, closed_within_N_days or mean_wait_days")
            criteria.append(Criterion(name, op, threshold))
    if not criteria:
        raise StandardError("no criterion given")
    return Standard(tuple(criteria))


def _did_you_mean(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, [*OUTCOMES, "mean_wait_days"], n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def run_outcomes(result, names: list[str]) -> dict[str, float]:
    """The named outcomes of one RunResult (flat model outcomes and the derived ones above)."""
    from sim.config.outcomes import flat_outcomes

    flat = flat_outcomes({k: v for k, v in result.summary.items() if k != "provenance"})
    values = {}
    for name in names:
        match = _DERIVED.match(name)
        if name in flat:
            values[name] = _number(flat[name])
        elif match:
            cases = result.cases
            reported = cases["day_reported"].notna()
            delay = (cases["day_closed"] - cases["day_reported"])[reported & cases["day_closed"].notna()]
            n = int(reported.sum())
            values[name] = float(np.count_nonzero(delay.to_numpy() <= int(match.group(1))) / n) if n else math.nan
        elif name == "mean_wait_days":
            wait = handling_waits(result.visits)
            values[name] = float(wait.mean()) if len(wait) else math.nan
        else:
            values[name] = math.nan
    return values


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
