"""Stationed cadres' hours (挂居蹲点): a weekly budget per community, larger in an emergency.

A cadre joins a community mediation of a case that needs the town's authority (a department's,
which the cadre can bring) while the community's cadres have hours left that week; the
mediation then holds that authority. Hours are not carried over from week to week.
"""

from __future__ import annotations

import numpy as np

from sim.config.params import Params


class CadreHours:
    def __init__(self, cadres_per_community: np.ndarray, params: Params):
        self.cadres = np.asarray(cadres_per_community, dtype=float)
        self.normal_hours = params["cadre_hours_per_week"]
        self.emergency_hours = params["cadre_emergency_hours_per_week"]
        self.hours_per_case = params["cadre_hours_per_case"]
        self.left = np.zeros(len(self.cadres))  # hours left this week, per community
        self.joined = np.zeros(len(self.cadres), dtype=np.int64)  # cases joined, per community
        self.start_week(emergency=False)

    def start_week(self, emergency: bool) -> None:
        """A new week's hours: 平时组团服务, or 急时组团作战 during a surge."""
        self.left = self.cadres * (self.emergency_hours if emergency else self.normal_hours)

    def join(self, community: int) -> bool:
        """Take a case if the community's cadres have the hours for it this week."""
        if self.left[community] < self.hours_per_case:
            return False
        self.left[community] -= self.hours_per_case
        self.joined[community] += 1
        return True
