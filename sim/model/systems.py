"""Where Shishi's further systems sit on the map: stationed cadres, big Party committees,
three-zone pilots and neighbourhood centres.

Placement is a pure function of the city map and the parameters (no random numbers), so a
lever that removes a system changes nothing else, and a smaller count is a subset of a larger
one. Cadres and big Party committees go to the most populous communities first; upgraded
centres to the communities with most residents outside a basic centre's circle; pilot zones to
the communities with most grids of their place kind.

Geometry for the 15-minute living circle is in kilometres: each responsibility grid gets an
equal share of its kind's land (villages hold ``village_land_share`` of ``land_area_km2``), a
community is a disc of its grids' area with its grids spread over it (sunflower packing, the
first at the centre), and the basic service centre stands at the community's centre. A grid's
residents are spread evenly over a disc of its area; the share inside a centre's circle is
the overlap of the two discs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.config.enums import ZONE_KINDS, ZONE_PLACE, CaseKind, PlaceKind, ZoneType
from sim.config.params import Params
from sim.model.network import CityMap, largest_remainder


@dataclass(frozen=True)
class Zone:
    """A three-zone co-building pilot: the grids of one place kind in one community."""

    index: int
    type: ZoneType
    community: int
    grids: tuple[int, ...]
    shared_sites: int


@dataclass(frozen=True)
class Centre:
    """A community service centre; ``upgraded`` for a Party-building+ neighbourhood centre."""

    community: int
    xy_km: tuple[float, float]
    upgraded: bool
    opening_hours_per_week: float
    grid: int = -1  # the grid it stands in (−1: the community's own centre)


@dataclass(frozen=True, eq=False)
class Systems:
    cadres_per_community: np.ndarray  # stationed cadres in each community
    big_party: np.ndarray  # per community: has a big Party committee
    zones: tuple[Zone, ...]
    zone_of_grid: np.ndarray  # per grid: index into zones, or −1
    centres: tuple[Centre, ...]
    grid_xy_km: np.ndarray  # (grids, 2)
    circle_coverage: np.ndarray  # per grid: share of residents within the circle of any centre
    walk_in_access: np.ndarray  # (grids, kinds): walk-in reporting relative to a grid fully within reach
    upgraded_walk_in_share: np.ndarray  # per grid: share of its walk-ins made at an upgraded centre

    @property
    def stationed_cadres(self) -> int:
        return int(self.cadres_per_community.sum())


def scaled_count(count: int, scale: float) -> int:
    """A count given at full scale, at this scale: at least one when there are any."""
    return max(1, round(count * scale)) if count > 0 else 0


def community_rank(city: CityMap) -> np.ndarray:
    """Communities, most residents first (ties by index): who gets a system first."""
    return np.lexsort((np.arange(city.communities), -city.community_population))


def place_systems(city: CityMap, params: Params) -> Systems:
    scale = params["scale"]
    rank = community_rank(city)
    n_communities = city.communities

    cadres = np.zeros(n_communities, dtype=np.int64)
    n_cadres = scaled_count(params["stationed_cadres"], scale)
    np.add.at(cadres, rank[np.arange(n_cadres) % n_communities], 1)

    big_party = np.zeros(n_communities, dtype=bool)
    big_party[rank[:min(n_communities, scaled_count(params["big_party_committees"], scale))]] = True

    zones = _place_zones(city, scaled_count(params["three_zone_pilots"], scale),
                         scaled_count(params["three_zone_shared_sites"], scale))
    zone_of_grid = np.full(city.grids, -1, dtype=np.int64)
    for zone in zones:
        zone_of_grid[list(zone.grids)] = zone.index

    grid_xy, grid_radius, centre_xy = _geometry(city, params)
    radius = params["walking_speed_km_per_h"] * params["circle_minutes"] / 60.0
    basic_cover = disc_overlap_share(np.linalg.norm(grid_xy - centre_xy[city.grid_community], axis=1), grid_radius,
                                     radius)
    upgraded_sites, upgraded_cover = _place_upgrades(
        city, grid_xy, grid_radius, radius, basic_cover, min(n_communities,
                                                             scaled_count(params["neighbourhood_centres"], scale)))
    hours_basic = params["centre_opening_hours_per_week.basic"]
    hours_upgraded = params["centre_opening_hours_per_week.upgraded"]
    centres = [Centre(c, tuple(centre_xy[c]), False, hours_basic) for c in range(n_communities)]
    centres += [Centre(c, tuple(grid_xy[g]), True, hours_upgraded, g) for c, g in upgraded_sites.items()]

    # Walk-ins: residents inside an upgraded centre's circle use its hours, the rest of those inside
    # a circle the basic centre's; those outside walk in less, to the best centre of their community.
    has_upgrade = np.zeros(n_communities, dtype=bool)
    has_upgrade[list(upgraded_sites)] = True
    coverage = np.maximum(basic_cover, upgraded_cover)
    outside_hours = np.where(has_upgrade[city.grid_community], hours_upgraded, hours_basic)
    outside = params["walk_in_outside_circle_factor"] * (1.0 - coverage) * outside_hours
    at_upgraded = upgraded_cover * hours_upgraded + np.where(has_upgrade[city.grid_community], outside, 0.0)
    total = upgraded_cover * hours_upgraded + (coverage - upgraded_cover) * hours_basic + outside
    waking = params["waking_hours_per_week"]
    access = np.minimum(total / waking, 1.0)
    access = np.repeat(access[:, None], len(CaseKind), axis=1)
    if zones:  # a zone's shared sites, open after hours, are walk-in points for its labour and commercial disputes
        zone_access = np.zeros(city.grids)
        for zone in zones:
            zone_access[list(zone.grids)] = (min(1.0, zone.shared_sites / len(zone.grids))
                                             * min(1.0, params["zone_site_hours_per_week"] / waking))
        for kind in ZONE_KINDS:
            access[:, kind] = np.maximum(access[:, kind], zone_access)
    upgraded_share = np.divide(at_upgraded, total, out=np.zeros(city.grids), where=total > 0)
    return Systems(cadres, big_party, tuple(zones), zone_of_grid, tuple(centres), grid_xy, coverage, access,
                   upgraded_share)


def disc_overlap_share(distance: np.ndarray, r: np.ndarray | float, big_r: float) -> np.ndarray:
    """Share of a disc of radius ``r`` (centre ``distance`` away) inside a circle of radius ``big_r``."""
    d = np.asarray(distance, dtype=float)
    r = np.broadcast_to(np.asarray(r, dtype=float), d.shape)
    share = np.zeros_like(d)
    inside = d + r <= big_r
    share[inside] = 1.0
    covers = (d + big_r <= r) & ~inside  # the circle lies inside the grid's disc
    share[covers] = (big_r / r[covers]) ** 2
    lens = ~inside & ~covers & (d < r + big_r)
    if lens.any():
        dl, rl = d[lens], r[lens]
        a = rl**2 * np.arccos(np.clip((dl**2 + rl**2 - big_r**2) / (2 * dl * rl), -1, 1))
        b = big_r**2 * np.arccos(np.clip((dl**2 + big_r**2 - rl**2) / (2 * dl * big_r), -1, 1))
        c = 0.5 * np.sqrt(np.maximum((-dl + rl + big_r) * (dl + rl - big_r) * (dl - rl + big_r) * (dl + rl + big_r),
                                     0.0))
        share[lens] = (a + b - c) / (math.pi * rl**2)
    return share


def _geometry(city: CityMap, params: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid centres and radii, and community centres, in km (see the module docstring)."""
    land = params["land_area_km2"] * params["scale"]
    village = city.grid_place == PlaceKind.VILLAGE
    n_village, n_urban = int(village.sum()), int((~village).sum())
    village_share = params["village_land_share"] if n_village and n_urban else float(n_village > 0)
    area = np.where(village, land * village_share / max(n_village, 1), land * (1 - village_share) / max(n_urban, 1))
    grid_radius = np.sqrt(area / math.pi)
    community_area = np.bincount(city.grid_community, weights=area, minlength=city.communities)
    community_radius = np.sqrt(community_area / math.pi)
    # Communities side by side along a line: only distances inside a community are used.
    centre_xy = np.column_stack([np.cumsum(2 * community_radius) - community_radius, np.zeros(city.communities)])
    grid_xy = np.zeros((city.grids, 2))
    golden = math.pi * (3.0 - math.sqrt(5.0))
    for c in range(city.communities):
        members = np.flatnonzero(city.grid_community == c)
        k = np.arange(len(members))
        spread = community_radius[c] * np.sqrt(k / max(len(members), 1))
        grid_xy[members] = centre_xy[c] + np.column_stack([spread * np.cos(k * golden), spread * np.sin(k * golden)])
    return grid_xy, grid_radius, centre_xy


