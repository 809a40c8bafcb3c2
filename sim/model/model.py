"""The grid-governance model: Mesa's clock, the city network, agents, and the case flow.

One step is one day, in this order:

0. at the start of each week (days 0, 7, …): residents join the civility points scheme and
   earn a week's points for taking part, volunteers' strength follows their points
   (``sim.model.civility``), and stationed cadres get the week's hours, more during a surge
   (``sim.model.cadres``);
1. new disputes and requests arise, latent, in every grid, at the day's seasonal rates
   (``sim.model.arrivals``, ``sim.model.seasons``; world stream), and courts refer disputes to the city
   centre (reported at once);
2. latent cases worsen with age (and need more authority as they do);
3. each latent case's surfacing hazards are set for the day: patrol (from the visits grid
   workers made yesterday, ``sim.model.worktime``), volunteers, resident reports (hotline, app,
   walk-in; through effective trust, ``sim.model.trust``), police alerts, petitions
   (``sim.model.surfacing``);
4. the cases that surface are reported at their times within the day (a patrol find costs
   its worker registration hours);
5. reported cases flow in continuous time to the end of the day: on-the-spot settlement at a
   neighbourhood centre, dispatch centre, levels (with stationed cadres and pilot-zone desks),
   failures, hand-offs, exits, follow-up visits, redos and closing (``sim.model.handling``,
   ``sim.model.closing``);
6. grid workers' hours for the day are accounted: orders, department tasks, patrol up to the
   norm, idle; this sets tomorrow's patrol;
7. each community's recent experience of the system moves its residents' trust
   (``sim.model.trust``), and the day's counts are recorded.

The model is built warmed up: ``warm_up_days`` are simulated before day 0 (the same steps, on
the calendar days before ``start_date``) and left out of every output (cases that arose before
day 0 are not reported; counts, hours and busy time start at day 0).

The model follows Mesa's conventions: ``GridGovernanceModel(workers_per_10k=12,
escalation_rule="bottom_up", service_days__town=12, seed=3)`` takes registry parameters as
keywords (``__`` for the dot), ``running`` turns False when ``days`` is reached, its
``datacollector`` holds the daily counts (model reporters, from step 0) and what agents hold
(agent and agent-type reporters, on the last day, and every ``agent_data_every_days`` days if
set), so ``mesa.batch_run`` can vary any parameter, and ``model.workers``, ``model.volunteers``,
``model.mediators`` … are Mesa ``AgentSet``s.

Residents are not stepped: their state lives in arrays (``sim.model.population``). Where the
further systems sit (cadres, big Party committees, pilot zones, centres) is fixed before day 0
(``sim.model.systems``).
"""

from __future__ import annotations

from functools import cached_property, partial

import mesa
import numpy as np
from mesa.agentset import AgentSet
from mesa.discrete_space import Network

from sim.config.enums import Channel, Level, WorkerActivity
from sim.config.errors import ParamError
from sim.config.params import Params
from sim.config.presets import FIRST_SEED
from sim.model.agents import GridWorker, Mediator, Resident, Volunteer
from sim.model.arrivals import Arrivals
from sim.model.authority import AuthorityTable
from sim.model.cadres import CadreHours
from sim.model.cases import CaseBook
from sim.model.civility import Civility
from sim.model.closing import Closing
from sim.model.dispatch import Dispatcher
from sim.model.escalation import make_rule
from sim.model.handling import CaseFlow
from sim.model.network import build_city_map
from sim.model.organisation import build_organisation
from sim.model.population import Population
from sim.model.rng import streams_for
from sim.model.surfacing import LatentPool
from sim.model.systems import place_systems
from sim.model.trust import Reputation

FINDERS = (Channel.PATROL, Channel.VOLUNTEER)  # channels by which someone of the system found the case
HOURS_FIELDS = tuple(f"hours_{activity.label}" for activity in WorkerActivity)  # grid workers' hours that day
OPEN_FIELDS = tuple((level, f"open_{level.label}") for level in Level)  # open cases at each level that day
DAILY_FIELDS = ("day", "arisen", "referred", "reported", "closed", "resolved", "satisfied", "exits", "open", "latent",
                *(name for _, name in OPEN_FIELDS), "in_transit", *HOURS_FIELDS, "police_alerts",
                "petitions", "trust_factor", "typhoon")


AGENT_REPORTERS = {  # what agents hold, per kind, for Mesa's DataCollector (get_agenttype_vars_dataframe)
    GridWorker: {"cases_found": "cases_found", "active_cases": "active_cases", "cases_handled": "cases_handled"},
    Volunteer: {"cases_found": "cases_found", "active_cases": "active_cases", "cases_handled": "cases_handled"},
    Mediator: {"active_cases": "active_cases", "cases_handled": "cases_handled"},
}


