"""Latent cases surface through competing channels, each a hazard clock.

Each case drew one unit-exponential clock per channel when it arose. Every day each
channel's hazard (cases per day) is set by what the city looks like that day: patrol
strength in the grid, volunteers in the community, the party's readiness to report, the
case's severity. A channel fires when its accumulated hazard passes its clock; the first to
fire is the channel, and the crossing point inside the day is the report time. This is exact
for hazards that are constant within a day, is vectorised over all latent cases, and lets a
policy change *when* a case surfaces without changing its luck.

A resident reports a public-service request soon (``request_report_per_day``: it is something
they want done) and a dispute later and less often (``report_per_day``), both through their
effective trust (``sim.model.trust``). The report goes by walking in (``walk_in_report_share``) or
remotely, by the 12345 hotline or the app (``app_share_of_remote_reports``).
Walking in depends on the grid's access to a centre (``sim.model.systems``: the 15-minute circle
and opening hours; a pilot zone's shared sites for its labour and commercial disputes); the
app needs the digital platform (without it some would-be app reporters call instead). In a
big-Party-committee community the member-household chain passes reports on
(``big_party_report_factor``); in a pilot zone its committee also finds labour and commercial
disputes on site (``zone_find_per_day``, the zone-check channel).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.enums import SURFACING_CHANNELS, ZONE_KINDS, CaseKind, Channel, Severity
from sim.config.params import Params
from sim.model.authority import AuthorityTable
from sim.model.cases import CaseBook
from sim.model.network import CityMap
from sim.model.population import Population
from sim.model.systems import Systems


@dataclass
class Surfaced:
    ids: np.ndarray
    channels: np.ndarray
    times: np.ndarray


class LatentPool:
    def __init__(self, params: Params, population: Population, city: CityMap, authority: AuthorityTable,
                 systems: Systems):
        self.population, self.authority = population, authority
        self.grid_community = city.grid_community
        self.ids = np.zeros(0, dtype=np.int64)
        self.hazard_sum = np.zeros((0, SURFACING_CHANNELS))
        kinds = list(CaseKind)
        self.visibility = np.array([params[f"visibility.{k.label}"] for k in kinds])
        self.report_factor = np.array([1.0, params["report_factor.moderate"], params["report_factor.major"]])
        self.report_per_day = np.where(systems.big_party[city.grid_community], params["big_party_report_factor"],
                                       1.0)[:, None] * np.where(np.arange(len(kinds)) == CaseKind.PUBLIC_SERVICE,
                                                                params["request_report_per_day"],
                                                                params["report_per_day"])[None, :]  # (grids, kinds)
        walk_in = params["walk_in_report_share"]
        app = (1.0 - walk_in) * params["app_share_of_remote_reports"]
        platform = params["digital_platform"]
        self.hotline_share = (1.0 - walk_in - app) + (0.0 if platform else app * params["app_to_hotline_share"])
        self.app_share = app if platform else 0.0
        self.walk_in = walk_in * systems.walk_in_access  # (grids, kinds)
        self.zone_find = np.zeros((city.grids, len(CaseKind)))  # (grids, kinds)
        in_zone = systems.zone_of_grid >= 0
        for kind in ZONE_KINDS:
            self.zone_find[in_zone, kind] = params["zone_find_per_day"]
        self.police = np.array([0.0, params["police_alert_per_day.moderate"], params["police_alert_per_day.major"]])
        self.petition = np.array([0.0, 0.0, params["petition_per_day.major"]])

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: np.ndarray) -> None:
        self.ids = np.concatenate([self.ids, ids])
        self.hazard_sum = np.concatenate([self.hazard_sum, np.zeros((len(ids), SURFACING_CHANNELS))])

    def worsen(self, day: int, book: CaseBook) -> None:
        """Latent cases worsen with age: minor → moderate → major at their drawn ages."""
        ids = self.ids
        age = day - book.t_arisen[ids]
        first, second = book.worsen_days[ids], book.worsen_more_days[ids]
        arisen = book.severity_arisen[ids]
        steps = np.where(arisen == Severity.MINOR, (age >= first).astype(np.int8) + (age >= first + second),
                         (age >= second).astype(np.int8))
        severity = np.minimum(arisen + steps, Severity.MAJOR).astype(np.int8)
        worse = severity != book.severity[ids]
        if worse.any():
            changed = ids[worse]
            book.severity[changed] = severity[worse]
            book.authority[changed] = self.authority.needed(book.kind[changed], severity[worse],
                                                            book.authority_u[changed], book.authority_up_u[changed],
                                                            book.grid[changed])

    def hazards(self, book: CaseBook, patrol_per_grid: np.ndarray, volunteer_per_community: np.ndarray) -> np.ndarray:
        """Hazard of each channel for each latent case today, shape (cases, channels).
        ``patrol_per_grid``: the day's hazard per grid that patrol finds a fully visible case."""
        ids = self.ids
        grid, kind, severity, party = book.grid[ids], book.kind[ids], book.severity[ids], book.party[ids]
        visibility = self.visibility[kind]
        report = self.report_per_day[grid, kind] * self.report_factor[severity] * self.population.propensity(party)
        h = np.empty((len(ids), SURFACING_CHANNELS))
        h[:, Channel.PATROL] = patrol_per_grid[grid] * visibility
        h[:, Channel.ZONE_CHECK] = self.zone_find[grid, kind] * visibility
        h[:, Channel.VOLUNTEER] = volunteer_per_community[self.grid_community[grid]] * visibility
        h[:, Channel.HOTLINE] = report * self.hotline_share
        h[:, Channel.APP] = report * self.app_share
        h[:, Channel.WALK_IN] = report * self.walk_in[grid, kind]
        h[:, Channel.POLICE_ALERT] = self.police[severity]
        h[:, Channel.PETITION] = self.petition[severity] * (1.0 - self.population.effective_trust(party))
        return h

    def surface(self, day: int, book: CaseBook, hazards: np.ndarray) -> Surfaced:
        """Advance every latent case through the day; remove and return those that surface."""
        ids = self.ids
        start = np.clip(book.t_arisen[ids] - day, 0.0, 1.0)  # cases arising today are exposed from then
        exposure = 1.0 - start
        remaining = book.clocks[ids] - self.hazard_sum
        with np.errstate(divide="ignore", invalid="ignore"):
            wait = np.where(hazards > 0, remaining / hazards, np.inf)
        channel = np.argmin(wait, axis=1)
        first = wait[np.arange(len(ids)), channel]
        fired = first <= exposure
        surfaced = Surfaced(ids[fired], channel[fired].astype(np.int8), day + start[fired] + first[fired])
        keep = ~fired
        self.ids = ids[keep]
        self.hazard_sum = self.hazard_sum[keep] + hazards[keep] * exposure[keep, None]
        return surfaced
