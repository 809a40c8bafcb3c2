"""Enumerations for every categorical state in the model.

Integer values are stable: they index numpy arrays and parameter tables, so they must
never be renumbered. Lower-case names are what scenario files and output files use.
"""

from __future__ import annotations

from enum import IntEnum


class _Named(IntEnum):
    """An IntEnum whose lower-case name is its label in files."""

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def labels(cls) -> list[str]:
        return [member.label for member in cls]

    @classmethod
    def from_label(cls, label: str):
        return cls[label.upper()]


class Level(_Named):
    """Where a case is: a handling level, or the town dispatch centre that grades it.

    SPECIALISED is a side rung between community and town; DEPARTMENT is the responsible
    government department that takes public-service requests (not a mediation committee);
    DISPATCH is the town's social-governance centre (登记、审核、分级、甄别、指派); FOLLOW_UP is
    the follow-up visit (回访) by a grid worker before a handled case is closed (跟单 → 回访 → 结单)."""

    GRID = 0
    COMMUNITY = 1
    SPECIALISED = 2
    TOWN = 3
    CITY = 4
    DEPARTMENT = 5
    DISPATCH = 6
    FOLLOW_UP = 7  # handled; waiting for (or in) the follow-up visit (回访) before it is closed


# The authority a level holds, on the ladder a case's needed authority is drawn from
# (grid < community < town < city). A specialised committee brings its member enterprises and
# industry bodies to its own kinds of dispute, and a department holds administrative power over
# its public service: both rank with the town. The dispatch centre grades, it does not resolve.
AUTHORITY_RANK: dict[Level, int] = {Level.GRID: 0, Level.COMMUNITY: 1, Level.SPECIALISED: 2, Level.TOWN: 2,
                                    Level.DEPARTMENT: 2, Level.CITY: 3, Level.DISPATCH: -1,
                                    Level.FOLLOW_UP: -1}
AUTHORITY_LEVELS = (Level.GRID, Level.COMMUNITY, Level.TOWN, Level.CITY)  # what a case may need
MEDIATION_LEVELS = (Level.COMMUNITY, Level.SPECIALISED, Level.TOWN, Level.CITY)  # people's-mediation committees


class CaseKind(_Named):
    NEIGHBOUR = 0
    FAMILY = 1
    PROPERTY = 2
    LABOUR = 3
    COMMERCIAL = 4
    PUBLIC_SERVICE = 5


class Severity(_Named):
    MINOR = 0
    MODERATE = 1
    MAJOR = 2


class Channel(_Named):
    """How a latent case surfaces. Order matters: it indexes the hazard matrix."""

    PATROL = 0
    VOLUNTEER = 1
    HOTLINE = 2
    WALK_IN = 3
    POLICE_ALERT = 4
    PETITION = 5
    APP = 6  # the i石狮 app (closed without the digital platform)
    ZONE_CHECK = 7  # a three-zone pilot committee's on-site checks
    COURT_REFERRAL = 8  # referred by a court or the arbitration institute for mediation first (诉前调解); not latent


SURFACING_CHANNELS = 8  # the channels a latent case surfaces by (columns of the hazard matrix): all but referrals


RESIDENT_CHANNELS = (Channel.HOTLINE, Channel.WALK_IN, Channel.APP)  # a resident's own report


class Outcome(_Named):
    """How a case closed. LITIGATION, ARBITRATION and PETITION are exits: the party left the
    grid system for a court, an arbitration commission (劳动仲裁 …) or a petition (越级上访)."""

    NONE = 0  # still latent or open
    RESOLVED = 1
    UNRESOLVED = 2  # no level had any handler for it
    WITHDRAWN = 3
    LITIGATION = 4
    ARBITRATION = 5
    PETITION = 6


EXITS = (Outcome.LITIGATION, Outcome.ARBITRATION, Outcome.PETITION)


class PlaceKind(_Named):
    STREET_LANE = 0
    RESIDENTIAL_COMPOUND = 1
    MARKET_CLUSTER = 2
    INDUSTRIAL_PARK = 3
    VILLAGE = 4


class ZoneType(_Named):
    """The five kinds of three-zone co-building pilots (三区联创), in the order they are set up."""

    SMALL_PARK = 0  # 中小园区
    STANDARD_PARK = 1  # 标准园区
    SPECIALISED_MARKET = 2  # 专业市场
    COMMERCIAL_STREET = 3  # 商贸街区
    PORT = 4  # 码头港区


# Where each kind of pilot sits on the map.
ZONE_PLACE: dict[ZoneType, PlaceKind] = {
    ZoneType.SMALL_PARK: PlaceKind.INDUSTRIAL_PARK, ZoneType.STANDARD_PARK: PlaceKind.INDUSTRIAL_PARK,
    ZoneType.SPECIALISED_MARKET: PlaceKind.MARKET_CLUSTER, ZoneType.COMMERCIAL_STREET: PlaceKind.STREET_LANE,
    ZoneType.PORT: PlaceKind.INDUSTRIAL_PARK}
ZONE_KINDS = (CaseKind.LABOUR, CaseKind.COMMERCIAL)  # the disputes a zone's desk takes


class NodeLevel(_Named):
    """Levels of the grid network (city → towns → communities → unit → responsibility)."""

    CITY = 0
    TOWN = 1
    COMMUNITY = 2
    UNIT_GRID = 3
    RESPONSIBILITY_GRID = 4


class SpecialisedField(_Named):
    """Specialised mediation committees by field; each serves one dispute kind."""

    PROPERTY = 0
    LABOUR = 1
    COMMERCIAL = 2


class VolunteerRole(_Named):
    PARTY_MEMBER = 0  # 双报到 in-service Party members
    STREET_HEAD = 1  # 党员街巷长
    BUILDING_HEAD = 2  # 党员楼长
    RED_GRID_WORKER = 3  # 红色网格员 (part-time)
    RIDER = 4  # couriers, delivery riders, drivers


class EndReason(_Named):
    """Why a case left a level."""

    RESOLVED = 0
    FAILED = 1
    TIMED_OUT = 2
    WITHDRAWN = 3
    NO_HANDLER = 4  # the level has no capacity at all (e.g. zero staff)
    RETURNED = 5  # graded too high: the level it reached handed it down to where it belongs (退单/交办)
    GRADED = 6  # left the dispatch centre graded and assigned
    CLOSED = 7  # followed up and closed (结单)
    REOPENED = 8  # followed up, the party was dissatisfied and asked for it to be redone (重办)


class WorkerActivity(_Named):
    """Where a grid worker's hours go (多网合一); they are spent orders first, then department tasks,
    then patrol up to the norm (``sim.worktime``); the values only index the ledger's columns."""

    DEPARTMENT_TASKS = 0  # tasks assigned by departments: information upkeep, inspections, campaigns
    ORDERS = 1  # on-site work, registration in the app, the follow-up visit (回访), events found on patrol
    PATROL = 2  # patrol and household visits (入户走访), up to the visiting norm
    IDLE = 3  # hours beyond orders, department tasks and the norm


SPECIALISED_FIELD_OF_KIND: dict[CaseKind, SpecialisedField] = {
    CaseKind.PROPERTY: SpecialisedField.PROPERTY,
    CaseKind.LABOUR: SpecialisedField.LABOUR,
    CaseKind.COMMERCIAL: SpecialisedField.COMMERCIAL,
}
