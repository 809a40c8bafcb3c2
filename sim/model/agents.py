"""The agents: the design's four kinds (residents, grid workers, volunteers, mediators) and
the staff of the systems around them (dispatch clerks, department officers, stationed
cadres, pilot-zone desk staff).

All but residents are few (thousands at full scale) and are real Mesa agents fixed to a cell
of the grid network. Residents are many (700,000): their state lives
in arrays (``sim.model.population``) and is driven by events, never stepped; a ``Resident`` agent
is the face of one row of those arrays, made on demand by ``model.resident(index)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import FixedAgent

from sim.config.enums import Level, SpecialisedField, VolunteerRole

if TYPE_CHECKING:
    from sim.model.model import GridGovernanceModel


class Handler(FixedAgent):
    """An agent that takes cases up to a caseload capacity (a server of a handler pool)."""

    level: Level

    def __init__(self, model: GridGovernanceModel, cell, capacity: int):
        super().__init__(model)
        self.cell = cell
        self.capacity = capacity
        self.active_cases = 0
        self.cases_handled = 0
        self.cases_found = 0  # latent cases this handler found (grid workers on patrol, volunteers)


class GridWorker(Handler):
    """A community (grid) worker: handles orders on the spot and follows cases up, does the
    departments' tasks, patrols and visits the households of assigned grids. Works one order at a
    time, with all of a day's hours (``sim.model.worktime``): ``hours_per_day``."""

    level = Level.GRID

    def __init__(self, model, cell, community: int, grids: tuple[int, ...], weekly_hours: float, part_time: bool,
                 slot: int):
        super().__init__(model, cell, 1)
        self.community = community
        self.grids = grids
        self.weekly_hours = weekly_hours
        self.part_time = part_time
        self.slot = slot  # row in the WorkTime arrays
        self.hours_per_day = 0.0  # the worker's hours a day (set from WorkTime): orders go at this rate


class Clerk(Handler):
    """A clerk of a town's social-governance centre: registers, checks, grades and assigns
    reports (登记、审核、分级、甄别、指派), one at a time."""

    level = Level.DISPATCH

    def __init__(self, model, cell, town: int):
        super().__init__(model, cell, 1)
        self.town = town


class DepartmentOfficer(Handler):
    """A case officer of the departments responsible for public services in a town."""

    level = Level.DEPARTMENT

    def __init__(self, model, cell, capacity: int, town: int):
        super().__init__(model, cell, capacity)
        self.town = town


class Volunteer(Handler):
    """A volunteer of a community: extra eyes on the street, informal mediation of minor
    neighbour disputes (capacity 0 means they only watch)."""

    level = Level.GRID

    def __init__(self, model, cell, capacity: int, community: int, role: VolunteerRole, resident: int):
        super().__init__(model, cell, capacity)
        self.community = community
        self.role = role
        self.resident = resident  # the population row of the resident who volunteers


class Mediator(Handler):
    """A people's mediator on a community, town, city or specialised committee, full- or part-time
    (most are part-time); ``capacity`` is their share of the committee's (``sim.model.organisation``)."""

    def __init__(self, model, cell, capacity: int, level: Level, committee: int,
                 field: SpecialisedField | None = None, full_time: bool = False):
        super().__init__(model, cell, capacity)
        self.level = level
        self.committee = committee
        self.field = field
        self.full_time = full_time


class CentreOfficer(Handler):
    """An officer of a department stationed at the city's dispute-resolution centre (petitions,
    justice, labour, the court's liaison), who handles cases there beside its mediators."""

    level = Level.CITY


class Resident(FixedAgent):
    """One resident, read from and written to the population arrays."""

    def __init__(self, model: GridGovernanceModel, index: int):
        super().__init__(model)
        self.index = index
        self.cell = model.grid_cell(int(model.population.grid[index]))

    @property
    def grid(self) -> int:
        return int(self.model.population.grid[self.index])

    @property
    def migrant(self) -> bool:
        return bool(self.model.population.migrant[self.index])

    @property
    def trust(self) -> float:
        return float(self.model.population.trust[self.index])

    @property
    def reporting_propensity(self) -> float:
        return float(self.model.population.propensity([self.index])[0])

    @property
    def civility_certified(self) -> bool:
        return bool(self.model.population.certified[self.index])

    @property
    def civility_points(self) -> int:
        return int(self.model.population.points_held([self.index])[0])

    @property
    def cases(self) -> list[int]:
        """Ids of the cases this resident has been party to."""
        return self.model.cases.cases_of_party(self.index)


class StationedCadre(FixedAgent):
    """A section-level cadre of a city department stationed in a community (挂居蹲点): gives a
    few hours a week (more in an emergency) to bring the department's authority to the
    community's mediations (``sim.model.cadres``)."""

    def __init__(self, model: GridGovernanceModel, cell, community: int):
        super().__init__(model)
        self.cell = cell
        self.community = community  # the cases it joined are counted per community (CadreHours.joined)


class ZoneOfficer(Handler):
    """A member of a three-zone pilot's one-stop desk (片区党委): mediates the zone's labour and
    commercial disputes on site, as its specialised rung."""

    level = Level.SPECIALISED

    def __init__(self, model, cell, capacity: int, zone: int):
        super().__init__(model, cell, capacity)
        self.zone = zone