def agent_kind(agent) -> str:
    return type(agent).__name__


def held(agent, name: str):
    """What an agent holds, or None for an agent that holds no such thing (a cadre, a resident)."""
    return getattr(agent, name, None)


# Every agent, one row each (get_agent_vars_dataframe); ``kind`` is the agent's class name.
AGENT_VARS = {"kind": agent_kind, **{name: partial(held, name=name)
                                     for name in ("cases_found", "active_cases", "cases_handled")}}


class DailyData(mesa.DataCollector):
    """Mesa's DataCollector: the model reporters (the daily counts) at construction (step 0: all
    zero) and after every day; what agents hold (agent and agent-type reporters) every
    ``model.agent_data_every_days`` days when that is set (from step 0), and on the last day.

    The last day's agent data are read from the agents the first time agent data are asked for
    after the run (they hold still once it has ended): so ``mesa.batch_run`` with
    ``data_collection_period=-1`` gives one row per run, not one per agent, and a run costs no
    agent reads unless they are used. (Each read takes ≈ 8,000 agents at full scale: weekly
    reads add about a quarter to a run's time.)"""

    def __init__(self, model, **reporters):
        super().__init__(**reporters)
        self.model = model

    def collect(self, model) -> None:
        every = model.agent_data_every_days
        agents_due = model.running and bool(every) and model.day % every == 0
        saved = self.agent_reporters, self.agenttype_reporters
        if not agents_due:
            self.agent_reporters, self.agenttype_reporters = {}, {}
        try:
            super().collect(model)
        finally:
            self.agent_reporters, self.agenttype_reporters = saved

    def _read_last_day(self) -> None:
        model = self.model
        if model.running or model.time in self._agent_records:
            return
        self._agent_records[model.time] = list(self._record_agents(model))
        self._agenttype_records[model.time] = {kind: list(self._record_agenttype(model, kind))
                                               for kind in self.agenttype_reporters}

    def get_agent_vars_dataframe(self):
        self._read_last_day()
        return super().get_agent_vars_dataframe()

    def get_agenttype_vars_dataframe(self, agent_type):
        self._read_last_day()
        return super().get_agenttype_vars_dataframe(agent_type)


def params_from_keywords(params: Params | None, keywords: dict[str, object]) -> Params:
    """Registry parameters given as keywords (``service_days__town`` for ``service_days.town``),
    on top of ``params``; an unknown name gets the registry's error."""
    overrides = {name.replace("__", "."): value for name, value in keywords.items()}
    if params is None:
        return Params(overrides)
    if not overrides:
        return params
    return Params({**params.changed(), **overrides}, validation=params.validation)


