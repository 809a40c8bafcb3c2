"""Cases arise latent in grids: Poisson counts per grid and kind, drawn for a whole day at once.

The disputes themselves (counts, times, severities, parties, needed authority, surfacing
clocks) come from the world stream, and each case's own uniforms for its handling from the
handling stream; both depend only on the city and the day, never on policy, so every policy
run on one seed meets the same disputes with the same luck (common random numbers).
"""

from __future__ import annotations

import numpy as np

from sim.authority import AuthorityTable
from sim.cases import N_CASE_UNIFORMS, CaseBook
from sim.enums import CaseKind, Channel, PlaceKind, Severity
from sim.network import CityMap
from sim.params import Params
from sim.population import Population

DAYS_PER_YEAR = 365.0


def base_rates_per_day(city: CityMap, population: Population, params: Params) -> np.ndarray:
    """Expected new cases per day, shape (grids, kinds). Place weights and the migrant
    ratio only redistribute: the city-wide total is ``dispute_rate_per_10k`` × residents."""
    kinds = list(CaseKind)
    per_resident_day = np.array([params[f"dispute_rate_per_10k.{k.label}"] for k in kinds]) / 10_000 / DAYS_PER_YEAR
    weight = np.array([[params[f"place_rate_weight.{p.label}.{k.label}"] for k in kinds] for p in PlaceKind])
    grid_weight = weight[city.grid_place]  # (grids, kinds)
    pop = city.grid_population.astype(float)
    mean_weight = (grid_weight * pop[:, None]).sum(axis=0) / pop.sum()
    grid_weight = np.divide(grid_weight, mean_weight, out=np.zeros_like(grid_weight), where=mean_weight > 0)
    ratio = params["migrant_rate_ratio"]
    migrant = population.grid_migrant_share
    migrant_factor = 1.0 + (ratio - 1.0) * migrant
    migrant_factor /= np.average(migrant_factor, weights=pop)
    return pop[:, None] * per_resident_day[None, :] * grid_weight * migrant_factor[:, None]


class Arrivals:
    def __init__(self, city: CityMap, population: Population, params: Params, authority: AuthorityTable,
                 world: np.random.Generator, handling: np.random.Generator):
        self.city, self.population, self.authority = city, population, authority
        self.world, self.handling = world, handling
        self.rates = base_rates_per_day(city, population, params)
        self.surge_factor = params["surge.factor"]
        self.surge_days = range(params["surge.start_day"], params["surge.start_day"] + params["surge.days"])
        surge_kind = CaseKind.from_label(params["surge.kind"])
        place = params["surge.place"]
        surge_grids = np.ones(city.grids, bool) if place == "all" else city.grid_place == PlaceKind.from_label(place)
        self.surge_rates = self.rates.copy()
        self.surge_rates[surge_grids, surge_kind] *= self.surge_factor
        kinds = list(CaseKind)
        self.moderate = np.array([params[f"moderate_share.{k.label}"] for k in kinds])
        self.major = np.array([params[f"major_share.{k.label}"] for k in kinds])
        self.worsen_minor = params["worsen_days.minor"]
        self.worsen_moderate = params["worsen_days.moderate"]
        share = population.grid_migrant_share
        weighted = params["migrant_rate_ratio"] * share
        self.migrant_party_share = np.divide(weighted, weighted + (1 - share), out=np.zeros_like(share),
                                             where=(weighted + (1 - share)) > 0)

    def rates_on(self, day: int) -> np.ndarray:
        return self.surge_rates if day in self.surge_days else self.rates

    def draw(self, day: int, book: CaseBook) -> np.ndarray:
        """Add the day's new latent cases to the book; returns their ids (in order of arising)."""
        counts = self.world.poisson(self.rates_on(day))
        flat = counts.ravel()
        n = int(flat.sum())
        cells = np.repeat(np.arange(flat.size), flat)
        grid, kind = np.divmod(cells, counts.shape[1])
        u = self.world.random((n, 6))
        t_arisen = day + u[:, 0]
        severity = np.where(u[:, 1] < self.major[kind], Severity.MAJOR,
                            np.where(u[:, 1] < self.major[kind] + self.moderate[kind], Severity.MODERATE,
                                     Severity.MINOR)).astype(np.int8)
        party = self._party(grid, u[:, 2], u[:, 3])
        worsen = self.world.standard_exponential((n, 2)) * [self.worsen_minor, self.worsen_moderate]
        clocks = self.world.standard_exponential((n, len(Channel)))
        uniforms = self.handling.random((n, N_CASE_UNIFORMS))
        order = np.argsort(t_arisen, kind="stable")
        authority = self.authority.needed(kind, severity, u[:, 4], u[:, 5], grid)
        columns = {"grid": grid, "kind": kind, "severity_arisen": severity, "severity": severity, "party": party,
                   "t_arisen": t_arisen, "worsen_days": worsen[:, 0], "worsen_more_days": worsen[:, 1],
                   "authority": authority, "authority_u": u[:, 4], "authority_up_u": u[:, 5]}
        return book.add({name: values[order] for name, values in columns.items()}, clocks[order], uniforms[order])

    def _party(self, grid: np.ndarray, u_group: np.ndarray, u_member: np.ndarray) -> np.ndarray:
        """A resident of the grid; migrants more often, by ``migrant_rate_ratio``. Rows of a
        grid hold its migrants first, then its registered residents."""
        start = self.population.start[grid]
        n_migrant = self.population.grid_migrants[grid]
        n_total = self.city.grid_population[grid]
        pick_migrant = (u_group < self.migrant_party_share[grid]) & (n_migrant > 0) | (n_migrant == n_total)
        offset = np.where(pick_migrant, 0, n_migrant)
        size = np.where(pick_migrant, n_migrant, n_total - n_migrant)
        return (start + offset + np.minimum((u_member * size).astype(np.int64), size - 1)).astype(np.int32)
