"""Routing, in one place: which level a case goes to (the escalation rule, asked again when a
level has no handler at all) and which handler pool at that level takes it (the case's own
community, town, specialised committee or pilot-zone desk; volunteers for a minor neighbour
dispute when one is free).
"""

from __future__ import annotations

from sim.config.enums import SPECIALISED_FIELD_OF_KIND, ZONE_KINDS, CaseKind, EndReason, Level, Severity
from sim.model.escalation import CaseView, EscalationRule
from sim.model.network import CityMap
from sim.model.organisation import Organisation
from sim.model.pools import HandlerPool
from sim.model.systems import Systems


class Dispatcher:
    def __init__(self, rule: EscalationRule, organisation: Organisation, city: CityMap, systems: Systems):
        self.rule, self.organisation = rule, organisation
        self.grid_community, self.grid_town = city.grid_community, city.grid_town
        self.zone_of_grid = systems.zone_of_grid
        # Per grid, as Python lists (the flow asks for nearly every event; a NumPy scalar's int() and a
        # chain of enum tests cost more than the lookup): its community and town, and, per level code,
        # the one pool of that level that serves it (None: chosen per case, the grid's and specialised).
        self._community_of, self._town_of = city.grid_community.tolist(), city.grid_town.tolist()
        org = organisation
        self._pool_of_grid: list[list[HandlerPool] | None] = [None] * len(Level)
        for level, pools, place in ((Level.COMMUNITY, org.community_pools, self._community_of),
                                    (Level.TOWN, org.town_pools, self._town_of),
                                    (Level.CITY, [org.city_pool], [0] * city.grids),
                                    (Level.DISPATCH, org.dispatch_pools, self._town_of),
                                    (Level.DEPARTMENT, org.department_pools, self._town_of)):
            self._pool_of_grid[level] = [pools[i] for i in place]
        self._workers_of = [org.worker_pools[c] for c in self._community_of]

    def first_level(self, view: CaseView) -> Level:
        """The level the rule sends a case graded so to first."""
        return self.rule.first_route(view)

    def next_level(self, view: CaseView, level: Level, reason: EndReason) -> Level | None:
        """The level a case goes to after it failed or timed out at ``level`` (None: nowhere left);
        its pool is chosen when it arrives (``resolve``), as loads change in transit."""
        return self.rule.next_route(view, level, reason)

    def first(self, view: CaseView, grid: int) -> tuple[Level, HandlerPool] | None:
        """Where a graded case goes first, and to whom (None: no level has a handler)."""
        return self.resolve(view, self.first_level(view), grid)

    def resolve(self, view: CaseView, level: Level | None, grid: int) -> tuple[Level, HandlerPool] | None:
        """The first level from ``level`` on (asking the rule again past a level with no handler
        at all) and its pool for this case."""
        while level is not None:
            pool = self.pool(level, view.kind, view.severity, grid)
            if pool is not None and pool.capacity > 0:
                return level, pool
            level = self.rule.next_route(view, level, EndReason.NO_HANDLER)
        return None

    def follow_up_pool(self, grid: int) -> HandlerPool:
        """The grid workers of the grid's community, who make the follow-up visit (回访)."""
        return self._workers_of[grid]

    def centre(self, grid: int) -> HandlerPool:
        """The grid's town dispatch centre."""
        return self._pool_of_grid[Level.DISPATCH][grid]

    def pool(self, level: Level, kind: CaseKind, severity: Severity, grid: int) -> HandlerPool | None:
        """The handler pool at ``level`` that takes a case of this kind and graded severity from ``grid``."""
        local = self._pool_of_grid[level]
        if local is not None:  # community, town, city, dispatch centre, departments
            return local[grid]
        org = self.organisation
        community, town = self._community_of[grid], self._town_of[grid]
        if level is Level.GRID:
            workers, volunteers = org.worker_pools[community], org.volunteer_pools[community]
            if (kind is CaseKind.NEIGHBOUR and severity is Severity.MINOR and volunteers.capacity > 0
                    and (workers.capacity == 0 or volunteers.free_server() is not None)):
                return volunteers
            return workers
        field = SPECIALISED_FIELD_OF_KIND.get(kind)
        committees = [pool for pool in org.specialised_pools.get(field, ()) if pool.capacity > 0]
        local = [pool for pool in committees if pool.town == town]
        committee = (local[0] if local else min(committees, key=lambda pool: (pool.load, pool.index))
                     if committees else None)
        zone = int(self.zone_of_grid[grid])
        if zone >= 0 and kind in ZONE_KINDS:  # the pilot zone's own desk, unless it is busier
            desk = org.zone_pools[zone]
            if desk.capacity > 0 and (committee is None or desk.load <= committee.load):
                return desk
        return committee