class GridGovernanceModel(mesa.Model):
    """Shishi's grid governance for one parameter set and one seed."""

    agent_data_every_days = 0  # also collect what agents hold every this many days (0: the last day only)

    def __init__(self, params: Params | None = None, *, seed: int | None = None, rng=None,
                 scenario_name: str = "custom", **parameters: object):
        params = params_from_keywords(params, parameters)
        seed = _run_seed(seed, rng)
        streams = streams_for(seed)
        super().__init__(rng=streams.mesa_seed)
        self.params, self.seed, self.scenario_name = params, seed, scenario_name
        self.rule = make_rule(params["escalation_rule"])
        self.city = build_city_map(params)
        self.space = Network(self.city.graph, layout=self.city.layout, random=self.random)
        self.population = Population(self.city, params, streams.population)
        self.systems = place_systems(self.city, params)
        self.civility = Civility(self.population, params)
        self.authority = AuthorityTable(params, self.systems.big_party[self.city.grid_community])
        self.arrivals = Arrivals(self.city, self.population, params, self.authority, streams)
        simulated_days = params["days"] + params["warm_up_days"]
        expected = (self.arrivals.rates.sum() + self.arrivals.referrals_per_day) * simulated_days
        self.cases = CaseBook(capacity=int(expected * 1.2) + 64)
        self.organisation = build_organisation(self, self.city, params, self.population, self.systems,
                                               self.arrivals.rates.sum(axis=1))
        self.worktime = self.organisation.worktime
        self.cadre_hours = CadreHours(self.systems.cadres_per_community, params)
        self.latent = LatentPool(params, self.population, self.city, self.authority, self.systems)
        self.dispatcher = Dispatcher(self.rule, self.organisation, self.city, self.systems)
        self.reputation = Reputation(self.city.communities, params)
        self.closing = Closing(self.cases, params, self.population, self.reputation, self.city.grid_community)
        self.flow = CaseFlow(self.cases, params, self.population, self.authority, self.worktime, self.cadre_hours,
                             self.civility, self.systems.upgraded_walk_in_share, self.dispatcher, self.closing)
        self.first_case = 0  # id of the first case that arose on or after day 0 (earlier ones are the warm-up's)
        self.daily: dict[str, list] = {name: [] for name in DAILY_FIELDS}
        org = self.organisation
        self._volunteer_rows = np.array([v.resident for v in org.volunteers], dtype=np.int64)
        self._volunteer_community = np.array([v.community for v in org.volunteers], dtype=np.int64)
        self._volunteer_strength = np.zeros(self.city.communities)
        self.grid_workers: list[list] = [[] for _ in range(self.city.grids)]  # per grid: the workers covering it
        for worker in org.workers:
            for grid in worker.grids:
                self.grid_workers[grid].append(worker)
        self._registration_hours = params["registration_hours" if params["digital_platform"]
                                          else "manual_registration_hours"]
        self._residents: dict[int, Resident] = {}
        self.day = -params["warm_up_days"]
        while self.day < 0:
            self._simulate_day()
        self._start_reporting()
        self.datacollector = DailyData(self, model_reporters={name: [self.today, [name]] for name in DAILY_FIELDS
                                                              if name != "day"},
                                       agent_reporters=AGENT_VARS, agenttype_reporters=AGENT_REPORTERS)
        self.datacollector.collect(self)  # step 0: the state before the first day (after the warm-up)

    # ------------------------------------------------------------------ time
    def step(self) -> None:
        day = self.day
        arisen, referred, surfaced = self._simulate_day()
        self._record_day(day, arisen, referred, surfaced)
        if self.day >= self.params["days"]:
            self.running = False
        self.datacollector.collect(self)

    def _simulate_day(self):
        """One day of the world (steps 0–7 of the module docstring but the recording); advances ``day``."""
        day = self.day
        book, latent = self.cases, self.latent
        if day % 7 == 0:
            self._start_week(day)
        new = self.arrivals.draw(day, book)
        referred = self.arrivals.draw_referrals(day, book)
        latent.add(new)
        latent.worsen(day, book)
        hazards = latent.hazards(book, self.worktime.patrol_hazard, self._volunteer_strength)
        surfaced = latent.surface(day, book, hazards)
        report = self.flow.report
        for case, channel, t in zip(surfaced.ids.tolist(), surfaced.channels.tolist(), surfaced.times.tolist(),
                                    strict=True):
            if channel in FINDERS:
                self._credit_finder(case, channel)
            report(case, channel, t)
        for case, t in zip(referred.tolist(), book.t_arisen[referred].tolist(), strict=True):
            report(case, Channel.COURT_REFERRAL, t)
        self.flow.run_until(day + 1)
        self.worktime.close_day(day + 1.0)
        self.population.grid_trust_factor = self.reputation.end_day()[self.city.grid_community]
        self.day += 1
        return len(new), len(referred), surfaced

    def _start_reporting(self) -> None:
        """Day 0: the warm-up is over; counts, hours and busy time start from here."""
        self.first_case = self.cases.size
        self.worktime.restart_ledger()
        for pool in self.organisation.pools:
            pool.account(0.0)
            pool.restart_ledger(0.0)
        self.civility.points_earned = 0
        self.cadre_hours.joined[:] = 0
        self.closing.reset_day()

    def run(self, days: int | None = None, on_day=None) -> None:
        """Run ``days`` more days (default: the ``days`` parameter; ``running`` turns False when
        the ``days`` parameter is reached, as Mesa's runners expect)."""
        for _ in range(self.params["days"] if days is None else days):
            self.step()
            if on_day is not None:
                on_day(self.day)

    def _start_week(self, day: int) -> None:
        self.civility.week(day)
        factor = self.civility.volunteer_factor(self._volunteer_rows)
        strength = np.bincount(self._volunteer_community, weights=factor, minlength=self.city.communities)
        self._volunteer_strength = (self.params["volunteer_find_per_day"] * strength
                                    * self.params["volunteer_watch_residents"]
                                    / np.maximum(self.city.community_population, 1))
        self.cadre_hours.start_week(emergency=any(d in self.arrivals.surge_days for d in range(day, day + 7)))

    def _credit_finder(self, case: int, channel: int) -> None:
        if channel == Channel.PATROL:
            workers = self.grid_workers[self.cases.grid[case]]
            finder = workers[case % len(workers)]
            finder.cases_found += 1
            self.worktime.owe(finder.slot, self._registration_hours)
        elif channel == Channel.VOLUNTEER:
            members = self.organisation.volunteer_pools[self.city.grid_community[self.cases.grid[case]]].servers
            finder = members[case % len(members)]
            finder.cases_found += 1
            self.civility.credit(finder.resident, self.civility.points_per_volunteer_case)

    def _record_day(self, day: int, arisen: int, referred: int, surfaced) -> None:
        flow, closing, daily, end = self.flow, self.closing, self.daily, day + 1.0
        for pool in self.organisation.pools:
            if pool.busy:  # an idle pool has nothing to add (its next take starts the clock afresh)
                pool.account(end)
        channels = np.bincount(surfaced.channels, minlength=len(Channel))
        hours = self.worktime.today_total
        values = {"day": day, "arisen": arisen, "referred": referred, "reported": len(surfaced.ids) + referred,
                  "closed": closing.closed_today, "resolved": closing.resolved_today,
                  "satisfied": closing.satisfied_today, "exits": closing.exits_today, "open": len(flow.open),
                  "latent": len(self.latent), "in_transit": flow.in_transit,
                  "police_alerts": int(channels[Channel.POLICE_ALERT]), "petitions": int(channels[Channel.PETITION]),
                  "trust_factor": float(self.reputation.factor.mean()),
                  "typhoon": int(self.arrivals.seasons.typhoon_on(day))}
        at_level = flow.at_level
        for level, name in OPEN_FIELDS:  # names made once (an enum's label is a property)
            values[name] = at_level[level]
        for activity, name in zip(WorkerActivity, HOURS_FIELDS, strict=True):
            values[name] = float(hours[activity])
        for name in DAILY_FIELDS:
            daily[name].append(values[name])
        closing.reset_day()

    # ------------------------------------------------------------------ looking at the world
    def today(self, name: str):
        """The latest value of one daily series (what the DataCollector records); 0 before the first day."""
        series = self.daily[name]
        return series[-1] if series else (0.0 if name in HOURS_FIELDS else 0)

    def grid_cell(self, grid: int):
        return self.space[int(self.city.grid_node[grid])]

    def node_cell(self, node: int):
        return self.space[node]

    def resident(self, index: int) -> Resident:
        """The agent for one resident, made on first look (residents live in arrays)."""
        if not 0 <= index < self.population.size:
            raise IndexError(f"resident {index} out of range 0..{self.population.size - 1}")
        if index not in self._residents:
            self._residents[index] = Resident(self, index)
        return self._residents[index]

    # The agents of each kind, as Mesa AgentSets (in the organisation's order; the lists are
    # ``model.organisation.workers`` and so on).
    @cached_property
    def workers(self) -> AgentSet:
        return AgentSet(self.organisation.workers, random=self.random)

    @cached_property
    def volunteers(self) -> AgentSet:
        return AgentSet(self.organisation.volunteers, random=self.random)

    @cached_property
    def mediators(self) -> AgentSet:
        return AgentSet(self.organisation.mediators, random=self.random)

    @cached_property
    def clerks(self) -> AgentSet:
        return AgentSet(self.organisation.clerks, random=self.random)

    @cached_property
    def officers(self) -> AgentSet:
        return AgentSet(self.organisation.officers, random=self.random)

    @cached_property
    def cadres(self) -> AgentSet:
        return AgentSet(self.organisation.cadres, random=self.random)

    @cached_property
    def zone_officers(self) -> AgentSet:
        return AgentSet(self.organisation.zone_officers, random=self.random)


def _run_seed(seed: int | None, rng=None) -> int:
    """The run seed, from ``seed`` or Mesa's ``rng`` (one of them, or both equal). ``rng`` may be an
    int, a NumPy ``SeedSequence`` or ``Generator`` (a seed is drawn from it), or None."""
    if isinstance(rng, np.random.SeedSequence):
        rng = int(rng.generate_state(1, dtype=np.uint32)[0])
    elif isinstance(rng, np.random.Generator):
        rng = int(rng.integers(0, 2**32))
    for name, value in (("seed", seed), ("rng", rng)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0):
            raise ParamError(name, f"expected a whole number ≥ 0 (the run seed), a NumPy Generator or SeedSequence, "
                                   f"got {value!r}")
    if seed is not None and rng is not None and seed != rng:
        raise ParamError("seed", f"seed={seed} and rng={rng} disagree; give one run seed")
    value = seed if seed is not None else rng
    return FIRST_SEED if value is None else int(value)  # reproducible unless asked otherwise
