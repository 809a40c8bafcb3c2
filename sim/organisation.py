"""Who works where: grid workers, volunteers and mediators, and the handler pools they form.

Counts follow from the levers and the scale: grid workers = ``workers_per_10k`` × urban
residents / 10,000, allocated to communities by population and within a community to its
grids; volunteers and mediators per 10,000 residents likewise. Every committee of a level
with any mediators gets at least one, so a small city keeps every level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents import GridWorker, Mediator, Volunteer
from sim.enums import SPECIALISED_FIELD_OF_KIND, CaseKind, Level, Severity, SpecialisedField, VolunteerRole
from sim.handling import HandlerPool
from sim.network import CityMap, largest_remainder

# Volunteers by role at full scale (article): 3,312 双报到, 235 street heads, 318 building heads,
# 733 red grid workers, 570+ riders.
VOLUNTEER_ROLE_COUNTS = {VolunteerRole.PARTY_MEMBER: 3312, VolunteerRole.STREET_HEAD: 235,
                         VolunteerRole.BUILDING_HEAD: 318, VolunteerRole.RED_GRID_WORKER: 733,
                         VolunteerRole.RIDER: 570}
GRID_SIZE_RESIDENTS = 500.0  # patrol and volunteer strength are per grid of this size (≈ 502, facts)


@dataclass
class Organisation:
    workers: list[GridWorker]
    volunteers: list[Volunteer]
    mediators: list[Mediator]
    pools: list[HandlerPool]
    worker_pools: list[HandlerPool]  # one per community
    volunteer_pools: list[HandlerPool]  # one per community
    community_pools: list[HandlerPool]
    town_pools: list[HandlerPool]
    city_pool: HandlerPool
    specialised_pools: dict[SpecialisedField, list[HandlerPool]]
    patrol_fte: np.ndarray  # patrolling worker-equivalents per grid (before busy time)
    volunteers_per_community: np.ndarray

    def pool_for(self, community: int, town: int, kind: int, severity: int, level: Level) -> HandlerPool | None:
        if level is Level.GRID:
            workers = self.worker_pools[community]
            volunteers = self.volunteer_pools[community]
            if (kind == CaseKind.NEIGHBOUR and severity == Severity.MINOR and volunteers.capacity > 0
                    and (workers.capacity == 0 or volunteers.free_server() is not None)):
                return volunteers
            return workers
        if level is Level.COMMUNITY:
            return self.community_pools[community]
        if level is Level.TOWN:
            return self.town_pools[town]
        if level is Level.CITY:
            return self.city_pool
        field = SPECIALISED_FIELD_OF_KIND.get(CaseKind(kind))
        committees = [pool for pool in self.specialised_pools.get(field, ()) if pool.capacity > 0]
        if not committees:
            return None
        local = [pool for pool in committees if pool.town == town]
        return local[0] if local else min(committees, key=lambda pool: (pool.load, pool.index))


def build_organisation(model, city: CityMap, params) -> Organisation:
    residents = city.residents
    community_population = city.community_population
    grid_cell = model.grid_cell
    pools: list[HandlerPool] = []

    def new_pool(level, name, node, servers, **where) -> HandlerPool:
        pool = HandlerPool(len(pools), level, name, node, servers, **where)
        pools.append(pool)
        return pool

    # Grid workers: by community population, then spread over the community's grids.
    n_workers = round(params["workers_per_10k"] * params["urban_share"] * residents / 10_000)
    per_community = largest_remainder(n_workers, community_population)
    workers, worker_pools = [], []
    patrol_fte = np.zeros(city.grids)
    for c in range(city.communities):
        grids = np.flatnonzero(city.grid_community == c)
        n = int(per_community[c])
        covered: list[list[int]] = [[] for _ in range(n)]
        for i in range(max(n, len(grids)) if n else 0):
            covered[i % n].append(int(grids[i % len(grids)]))
        members = []
        for grid_list in covered:
            worker = GridWorker(model, grid_cell(grid_list[0]), params["worker_caseload"], c, tuple(grid_list))
            patrol_fte[grid_list] += params["patrol_share"] / len(grid_list)
            members.append(worker)
        workers.extend(members)
        worker_pools.append(new_pool(Level.GRID, f"{city.community_codes[c]} grid workers",
                                     int(city.community_node[c]), members, town=int(city.community_town[c]),
                                     community=c))
    if not params["patrol"]:
        patrol_fte[:] = 0.0

    # Volunteers: roles in the article's proportions, communities by population.
    n_volunteers = round(params["volunteers_per_10k"] * residents / 10_000)
    roles = np.repeat(list(VOLUNTEER_ROLE_COUNTS),
                      largest_remainder(n_volunteers, np.array(list(VOLUNTEER_ROLE_COUNTS.values()))))
    per_community = largest_remainder(n_volunteers, community_population)
    volunteers, volunteer_pools = [], []
    next_role = 0
    for c in range(city.communities):
        grids = np.flatnonzero(city.grid_community == c)
        members = []
        for i in range(int(per_community[c])):
            role = VolunteerRole(roles[next_role])
            next_role += 1
            members.append(Volunteer(model, grid_cell(int(grids[i % len(grids)])), params["volunteer_caseload"], c,
                                     role))
        volunteers.extend(members)
        volunteer_pools.append(new_pool(Level.GRID, f"{city.community_codes[c]} volunteers",
                                        int(city.community_node[c]), members, town=int(city.community_town[c]),
                                        community=c, volunteers=True))

    # Mediators: split by level, then among that level's committees (each at least one).
    n_mediators = round(params["mediators_per_10k"] * residents / 10_000)
    levels = [Level.COMMUNITY, Level.TOWN, Level.CITY, Level.SPECIALISED]
    shares = np.array([params[f"mediator_share.{level.label}"] for level in levels])
    per_level = dict(zip(levels, largest_remainder(n_mediators, shares), strict=True))
    caseload = params["mediator_caseload"]
    mediators: list[Mediator] = []

    def committees(level, nodes, weights, names, towns, communities=None, fields=None) -> list[HandlerPool]:
        n = len(nodes)
        if n == 0:
            return []
        total = int(per_level[level])
        sizes = largest_remainder(max(total, n), weights, minimum=1) if total > 0 else np.zeros(n, int)
        result = []
        for i in range(n):
            field = fields[i] if fields is not None else None
            members = [Mediator(model, model.node_cell(int(nodes[i])), caseload, level, len(pools), field)
                       for _ in range(int(sizes[i]))]
            mediators.extend(members)
            result.append(new_pool(level, names[i], int(nodes[i]), members, town=towns[i],
                                   community=None if communities is None else communities[i], field=field))
        return result

    community_pools = committees(Level.COMMUNITY, city.community_node, community_population,
                                 [f"{code} mediation committee" for code in city.community_codes],
                                 [int(t) for t in city.community_town], list(range(city.communities)))
    town_population = np.bincount(city.community_town, weights=community_population, minlength=city.towns)
    town_pools = committees(Level.TOWN, city.town_node, town_population,
                            [f"{name} town mediation centre" for name in city.town_names], list(range(city.towns)))
    (city_pool,) = committees(Level.CITY, np.array([0]), np.ones(1), ["City mediation centre"], [None])
    fields, names, towns = [], [], []
    for field in SpecialisedField:
        count = params[f"specialised_committees.{field.label}"]
        n = max(1, round(count * params["scale"])) if count > 0 else 0
        for k in range(n):
            fields.append(field)
            names.append(f"{field.label.capitalize()} committee {k + 1}")
            towns.append(len(towns) % city.towns)
    special = committees(Level.SPECIALISED, city.town_node[np.array(towns, dtype=int)], np.ones(len(fields)),
                         names, towns, fields=fields) if fields else []
    specialised_pools = {field: [pool for pool in special if pool.field is field] for field in SpecialisedField}
    volunteers_per_community = np.bincount([v.community for v in volunteers], minlength=city.communities)
    return Organisation(workers, volunteers, mediators, pools, worker_pools, volunteer_pools, community_pools,
                        town_pools, city_pool, specialised_pools, patrol_fte, volunteers_per_community)
