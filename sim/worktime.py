"""Grid workers' working time (多网合一: "费随事转、人随事走"), spent in a fixed order.

Each worker has a weekly budget of hours (a full-time working week, or a share of it for a
part-time worker), split evenly over the grids the worker covers. The budget is spent:

1. on **department tasks** first: information upkeep on people, houses and businesses, safety
   inspections and campaigns, in hours per household per month of the grids covered, spread
   evenly over the week (a grid whose workers cannot cover its tasks leaves the rest undone);
2. on **orders** next, at the worker's *order rate* (what department tasks leave, per day):
   an on-site order of h hours keeps the worker busy for h / rate days, so orders queue when
   every worker of a community is on one; registration of cases found on patrol and the
   follow-up visit (回访) are hours owed, paid from the same time before patrol;
3. on **patrol and household visits** (入户走访) with what is left of each day. Detection
   follows visit frequency and saturates: a grid's patrol hazard is
   ``patrol_find_per_day × (1 − exp(−visits per household per week / saturation))``.
   Patrol beyond three times the saturation frequency (95 % of the most patrol can do) is
   not spent: those hours are **idle**.

Hours are accounted per worker per day and per week (``weeks``): the four activities of a
worker's week add up to exactly the worker's budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.enums import WorkerActivity
from sim.params import Params

DAYS_PER_WEEK = 7
WEEKS_PER_MONTH = 52 / 12
SATURATED_MULTIPLE = 3.0  # patrol beyond 3 × the saturation frequency finds (almost) nothing more: idle


class WorkTime:
    def __init__(self, weekly_hours: np.ndarray, grids_of_worker: Sequence[Sequence[int]], grid_population: np.ndarray,
                 params: Params):
        n, grids = len(weekly_hours), len(grid_population)
        self.weekly_hours = np.asarray(weekly_hours, dtype=float)
        # links: one per (worker, grid covered), with the share of the worker's hours spent there
        self.link_worker = np.array([w for w, covered in enumerate(grids_of_worker) for _ in covered], dtype=np.int64)
        self.link_grid = np.array([g for covered in grids_of_worker for g in covered], dtype=np.int64)
        self.link_share = np.array([1.0 / len(covered) for covered in grids_of_worker for _ in covered])
        self.grids = grids
        self.households = np.asarray(grid_population, dtype=float) / params["residents_per_household"]
        link_hours = self.weekly_hours[self.link_worker] * self.link_share
        grid_hours = np.bincount(self.link_grid, weights=link_hours, minlength=grids)
        demand = self.households * params["department_hours_per_household_month"] / WEEKS_PER_MONTH
        done = np.divide(np.minimum(demand, grid_hours), grid_hours, out=np.zeros(grids), where=grid_hours > 0)
        department_week = np.bincount(self.link_worker, weights=link_hours * done[self.link_grid], minlength=n)
        self.department_demand_hours_week = float(demand.sum())
        self.department_done_hours_week = float(department_week.sum())
        self.department_per_day = department_week / DAYS_PER_WEEK
        self.order_rate = np.maximum(self.weekly_hours - department_week, 0.0) / DAYS_PER_WEEK  # hours per day
        self.patrol_on = bool(params["patrol"])
        self.find_per_day = params["patrol_find_per_day"]
        self.saturation = params["patrol_saturation_visits_per_week"]
        self.visit_hours = params["household_visit_hours"]
        # hours per grid per day that patrol can still use
        self.patrol_cap_per_day = (SATURATED_MULTIPLE * self.saturation * self.households * self.visit_hours
                                   / DAYS_PER_WEEK)
        # state
        self.busy_since = np.full(n, math.nan)
        self.busy_today = np.zeros(n)  # days spent on on-site orders today
        self.owed = np.zeros(n)  # hours of registration and follow-up visits not yet done
        self.day_start = 0.0
        self.today = np.zeros((n, len(WorkerActivity)))  # hours by activity, the day just closed
        self.week = np.zeros((n, len(WorkerActivity)))
        self.weeks: list[np.ndarray] = []  # one (workers × activities) array of hours per whole week
        self.total = np.zeros(len(WorkerActivity))  # hours by activity over the run
        self.visits_per_week = np.zeros(grids)
        self.patrol_hazard = self._patrol(self.order_rate.copy())[1]  # day 0: no orders yet

    # ------------------------------------------------------------------ orders
    def start(self, worker: int, t: float) -> None:
        self.busy_since[worker] = t

    def stop(self, worker: int, t: float) -> None:
        self.busy_today[worker] += t - max(self.busy_since[worker], self.day_start)
        self.busy_since[worker] = math.nan

    def owe(self, worker: int, hours: float) -> None:
        """Hours of light order work (registration, a follow-up visit) for this worker."""
        self.owed[worker] += hours

    # ------------------------------------------------------------------ the day's accounting
    def close_day(self, end: float) -> np.ndarray:
        """Account the day that ends at ``end``; returns tomorrow's patrol hazard per grid."""
        busy = self.busy_today
        active = np.flatnonzero(~np.isnan(self.busy_since))
        busy[active] += end - np.maximum(self.busy_since[active], self.day_start)
        rate = self.order_rate
        on_site = np.minimum(busy, 1.0) * rate
        free = rate - on_site
        light = np.minimum(self.owed, free)
        self.owed -= light
        patrol, hazard = self._patrol(free - light)
        hours = self.today
        hours[:, WorkerActivity.DEPARTMENT_TASKS] = self.department_per_day
        hours[:, WorkerActivity.ORDERS] = on_site + light
        hours[:, WorkerActivity.PATROL] = patrol
        hours[:, WorkerActivity.IDLE] = free - light - patrol
        self.week += hours
        self.total += hours.sum(axis=0)
        if round(end) % DAYS_PER_WEEK == 0:
            self.weeks.append(self.week.copy())
            self.week[:] = 0.0
        busy[:] = 0.0
        self.day_start = end
        self.patrol_hazard = hazard
        return hazard

    def _patrol(self, available: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Patrol hours each worker spends out of ``available`` (hours today), and the patrol
        hazard per grid they give; sets ``visits_per_week``."""
        if not self.patrol_on:
            self.visits_per_week = np.zeros(self.grids)
            return np.zeros_like(available), np.zeros(self.grids)
        link_hours = available[self.link_worker] * self.link_share
        grid_hours = np.bincount(self.link_grid, weights=link_hours, minlength=self.grids)
        used = np.divide(np.minimum(grid_hours, self.patrol_cap_per_day), grid_hours, out=np.zeros(self.grids),
                         where=grid_hours > 0)
        patrol = np.bincount(self.link_worker, weights=link_hours * used[self.link_grid], minlength=len(available))
        spent = grid_hours * used
        self.visits_per_week = np.divide(spent * DAYS_PER_WEEK, self.households * self.visit_hours,
                                         out=np.zeros(self.grids), where=self.households > 0)
        hazard = self.find_per_day * -np.expm1(-self.visits_per_week / self.saturation)
        return np.minimum(patrol, available), hazard

    # ------------------------------------------------------------------ what the run shows
    def shares(self) -> dict[str, float]:
        """Shares of all grid workers' hours by activity over the run (sum to 1)."""
        total = self.total.sum()
        return {activity.label: float(self.total[activity] / total) if total else math.nan
                for activity in WorkerActivity}

    def weekly(self) -> np.ndarray:
        """Hours by worker and activity for each whole week so far: shape (weeks, workers, activities)."""
        return np.array(self.weeks) if self.weeks else np.zeros((0, len(self.weekly_hours), len(WorkerActivity)))
