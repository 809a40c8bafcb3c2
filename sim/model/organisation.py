"""Who works where: grid workers, volunteers, mediators, dispatch clerks, department
officers, stationed cadres and the three-zone pilots' desk staff, and the handler pools they form.

Counts follow from the levers and the scale: full-time grid workers = ``workers_per_10k`` ×
urban residents / 10,000 (part-time ones likewise), spread over communities by
``worker_allocation`` and within a community over its grids; volunteers, mediators, clerks and
officers per 10,000 residents likewise. Every committee of a level with any mediators gets at
least one, and every town centre at least one clerk, so a small city keeps every level. Each
volunteer is one of the registered residents of the grid they watch (their civility points are
that resident's).

Mediation capacity binds through hours: a committee's full-time mediators
(``full_time_mediators``) give ``full_time_mediator_case_share`` of a working week to cases, its
part-time ones ``part_time_mediator_hours_per_week``, the city centre adds its own staff
(``city_centre_staff``). A minor case takes ``mediation_hours`` of their work spread over
``service_days``, so by Little's law the committee can carry hours × days / (7 × hours per case)
cases at once; more wait, and time out when they wait too long.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.enums import Level, SpecialisedField, VolunteerRole
from sim.model.agents import (
    CentreOfficer,
    Clerk,
    DepartmentOfficer,
    GridWorker,
    Mediator,
    StationedCadre,
    Volunteer,
    ZoneOfficer,
)
from sim.model.network import CityMap, largest_remainder
from sim.model.pools import HandlerPool
from sim.model.population import Population
from sim.model.systems import Systems, scaled_count
from sim.model.worktime import WorkTime


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
    dispatch_pools: list[HandlerPool]  # one town social-governance centre per town
    department_pools: list[HandlerPool]  # one per town
    clerks: list[Clerk]
    officers: list[DepartmentOfficer]
    worktime: WorkTime
    cadres: list[StationedCadre]
    zone_pools: list[HandlerPool]  # one desk per three-zone pilot
    zone_officers: list[ZoneOfficer]
    centre_officers: list[CentreOfficer]  # the city centre's staff besides its mediators


FULL_SCALE_COMMITTEES = {  # committees of each level in the whole city (scale 1)
    Level.COMMUNITY: lambda params: params["communities"],
    Level.TOWN: lambda params: params["towns"],
    Level.CITY: lambda params: 1,
    Level.SPECIALISED: lambda params: sum(params[f"specialised_committees.{f.label}"] for f in SpecialisedField),
}


def worker_weights(city: CityMap, params, population: Population, expected_cases: np.ndarray) -> np.ndarray:
    """Each community's weight in the spread of grid workers (``worker_allocation``): its residents,
    the cases expected there (``expected_cases``: per grid, a day), or its residents weighted by
    (1 + their migrant share)."""
    rule = params["worker_allocation"]
    if rule == "by_caseload":
        return np.bincount(city.grid_community, weights=expected_cases, minlength=city.communities)
    residents = city.community_population
    if rule == "by_migrant_share":
        migrants = np.bincount(city.grid_community, weights=population.grid_migrant_share * city.grid_population,
                               minlength=city.communities)  # the expected migrants: the same for every seed
        return residents + migrants
    return residents


def committee_capacity(full_time: np.ndarray, part_time: np.ndarray, level: Level, params) -> np.ndarray:
    """Cases each committee can have in hand at once: its mediators' weekly hours on cases × a
    minor case's days / (7 × its hours), at least one for a committee with anyone in it."""
    hours = (full_time * params["working_hours_per_week"] * params["full_time_mediator_case_share"]
             + part_time * params["part_time_mediator_hours_per_week"])
    per_case = params[f"mediation_hours.{level.label}"] / params[f"service_days.{level.label}"]  # hours a day
    slots = np.round(hours / 7.0 / per_case).astype(np.int64)
    return np.where(full_time + part_time > 0, np.maximum(slots, 1), 0)


