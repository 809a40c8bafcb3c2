"""Grid workers' working time (多网合一: "费随事转、人随事走"), spent in a fixed order each day.

Each worker has a weekly budget of hours (a full-time working week, or a share of it for a
part-time worker), a seventh of it each day. A community's workers share its grids' work (the
community's 两委 organise them): each of their hours is spread over the community's grids in
proportion to the grids' residents, so hours idle in one grid are not left unused while a
neighbouring grid goes short.
A day's hours go:

1. to **orders** first: an order is handled with all of the worker's hours, so an on-site order
   of h hours keeps the worker busy for h / (hours a day) days, and orders queue only when every
   worker of a community is on one (Hubin's norm: sign within 30 minutes, first visit within 8
   hours). Orders are grid-level cases (on-the-spot handling), the follow-up visit (回访) before a
   case is closed (both queue at the community's workers, ``sim.model.handling``), registering a case
   found on patrol, and the minor events patrol finds (hazards, broken facilities, records to
   change: ``events_per_patrol_hour`` × ``event_hours``, owed the next day);
2. to **department tasks** next: information upkeep on people, houses and businesses, safety
   inspections and campaigns, in hours per household per month of the grids covered (what a
   day cannot cover is left undone);
3. to **patrol and household visits** (入户走访) up to the visiting norm
   ``patrol_visits_per_household_week`` (a lever); detection follows the visits made and
   saturates: a grid's patrol hazard is
   ``patrol_find_per_day × (1 − exp(−visits per household per week / saturation))``;
4. what is left is **idle**: patrol is an allocation, not a sink.

Hours are accounted per worker per day and per week (``weeks``): the four activities of a
worker's week add up to exactly the worker's budget.
"""

from __future__ import annotations

import math

import numpy as np

from sim.config.enums import WorkerActivity
from sim.config.params import Params

DAYS_PER_WEEK = 7
WEEKS_PER_MONTH = 52 / 12


