"""The authority a case needs: which level holds the power to resolve it.

A dispute's needed level is drawn when it arises from its severity (``authority_share``) and
kind (``authority_up_share``: a company, employer or property firm on the other side needs one
level more). The draw is a pair of world-stream uniforms kept with the case, read through the
severity's quantiles, so a dispute that worsens needs at least as much authority as before and
every policy meets the same dispute with the same needs (common random numbers).
Public-service requests need either a grid worker on the spot or the responsible department.

In a community with a big Party committee (大党委) the firm on the other side is a member unit
for a share ``member_unit_share`` of those disputes (the lowest band of the same uniform), and
then it takes part: the dispute needs no extra level.
"""

from __future__ import annotations

import numpy as np

from sim.config.enums import AUTHORITY_LEVELS, CaseKind, Level, Severity
from sim.config.params import Params

PUBLIC_SERVICE_AUTHORITY = (Level.GRID, Level.DEPARTMENT)  # on the spot, or the responsible department


def authority_rungs(kind: CaseKind) -> tuple[Level, ...]:
    """The levels of authority a case of this kind may need, lowest first."""
    return PUBLIC_SERVICE_AUTHORITY if kind is CaseKind.PUBLIC_SERVICE else AUTHORITY_LEVELS


class AuthorityTable:
    def __init__(self, params: Params, member_units_in_grid: np.ndarray):
        """``member_units_in_grid``: per grid, whether its community's big Party committee brings
        member units."""
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
        self.member_share = np.where(member_units_in_grid, params["member_unit_share"], 0.0)

    def needed(self, kind: np.ndarray, severity: np.ndarray, u: np.ndarray, u_up: np.ndarray,
               grid: np.ndarray) -> np.ndarray:
        """The Level each case needs (vectorised)."""
        kind, severity, u_up = np.asarray(kind), np.asarray(severity), np.asarray(u_up)
        rung = (np.asarray(u)[:, None] < self.tail[severity][:, 1:]).sum(axis=1)  # 0 = grid … 3 = city
        up = (u_up < self.up_share[kind]) & ~self.member_unit_relief(kind, u_up, grid)
        rung = np.minimum(rung + up, len(AUTHORITY_LEVELS) - 1)
        level = self.levels[rung]
        public = kind == CaseKind.PUBLIC_SERVICE
        on_spot, department = PUBLIC_SERVICE_AUTHORITY
        level[public] = np.where(np.asarray(u)[public] < self.department_share, department, on_spot)
        return level

    def needed_one(self, kind: int, severity: int, u: float, u_up: float, grid: int) -> Level:
        """``needed`` for one case, in scalars (the case flow asks one at a time, when a failed
        attempt worsens a dispute; five one-element arrays cost more than the question): the same
        comparisons and the same product, so the same answer."""
        kind = int(kind)
        if kind == CaseKind.PUBLIC_SERVICE:
            on_spot, department = PUBLIC_SERVICE_AUTHORITY
            return department if u < self.department_share else on_spot
        rung = sum(1 for threshold in self.tail[severity, 1:] if u < threshold)
        up_share = self.up_share[kind]
        up = u_up < up_share and not u_up < up_share * self.member_share[grid]
        return AUTHORITY_LEVELS[min(rung + up, len(AUTHORITY_LEVELS) - 1)]

    def member_unit_relief(self, kind: np.ndarray, u_up: np.ndarray, grid: np.ndarray) -> np.ndarray:
        """Per case: a member unit on the other side spares it a level of authority."""
        return np.asarray(u_up) < self.up_share[np.asarray(kind)] * self.member_share[np.asarray(grid)]
