"""The city's grid network: city → towns → communities → unit grids → responsibility grids.

The map is a pure function of the structural parameters, the scale and ``map_seed``; it is
built once per process and cached, so every run seed (and every policy) plays out on the
same city. Towns differ: their shares of residents (``town_population_share``) set how many
communities, unit grids and responsibility grids each has, and their mix of places
(``town_place_weight``: the shoe park in Baogai, e-commerce in Lingxiu, fishing villages in
Xiangzhi …) is fitted to the city-wide ``place_share`` by iterative proportional fitting.
Node ids are ints (0 is the city), each node carries its ``level``, ``parent``, ``code`` (e.g.
``T03-C017-G0042``) and, for responsibility grids, ``place`` and ``population``. Neighbouring
responsibility grids of a community are linked in a ring.
The drawing layout is computed here once, deterministically (sunflower packing of
communities inside each town's disc and of grids inside each community's disc).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np

from sim.config.enums import NodeLevel, PlaceKind
from sim.config.params import Params

_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


@dataclass(frozen=True, eq=False)
class CityMap:
    """Arrays index towns, communities, unit grids and responsibility grids 0..n-1;
    ``*_node`` arrays give their node ids in ``graph``."""

    graph: nx.Graph
    layout: dict[int, tuple[float, float]]
    town_node: np.ndarray
    community_node: np.ndarray
    unit_node: np.ndarray
    grid_node: np.ndarray
    community_town: np.ndarray
    unit_community: np.ndarray
    grid_unit: np.ndarray
    grid_community: np.ndarray
    grid_town: np.ndarray
    grid_place: np.ndarray
    grid_population: np.ndarray
    town_names: tuple[str, ...]
    community_codes: tuple[str, ...]
    grid_codes: tuple[str, ...]

    @property
    def towns(self) -> int:
        return len(self.town_node)

    @property
    def communities(self) -> int:
        return len(self.community_node)

    @property
    def unit_grids(self) -> int:
        return len(self.unit_node)

    @property
    def grids(self) -> int:
        return len(self.grid_node)

    @property
    def residents(self) -> int:
        return int(self.grid_population.sum())

    @property
    def community_population(self) -> np.ndarray:
        return np.bincount(self.grid_community, weights=self.grid_population, minlength=self.communities)


# Shishi's towns and subdistricts (public administrative divisions; the article gives only the count).
TOWN_NAMES = ("Hubin", "Fengli", "Lingxiu", "Baogai", "Hanjiang", "Xiangzhi", "Hongshan", "Jinshang", "Yongning")


@dataclass(frozen=True)
class StructureCounts:
    residents: int
    towns: int
    communities: int
    unit_grids: int
    grids: int


def structure_counts(params: Params) -> StructureCounts:
    """Counts at this scale; every level keeps at least one node and no level has more
    nodes than the level below it (so a tiny city is still a whole city)."""
    scale = params["scale"]
    residents = max(1, round(params["population"] * scale))
    grids = max(1, round(params["responsibility_grids"] * scale))
    grids = min(grids, residents)
    units = min(grids, max(1, round(params["unit_grids"] * scale)))
    communities = min(units, max(1, round(params["communities"] * scale)))
    towns = min(communities, params["towns"])
    return StructureCounts(residents, towns, communities, units, grids)


def town_key(name: str) -> str:
    """The parameter key of a town (``town_population_share.<key>``)."""
    return name.lower().replace(" ", "_")


def town_names(count: int) -> tuple[str, ...]:
    return tuple(TOWN_NAMES[t] if t < len(TOWN_NAMES) else f"Town {t + 1}" for t in range(count))


def town_value(params: Params, group: str, name: str, default: float = 1.0) -> float:
    """A town's value of a per-town parameter group (towns beyond Shishi's nine get ``default``)."""
    return float(params.get(f"{group}.{town_key(name)}", default))


def build_city_map(params: Params) -> CityMap:
    counts = structure_counts(params)
    place_share = tuple(params[f"place_share.{place.label}"] for place in PlaceKind)
    names = town_names(counts.towns)
    town_share = tuple(town_value(params, "town_population_share", name, 1.0 / len(TOWN_NAMES)) for name in names)
    place_weight = tuple(tuple(town_value(params, "town_place_weight", f"{town_key(name)}.{place.label}")
                               for place in PlaceKind) for name in names)
    return _build(counts, place_share, town_share, place_weight, params["grid_population_cv"], params["map_seed"])


def split_evenly(total: int, parts: int) -> np.ndarray:
    """Sizes of ``parts`` consecutive groups that differ by at most one."""
    return np.full(parts, total // parts) + (np.arange(parts) < total % parts)


def largest_remainder(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Whole numbers proportional to ``weights`` that sum to ``total`` (Hamilton's method),
    each at least ``minimum`` when ``total`` allows it."""
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    base = np.full(n, minimum if total >= minimum * n else 0, dtype=np.int64)
    return apportion(total, weights, base)