def _place_upgrades(city: CityMap, grid_xy: np.ndarray, grid_radius: np.ndarray, radius: float,
                    basic_cover: np.ndarray, count: int) -> tuple[dict[int, int], np.ndarray]:
    """Upgraded centres, one per community, where residents most need them: communities with
    the most residents outside the basic centre's circle first (then the most residents), each
    at the grid site that brings most residents into a circle (the community centre on a tie)."""
    population = city.grid_population.astype(float)
    uncovered = np.bincount(city.grid_community, weights=population * (1 - basic_cover), minlength=city.communities)
    order = np.lexsort((np.arange(city.communities), -city.community_population, -np.round(uncovered, 6)))
    sites: dict[int, int] = {}  # community → the grid its upgraded centre stands in
    cover = np.zeros(city.grids)
    for c in order[:count]:
        members = np.flatnonzero(city.grid_community == c)
        best, best_gain, best_cover = -1, -1.0, None
        for site in members:  # the first grid sits at the community centre
            share = disc_overlap_share(np.linalg.norm(grid_xy[members] - grid_xy[site], axis=1), grid_radius[members],
                                       radius)
            gain = float((population[members] * np.maximum(share, basic_cover[members])).sum())
            if gain > best_gain + 1e-9:
                best, best_gain, best_cover = int(site), gain, share
        sites[int(c)] = best
        cover[members] = best_cover
    return sites, cover


def _place_zones(city: CityMap, count: int, shared_sites: int) -> list[Zone]:
    """Pilots of the five types in turn; each takes the unused community with the most grids of
    its place kind (skipped when no community has any)."""
    zones: list[Zone] = []
    used: set[int] = set()
    types = list(ZoneType)
    for k in range(count):
        zone_type = types[k % len(types)]
        place = ZONE_PLACE[zone_type]
        counts = np.bincount(city.grid_community[city.grid_place == place], minlength=city.communities)
        counts[list(used)] = 0
        if counts.max() == 0:
            continue
        community = int(np.argmax(counts))
        used.add(community)
        grids = np.flatnonzero((city.grid_community == community) & (city.grid_place == place))
        zones.append(Zone(len(zones), zone_type, community, tuple(int(g) for g in grids), 0))
    if zones:
        sites = largest_remainder(max(shared_sites, len(zones)), np.array([len(z.grids) for z in zones]), minimum=1)
        zones = [Zone(z.index, z.type, z.community, z.grids, int(n)) for z, n in zip(zones, sites, strict=True)]
    return zones
