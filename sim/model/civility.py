"""Civility points (乡风文明积分): earned by taking part, reporting and volunteering, and read
back as a higher propensity to report and to volunteer.

A resident's uplift is ``1 + uplift × points / (points + civility_half_points)``: it saturates,
and a resident holding the mean (113 points) gets half the most. Certification spreads: each
resident not certified at the start has a certification day drawn once (population stream) at
the rate ``civility_certification_per_year``; with the incentive off nobody joins, nobody earns
and points are not read.
"""

from __future__ import annotations

import numpy as np

from sim.config.params import Params
from sim.model.arrivals import DAYS_PER_YEAR
from sim.model.population import Population


class Civility:
    def __init__(self, population: Population, params: Params):
        self.population = population
        self.on = bool(params["civility_incentive"])
        self.points_per_week = params["civility_points_per_week"]
        self.points_per_report = params["civility_points_per_report"]
        self.points_per_volunteer_case = params["civility_points_per_volunteer_case"]
        self.half = params["civility_half_points"]
        self.report_uplift = params["civility_report_uplift"] if self.on else 0.0
        self.volunteer_uplift = params["civility_volunteer_uplift"] if self.on else 0.0
        rate = params["civility_certification_per_year"] / DAYS_PER_YEAR
        with np.errstate(divide="ignore"):
            self.certify_day = np.where(population.certified, -1.0,
                                        population.certify_clock / rate if rate > 0 else np.inf)
        # the residents not yet certified who join within the run, in the order they will: each week
        # takes the next few
        waiting = np.flatnonzero(~population.certified & (self.certify_day <= params["days"]))
        self._joining_order = waiting[np.argsort(self.certify_day[waiting], kind="stable")]
        self._joining_days = self.certify_day[self._joining_order]
        self._joined = 0  # how many of the order have joined
        self._certified_count = int(population.certified.sum())
        self.points_earned = 0
        population.report_factor = self.report_factor  # residents' propensity to report reads the points here

    def report_factor(self, rows: np.ndarray) -> np.ndarray:
        """How much the points these residents hold raise their reporting."""
        if self.report_uplift == 0.0:
            return np.ones(len(rows))
        return self._uplift(self.population.points_held(rows), self.report_uplift)

    def volunteer_factor(self, rows: np.ndarray) -> np.ndarray:
        """How much the points these volunteers hold raise what they find."""
        if self.volunteer_uplift == 0.0:
            return np.ones(len(rows))
        return self._uplift(self.population.points_held(rows), self.volunteer_uplift)

    def _uplift(self, points: np.ndarray, uplift: float) -> np.ndarray:
        if uplift == 0.0:
            return np.ones(len(points))
        return 1.0 + uplift * points / (points + self.half)

    def week(self, day: int) -> None:
        """At the start of a week: residents whose day has come join; the certified earn a
        week's points for taking part."""
        if not self.on:
            return
        population = self.population
        end = int(np.searchsorted(self._joining_days, day, side="right"))
        joining = self._joining_order[self._joined:end]
        population.certified[joining] = True
        population.joined_at[joining] = population.participation
        self._joined = end
        self._certified_count += len(joining)
        week = day // 7  # whole points: the fractions add up over the weeks
        earned = int(np.floor(self.points_per_week * (week + 1)) - np.floor(self.points_per_week * week))
        if earned:
            population.participation += earned
            self.points_earned += earned * self._certified_count

    def credit(self, row: int, points: int) -> None:
        """Points for one act (a report, a case found or mediated), if the resident is certified."""
        if self.on and points and self.population.certified[row]:
            self.population.points[row] += points
            self.points_earned += points
