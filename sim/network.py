"""The city's grid network: city → towns → communities → unit grids → responsibility grids.

The map is a pure function of the structural parameters, the scale and ``map_seed``; it is
built once per process and cached, so every run seed (and every policy) plays out on the
same city. Node ids are ints (0 is the city), each node carries its ``level``, ``parent``,
``code`` (e.g. ``T03-C017-G0042``) and, for responsibility grids, ``place`` and
``population``. Neighbouring responsibility grids of a community are linked in a ring.
The drawing layout is computed here once, deterministically (sunflower packing of
communities inside each town's disc and of grids inside each community's disc).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np

from sim.enums import NodeLevel, PlaceKind
from sim.params import Params

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


def build_city_map(params: Params) -> CityMap:
    counts = structure_counts(params)
    place_share = tuple(params[f"place_share.{place.label}"] for place in PlaceKind)
    return _build(counts, place_share, params["grid_population_cv"], params["map_seed"])


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
def _build(counts: StructureCounts, place_share: tuple[float, ...], population_cv: float, map_seed: int) -> CityMap:
    rng = np.random.default_rng(np.random.SeedSequence([map_seed, 0x6D6170]))
    n_town, n_comm, n_unit, n_grid = counts.towns, counts.communities, counts.unit_grids, counts.grids

    community_town = np.repeat(np.arange(n_town), split_evenly(n_comm, n_town))
    unit_community = np.repeat(np.arange(n_comm), split_evenly(n_unit, n_comm))
    grid_unit = np.repeat(np.arange(n_unit), split_evenly(n_grid, n_unit))
    grid_community = unit_community[grid_unit]
    grid_town = community_town[grid_community]

    # Place kinds: villages are whole communities; the urban kinds are drawn per unit grid.
    village = PlaceKind.VILLAGE
    n_village_comm = min(n_comm - 1, round(place_share[village] * n_comm)) if n_comm > 1 else 0
    village_comm = np.zeros(n_comm, dtype=bool)
    village_comm[rng.permutation(n_comm)[:n_village_comm]] = True
    urban_units = np.flatnonzero(~village_comm[unit_community])
    urban_kinds = np.array([p for p in PlaceKind if p != village])
    urban_weights = np.array([place_share[p] for p in urban_kinds])
    quotas = largest_remainder(len(urban_units), urban_weights)
    unit_place = np.full(n_unit, int(village), dtype=np.int8)
    unit_place[rng.permutation(urban_units)] = np.repeat(urban_kinds, quotas)
    grid_place = unit_place[grid_unit]

    # Residents per grid: lognormal spread around the mean, whole numbers summing to the total.
    if population_cv > 0:
        sigma = math.sqrt(math.log1p(population_cv**2))
        weights = rng.lognormal(-sigma**2 / 2, sigma, n_grid)
    else:
        weights = np.ones(n_grid)
    grid_population = largest_remainder(counts.residents, weights, minimum=1)

    # Node ids: city 0, then towns, communities, unit grids, responsibility grids.
    town_node = 1 + np.arange(n_town)
    community_node = town_node[-1] + 1 + np.arange(n_comm)
    unit_node = community_node[-1] + 1 + np.arange(n_unit)
    grid_node = unit_node[-1] + 1 + np.arange(n_grid)

    town_names = tuple(TOWN_NAMES[t] if t < len(TOWN_NAMES) else f"Town {t + 1}" for t in range(n_town))
    town_codes = [f"T{t + 1:02d}" for t in range(n_town)]
    community_codes = tuple(f"{town_codes[community_town[c]]}-C{c + 1:03d}" for c in range(n_comm))
    unit_codes = [f"{community_codes[unit_community[u]]}-U{u + 1:03d}" for u in range(n_unit)]
    grid_codes = tuple(f"{community_codes[grid_community[g]]}-G{g + 1:04d}" for g in range(n_grid))

    graph = nx.Graph(name="Shishi grid network")
    graph.add_node(0, level=NodeLevel.CITY.label, parent=-1, code="CITY", name="Shishi")
    graph.add_nodes_from((int(town_node[t]), {"level": NodeLevel.TOWN.label, "parent": 0, "code": town_codes[t],
                                              "name": town_names[t]}) for t in range(n_town))
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
                   grid_unit, grid_community, grid_town, grid_place, grid_population, town_names, community_codes,
                   grid_codes)


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
