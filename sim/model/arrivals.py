"""Cases arise latent in grids: Poisson counts per grid and kind, drawn for a whole day at once,
at the annual rates moved through the year by the seasons (``sim.model.seasons``). Courts refer
disputes to the city centre as well (诉前调解): those arrive reported, not latent.

The disputes themselves (counts, times, severities, parties, needed authority, surfacing
clocks) come from the world stream, and each case's own uniforms for its handling from the
handling stream; both depend only on the city and the day, never on policy, so every policy
run on one seed meets the same disputes with the same luck (common random numbers).
"""

from __future__ import annotations

import numpy as np

from sim.config.enums import SURFACING_CHANNELS, CaseKind, PlaceKind, Severity
from sim.config.params import Params
from sim.model.authority import AuthorityTable
from sim.model.cases import N_CASE_UNIFORMS, CaseBook
from sim.model.network import CityMap
from sim.model.population import Population
from sim.model.rng import Streams
from sim.model.seasons import Seasons

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
                 streams: Streams):
        self.city, self.population, self.authority = city, population, authority
        self.world, self.handling, self.referral_rng = streams.world, streams.handling, streams.referrals
        self.rates = base_rates_per_day(city, population, params)
        self.surge_factor = params["surge.factor"]
        # a surge of factor 1 is no surge: its days bring no stationed cadres' emergency hours either
        surge_length = params["surge.days"] if self.surge_factor != 1.0 else 0
        self.surge_days = range(params["surge.start_day"], params["surge.start_day"] + surge_length)
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
        self.seasons = Seasons(params, self.migrant_party_share, streams.seasons, -params["warm_up_days"],
                               params["days"])
        # court referrals per grid and kind a day: the referral mix over kinds, each kind spread over
        # the grids as its disputes arise (a labour claim comes from where labour disputes arise, the
        # industrial parks); a surge of a kind reaches the courts and the arbitration institute too
        kind_share = np.array([params[f"court_referral_share.{kind.label}"] if kind is not CaseKind.PUBLIC_SERVICE
                               else 0.0 for kind in CaseKind])
        self.referrals_per_day = params["court_referral_per_10k"] * city.residents / 10_000 / DAYS_PER_YEAR
        kind_totals = self.rates.sum(axis=0)
        grid_share = np.divide(self.rates, kind_totals, out=np.zeros_like(self.rates), where=kind_totals > 0)
        self.referral_rates = self.referrals_per_day * grid_share * kind_share[None, :]
        self.surge_referral_rates = self.referral_rates.copy()
        self.surge_referral_rates[surge_grids, surge_kind] *= self.surge_factor

    def rates_on(self, day: int) -> np.ndarray:
        """Expected new cases on ``day``, shape (grids, kinds): the annual rates through the seasons."""
        return (self.surge_rates if day in self.surge_days else self.rates) * self.seasons.factor(day)

    def draw(self, day: int, book: CaseBook) -> np.ndarray:
        """Add the day's new latent cases to the book; returns their ids (in order of arising)."""
        return self._add(day, book, self.world.poisson(self.rates_on(day)), self.world, self.handling)

    def draw_referrals(self, day: int, book: CaseBook) -> np.ndarray:
        """Add the day's court referrals (reported when they arise); returns their ids."""
        rates = self.surge_referral_rates if day in self.surge_days else self.referral_rates
        rng = self.referral_rng
        return self._add(day, book, rng.poisson(rates), rng, rng, referred=True)

    def _add(self, day: int, book: CaseBook, counts: np.ndarray, world: np.random.Generator,
             handling: np.random.Generator, referred: bool = False) -> np.ndarray:
        flat = counts.ravel()
        n = int(flat.sum())
        cells = np.repeat(np.arange(flat.size), flat)
        grid, kind = np.divmod(cells, counts.shape[1])
        u = world.random((n, 6))
        t_arisen = day + u[:, 0]
        severity = np.where(u[:, 1] < self.major[kind], Severity.MAJOR,
                            np.where(u[:, 1] < self.major[kind] + self.moderate[kind], Severity.MODERATE,
                                     Severity.MINOR)).astype(np.int8)
        party = self._party(grid, u[:, 2], u[:, 3])
        worsen = world.standard_exponential((n, 2)) * [self.worsen_minor, self.worsen_moderate]
        clocks = world.standard_exponential((n, SURFACING_CHANNELS))
        uniforms = handling.random((n, N_CASE_UNIFORMS))
        order = np.argsort(t_arisen, kind="stable")
        authority = self.authority.needed(kind, severity, u[:, 4], u[:, 5], grid)
        columns = {"grid": grid, "kind": kind, "severity_arisen": severity, "severity": severity, "party": party,
                   "t_arisen": t_arisen, "worsen_days": worsen[:, 0], "worsen_more_days": worsen[:, 1],
                   "authority": authority, "authority_u": u[:, 4], "authority_up_u": u[:, 5],
                   "referred": np.full(n, int(referred), dtype=np.int8)}
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
