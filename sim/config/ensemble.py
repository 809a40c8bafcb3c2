"""The calibrated ensemble: the parameter sets approximate Bayesian computation accepted.

A member is one calibrated world: a value for every uncertainty (``ParamKind.UNCERTAINTY``)
drawn from the posterior, with its importance weight. The ensemble ships with the scenario
library (``scenarios/ensemble/``, package data):

- ``members.csv``: one row per member: ``member`` (its id), ``weight`` (importance weight,
  summing to 1 over the file), ``distance`` (how far its own run was from Shishi's patterns,
  in band widths), then one column per uncertainty in the registry's names;
- ``provenance.json``: how it was made (commit, command, scale, seeds, generations, tolerances,
  wall time) and each member's stored patterns (``patterns``: measure → value per member, from
  the run on ``pattern_seed``), so a test can rerun a member and find them again.

The rows are stored in a random order (a seeded permutation), so the first *n* members are a
random sample of the posterior: ``--ensemble N`` takes them, and answers weight each member by
its ``weight`` (renormalised over the members taken).

``python run.py calibrate`` rebuilds the files (``sim.analyses.abc``).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sim.config.errors import ScenarioError
from sim.config.params import PARAMS, ParamKind
from sim.config.paths import SCENARIO_DIR

ENSEMBLE_DIR = SCENARIO_DIR / "ensemble"
MEMBERS_FILE = "members.csv"
PROVENANCE_FILE = "provenance.json"
ID_COLUMNS = ("member", "weight", "distance")


class EnsembleError(ScenarioError):
    """A bad ensemble file or request (``--ensemble``): which file or option, which field."""


@dataclass(frozen=True)
class Member:
    """One calibrated world."""

    index: int  # the member's id (its ``member`` column)
    weight: float  # importance weight within the stored ensemble
    distance: float  # its run's distance from Shishi's patterns (band widths; ≤ 1 is inside every band)
    values: Mapping[str, float]  # a value for every uncertainty it sets


@dataclass(frozen=True)
class Ensemble:
    members: tuple[Member, ...]
    provenance: Mapping[str, object]
    folder: Path

    def __len__(self) -> int:
        return len(self.members)

    def take(self, count: int, source: str = "--ensemble") -> tuple[Member, ...]:
        """The first ``count`` members (a random sample of the posterior: the file is shuffled)."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise EnsembleError(source, None, f"expected a whole number of members ≥ 1, got {count!r}")
        if count > len(self.members):
            raise EnsembleError(source, None, f"the ensemble in {self.folder} has {len(self.members)} members; "
                                              f"asked for {count}")
        return self.members[:count]


def normalised_weights(members: tuple[Member, ...] | list[Member]) -> list[float]:
    """The members' weights renormalised to sum to 1 over these members."""
    total = sum(member.weight for member in members)
    return [member.weight / total for member in members] if total > 0 else [1 / len(members)] * len(members)


def load_ensemble(folder: str | Path | None = None) -> Ensemble:
    """Read and check an ensemble folder (default: the shipped one); errors name the file and field."""
    folder = Path(folder) if folder is not None else ENSEMBLE_DIR
    path = folder / MEMBERS_FILE
    if not path.is_file():
        raise EnsembleError(str(path), None, "no ensemble here: expected a members.csv written by "
                                             "`python run.py calibrate` (approximate Bayesian computation)")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [name for name in ID_COLUMNS if name not in columns]
        if missing:
            raise EnsembleError(str(path), missing[0], f"expected the columns {', '.join(ID_COLUMNS)} first")
        names = [name for name in columns if name not in ID_COLUMNS]
        for name in names:
            param = PARAMS.get(name)
            if param is None or param.kind is not ParamKind.UNCERTAINTY:
                raise EnsembleError(str(path), name, "expected the name of an uncertainty in the parameter registry")
        members = [_member(row, names, path, line) for line, row in enumerate(reader, start=2)]
    if not members:
        raise EnsembleError(str(path), None, "expected at least one member")
    if len({member.index for member in members}) != len(members):
        raise EnsembleError(str(path), "member", "expected every member id once")
    provenance_path = folder / PROVENANCE_FILE
    try:
        provenance = json.loads(provenance_path.read_text(encoding="utf-8")) if provenance_path.is_file() else {}
    except json.JSONDecodeError as error:
        raise EnsembleError(str(provenance_path), None, f"expected JSON: {error}") from None
    return Ensemble(tuple(members), provenance, folder)


def _member(row: dict[str, str], names: list[str], path: Path, line: int) -> Member:
    where = f"{path} line {line}"
    try:
        index, weight, distance = int(row["member"]), float(row["weight"]), float(row["distance"])
    except (TypeError, ValueError):
        raise EnsembleError(where, "member", "expected a whole-number id, a weight and a distance") from None
    if not (math.isfinite(weight) and weight >= 0):
        raise EnsembleError(where, "weight", f"expected a finite weight ≥ 0, got {row['weight']!r}")
    values: dict[str, float] = {}
    for name in names:
        try:
            values[name] = PARAMS[name].check(float(row[name]))
        except (TypeError, ValueError) as error:
            raise EnsembleError(where, name, str(error)) from None
    return Member(index, weight, distance, values)
