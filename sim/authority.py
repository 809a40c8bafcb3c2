"""The authority a case needs: which level holds the power to resolve it.

A dispute's needed level is drawn when it arises from its severity (``authority_share``) and
kind (``authority_up_share``: a company, employer or property firm on the other side needs one
level more). The draw is a pair of world-stream uniforms kept with the case, read through the
severity's quantiles, so a dispute that worsens needs at least as much authority as before and
every policy meets the same dispute with the same needs (common random numbers).
Public-service requests need either a grid worker on the spot or the responsible department.
"""

from __future__ import annotations

import numpy as np

from sim.enums import AUTHORITY_LEVELS, CaseKind, Level, Severity
from sim.params import Params

PUBLIC_SERVICE_AUTHORITY = (Level.GRID, Level.DEPARTMENT)  # on the spot, or the responsible department


def authority_rungs(kind: CaseKind) -> tuple[Level, ...]:
    """The levels of authority a case of this kind may need, lowest first."""
    return PUBLIC_SERVICE_AUTHORITY if kind is CaseKind.PUBLIC_SERVICE else AUTHORITY_LEVELS


class AuthorityTable:
    def __init__(self, params: Params):
        # tail[s, i]: share of severity-s disputes that need AUTHORITY_LEVELS[i] or more
        tail = np.ones((len(Severity), len(AUTHORITY_LEVELS)))
        for s in Severity:
            shares = [params[f"authority_share.{s.label}.{level.label}"] for level in AUTHORITY_LEVELS[1:]]
            tail[s, 1:] = np.cumsum(shares[::-1])[::-1]
        self.tail = tail
        self.up_share = np.array([params[f"authority_up_share.{k.label}"] if k is not CaseKind.PUBLIC_SERVICE else 0.0
                                  for k in CaseKind])
        self.department_share = 1.0 - params["public_service_on_spot_share"]
        self.levels = np.array(AUTHORITY_LEVELS, dtype=np.int8)

    def needed(self, kind: np.ndarray, severity: np.ndarray, u: np.ndarray, u_up: np.ndarray) -> np.ndarray:
        """The Level each case needs (vectorised)."""
        kind, severity = np.asarray(kind), np.asarray(severity)
        rung = (np.asarray(u)[:, None] < self.tail[severity][:, 1:]).sum(axis=1)  # 0 = grid … 3 = city
        rung = np.minimum(rung + (np.asarray(u_up) < self.up_share[kind]), len(AUTHORITY_LEVELS) - 1)
        level = self.levels[rung]
        public = kind == CaseKind.PUBLIC_SERVICE
        on_spot, department = PUBLIC_SERVICE_AUTHORITY
        level[public] = np.where(np.asarray(u)[public] < self.department_share, department, on_spot)
        return level

    def needed_one(self, kind: int, severity: int, u: float, u_up: float) -> Level:
        return Level(int(self.needed(np.array([kind]), np.array([severity]), np.array([u]), np.array([u_up]))[0]))