class WorkTime:
    def __init__(self, weekly_hours: np.ndarray, worker_community: np.ndarray, grid_community: np.ndarray,
                 grid_population: np.ndarray, params: Params):
        n, grids = len(weekly_hours), len(grid_population)
        self.weekly_hours = np.asarray(weekly_hours, dtype=float)
        self.hours_per_day = self.weekly_hours / DAYS_PER_WEEK  # the rate at which a worker gets through an order
        self.worker_community = np.asarray(worker_community, dtype=np.int64)
        self.grid_community = np.asarray(grid_community, dtype=np.int64)
        self.communities = int(max(self.grid_community.max(initial=-1), self.worker_community.max(initial=-1)) + 1)
        population = np.asarray(grid_population, dtype=float)
        community_population = np.bincount(self.grid_community, weights=population, minlength=self.communities)
        self.grid_share = np.divide(population, community_population[self.grid_community],
                                    out=np.zeros(grids), where=community_population[self.grid_community] > 0)
        self.grids = grids
        self.households = np.asarray(grid_population, dtype=float) / params["residents_per_household"]
        self.department_demand_per_day = (self.households * params["department_hours_per_household_month"]
                                          / WEEKS_PER_MONTH / DAYS_PER_WEEK)  # hours per grid per day
        self.visit_hours = params["household_visit_hours"]
        norm = params["patrol_visits_per_household_week"] if params["patrol"] else 0.0
        self.patrol_norm_per_day = norm * self.households * self.visit_hours / DAYS_PER_WEEK  # hours per grid per day
        self.find_per_day = params["patrol_find_per_day"]
        self.saturation = params["patrol_saturation_visits_per_week"]
        self.event_hours_per_patrol_hour = params["events_per_patrol_hour"] * params["event_hours"]
        # state
        self.busy_since = np.full(n, math.nan)
        self.busy_today = np.zeros(n)  # days spent on on-site orders today
        self.owed = np.zeros(n)  # hours of registration and patrol events not yet done
        self.day_start = 0.0
        self.today = np.zeros((n, len(WorkerActivity)))  # hours by activity, the day just closed
        self.today_total = np.zeros(len(WorkerActivity))  # all workers' hours by activity, the day just closed
        self.visits_per_week = np.zeros(grids)
        self.patrol_hazard = np.zeros(grids)
        self.restart_ledger()
        self._allocate(self.hours_per_day.copy())  # day 0's patrol: no orders yet

    def restart_ledger(self) -> None:
        """Start counting hours afresh (at the end of the warm-up)."""
        n = len(self.weekly_hours)
        self.week = np.zeros((n, len(WorkerActivity)))
        self.weeks: list[np.ndarray] = []  # one (workers × activities) array of hours per whole week
        self.total = np.zeros(len(WorkerActivity))  # hours by activity since the ledger started
        self.department_demand_hours = 0.0
        self.department_done_hours = 0.0
        self.days_in_week = 0

    # ------------------------------------------------------------------ orders
    def start(self, worker: int, t: float) -> None:
        self.busy_since[worker] = t

    def stop(self, worker: int, t: float) -> None:
        self.busy_today[worker] += t - max(self.busy_since[worker], self.day_start)
        self.busy_since[worker] = math.nan

    def owe(self, worker: int, hours: float) -> None:
        """Hours of light order work (registering a case found on patrol) for this worker."""
        self.owed[worker] += hours

    # ------------------------------------------------------------------ the day's accounting
    def close_day(self, end: float) -> np.ndarray:
        """Account the day that ends at ``end``; returns tomorrow's patrol hazard per grid."""
        busy = self.busy_today
        active = np.flatnonzero(~np.isnan(self.busy_since))
        busy[active] += end - np.maximum(self.busy_since[active], self.day_start)
        rate = self.hours_per_day
        on_site = np.minimum(busy, 1.0) * rate
        free = rate - on_site
        light = np.minimum(self.owed, free)
        self.owed -= light
        department, patrol = self._allocate(free - light)
        hours = self.today
        hours[:, WorkerActivity.ORDERS] = on_site + light
        hours[:, WorkerActivity.DEPARTMENT_TASKS] = department
        hours[:, WorkerActivity.PATROL] = patrol
        hours[:, WorkerActivity.IDLE] = free - light - department - patrol
        self.owed += patrol * self.event_hours_per_patrol_hour  # events found on patrol: tomorrow's orders
        self.week += hours
        self.today_total = hours.sum(axis=0)  # kept: the day's record reads it too
        self.total += self.today_total
        self.days_in_week += 1
        if self.days_in_week == DAYS_PER_WEEK:
            self.weeks.append(self.week.copy())
            self.week[:] = 0.0
            self.days_in_week = 0
        busy[:] = 0.0
        self.day_start = end
        return self.patrol_hazard

    def _allocate(self, available: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Department tasks, then patrol up to the norm, out of each worker's ``available`` hours
        today; sets the patrol hazard the visits give (for tomorrow) and ``visits_per_week``."""
        department = self._spend(available, self.department_demand_per_day)
        done = float(department.sum())
        self.department_demand_hours += float(self.department_demand_per_day.sum())
        self.department_done_hours += done
        patrol = self._spend(available - department, self.patrol_norm_per_day)
        spent = self._community_hours(patrol)[self.grid_community] * self.grid_share
        self.visits_per_week = np.divide(spent * DAYS_PER_WEEK, self.households * self.visit_hours,
                                         out=np.zeros(self.grids), where=self.households > 0)
        self.patrol_hazard = self.find_per_day * -np.expm1(-self.visits_per_week / self.saturation)
        return department, patrol

    def _community_hours(self, hours: np.ndarray) -> np.ndarray:
        return np.bincount(self.worker_community, weights=hours, minlength=self.communities)

    def _spend(self, available: np.ndarray, demand_per_grid: np.ndarray) -> np.ndarray:
        """Hours each worker spends out of ``available`` on a demand stated per grid: a grid gets its
        share of the community's hours, and each worker gives the same fraction of theirs as the
        community does."""
        available = np.maximum(available, 0.0)
        community_hours = self._community_hours(available)
        grid_hours = community_hours[self.grid_community] * self.grid_share
        used = np.bincount(self.grid_community, weights=np.minimum(grid_hours, demand_per_grid),
                           minlength=self.communities)
        fraction = np.divide(used, community_hours, out=np.zeros(self.communities), where=community_hours > 0)
        return np.minimum(available * fraction[self.worker_community], available)

    # ------------------------------------------------------------------ what the run shows
    def shares(self) -> dict[str, float]:
        """Shares of all grid workers' hours by activity since the ledger started (sum to 1)."""
        total = self.total.sum()
        return {activity.label: float(self.total[activity] / total) if total else math.nan
                for activity in WorkerActivity}

    def department_undone(self) -> float:
        """Share of the departments' tasks that no hours were left for."""
        if not self.department_demand_hours:
            return math.nan
        return max(0.0, 1.0 - self.department_done_hours / self.department_demand_hours)

    def weekly(self) -> np.ndarray:
        """Hours by worker and activity for each whole week so far: shape (weeks, workers, activities)."""
        return np.array(self.weeks) if self.weeks else np.zeros((0, len(self.weekly_hours), len(WorkerActivity)))