def build_organisation(model, city: CityMap, params, population: Population, systems: Systems,
                       expected_cases: np.ndarray) -> Organisation:
    residents = city.residents
    community_population = city.community_population
    grid_cell = model.grid_cell
    pools: list[HandlerPool] = []

    def new_pool(level, name, node, servers, **where) -> HandlerPool:
        pool = HandlerPool(len(pools), level, name, node, servers, **where)
        pools.append(pool)
        return pool

    # Grid workers, full-time then part-time: over communities by the allocation rule, then spread
    # over the community's grids (worker i of n covers grids i, i + n, …; with more workers than
    # grids, grid i mod g).
    urban_per_10k = params["urban_share"] * residents / 10_000
    weights = worker_weights(city, params, population, expected_cases)
    full_time = largest_remainder(round(params["workers_per_10k"] * urban_per_10k), weights)
    part_time = largest_remainder(round(params["part_time_workers_per_10k"] * urban_per_10k), weights)
    full_week = params["working_hours_per_week"]
    part_week = full_week * params["part_time_hours_share"]
    workers: list[GridWorker] = []
    by_community: list[list[GridWorker]] = []
    for c in range(city.communities):
        grids = np.flatnonzero(city.grid_community == c)
        n = int(full_time[c] + part_time[c])
        covered: list[list[int]] = [[] for _ in range(n)]
        for i in range(max(n, len(grids)) if n else 0):
            covered[i % n].append(int(grids[i % len(grids)]))
        members = []
        for i, grid_list in enumerate(covered):
            is_part_time = i >= full_time[c]
            members.append(GridWorker(model, grid_cell(grid_list[0]), c, tuple(grid_list),
                                      part_week if is_part_time else full_week, bool(is_part_time), len(workers)))
            workers.append(members[-1])
        by_community.append(members)
    worktime = WorkTime(np.array([w.weekly_hours for w in workers]), np.array([w.community for w in workers]),
                        city.grid_community, city.grid_population, params)
    for worker in workers:
        worker.hours_per_day = float(worktime.hours_per_day[worker.slot])
        worker.capacity = 1 if worker.hours_per_day > 0 else 0
    worker_pools = [new_pool(Level.GRID, f"{city.community_codes[c]} grid workers", int(city.community_node[c]),
                             by_community[c], town=int(city.community_town[c]), community=c)
                    for c in range(city.communities)]

    # Volunteers: roles in the article's proportions, communities by population.
    n_volunteers = round(params["volunteers_per_10k"] * residents / 10_000)
    role_counts = np.array([params[f"volunteer_role_count.{role.label}"] for role in VolunteerRole])
    roles = np.repeat(list(VolunteerRole), largest_remainder(n_volunteers, role_counts))
    per_community = largest_remainder(n_volunteers, community_population)
    volunteers, volunteer_pools = [], []
    next_role = 0
    for c in range(city.communities):
        grids = np.flatnonzero(city.grid_community == c)
        members = []
        for i in range(int(per_community[c])):
            role = VolunteerRole(roles[next_role])
            next_role += 1
            grid = int(grids[i % len(grids)])
            members.append(Volunteer(model, grid_cell(grid), params["volunteer_caseload"], c, role,
                                     _resident_of(population, grid, i // len(grids))))
        volunteers.extend(members)
        volunteer_pools.append(new_pool(Level.GRID, f"{city.community_codes[c]} volunteers",
                                        int(city.community_node[c]), members, town=int(city.community_town[c]),
                                        community=c, volunteers=True))

    # Mediators: split by level, then among that level's committees (each at least one); the
    # full-time ones to the committees with most residents first; capacity from their hours.
    n_mediators = round(params["mediators_per_10k"] * residents / 10_000)
    levels = [Level.COMMUNITY, Level.TOWN, Level.CITY, Level.SPECIALISED]
    shares = np.array([params[f"mediator_share.{level.label}"] for level in levels])
    per_level = dict(zip(levels, largest_remainder(n_mediators, shares), strict=True))
    exact_mediators = dict(zip(levels, params["mediators_per_10k"] * residents / 10_000 * shares / shares.sum(),
                               strict=True))
    mediators: list[Mediator] = []
    centre_officers: list[CentreOfficer] = []
    case_hours = params["working_hours_per_week"] * params["full_time_mediator_case_share"]
    part_hours = params["part_time_mediator_hours_per_week"]

    def committees(level, nodes, weights, names, towns, communities=None, fields=None,
                   extra_staff=0, exact_extra_staff: float | None = None) -> list[HandlerPool]:
        n = len(nodes)
        if n == 0:
            return []
        total = int(per_level[level])
        sizes = largest_remainder(max(total, n), weights, minimum=1) if total > 0 else np.zeros(n, int)
        # full-time mediators in proportion to the residents served: the per-committee norm times the
        # committees a full-scale city has, times the scale (a small city keeps its town and city
        # committees, but not their full-scale staff)
        wanted = round(params[f"full_time_mediators.{level.label}"] * FULL_SCALE_COMMITTEES[level](params)
                       * params["scale"])
        full = np.minimum(largest_remainder(min(int(sizes.sum()), wanted), weights), sizes)
        capacity = committee_capacity(full + extra_staff, sizes - full, level, params)
        if exact_extra_staff is not None:  # a level's one committee: hours follow the scale, not whole heads
            exact_full = (params[f"full_time_mediators.{level.label}"] * FULL_SCALE_COMMITTEES[level](params)
                          * params["scale"])
            exact_total = max(exact_mediators[level], exact_full)
            capacity = committee_capacity(np.array([exact_full + exact_extra_staff]),
                                          np.array([exact_total - exact_full]), level, params)
        result = []
        for i in range(n):
            field = fields[i] if fields is not None else None
            cell = model.node_cell(int(nodes[i]))
            members = [Mediator(model, cell, 0, level, len(pools), field, full_time=k < full[i])
                       for k in range(int(sizes[i]))]
            officers = [CentreOfficer(model, cell, 0) for _ in range(extra_staff)]
            _share_capacity(members + officers, int(capacity[i]), case_hours, part_hours)
            mediators.extend(members)
            centre_officers.extend(officers)
            result.append(new_pool(level, names[i], int(nodes[i]), members + officers, town=towns[i],
                                   community=None if communities is None else communities[i], field=field))
        return result

    community_pools = committees(Level.COMMUNITY, city.community_node, community_population,
                                 [f"{code} mediation committee" for code in city.community_codes],
                                 [int(t) for t in city.community_town], list(range(city.communities)))
    town_population = np.bincount(city.community_town, weights=community_population, minlength=city.towns)
    town_pools = committees(Level.TOWN, city.town_node, town_population,
                            [f"{name} town mediation centre" for name in city.town_names], list(range(city.towns)))
    # The city's one centre: a small city keeps it, with whole heads (at least one officer), but its
    # capacity follows the scaled staff's hours, so its load relative to capacity does not depend on
    # the scale (whole heads at scale 0.05 would drop its full-time mediators and overload it).
    (city_pool,) = committees(Level.CITY, np.array([0]), np.ones(1), ["City mediation centre"], [None],
                              extra_staff=scaled_count(params["city_centre_staff"], params["scale"]),
                              exact_extra_staff=params["city_centre_staff"] * params["scale"])
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

    # Each town's social-governance centre (clerks) and its departments' case officers.
    per_town_clerks = largest_remainder(max(city.towns, round(params["dispatch_staff_per_10k"] * residents / 10_000)),
                                        town_population, minimum=1)
    n_officers = round(params["department_staff_per_10k"] * residents / 10_000)
    per_town_officers = (largest_remainder(max(city.towns, n_officers), town_population, minimum=1) if n_officers
                         else np.zeros(city.towns, int))
    clerks: list[Clerk] = []
    officers: list[DepartmentOfficer] = []
    dispatch_pools, department_pools = [], []
    for t in range(city.towns):
        cell = model.node_cell(int(city.town_node[t]))
        members = [Clerk(model, cell, t) for _ in range(int(per_town_clerks[t]))]
        clerks.extend(members)
        dispatch_pools.append(new_pool(Level.DISPATCH, f"{city.town_names[t]} social-governance centre",
                                       int(city.town_node[t]), members, town=t))
        staff = [DepartmentOfficer(model, cell, params["department_caseload"], t)
                 for _ in range(int(per_town_officers[t]))]
        officers.extend(staff)
        department_pools.append(new_pool(Level.DEPARTMENT, f"{city.town_names[t]} departments",
                                         int(city.town_node[t]), staff, town=t))
    # Stationed cadres in their communities, and each pilot zone's one-stop desk.
    cadres = [StationedCadre(model, model.node_cell(int(city.community_node[c])), c)
              for c in range(city.communities) for _ in range(int(systems.cadres_per_community[c]))]
    zone_pools, zone_officers = [], []
    desk_staff = params["zone_staff_per_pilot"]
    desk_capacity = int(committee_capacity(np.array([desk_staff]), np.array([0]), Level.SPECIALISED, params)[0])
    for zone in systems.zones:
        cell = grid_cell(zone.grids[0])
        staff = [ZoneOfficer(model, cell, 0, zone.index) for _ in range(desk_staff)]
        _share_capacity(staff, desk_capacity, case_hours, part_hours)
        zone_officers.extend(staff)
        zone_pools.append(new_pool(Level.SPECIALISED, f"{zone.type.label.replace('_', ' ').capitalize()} pilot "
                                   f"{zone.index + 1} desk", int(city.grid_node[zone.grids[0]]), staff,
                                   town=int(city.community_town[zone.community]), community=zone.community,
                                   zone=zone.index, service_factor=params["zone_service_factor"]))
    return Organisation(workers, volunteers, mediators, pools, worker_pools, volunteer_pools, community_pools,
                        town_pools, city_pool, specialised_pools, dispatch_pools, department_pools, clerks, officers,
                        worktime, cadres, zone_pools, zone_officers, centre_officers)


def _share_capacity(members: list, capacity: int, full_time_hours: float, part_time_hours: float) -> None:
    """Deal a committee's capacity to its members in proportion to their hours."""
    if not members:
        return
    hours = np.array([full_time_hours if getattr(m, "full_time", True) else part_time_hours for m in members])
    for member, slots in zip(members, largest_remainder(capacity, hours), strict=True):
        member.capacity = int(slots)


def _resident_of(population: Population, grid: int, k: int) -> int:
    """The k-th registered resident of a grid (any resident if it has no registered ones)."""
    start, size = int(population.start[grid]), int(population.start[grid + 1] - population.start[grid])
    migrants = int(population.grid_migrants[grid])
    registered = size - migrants
    return start + migrants + k % registered if registered > 0 else start + k % size