def apportion(total: int, weights: np.ndarray, minimum: np.ndarray) -> np.ndarray:
    """``minimum`` (whole numbers, summing to at most ``total``) plus the rest of ``total`` shared
    in proportion to ``weights`` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    base = np.asarray(minimum, dtype=np.int64)
    rest = total - int(base.sum())
    if weights.sum() <= 0:
        weights = np.ones(n)
    quota = rest * weights / weights.sum()
    counts = np.floor(quota).astype(np.int64)
    shortfall = rest - int(counts.sum())
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[:shortfall]] += 1
    return base + counts


@lru_cache(maxsize=16)
def _build(counts: StructureCounts, place_share: tuple[float, ...], town_share: tuple[float, ...],
           town_place_weight: tuple[tuple[float, ...], ...], population_cv: float, map_seed: int) -> CityMap:
    rng = np.random.default_rng(np.random.SeedSequence([map_seed, 0x6D6170]))
    n_town, n_comm, n_unit, n_grid = counts.towns, counts.communities, counts.unit_grids, counts.grids

    # Each town's communities, unit grids, responsibility grids and residents follow its share of
    # residents; within a town units are spread evenly over communities and grids over units.
    share = np.asarray(town_share, dtype=float)
    comm_per_town = apportion(n_comm, share, np.ones(n_town, dtype=np.int64))
    unit_per_town = apportion(n_unit, share, comm_per_town)
    grid_per_town = apportion(n_grid, share, unit_per_town)
    residents_per_town = apportion(counts.residents, share, grid_per_town)
    community_town = np.repeat(np.arange(n_town), comm_per_town)
    unit_community = np.concatenate([np.repeat(np.flatnonzero(community_town == t),
                                               split_evenly(unit_per_town[t], comm_per_town[t]))
                                     for t in range(n_town)])
    unit_town = community_town[unit_community]
    grid_unit = np.concatenate([np.repeat(np.flatnonzero(unit_town == t), split_evenly(grid_per_town[t],
                                                                                       unit_per_town[t]))
                                for t in range(n_town)])
    grid_community = unit_community[grid_unit]
    grid_town = community_town[grid_community]

    # Place kinds: the towns' mixes fitted to the city's; villages are whole communities, the urban
    # kinds are dealt to unit grids.
    unit_place = _place_units(rng, place_share, np.asarray(town_place_weight, dtype=float), community_town,
                              unit_community, unit_per_town)
    grid_place = unit_place[grid_unit]
    village_comm = np.zeros(n_comm, dtype=bool)
    village_comm[unit_community[unit_place == PlaceKind.VILLAGE]] = True

    # Residents per grid: lognormal spread around the town's mean, whole numbers summing to its total.
    if population_cv > 0:
        sigma = math.sqrt(math.log1p(population_cv**2))
        weights = rng.lognormal(-sigma**2 / 2, sigma, n_grid)
    else:
        weights = np.ones(n_grid)
    grid_population = np.zeros(n_grid, dtype=np.int64)
    for t in range(n_town):
        members = np.flatnonzero(grid_town == t)
        grid_population[members] = largest_remainder(int(residents_per_town[t]), weights[members], minimum=1)

    # Node ids: city 0, then towns, communities, unit grids, responsibility grids.
    town_node = 1 + np.arange(n_town)
    community_node = town_node[-1] + 1 + np.arange(n_comm)
    unit_node = community_node[-1] + 1 + np.arange(n_unit)
    grid_node = unit_node[-1] + 1 + np.arange(n_grid)

    names = town_names(n_town)
    town_codes = [f"T{t + 1:02d}" for t in range(n_town)]
    community_codes = tuple(f"{town_codes[community_town[c]]}-C{c + 1:03d}" for c in range(n_comm))
    unit_codes = [f"{community_codes[unit_community[u]]}-U{u + 1:03d}" for u in range(n_unit)]
    grid_codes = tuple(f"{community_codes[grid_community[g]]}-G{g + 1:04d}" for g in range(n_grid))

    graph = nx.Graph(name="Shishi grid network")
    graph.add_node(0, level=NodeLevel.CITY.label, parent=-1, code="CITY", name="Shishi")
    graph.add_nodes_from((int(town_node[t]), {"level": NodeLevel.TOWN.label, "parent": 0, "code": town_codes[t],
                                              "name": names[t]}) for t in range(n_town))
    graph.add_nodes_from((int(community_node[c]), {"level": NodeLevel.COMMUNITY.label,
                                                   "parent": int(town_node[community_town[c]]),
                                                   "code": community_codes[c], "village": bool(village_comm[c])})
                         for c in range(n_comm))
    graph.add_nodes_from((int(unit_node[u]), {"level": NodeLevel.UNIT_GRID.label,
                                              "parent": int(community_node[unit_community[u]]),
                                              "code": unit_codes[u]}) for u in range(n_unit))
    graph.add_nodes_from((int(grid_node[g]), {"level": NodeLevel.RESPONSIBILITY_GRID.label,
                                              "parent": int(unit_node[grid_unit[g]]), "code": grid_codes[g],
                                              "place": PlaceKind(grid_place[g]).label,
                                              "population": int(grid_population[g]), "grid": g})
                         for g in range(n_grid))
    graph.add_edges_from((node, data["parent"]) for node, data in graph.nodes(data=True) if data["parent"] >= 0)
    for c in range(n_comm):
        members = grid_node[grid_community == c]
        ring = list(zip(members[:-1], members[1:], strict=True))
        if len(members) > 2:
            ring.append((members[-1], members[0]))
        graph.add_edges_from((int(a), int(b), {"neighbours": True}) for a, b in ring)

    layout = _layout(town_node, community_node, unit_node, grid_node, community_town, unit_community, grid_unit,
                     grid_community)
    for array in (community_town, unit_community, grid_unit, grid_community, grid_town, grid_place,
                  grid_population, town_node, community_node, unit_node, grid_node):
        array.flags.writeable = False
    return CityMap(graph, layout, town_node, community_node, unit_node, grid_node, community_town, unit_community,
                   grid_unit, grid_community, grid_town, grid_place, grid_population, names, community_codes,
                   grid_codes)


def fit_margins(seed: np.ndarray, rows: np.ndarray, columns: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Iterative proportional fitting: the table closest to ``seed`` whose row and column sums are
    ``rows`` and ``columns`` (which must have equal totals)."""
    table = np.where(seed > 0, seed, 1e-9).astype(float)
    rows, columns = np.asarray(rows, dtype=float), np.asarray(columns, dtype=float)
    for _ in range(iterations):
        table *= np.divide(rows, table.sum(axis=1), out=np.zeros_like(rows), where=table.sum(axis=1) > 0)[:, None]
        table *= np.divide(columns, table.sum(axis=0), out=np.zeros_like(columns), where=table.sum(axis=0) > 0)
    return table


def _place_units(rng: np.random.Generator, place_share: tuple[float, ...], town_weight: np.ndarray,
                 community_town: np.ndarray, unit_community: np.ndarray, unit_per_town: np.ndarray) -> np.ndarray:
    """Each unit grid's place kind. The town × place table of unit grids is fitted to each town's
    units and the city's shares; a town's villages are whole communities (as many as its village
    units fill, the city keeping at least one urban community), its other units get the urban kinds."""
    n_comm, n_unit = len(community_town), len(unit_community)
    village = PlaceKind.VILLAGE
    city_units = np.asarray(place_share, dtype=float) * n_unit
    table = fit_margins(town_weight * np.asarray(place_share)[None, :], unit_per_town, city_units)
    unit_place = np.full(n_unit, int(village), dtype=np.int8)
    village_comm = np.zeros(n_comm, dtype=bool)
    budget = min(n_comm - 1, round(place_share[village] * n_comm)) if n_comm > 1 else 0
    urban_kinds = np.array([p for p in PlaceKind if p != village])
    for t in np.argsort(-table[:, village], kind="stable"):  # the most rural towns first
        communities = np.flatnonzero(community_town == t)
        units_per_comm = max(unit_per_town[t] / len(communities), 1.0)
        wanted = min(budget, len(communities) - (1 if len(communities) > 1 else 0),
                     round(table[t, village] / units_per_comm))
        chosen = rng.permutation(communities)[:max(wanted, 0)]
        village_comm[chosen] = True
        budget -= len(chosen)
    for t in range(len(unit_per_town)):
        units = np.flatnonzero((community_town[unit_community] == t) & ~village_comm[unit_community])
        quotas = largest_remainder(len(units), table[t, urban_kinds])
        unit_place[rng.permutation(units)] = np.repeat(urban_kinds, quotas)
    return unit_place


def _sunflower(n: int, radius: float) -> np.ndarray:
    """n points spread evenly over a disc (Vogel's spiral), the first at the centre."""
    k = np.arange(n)
    r = radius * np.sqrt(k / max(n - 1, 1))
    theta = k * _GOLDEN_ANGLE
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def _layout(town_node, community_node, unit_node, grid_node, community_town, unit_community, grid_unit,
            grid_community) -> dict[int, tuple[float, float]]:
    n_town = len(town_node)
    pos = np.zeros((grid_node[-1] + 1, 2))
    angles = np.pi / 2 - 2 * np.pi * np.arange(n_town) / n_town
    town_radius = 0.9 * math.sin(math.pi / n_town) if n_town > 1 else 1.0
    town_xy = np.column_stack([np.cos(angles), np.sin(angles)]) if n_town > 1 else np.zeros((1, 2))
    pos[town_node] = town_xy
    community_radius = np.zeros(len(community_node))
    for t in range(n_town):
        members = np.flatnonzero(community_town == t)
        pos[community_node[members]] = town_xy[t] + _sunflower(len(members), town_radius * 0.8)
        community_radius[members] = town_radius * 0.8 / math.sqrt(len(members))
    for c in range(len(community_node)):
        members = np.flatnonzero(grid_community == c)
        pos[grid_node[members]] = pos[community_node[c]] + _sunflower(len(members), community_radius[c] * 0.85)
    # A town with few communities can spill past its disc: shrink it about its centre, so the
    # towns' discs (radius town_radius, centres 2.2 radii apart) never overlap.
    for t in range(n_town):
        communities = np.flatnonzero(community_town == t)
        grids = grid_node[np.isin(grid_community, communities)]
        extent = np.sqrt(((pos[grids] - town_xy[t]) ** 2).sum(axis=1)).max()
        if extent > 0.9 * town_radius:
            nodes = np.concatenate([community_node[communities], grids])
            pos[nodes] = town_xy[t] + (pos[nodes] - town_xy[t]) * (0.9 * town_radius / extent)
    unit_sum = np.zeros((len(unit_node), 2))
    np.add.at(unit_sum, grid_unit, pos[grid_node])
    pos[unit_node] = unit_sum / np.bincount(grid_unit, minlength=len(unit_node))[:, None]
    return {int(node): (float(x), float(y)) for node, (x, y) in enumerate(pos)}
