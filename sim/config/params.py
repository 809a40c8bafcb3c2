"""Every model parameter, in one place: default, unit, source, valid range and kind.

Kinds keep policy apart from the world (EMA-workbench style):
- LEVER: what policy chooses (staffing, escalation rule, committees, patrol).
- UNCERTAINTY: what the world does (dispute rates, success probabilities, behaviour).
- SETTING: the city's facts and the run's size (counts from the article, scale, days).

Names are flat and dotted (``dispute_rate_per_10k.labour``); a scenario file writes the
dotted part as a TOML table. ``plausible`` is the range sweeps and calibration draw from;
``low``/``high`` is what validation accepts. Sources: "article" is the Shishi article
(docs/domain/seed-article-zh.txt), "anchors: …" a row of calibration-anchors.md,
"estimate" a judgement to be calibrated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from sim.config.calendar import check_span, parse_date
from sim.config.enums import CaseKind, Level, PlaceKind, Severity, SpecialisedField, VolunteerRole
from sim.config.errors import ParamError
from sim.config.rule_names import POLICY_RULES, VALIDATION_RULES


class ParamKind(StrEnum):
    LEVER = "lever"
    UNCERTAINTY = "uncertainty"
    SETTING = "setting"


Value = bool | int | float | str


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: Value
    unit: str
    source: str
    kind: ParamKind
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    plausible: tuple[float, float] | None = None
    label: str = ""  # plain language for a figure's axis or a table's column (sim.config.display)

    @property
    def type(self) -> type:
        return type(self.default)

    def check(self, value: object) -> Value:
        """Return the value in this parameter's type, or raise ValueError saying what was expected."""
        expected = self.type
        if expected is bool:
            if not isinstance(value, bool):
                raise ValueError(f"expected true or false, got {value!r}")
            return value
        if expected is str:
            if not isinstance(value, str):
                raise ValueError(f"expected a string, got {value!r}")
            if self.choices is not None and value not in self.choices:
                raise ValueError(f"expected one of {', '.join(self.choices)}; got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number ({self.unit}), got {value!r}")
        given = value
        if expected is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(f"expected a whole number ({self.unit}), got {given!r}")
            value = int(value)
        else:
            value = float(value)
        if value != value:  # NaN
            raise ValueError("expected a number, got NaN")
        if self.low is not None and value < self.low:
            raise ValueError(f"expected at least {self.low:g} {self.unit}, got {given!r}")
        if self.high is not None and value > self.high:
            raise ValueError(f"expected at most {self.high:g} {self.unit}, got {given!r}")
        return value


_REGISTRY: dict[str, Param] = {}


def _add(name, default, unit, source, kind, doc, low=None, high=None, choices=None, plausible=None):
    if name in _REGISTRY:
        raise RuntimeError(f"parameter {name} defined twice")
    _REGISTRY[name] = Param(name, default, unit, source, kind, doc, low, high, choices, plausible)


L, U, S = ParamKind.LEVER, ParamKind.UNCERTAINTY, ParamKind.SETTING
EST = "estimate"
WORKLOAD = "see docs/sources.md: surveys of grid workers' workload"
CALIBRATED = "calibrated: docs/calibration.md (python run.py calibrate --fit)"

# ---------------------------------------------------------------- run size and the city
_add("scale", 1.0, "share of 700,000 residents", "a run setting", S,
     "Share of Shishi's resident population simulated; grid counts follow it, all levels kept.",
     low=0.0005, high=2.0)
_add("days", 365, "days", "a run setting", S, "Simulated days reported (after the warm-up).", low=1, high=3650)
_add("warm_up_days", 60, "days", EST + " (measured: at scale 0.5, seeds 1–3, the first 120 days' city-centre use and "
     "days to close after 60, 90 or 180 days of warm-up agree within their noise; after 30 the centre's queue is "
     "still short)", S,
     "Days simulated before day 0 and left out of every output: runs start from a warmed-up state, not from empty "
     "queues.", low=0, high=730)
_add("start_date", "2023-01-01", "date (YYYY-MM-DD)", "a run setting (the article's figures run from 2023)", S,
     "Calendar date of day 0: sets the Spring Festival, the typhoon season and the seasons of arrivals.")
_add("map_seed", 20240305, "seed", EST, S,
     "Seed of the fixed city map (grid populations, place kinds): the same city for every run seed.",
     low=0, high=2**32 - 1)
_add("population", 700_000, "residents", "article: 常住人口 70万", S, "Resident population at scale 1.0.",
     low=1_000, high=20_000_000)
_add("urban_share", 0.8622, "share of residents", "article: 城镇化率 86.22%", S,
     "Urban residents, the base of the workers-per-10,000 norm.", low=0.0, high=1.0)
_add("towns", 9, "towns/subdistricts", "article: 7个镇2个街道", S, "Towns and subdistricts at scale 1.0.",
     low=1, high=100)
_add("communities", 128, "villages/communities", "article: 128个村居", S, "Communities at scale 1.0.",
     low=1, high=5_000)
_add("unit_grids", 676, "unit grids", "article: 676个单元网格", S, "Unit grids at scale 1.0.",
     low=1, high=50_000)
_add("responsibility_grids", 1394, "responsibility grids", "article: 1394个责任网格", S,
     "Responsibility grids (leaf cells) at scale 1.0.", low=1, high=100_000)
_TOWNS = {  # share of residents, how concentrated migrants are (relative), source
    "hubin": (0.15, 1.0, EST + " (the city seat; r2: the rest once the others are placed)"),
    "fengli": (0.06, 0.9, EST + " (3.2 km², 10 residents' committees, 14 shopping streets)"),
    "lingxiu": (0.18, 1.4, EST + " (124,116 residents in 2010; 20,000+ firms, 60,000 market entities, all 12 "
            "villages are Taobao villages)"),
    "baogai": (0.18, 1.3, "census 2020 via citypopulation.de: 125,569 of 685,930 (shoe and accessory parks)"),
    "hanjiang": (0.13, 0.9, EST + " (88,507 residents in 2017; 19 villages; port)"),
    "xiangzhi": (0.08, 0.8, EST + " (≈ 35,000 registered + 25,000 non-local; national central fishing port)"),
    "hongshan": (0.07, 0.9, EST),
    "jinshang": (0.05, 0.9, EST + " (≈ 23,000 people; 政和园 textile and dyeing base)"),
    "yongning": (0.10, 0.8, EST),
}
for _town, (_share, _weight, _src) in _TOWNS.items():
    _add(f"town_population_share.{_town}", _share, "share of residents", _src, S,
         f"Share of Shishi's residents living in {_town.capitalize()} (normalised over the towns a run has; "
         "its communities, grids and workers follow).", low=0.0, high=1.0)
    _add(f"town_migrant_weight.{_town}", _weight, "relative weight", EST + " (r2: neighbouring Jinjiang's towns "
         "ranged 13–77 % floating population in 2000)", S,
         f"How concentrated migrants are in {_town.capitalize()} relative to the city (normalised so the "
         "city-wide share stays migrant_share).", low=0.0, high=10.0)
_TOWN_PLACE = {  # relative weight of a place kind in a town; the city-wide shares stay place_share
    ("baogai", PlaceKind.INDUSTRIAL_PARK): 3.0, ("jinshang", PlaceKind.INDUSTRIAL_PARK): 3.0,
    ("hongshan", PlaceKind.INDUSTRIAL_PARK): 1.5, ("lingxiu", PlaceKind.MARKET_CLUSTER): 3.0,
    ("fengli", PlaceKind.MARKET_CLUSTER): 2.0, ("hubin", PlaceKind.MARKET_CLUSTER): 1.5,
    ("hubin", PlaceKind.RESIDENTIAL_COMPOUND): 1.5, ("fengli", PlaceKind.RESIDENTIAL_COMPOUND): 1.5,
    ("hubin", PlaceKind.VILLAGE): 0.2, ("fengli", PlaceKind.VILLAGE): 0.1, ("xiangzhi", PlaceKind.VILLAGE): 2.0,
    ("yongning", PlaceKind.VILLAGE): 2.0, ("hanjiang", PlaceKind.VILLAGE): 1.5,
}
for _town in _TOWNS:
    for _place in PlaceKind:
        _add(f"town_place_weight.{_town}.{_place.label}", _TOWN_PLACE.get((_town, _place), 1.0), "relative weight",
             EST + " (r2: shoe park in Baogai, 政和园 in Jinshang, e-commerce in Lingxiu, markets in Fengli and "
             "Hubin, fishing villages in Xiangzhi)", S,
             f"How much more often {_town.capitalize()}'s unit grids are {_place.label.replace('_', ' ')}s than the "
             "city's mix (fitted to the city-wide place_share).", low=0.0, high=100.0)
_add("grid_population_cv", 0.3, "coefficient of variation", EST, S,
     "Spread of residents across responsibility grids (mean ≈ 502, shishi-facts.md).", low=0.0, high=2.0)

_PLACE_SHARE = {  # share of responsibility grids; village = rural residents (1 − 86.22 %)
    PlaceKind.STREET_LANE: (0.33, EST + " (article: 街巷枫桥 for mobile street lanes)"),
    PlaceKind.RESIDENTIAL_COMPOUND: (0.30, EST + " (article: 108 red owners' committees)"),
    PlaceKind.MARKET_CLUSTER: (0.09, EST + " (article: 电商枫桥 in market clusters)"),
    PlaceKind.INDUSTRIAL_PARK: (0.1422, EST + " (article: 园区枫桥)"),
    PlaceKind.VILLAGE: (0.1378, "article: 1 − 城镇化率 86.22%"),
}
for _place, (_share, _src) in _PLACE_SHARE.items():
    _add(f"place_share.{_place.label}", _share, "share of grids", _src, S,
         f"Share of responsibility grids that are {_place.label.replace('_', ' ')}s (shares sum to 1).",
         low=0.0, high=1.0)

_add("migrant_share", 0.457, "share of residents", "article: (700k − 380k registered) / 700k", U,
     "Residents without local household registration.", low=0.0, high=0.95, plausible=(0.35, 0.65))
_MIGRANT_WEIGHT = {PlaceKind.STREET_LANE: 1.3, PlaceKind.RESIDENTIAL_COMPOUND: 0.7,
                   PlaceKind.MARKET_CLUSTER: 1.1, PlaceKind.INDUSTRIAL_PARK: 1.7, PlaceKind.VILLAGE: 0.5}
for _place, _weight in _MIGRANT_WEIGHT.items():
    _add(f"migrant_weight.{_place.label}", _weight, "relative weight", EST, S,
         "How concentrated migrants are in this place kind (normalised to the city-wide share).",
         low=0.0, high=10.0)

# ---------------------------------------------------------------- staffing and organisation (levers)
_add("workers_per_10k", 18.0, "grid workers per 10,000 urban residents",
     "anchors: 国办发〔2021〕56号 norm (18 per 10,000), article", L,
     "Community/grid workers (full-time equivalents) per 10,000 urban residents.", low=0.0, high=200.0,
     plausible=(6.0, 30.0))
_add("worker_allocation", "per_resident", "rule name", EST + " (the norm counts residents: 国办发〔2021〕56号)", L,
     "How a fixed total of grid workers is spread over communities: by residents, by the cases expected there "
     "(by_caseload) or by residents weighted by their migrant share (by_migrant_share).",
     choices=("per_resident", "by_caseload", "by_migrant_share"))
_add("escalation_rule", "shishi", "rule name", "article: 订单分包 (grade and assign) and 三级响应 with 跨层级直达", L,
     "How cases are routed between levels (validation-only rules are accepted from scenarios/validation/ only).",
     choices=POLICY_RULES)
_add("part_time_workers_per_10k", 14.6, "part-time grid workers per 10,000 urban residents",
     "article: 2,700+ full- and part-time grid workers, less 1,086 full-time at the norm and the 733 red grid "
     "workers modelled as volunteers (≈ 881 / 60.35)", L,
     "Part-time grid workers (兼职网格员), who work part_time_hours_share of a full-time week.",
     low=0.0, high=200.0, plausible=(0.0, 30.0))
_add("patrol", True, "on/off", "article: 社区网格排查", L, "Grid workers patrol and find latent cases.")
_add("patrol_visits_per_household_week", 0.25, "household visits per household per week",
     EST + " (docs/sources.md: a Luohu worker walks 672 households every half-month (0.5); a visiting template asks "
     "twice a year for ordinary households and monthly for others (≈ 0.1))", L,
     "The visiting norm: patrol and household visits grid workers make once orders and department tasks are done; "
     "hours beyond it are idle.", low=0.0, high=10.0, plausible=(0.05, 0.5))
_add("volunteers_per_10k", 73.83, "volunteers per 10,000 residents",
     "article: 3,312 双报到 + 570 riders + 235 street heads + 318 building heads + 733 red grid workers "
     "= 5,168 / 70", L, "Volunteers (extra eyes on the street, informal mediation).", low=0.0, high=1000.0,
     plausible=(0.0, 100.0))
_VOLUNTEER_ROLES = {VolunteerRole.PARTY_MEMBER: (3312, "article: 3,312 双报到 in-service Party members"),
                    VolunteerRole.STREET_HEAD: (235, "article: 235 党员街巷长"),
                    VolunteerRole.BUILDING_HEAD: (318, "article: 318 党员楼长"),
                    VolunteerRole.RED_GRID_WORKER: (733, "article: 733 红色网格员"),
                    VolunteerRole.RIDER: (570, "article: 570+ couriers, delivery riders and drivers")}
for _role, (_count, _src) in _VOLUNTEER_ROLES.items():
    _add(f"volunteer_role_count.{_role.label}", _count, "volunteers at scale 1.0", _src, S,
         f"Volunteers who are {_role.label.replace('_', ' ')}s: the roles are dealt in these proportions.",
         low=0, high=1_000_000)
_add("volunteer_caseload", 1, "minor neighbour disputes per volunteer", EST, L,
     "Minor neighbour disputes a volunteer mediates informally at once (0: volunteers only watch).",
     low=0, high=10)
_add("mediators_per_10k", 10.84, "mediators per 10,000 residents", "article: 759 人民调解员 / 70", L,
     "People's mediators per 10,000 residents.", low=0.0, high=200.0, plausible=(5.0, 20.0))
_FULL_TIME_MEDIATORS = {  # per committee
    Level.COMMUNITY: (0.14, "r1: Fujian justice department 2022: full-time mediators in 14 % of villages"),
    Level.TOWN: (2.0, "r1: Fujian justice department 2022: at least 2 full-time mediators per township committee"),
    Level.SPECIALISED: (1.0, EST + " (r1: Henan's norm is 3 per sector committee; Fujian gives none)"),
    Level.CITY: (5.0, "r1: Henan 2019 norm: 5+ per county centre; Fujian: at least 2 per county committee")}
for _level, (_count, _src) in _FULL_TIME_MEDIATORS.items():
    _add(f"full_time_mediators.{_level.label}", _count, "full-time mediators per committee", _src, L,
         f"Full-time mediators of each {_level.label} committee (a fraction: the committees with most residents "
         "have one); the level's other mediators are part-time.", low=0.0, high=100.0,
         plausible=(0.5 * _count, 2.0 * _count))
_add("part_time_mediator_hours_per_week", 3.0, "hours per week", EST + " (r1: no figure found; most of the 759 are "
     "village cadres, Party members or retired residents mediating beside other work)", U,
     "Hours a part-time people's mediator gives to cases each week.", low=0.0, high=40.0, plausible=(1.0, 8.0))
_add("full_time_mediator_case_share", 0.6, "share of a working week", EST + " (the rest is screening (排查), "
     "records and publicity)", U, "Share of a full-time mediator's (and a city-centre officer's) week spent on "
     "cases.", low=0.0, high=1.0, plausible=(0.4, 0.8))
_MEDIATION_HOURS = {Level.COMMUNITY: 4.0, Level.SPECIALISED: 6.0, Level.TOWN: 6.0, Level.CITY: 6.0}
for _level, _hours in _MEDIATION_HOURS.items():
    _add(f"mediation_hours.{_level.label}", _hours, "mediator hours per minor case", EST + " (r1: no figure "
         "found; Shishi's ≈ 3,500 mediations a year by 759 mediators is ≈ 4.6 cases per mediator a year)", U,
         f"Mediators' working hours one minor case takes at the {_level.label} level (× service_factor for moderate "
         "and major): with the committee's hours it sets how many cases it can carry at once (Little's law).",
         low=0.1, high=200.0, plausible=(0.5 * _hours, 2.0 * _hours))
_add("city_centre_staff", 20, "full-time staff", "r1: county-level centres: 12 (Fuling), 21 (Xiuzhou); Shishi's not "
     "published (estimate: near the top, for 3,616 cases a year)", L,
     "Staff of the city's dispute-resolution centre (市矛盾纠纷多元化解中心) besides its people's mediators: "
     "officers of the departments stationed there (petitions, justice, labour, the court).",
     low=0, high=1_000, plausible=(12.0, 30.0))
_MEDIATOR_SHARE = {Level.COMMUNITY: 0.50, Level.TOWN: 0.12, Level.CITY: 0.03, Level.SPECIALISED: 0.35}
for _level, _share in _MEDIATOR_SHARE.items():
    _add(f"mediator_share.{_level.label}", _share, "share of mediators", EST + " (anchors: 1 city, 9 town, "
         "128 community centres; article: 43 specialised committees)", L,
         f"Share of mediators serving {_level.label} committees (shares sum to 1).", low=0.0, high=1.0)
_SPECIALISED = {SpecialisedField.PROPERTY: (3, "article: 3 物业纠纷调委会"),
                SpecialisedField.LABOUR: (5, "article: 3 企业 + 2 园区调委会"),
                SpecialisedField.COMMERCIAL: (35, "article: 20 商会调委室 + 15 行业性专业性调委会")}
for _field, (_count, _src) in _SPECIALISED.items():
    _add(f"specialised_committees.{_field.label}", _count, "committees at scale 1.0", _src, L,
         f"Specialised mediation committees for {_field.label} disputes (0 removes the route).",
         low=0, high=1_000)
_TIME_LIMIT = {Level.GRID: (3.0, "anchors: hotline enquiries 3 working days"),
               Level.COMMUNITY: (15.0, "anchors: complaints 13 working days"),
               Level.SPECIALISED: (30.0, "anchors: mediation within one month (MoJ order 75)"),
               Level.TOWN: (30.0, "anchors: mediation within one month (MoJ order 75)"),
               Level.CITY: (0.0, EST + ": the top level has no time limit"),
               Level.DEPARTMENT: (0.0, EST + ": a department keeps a request until it is done; its deadline "
                                  "(hotline_deadline_days) is measured, not enforced by escalation")}
for _level, (_days, _src) in _TIME_LIMIT.items():
    _add(f"time_limit_days.{_level.label}", _days, "days (0 = none)", _src, L,
         f"Days a case may spend at the {_level.label} level before it escalates.", low=0.0, high=3650.0)

# ---------------------------------------------------------------- grid workers' working time (多网合一)
_add("working_hours_per_week", 40.0, "hours per week", "国务院关于职工工作时间的规定 (1995): 8 h a day, 40 h a week", S,
     "A full-time grid worker's (and dispatch-centre clerk's) working week.", low=1.0, high=84.0)
_add("part_time_hours_share", 0.4, "share of a full-time week", EST + " (兼职: a few hours on most days)", U,
     "Hours a part-time grid worker gives, as a share of a full-time week.", low=0.0, high=1.0,
     plausible=(0.25, 0.6))
_add("residents_per_household", 2.68, "residents per household",
     "Fujian 7th census (2020): 2.68 per family household", S,
     "Turns residents into the households that department tasks and household visits are counted in.",
     low=1.0, high=10.0)
_add("department_hours_per_household_month", 0.4, "hours per household per month", EST + " (" + WORKLOAD + ")", U,
     "Tasks departments assign to grid workers (information upkeep on people, houses and businesses, safety "
     "inspections, campaigns); done after orders, before patrol (what a day cannot cover is left undone).",
     low=0.0, high=50.0, plausible=(0.2, 0.6))
_ORDER_HOURS = {CaseKind.NEIGHBOUR: 2.0, CaseKind.FAMILY: 2.5, CaseKind.PROPERTY: 2.0, CaseKind.LABOUR: 3.0,
                CaseKind.COMMERCIAL: 3.0, CaseKind.PUBLIC_SERVICE: 1.5}
for _kind, _hours in _ORDER_HOURS.items():
    _add(f"order_hours.{_kind.label}", _hours, "worker hours per minor case",
         EST + " (anchors: first visit within 8 hours; travel, on-site work and registration)", U,
         f"A grid worker's hours to handle a minor {_kind.label.replace('_', ' ')} case on the spot "
         "(× service_factor for moderate and major).", low=0.01, high=100.0,
         plausible=(0.5 * _hours, 2.0 * _hours))
_add("registration_hours", 0.25, "worker hours per case", EST + " (registering a case found on patrol in 网格通)", U,
     "A grid worker's hours to register a case found on patrol.", low=0.0, high=10.0)
_add("followup_hours", 0.5, "worker hours per case", EST + " (article: 回访 on every closed case; r1: callbacks the "
     "day after closing)", U,
     "A grid worker's hours for the follow-up visit (回访) before a resolved case of the grid is closed.",
     low=0.0, high=10.0, plausible=(0.25, 1.0))
_add("events_per_patrol_hour", 0.6, "events per patrol hour", EST + " from r1: Jinjiang's platform gathered "
     "610,000+ items in ≈ 6.6 months of 2025 by patrol and online reports, ≈ 46 per full-time worker a month", U,
     "Minor events (hazards, sanitation, broken facilities, changes to record) a worker finds per hour of patrol "
     "and fixes or records as an order the next day: patrol makes order work.", low=0.0, high=20.0,
     plausible=(0.2, 1.2))
_add("event_hours", 0.5, "worker hours per event", EST + " (r1: ≈ 13–17 % fixed on the spot, Huzhou and Kunming)",
     U, "A grid worker's hours to fix or record one event found on patrol.", low=0.0, high=10.0,
     plausible=(0.25, 1.0))
_add("household_visit_hours", 0.33, "worker hours per household visit", EST + " (" + WORKLOAD + ")", U,
     "Hours of patrol and household visiting (入户走访) per household visited, walking included.",
     low=0.01, high=10.0, plausible=(0.17, 0.5))
_add("patrol_find_per_day", 0.12, "probability per day",
     EST + " (anchors: 97.6 % of urban grid cases found by patrol, Kunming)", U,
     "Daily chance that patrol finds a fully visible latent case in a grid whose households are visited far "
     "more often than the saturation frequency (the most patrol can do).", low=0.0, high=1.0,
     plausible=(0.05, 0.3))
_add("patrol_saturation_visits_per_week", 0.5, "household visits per household per week",
     EST + " (docs/sources.md: a Shenzhen grid worker visits each of 672 households every half-month)", U,
     "Visit frequency at which patrol reaches 63 % of its most (1 − e⁻¹); detection is "
     "patrol_find_per_day × (1 − exp(−visits / this)); how many visits are made is the norm's to say.",
     low=0.01, high=50.0, plausible=(0.25, 1.0))

# ---------------------------------------------------------------- the dispatch centre (订单分包)
_add("dispatch_staff_per_10k", 0.4, "dispatch clerks per 10,000 residents",
     EST + " (≈ 3 clerks in each of the 9 town social-governance centres)", L,
     "Staff of the towns' social-governance centres who register, check, grade and assign every report "
     "(登记、审核、分级、甄别、指派); each town has at least one.", low=0.01, high=100.0, plausible=(0.1, 1.0))
_add("triage_hours_per_case", 0.5, "clerk hours per case", EST, U,
     "Clerk hours to register, check, grade and assign one report (0 = instant, as in validation).",
     low=0.0, high=20.0, plausible=(0.25, 1.0))
_add("triage_accuracy", 0.9, "share of cases", EST + " (docs/sources.md: 3.9 % of hotline orders bounce, Yichun)", L,
     "Share of cases graded to their true severity and needed level; a misgraded case is one step too low (it "
     "reaches a level without the authority it needs and most likely fails, with a failure's costs) or too high "
     "(it takes a scarcer level's time, or is handed down).", low=0.5, high=1.0, plausible=(0.7, 1.0))
_add("handoff_days", 1.0, "days", EST + " (being passed between levels, 推诿, is a common hotline complaint)", U,
     "Days a case spends in transit when it is passed to another level (after a failure, a time-out or a return).",
     low=0.0, high=60.0, plausible=(0.5, 3.0))
_add("screening_days", 0.5, "days", EST + " (anchors: Shandong: a wrong unit returns the order within 2 working "
     "days)", U, "Days a level's handler takes to see that a case graded too high is not theirs and hand it down.",
     low=0.0, high=30.0, plausible=(0.25, 2.0))
_add("overgrade_return_share", 0.5, "share of cases graded too high", EST + " (r1: re-dispatch 0.25–0.82 % of "
     "orders, Junshan and Gao'an; 3.9 % passing between units, Yichun)", U,
     "Share of cases graded too high that the level they reach hands down (退单/交办) rather than handling them "
     "itself.", low=0.0, high=1.0, plausible=(0.2, 0.8))

# ---------------------------------------------------------------- departments (public-service requests)
_add("department_staff_per_10k", 2.0, "department case officers per 10,000 residents", EST, L,
     "Officers of the responsible departments who take public-service requests from the dispatch centre.",
     low=0.0, high=200.0, plausible=(1.0, 4.0))
_add("department_caseload", 5, "requests per officer", EST, L, "Requests an officer handles at once.",
     low=1, high=100)
_add("hotline_deadline_days", 15.0, "days", "anchors: hotline deadlines (complaints 13 working days; Beijing 15 "
     "days for complex requests)", S, "Deadline for a public-service request, measured from its report.",
     low=1.0, high=365.0)

# ---------------------------------------------------------------- authority and the cost of escalation
_AUTHORITY = {  # needed level by severity: (community, town, city); grid takes the rest
    Severity.MINOR: (0.30, 0.05, 0.0), Severity.MODERATE: (0.55, 0.25, 0.03), Severity.MAJOR: (0.25, 0.50, 0.20)}
for _severity, _shares in _AUTHORITY.items():
    # Plausible: from half the share up to the share plus an equal part of what the three leave to the
    # grid level, so that any draw from the ranges keeps their sum at most 1.
    _slack = (1.0 - sum(_shares)) / sum(1 for _share in _shares if _share)
    for _level, _share in zip((Level.COMMUNITY, Level.TOWN, Level.CITY), _shares, strict=True):
        _source = EST + " (article: 小事不出村、大事不出镇、难事不出县)" if _share else \
            "by definition: a minor dispute never needs the city"
        _add(f"authority_share.{_severity.label}.{_level.label}", _share, "share of disputes", _source,
             U if _share else S,
             f"Share of {_severity.label} disputes that need {_level.label} authority to be resolved "
             "(the grid level takes the rest).", low=0.0, high=1.0,
             plausible=(0.5 * _share, _share + _slack) if _share else None)
_AUTHORITY_UP = {CaseKind.NEIGHBOUR: 0.0, CaseKind.FAMILY: 0.0, CaseKind.PROPERTY: 0.2, CaseKind.LABOUR: 0.3,
                 CaseKind.COMMERCIAL: 0.2}
for _kind, _share in _AUTHORITY_UP.items():
    _source = EST + " (a company, an employer or a property firm on the other side)" if _share else \
        "by definition: no firm on the other side"
    _add(f"authority_up_share.{_kind.label}", _share, "share of disputes", _source, U if _share else S,
         f"Share of {_kind.label} disputes that need one level more authority than their severity alone.",
         low=0.0, high=1.0, plausible=(0.5 * _share, 1.5 * _share) if _share else None)
_add("public_service_on_spot_share", 0.17, "share of requests", "anchors: ≈ 17 % of grid cases fixed on the spot "
     "(Kunming 2024)", U, "Public-service requests a grid worker can settle on the spot; the rest need the "
     "responsible department.", low=0.0, high=1.0, plausible=(0.1, 0.3))
_add("success_below_authority", 0.1, "probability", EST, U,
     "Chance a handler below the level of authority a case needs resolves it anyway.", low=0.0, high=1.0,
     plausible=(0.0, 0.25))
_add("local_knowledge_failure_factor", 2.0, "multiplier", EST + " (lower levels know the people)", U,
     "Failure probability of neighbour and family disputes at the town and city levels, relative to the "
     "level's own.", low=0.0, high=100.0, plausible=(1.0, 3.0))
_add("worsen_per_failure", 0.2, "probability per failed attempt", EST, U,
     "Chance a dispute worsens one severity step after a failed attempt or a time-out.", low=0.0, high=1.0,
     plausible=(0.05, 0.4))
_add("trust_loss_per_failure", 0.05, "trust points per failed attempt", EST, U,
     "Trust the party loses at each failed attempt or time-out.", low=0.0, high=1.0)
_add("exit_per_failure", 0.1, "probability per failed attempt at zero trust", EST + " (anchors: ≈ 1 % of mediated "
     "disputes go on to litigation)", U,
     "Chance the party leaves the system after a failed attempt, times (1 − the party's trust); after a failure "
     "at the top the party always leaves.", low=0.0, high=1.0, plausible=(0.03, 0.3))
_EXIT_SPLIT = {  # (petition, arbitration, litigation) shares of parties who leave, by kind; the rest give up
    CaseKind.NEIGHBOUR: (0.3, 0.0, 0.4), CaseKind.FAMILY: (0.1, 0.0, 0.6), CaseKind.PROPERTY: (0.3, 0.0, 0.4),
    CaseKind.LABOUR: (0.2, 0.6, 0.1), CaseKind.COMMERCIAL: (0.05, 0.2, 0.6), CaseKind.PUBLIC_SERVICE: (0.3, 0.0, 0.05)}
for _kind, _split in _EXIT_SPLIT.items():
    _slack = (1.0 - sum(_split)) / sum(1 for _share in _split if _share)  # any draw keeps the sum at most 1
    for _exit, _share in zip(("petition", "arbitration", "litigation"), _split, strict=True):
        _add(f"exit_{_exit}_share.{_kind.label}", _share, "share of parties who leave",
             (EST + (" (劳动仲裁 comes before a labour lawsuit)" if _kind is CaseKind.LABOUR and _exit == "arbitration"
                     else "")) if _share else "by definition: no such exit for this kind", U if _share else S,
             f"Share of {_kind.label.replace('_', ' ')} parties leaving after a failure who go to "
             f"{dict(petition='a petition (越级上访)', arbitration='arbitration', litigation='court')[_exit]}; "
             "those who go nowhere give up (withdrawn).", low=0.0, high=1.0,
             plausible=(0.5 * _share, _share + _slack) if _share else None)

# ---------------------------------------------------------------- disputes and requests arising
_RATE = {CaseKind.NEIGHBOUR: 23.29, CaseKind.FAMILY: 10.59, CaseKind.PROPERTY: 12.7, CaseKind.LABOUR: 10.59,
         CaseKind.COMMERCIAL: 8.469, CaseKind.PUBLIC_SERVICE: 257.7}
for _kind, _rate in _RATE.items():
    _add(f"dispute_rate_per_10k.{_kind.label}", _rate, "cases per 10,000 residents per year",
         (CALIBRATED + " to 20,000–25,000 requests a year (article)") if _kind is CaseKind.PUBLIC_SERVICE else
         CALIBRATED + ": a common multiplier (0.42) on the estimates 55/25/30/25/20 fitted to the disputes "
         "committees take up (anchors: 36–50 per 10,000 a year)", U,
         f"City-wide rate at which {_kind.label.replace('_', ' ')} cases arise.", low=0.0, high=10_000.0,
         plausible=(0.5 * _rate, 1.5 * _rate))
_PLACE_MULT = {  # relative rate of each kind by place kind; normalised so the city average is the rate above
    (PlaceKind.STREET_LANE, CaseKind.NEIGHBOUR): 1.4, (PlaceKind.RESIDENTIAL_COMPOUND, CaseKind.PROPERTY): 2.5,
    (PlaceKind.VILLAGE, CaseKind.PROPERTY): 0.2, (PlaceKind.MARKET_CLUSTER, CaseKind.COMMERCIAL): 5.0,
    (PlaceKind.INDUSTRIAL_PARK, CaseKind.LABOUR): 5.0, (PlaceKind.VILLAGE, CaseKind.FAMILY): 1.3,
}
for _place in PlaceKind:
    for _kind in CaseKind:
        _add(f"place_rate_weight.{_place.label}.{_kind.label}", _PLACE_MULT.get((_place, _kind), 1.0),
             "relative weight", EST + " (article: 街巷/电商/园区枫桥 by place)", S,
             f"Relative rate of {_kind.label} cases in {_place.label} grids.", low=0.0, high=100.0)
_add("migrant_rate_ratio", 1.2, "ratio", EST, U,
     "Disputes per migrant resident relative to a registered resident.", low=0.0, high=10.0,
     plausible=(1.0, 1.5))
_SEVERITY = {  # (moderate share, major share) at arising
    CaseKind.NEIGHBOUR: (0.25, 0.03), CaseKind.FAMILY: (0.30, 0.06), CaseKind.PROPERTY: (0.30, 0.05),
    CaseKind.LABOUR: (0.35, 0.08), CaseKind.COMMERCIAL: (0.35, 0.08), CaseKind.PUBLIC_SERVICE: (0.12, 0.01),
}
for _kind, (_moderate, _major) in _SEVERITY.items():
    _add(f"moderate_share.{_kind.label}", _moderate, "share of new cases", EST, U,
         f"Share of new {_kind.label} cases that are moderate.", low=0.0, high=1.0)
    _add(f"major_share.{_kind.label}", _major, "share of new cases", EST, U,
         f"Share of new {_kind.label} cases that are major.", low=0.0, high=1.0,
         plausible=(0.5 * _major, 2.0 * _major))
_add("worsen_days.minor", 45.0, "mean days", EST, U, "Mean days for a latent minor case to become moderate.",
     low=0.1, high=10_000.0, plausible=(20.0, 90.0))
_add("worsen_days.moderate", 90.0, "mean days", EST, U, "Mean days for a latent moderate case to become major.",
     low=0.1, high=10_000.0, plausible=(45.0, 180.0))
_add("court_referral_per_10k", 44.46, "cases per 10,000 residents per year",
     CALIBRATED + " to the city centre's 3,616 cases in 2022 (anchors; national: 6.75 M court-delegated mediations "
     "in 2022 ≈ 48 per 10,000; r2: Quanzhou ≈ 70–75 first-instance civil cases per 10,000)", U,
     "Civil disputes a court (or the labour arbitration institute) refers to the city centre for mediation before "
     "filing (诉前调解): they load the centre's capacity; if mediation fails they go back.", low=0.0, high=1_000.0,
     plausible=(10.0, 60.0))
_REFERRAL_KINDS = {CaseKind.NEIGHBOUR: 0.1, CaseKind.FAMILY: 0.2, CaseKind.PROPERTY: 0.1, CaseKind.LABOUR: 0.15,
                   CaseKind.COMMERCIAL: 0.45}
for _kind, _share in _REFERRAL_KINDS.items():
    _add(f"court_referral_share.{_kind.label}", _share, "share of referrals", EST + " (contract, debt and sales "
         "disputes fill civil dockets)", S, f"Share of court referrals that are {_kind.label} disputes (shares sum "
         "to 1).", low=0.0, high=1.0)
_add("court_referral_success", 0.52, "probability", "r2: Fuzhou Gulou court 2022: 52.31 % of 6,865 referred disputes "
     "settled (Jiangsu 2010: 81.55 %)", U, "Chance the city centre settles a court-referred dispute.",
     low=0.0, high=1.0, plausible=(0.45, 0.85))
_add("surge.kind", "labour", "case kind", "issue 4: layoffs in industrial parks", U,
     "Kind of case whose rate surges.", choices=tuple(CaseKind.labels()))
_add("surge.place", "industrial_park", "place kind or 'all'", "issue 4", U,
     "Where the surge happens.", choices=(*PlaceKind.labels(), "all"))
_add("surge.factor", 1.0, "rate multiplier", "issue 4 (1 = no surge)", U,
     "Multiplier on the surging kind's rate during the surge.", low=0.0, high=100.0, plausible=(1.0, 3.0))
_add("surge.start_day", 90, "day", "issue 4 (a surge scenario's timing)", S, "First day of the surge.", low=0,
     high=3650)
_add("surge.days", 0, "days", "issue 4 (0 = no surge; a surge scenario's timing)", S, "Length of the surge.", low=0,
     high=3650)

# ---------------------------------------------------------------- the seasons (Spring Festival, typhoons, summer)
_add("spring_festival_away_share", 0.6, "share of migrants", "r2: Guangzhou 2019: 63.9 % of non-local workers go "
     "home; Jinjiang ≈ 0.55–0.6 (estimate)", U, "Migrants away over the Spring Festival: disputes and requests of "
     "migrant parties fall while they are away.", low=0.0, high=1.0, plausible=(0.45, 0.75))
_add("spring_festival_leave_days", 20, "days", "r2: departures over the three weeks before, peak on 腊月二十七", U,
     "Days before the festival over which migrants leave (evenly).", low=1, high=60, plausible=(10.0, 30.0))
_add("spring_festival_return_days", 25, "days", "r2: Shishi's garment workers return mostly in the week after 元宵 "
     "(day +15); ≈ 85 % back by day +25", U, "Days after the festival over which migrants return (evenly).",
     low=1, high=90, plausible=(15.0, 40.0))
_add("wage_arrears_factor", 1.6, "rate multiplier", "r2 (estimate): year-end to the festival is 欠薪问题易发期 "
     "(Quanzhou 2019); national winter wage campaigns run from November", U,
     "Labour disputes before the Spring Festival (from wage_arrears_window_days before to a week before), relative "
     "to the rest of the year.", low=0.0, high=10.0, plausible=(1.3, 2.0))
_add("wage_arrears_window_days", 60, "days", "r2 (estimate): campaigns from early November to the festival", U,
     "Days before the Spring Festival when wage-arrears labour disputes rise.", low=7, high=180, plausible=(45.0, 90.0))
_add("festival_labour_factor", 0.4, "rate multiplier", "r2 (estimate): firms closed and workers away, days −7 to +7",
     U, "Labour disputes in the festival fortnight, relative to the rest of the year.", low=0.0, high=2.0,
     plausible=(0.2, 0.7))
_add("post_festival_labour_factor", 1.3, "rate multiplier", "r2: 9 % of a court's labour cases came from workers "
     "quitting after the festival (Beijing No. 2 Intermediate Court, 2014)", U,
     "Labour disputes from a week to a month after the festival (job-hopping, unpaid year-end pay).",
     low=0.0, high=10.0, plausible=(1.0, 1.5))
_add("festival_request_factor", 0.5, "rate multiplier", "r2: Huangshi 12345 −57 % in the 2021 holiday week; Jinan "
     "+12 % at Qingming", U, "Public-service requests in the festival week (days −3 to +4), relative to other days.",
     low=0.0, high=2.0, plausible=(0.4, 0.9))
_add("summer_request_factor", 1.1, "rate multiplier", "r2: Sichuan 12345 July 2024 +17 % on June", U,
     "Public-service requests in July and August, relative to other days.", low=0.0, high=5.0, plausible=(1.0, 1.2))
_add("typhoons_per_year", 5.3, "typhoons per year", "r2: Quanzhou meteorological office: 30-year mean 5.3 typhoons "
     "landing on or affecting Quanzhou", U, "Typhoons affecting Shishi a year (Poisson; by month: June 8 %, July 22 %, "
     "August 30 %, September 22 %, October 12 %, the rest 6 %).", low=0.0, high=30.0, plausible=(4.0, 7.0))
_add("typhoon_days", 2, "days", "r2: Kompasu (2021): 80+ storm orders in Shishi in 34 hours", U,
     "Days a typhoon raises requests and property matters.", low=1, high=14, plausible=(1.0, 3.0))
_add("typhoon_request_factor", 2.0, "rate multiplier", "r2 (estimate): Kompasu's 80 orders in 34 h on ≈ 60–70 "
     "requests a day", U, "Public-service requests and property disputes on a typhoon day, relative to other days.",
     low=1.0, high=20.0, plausible=(1.5, 3.0))

# ---------------------------------------------------------------- how latent cases surface
_VISIBILITY = {CaseKind.NEIGHBOUR: 0.8, CaseKind.FAMILY: 0.3, CaseKind.PROPERTY: 0.7, CaseKind.LABOUR: 0.5,
               CaseKind.COMMERCIAL: 0.5, CaseKind.PUBLIC_SERVICE: 1.0}
for _kind, _visibility in _VISIBILITY.items():
    _add(f"visibility.{_kind.label}", _visibility, "0–1", EST, U,
         f"How visible a latent {_kind.label} case is to patrols and volunteers.", low=0.0, high=1.0)
_add("volunteer_find_per_day", 0.005, "probability per day", EST + ": a part-time volunteer (a few hours a week) "
     "finds a small fraction of what a grid worker's patrol does", U,
     "Chance one volunteer per volunteer_watch_residents residents finds a given fully visible latent case in a "
     "day.", low=0.0, high=1.0, plausible=(0.0, 0.05))
_add("volunteer_watch_residents", 500.0, "residents", "shishi-facts: ≈ 502 residents per responsibility grid", S,
     "The residents volunteer_find_per_day is stated for: a community's volunteers find at that rate times "
     "volunteers × this / the community's residents.", low=1.0, high=100_000.0)
_add("report_per_day", 0.08, "probability per day", EST, U,
     "Daily chance a fully trusting registered resident reports a latent minor dispute.", low=0.0, high=100.0,
     plausible=(0.03, 0.15))
_add("request_report_per_day", 1.0, "probability per day", EST + " (a request is something the resident wants "
     "done: reported within a day or two; patrol finds the rest)", U,
     "Daily chance a fully trusting registered resident reports a public-service request (× report_factor for "
     "moderate and major).", low=0.0, high=100.0, plausible=(0.3, 3.0))
_add("report_factor.moderate", 1.5, "multiplier", EST, U, "Reporting of moderate cases relative to minor.",
     low=0.0, high=100.0)
_add("report_factor.major", 3.0, "multiplier", EST, U, "Reporting of major cases relative to minor.",
     low=0.0, high=100.0)
_add("migrant_report_factor", 0.75, "multiplier", EST + " (facts: migrants have weaker neighbour ties)", U,
     "Reporting propensity of migrants relative to registered residents.", low=0.0, high=2.0,
     plausible=(0.5, 1.0))
_add("walk_in_report_share", 0.3, "share of resident reports", EST + " (r1: no walk-in share is published)", U,
     "Share of a resident's reports made by walking in where a centre is fully within reach (scaled by the grid's "
     "access to a centre); the rest go by hotline or the app.", low=0.0, high=1.0, plausible=(0.1, 0.4))
_add("app_share_of_remote_reports", 0.14, "share of remote reports", "r1: web, app and WeChat carry 2–30 % of "
     "remote requests (Xiamen 30 %, Zhangzhou 13 %, Beijing 9 %, Yichun 8 %); the rest is the 12345 hotline", U,
     "Share of a resident's remote (not walk-in) reports made through the i石狮 app.", low=0.0, high=1.0,
     plausible=(0.02, 0.3))
_add("police_alert_per_day.moderate", 0.004, "probability per day", EST + " (anchors: 13.9 % of 110 alerts are "
     "disputes)", U, "Daily chance a latent moderate case surfaces as a police alert.", low=0.0, high=1.0)
_add("police_alert_per_day.major", 0.03, "probability per day", EST, U,
     "Daily chance a latent major case surfaces as a police alert.", low=0.0, high=1.0)
_add("petition_per_day.major", 0.01, "probability per day at zero trust", EST, U,
     "Daily chance a latent major case becomes a petition (信访), times (1 − the party's trust).",
     low=0.0, high=1.0, plausible=(0.0, 0.03))

# ---------------------------------------------------------------- residents' trust
_add("initial_trust.registered", 0.75, "0–1 mean", EST, U, "Mean initial trust of registered residents.",
     low=0.0, high=1.0)
_add("initial_trust.migrant", 0.6, "0–1 mean", EST, U, "Mean initial trust of migrant residents.",
     low=0.0, high=1.0, plausible=(0.4, 0.75))
_add("trust_concentration", 10.0, "Beta concentration", EST, U, "How tightly initial trust clusters.",
     low=0.1, high=1_000.0)
_add("trust_gain_satisfied", 0.05, "trust points", EST, U, "Trust gained after a satisfying follow-up.",
     low=0.0, high=1.0)
_add("trust_loss_dissatisfied", 0.15, "trust points", EST, U, "Trust lost after a dissatisfying follow-up.",
     low=0.0, high=1.0)
_add("reputation_reference", 0.94, "share of closed cases", EST + ": Shishi's trust is taken to be in equilibrium "
     "today, so this is the calibrated baseline's own share of closed cases that end well (satisfied at closing; "
     "0.939 over seeds 1–3 at full scale: the rest withdrew or left)", U,
     "A community's recent share of good experiences at which its residents' trust is read as it is.",
     low=0.0, high=1.0, plausible=(0.88, 0.98))
_add("reputation_elasticity", 2.0, "relative change per unit share", EST + " (r2: resolution and callbacks raise "
     "hotline reuse, Beijing F district 2020; referral lowers satisfaction, Nie & Wang 2023; no effect size)", U,
     "How strongly residents' trust follows their community's recent experience: × (1 + this × (share − "
     "reputation_reference)).", low=0.0, high=20.0, plausible=(0.0, 4.0))
_add("reputation_memory_days", 90.0, "days", EST, U, "How long word of mouth remembers (exponential time constant).",
     low=1.0, high=3650.0, plausible=(30.0, 365.0))
_add("reputation_prior_cases", 20.0, "cases", EST, S, "Pseudo-cases at reputation_reference a community's share "
     "starts from and is pulled towards (small communities swing less).", low=0.0, high=10_000.0)

# ---------------------------------------------------------------- Shishi's further systems (issue 11)
# Stationed cadres (挂居蹲点)
_add("stationed_cadres", 128, "cadres at scale 1.0", "article: 选派128名市直单位党员科级干部挂居(村)蹲点", L,
     "Section-level cadres of city departments stationed in communities (one per community at full scale, most "
     "populous communities first); a cadre lets a community committee bring a department's authority to a case "
     "that needs the town's (0 = none).", low=0, high=5_000, plausible=(0.0, 256.0))
_add("cadre_hours_per_week", 8.0, "hours per cadre per week", EST + " (蹲点 about one day a week; 平时组团服务)", U,
     "Hours a stationed cadre gives the community's cases in a normal week.", low=0.0, high=60.0,
     plausible=(4.0, 16.0))
_add("cadre_emergency_hours_per_week", 24.0, "hours per cadre per week", EST + " (article: 急时下沉组团作战)", U,
     "Hours a stationed cadre gives in a week of a surge (surge.days).", low=0.0, high=84.0)
_add("cadre_hours_per_case", 4.0, "hours per case", EST, U,
     "A cadre's hours to bring a department to one community mediation.", low=0.1, high=100.0, plausible=(2.0, 8.0))
_add("cadre_brings_authority_share", 0.8, "share of cases", EST + " (a section-level cadre of a city department: "
     "the right department for most, not all, of a community's hard cases)", U,
     "Share of the community mediations a stationed cadre joins in which the cadre brings the authority the case "
     "needs (the rest stay below it).", low=0.0, high=1.0, plausible=(0.5, 1.0))
# Big Party committees (大党委)
_add("big_party_committees", 54, "communities at scale 1.0", "article: 在54个社区(村)组建大党委", L,
     "Communities with a big Party committee (most populous first): member units take part and the chain "
     "community Party committee → grid branch → building group → member-household contacts passes reports on.",
     low=0, high=5_000, plausible=(0.0, 128.0))
_add("member_unit_share", 0.5, "share of disputes with a firm on the other side", EST + " (no source; the article "
     "gives only 73 units paired with communities and 297 resource lists)", U,
     "In a big-Party-committee community, share of disputes that need one level more authority because of a "
     "company, employer or property firm on the other side (authority_up_share) whose counterpart is a member "
     "unit: such a dispute needs no extra level.", low=0.0, high=1.0, plausible=(0.25, 0.75))
_add("big_party_report_factor", 1.3, "multiplier", EST + " (article: the chain solved 192 urgent problems)", U,
     "Residents' reporting in big-Party-committee communities, relative to elsewhere (member-household contacts "
     "pass problems on).", low=1.0, high=10.0, plausible=(1.0, 1.6))
# Three-zone co-building (三区联创)
_add("three_zone_pilots", 9, "pilot zones at scale 1.0", "article: 三区联创, 5 types, 2 batches, 9 pilots", L,
     "Pilot zones (small parks, standard parks, specialised markets, commercial streets, ports in turn), each the "
     "grids of its place kind in one community, with a zone Party committee's one-stop desk for labour and "
     "commercial disputes (0 = none).", low=0, high=500, plausible=(0.0, 18.0))
_add("three_zone_shared_sites", 79, "sites at scale 1.0", "article: 阵地共享79处", S,
     "Shared sites of the pilot zones: walk-in points for the zones' labour and commercial disputes.",
     low=0, high=10_000)
_add("zone_staff_per_pilot", 3, "staff per pilot zone", EST + " (a zone Party committee's one-stop desk)", U,
     "Staff of a zone's one-stop desk who mediate its labour and commercial disputes on site.", low=0, high=100,
     plausible=(1.0, 6.0))
_add("zone_service_factor", 0.7, "multiplier", EST + " (article: 园区枫桥 on-site, by-appointment one-stop service)",
     U, "Handling time at a zone's desk relative to a specialised committee's.", low=0.01, high=10.0,
     plausible=(0.5, 1.0))
_add("zone_find_per_day", 0.05, "probability per day", EST + " (the zone committee's on-site checks)", U,
     "Daily chance the zone's committee finds a fully visible latent labour or commercial dispute in its grids.",
     low=0.0, high=1.0, plausible=(0.0, 0.1))
_add("zone_site_hours_per_week", 84.0, "hours per week", EST + " (article: after-hours service, 12 h × 7 days)", U,
     "Opening hours of a zone's shared sites.", low=0.0, high=168.0)
# Neighbourhood centres (1+6+X, 15-minute living circle)
_add("neighbourhood_centres", 54, "upgraded centres at scale 1.0", "article: 升级打造54个社区党建+邻里中心", L,
     "Upgraded Party-building+ neighbourhood centres, placed one per community where they bring most residents "
     "into the 15-minute circle; longer hours and six service functions (0 = only the 128 basic centres).",
     low=0, high=5_000, plausible=(0.0, 128.0))
_add("land_area_km2", 160.0, "km²", "article: 陆域面积160平方公里", S, "Shishi's land area at scale 1.0.",
     low=1.0, high=100_000.0)
_add("village_land_share", 0.5, "share of land", EST + " (villages hold 13.8 % of residents, spread thin)", S,
     "Share of the land in village grids (the urban grids share the rest equally).", low=0.0, high=1.0)
_add("circle_minutes", 15.0, "minutes on foot", "article: 以实现15分钟生活圈为目标", S,
     "The living circle: how far on foot a centre is within reach.", low=1.0, high=120.0)
_add("walking_speed_km_per_h", 4.0, "km per hour", EST + " (an unhurried adult's walk)", S,
     "Walking speed that turns the circle's minutes into a radius.", low=1.0, high=10.0)
_add("centre_opening_hours_per_week.basic", 40.0, "hours per week", EST + " (office hours of a 党群服务中心)", U,
     "Opening hours of a basic community service centre.", low=0.0, high=168.0, plausible=(30.0, 56.0))
_add("centre_opening_hours_per_week.upgraded", 72.0, "hours per week", EST + " (a 邻里中心 open daily into "
     "the evening)", U, "Opening hours of an upgraded neighbourhood centre.", low=0.0, high=168.0,
     plausible=(56.0, 84.0))
_add("waking_hours_per_week", 84.0, "hours per week", EST + " (12 h × 7 days)", S,
     "The hours in a week a resident could walk in: a centre open this long is fully available.",
     low=1.0, high=168.0)
_add("walk_in_outside_circle_factor", 0.3, "multiplier", EST, U,
     "Walk-in reporting of residents outside the 15-minute circle, relative to those inside.", low=0.0, high=1.0,
     plausible=(0.1, 0.6))
_add("centre_on_spot_share", 0.3, "share of requests", EST + " (article: 6 functions: elderly care, childcare, "
     "health, food, leisure, errands)", U,
     "Public-service requests walked in to an upgraded centre that its six service functions settle on the spot.",
     low=0.0, high=1.0, plausible=(0.1, 0.5))
# Civility points (乡风文明积分)
_add("civility_incentive", True, "on/off", "article: 乡风文明积分制", L,
     "Civility points: certified residents earn points by reporting, volunteering and taking part, and the points "
     "they hold raise their propensity to report and to volunteer; certification spreads (off: no points, no "
     "spread, no effect).")
_add("civility_certified_share", 0.107, "share of residents", "article: ≈ 75,000 certified / 700,000", S,
     "Residents certified in the civility points scheme at the start.", low=0.0, high=1.0)
_add("civility_initial_points", 113, "points", "article: 8.48 million points / 75,000 residents", S,
     "Mean points a certified resident holds at the start.", low=0, high=100_000)
_add("civility_certification_per_year", 0.048, "share of uncertified residents per year",
     EST + " from the article: ≈ 75,000 certified in about 2.5 years is ≈ 30,000 a year of the 625,000 not yet "
     "certified", U, "Rate at which residents join the scheme while the incentive is on.", low=0.0, high=1.0,
     plausible=(0.0, 0.1))
_add("civility_points_per_week", 0.87, "points per certified resident per week",
     EST + " from the article: 113 points per resident earned over about 2.5 years", U,
     "Points a certified resident earns by taking part (neighbourhood activities, campaigns).", low=0.0,
     high=100.0, plausible=(0.4, 1.5))
_add("civility_points_per_report", 5, "points", EST, L, "Points a certified resident earns per case reported.",
     low=0, high=1_000)
_add("civility_points_per_volunteer_case", 5, "points", EST, L,
     "Points a certified volunteer earns per case found or mediated.", low=0, high=1_000)
_add("civility_half_points", 113.0, "points", "article: the mean holding, 8.48 million / 75,000", U,
     "Points at which a resident gets half the most the scheme can raise reporting and volunteering.",
     low=1.0, high=100_000.0)
_add("civility_report_uplift", 0.4, "relative increase", EST + " (a mean holder reports 1.2×)", U,
     "Most the points a resident holds can raise their reporting: × (1 + this × points / (points + half)).",
     low=0.0, high=10.0, plausible=(0.0, 1.0))
_add("civility_volunteer_uplift", 0.4, "relative increase", EST, U,
     "Most the points a volunteer holds can raise how much they find: × (1 + this × points / (points + half)).",
     low=0.0, high=10.0, plausible=(0.0, 1.0))
# The smart platform (智慧石狮, 网格通, i石狮)
_add("digital_platform", True, "on/off", "article: 智慧石狮 platform, 网格通 APP, i石狮", L,
     "On: reports are registered and graded on the platform (triage_hours_per_case, triage_accuracy, "
     "registration_hours) and residents can report through the app. Off: the centres grade by hand "
     "(manual_*), and the app channel is closed.")
_add("manual_triage_hours_per_case", 1.5, "clerk hours per case", EST + " (paper forms and phone calls)", U,
     "Clerk hours to register, check, grade and assign a report without the platform.", low=0.0, high=20.0,
     plausible=(1.0, 3.0))
_add("manual_triage_accuracy", 0.75, "share of cases", EST + " (no case history or map at hand)", U,
     "Share of cases graded right without the platform.", low=0.5, high=1.0, plausible=(0.6, 0.9))
_add("manual_registration_hours", 0.75, "worker hours per case", EST + " (a paper form carried to the centre)", U,
     "A grid worker's hours to register a case found on patrol without 网格通.", low=0.0, high=10.0)
_add("app_to_hotline_share", 0.5, "share of app reports", EST, U,
     "Share of would-be app reports made by hotline instead when there is no app (the rest are not made).",
     low=0.0, high=1.0, plausible=(0.25, 0.75))

# ---------------------------------------------------------------- handling
_SERVICE_DAYS = {Level.COMMUNITY: 3.047, Level.SPECIALISED: 5.333, Level.TOWN: 7.619, Level.CITY: 11.42,
                 Level.DEPARTMENT: 5.0}
for _level, _days in _SERVICE_DAYS.items():
    _add(f"service_days.{_level.label}", _days, "mean days for a minor case",
         "docs/sources.md: 12345 orders handled in 5 working days (Shandong rule), closed in 6.8 days (Huaibei)"
         if _level is Level.DEPARTMENT
         else CALIBRATED + ": mediations finish within their time limit (anchors: within one month)", U,
         f"Mean handling time at the {_level.label} level.", low=0.0001, high=3650.0,
         plausible=(0.5 * _days, 2.0 * _days))
_add("service_factor.moderate", 1.5, "multiplier", EST, U, "Handling time of moderate cases relative to minor.",
     low=0.0, high=100.0)
_add("service_factor.major", 2.5, "multiplier", EST, U, "Handling time of major cases relative to minor.",
     low=0.0, high=100.0)
_add("volunteer_service_days", 2.0, "mean days", EST, U, "Mean time a volunteer takes to mediate.",
     low=0.0001, high=365.0)
_add("service_distribution", "lognormal", "distribution", EST, U, "Shape of handling times.",
     choices=("lognormal", "exponential"))
_add("service_cv", 0.8, "coefficient of variation", EST, U, "Spread of lognormal handling times.",
     low=0.01, high=10.0)
_SUCCESS = {  # (minor, moderate, major)
    Level.GRID: (0.85, 0.50, 0.20), Level.COMMUNITY: (0.8939, 0.7449, 0.3625),
    Level.SPECIALISED: (0.9363, 0.8727, 0.7449), Level.TOWN: (0.9152, 0.8297, 0.6812),
    Level.CITY: (0.9363, 0.8727, 0.7873),
    Level.DEPARTMENT: (0.97, 0.95, 0.90),
}
for _level, _probabilities in _SUCCESS.items():
    for _severity, _p in zip(Severity, _probabilities, strict=True):
        _add(f"success.{_level.label}.{_severity.label}", _p, "probability",
             EST if _level is Level.GRID else "anchors: Beijing 12345 resolution 96.7 % (2024)"
             if _level is Level.DEPARTMENT else CALIBRATED + " to mediation success 96.16 % per case (anchors: "
             "Shishi 2018)", U,
             f"Chance a {_severity.label} case is resolved at the {_level.label} level when the level holds the "
             "authority it needs.", low=0.0, high=1.0,
             plausible=(max(0.0, _p - 0.1), min(1.0, _p + 0.03)))
_add("volunteer_success", 0.8, "probability", EST, U, "Chance a volunteer's informal mediation works.",
     low=0.0, high=1.0)
_add("withdraw_per_day", 0.002, "probability per day waiting", EST, U,
     "Daily chance a party withdraws a case while it waits for a handler.", low=0.0, high=1.0)

# ---------------------------------------------------------------- follow-up
_add("satisfaction.resolved", 0.99, "probability", EST + " (article: 回访满意率 close to 100 %)", U,
     "Chance a resolved case's party is satisfied when closed promptly.", low=0.0, high=1.0)
_add("satisfaction_grace_days", 15.0, "days", EST + " (anchors: complaints 13 working days)", U,
     "Days to close before delay starts to cost satisfaction.", low=0.0, high=3650.0)
_add("satisfaction_loss_per_day", 0.01, "probability per day late", EST, U,
     "Satisfaction lost per day beyond the grace period.", low=0.0, high=1.0)
_add("satisfaction_loss_per_escalation", 0.02, "probability per escalation", EST + " (being passed between levels, "
     "推诿, is a common hotline complaint; r2: referral lowers satisfaction, Nie & Wang 2023)", U,
     "Satisfaction lost each time a case is sent up a level.", low=0.0, high=1.0, plausible=(0.0, 0.05))
_add("remote_satisfaction_loss", 0.02, "probability per level above the community", EST + " (parties travel to the "
     "town or city and meet strangers; lower levels know the people)", U,
     "Satisfaction lost for each level above the community at which a case was resolved.", low=0.0, high=1.0,
     plausible=(0.0, 0.05))
_add("redo_limit", 1, "redos per case", EST + " (r1: no rule text found; Nanshan's redo office decides each)", L,
     "Times a case may be reopened (重办) after a dissatisfied follow-up.", low=0, high=3, plausible=(0.0, 3.0))
_add("redo_request_share", 0.15, "share of dissatisfied parties", EST + " from r1: rework 0.25 % of orders with 2.4 % "
     "dissatisfied at callback (Junshan 2018); Nanshan 0.17 % redone", U,
     "Share of parties dissatisfied at a follow-up who ask for the case to be redone.", low=0.0, high=1.0,
     plausible=(0.05, 0.5))

# Plausible ranges of the estimates above that were given without one (judgement: about half to
# twice the estimate, narrower where a bound is known); sensitivity, discovery and calibration draw
# from them.
_PLAUSIBLE = {
    "registration_hours": (0.1, 0.5), "trust_loss_per_failure": (0.02, 0.1), "report_factor.moderate": (1.0, 2.5),
    "report_factor.major": (1.5, 5.0), "police_alert_per_day.moderate": (0.002, 0.008),
    "police_alert_per_day.major": (0.015, 0.06), "initial_trust.registered": (0.6, 0.9),
    "trust_concentration": (5.0, 20.0), "trust_gain_satisfied": (0.02, 0.1), "trust_loss_dissatisfied": (0.05, 0.3),
    "cadre_emergency_hours_per_week": (8.0, 40.0), "zone_site_hours_per_week": (40.0, 100.0),
    "civility_half_points": (56.0, 226.0), "manual_registration_hours": (0.5, 1.5),
    "service_factor.moderate": (1.2, 2.0), "service_factor.major": (1.5, 4.0), "volunteer_service_days": (1.0, 4.0),
    "service_cv": (0.5, 1.2), "volunteer_success": (0.6, 0.9), "withdraw_per_day": (0.0005, 0.005),
    "satisfaction.resolved": (0.95, 1.0), "satisfaction_grace_days": (7.0, 30.0),
    "satisfaction_loss_per_day": (0.003, 0.02),
    **{f"moderate_share.{kind.label}": (0.5 * share, 1.5 * share) for kind, (share, _) in _SEVERITY.items()},
    **{f"visibility.{kind.label}": (0.5 * v, min(1.0, 1.5 * v)) for kind, v in _VISIBILITY.items()},
}
for _name, _range in _PLAUSIBLE.items():
    if _REGISTRY[_name].plausible is not None:
        raise RuntimeError(f"parameter {_name} has two plausible ranges")
    _REGISTRY[_name] = replace(_REGISTRY[_name], plausible=_range)

# Plain-language labels of the levers and settings figures and tables most often show; any other
# parameter is labelled from its name (sim.config.display.parameter_label).
_LABELS = {
    "scale": "Scale", "days": "Days simulated", "workers_per_10k": "Grid workers",
    "part_time_workers_per_10k": "Part-time grid workers", "worker_allocation": "Allocation of grid workers",
    "escalation_rule": "Escalation rule", "patrol": "Patrol", "volunteers_per_10k": "Volunteers",
    "mediators_per_10k": "People's mediators", "dispatch_staff_per_10k": "Dispatch clerks",
    "department_staff_per_10k": "Department case officers", "city_centre_staff": "City centre staff",
    "stationed_cadres": "Stationed cadres", "digital_platform": "Digital platform",
    "triage_accuracy": "Triage accuracy", "hotline_deadline_days": "Hotline deadline",
    "civility_incentive": "Civility points", "neighbourhood_centres": "Upgraded neighbourhood centres",
    "three_zone_pilots": "Three-zone pilots", "big_party_committees": "Big Party committees",
}
for _name, _label in _LABELS.items():
    _REGISTRY[_name] = replace(_REGISTRY[_name], label=_label)

del L, U, S, EST, WORKLOAD, CALIBRATED

PARAMS: Mapping[str, Param] = MappingProxyType(_REGISTRY)

# Groups whose members must sum to one.
SHARE_GROUPS = ("place_share", "mediator_share", "court_referral_share")


class Params(Mapping[str, Value]):
    """A complete, validated, read-only set of parameter values."""

    __slots__ = ("_values", "validation")

    def __init__(self, overrides: Mapping[str, object] | None = None, *, validation: bool = False):
        """``validation``: also accept the validation-only escalation rules (for the
        queueing-theory checks in scenarios/validation/)."""
        values: dict[str, Value] = {name: param.default for name, param in PARAMS.items()}
        for name, value in (overrides or {}).items():
            param = PARAMS.get(name)
            if param is None:
                raise ParamError(name, f"unknown parameter{_did_you_mean(name)}")
            try:
                values[name] = check_value(name, value, validation=validation)
            except ValueError as error:
                raise ParamError(name, str(error)) from None
        _check_relations(values)
        self._values = values
        self.validation = validation

    def __getitem__(self, name: str) -> Value:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def group(self, prefix: str) -> dict[str, Value]:
        """Members of a dotted group, keyed by the rest of the name: group('service_days')['town']."""
        start = prefix + "."
        return {name[len(start):]: value for name, value in self._values.items() if name.startswith(start)}

    def changed(self) -> dict[str, Value]:
        """The values that differ from the defaults."""
        return {name: value for name, value in self._values.items() if value != PARAMS[name].default}

    def as_dict(self) -> dict[str, Value]:
        return dict(self._values)


def check_value(name: str, value: object, *, validation: bool = False) -> Value:
    """``PARAMS[name].check(value)``, except that a validation run may choose a validation-only
    escalation rule."""
    if validation and name == "escalation_rule" and value in VALIDATION_RULES:
        return value
    return PARAMS[name].check(value)


def _check_relations(values: Mapping[str, Value]) -> None:
    try:
        check_span(parse_date(values["start_date"]), -values["warm_up_days"], values["days"])
    except ValueError as error:
        raise ParamError("start_date", str(error)) from None
    for severity in Severity:
        shares = [values[f"authority_share.{severity.label}.{level}"] for level in ("community", "town", "city")]
        if sum(shares) > 1.0 + 1e-9:
            raise ParamError(f"authority_share.{severity.label}",
                             f"the community, town and city shares sum to {sum(shares):.6g}, more than 1")
    for kind in CaseKind.labels():
        exits = [values[f"exit_{name}_share.{kind}"] for name in ("petition", "arbitration", "litigation")]
        if sum(exits) > 1.0 + 1e-9:
            raise ParamError(f"exit_litigation_share.{kind}",
                             f"petition, arbitration and litigation shares sum to {sum(exits):.6g}, more than 1")
    for group in SHARE_GROUPS:
        members = {name: value for name, value in values.items() if name.startswith(group + ".")}
        total = sum(members.values())
        if abs(total - 1.0) > 1e-6:
            raise ParamError(group, f"the shares {', '.join(members)} must sum to 1, not {total:.6g}")
    for kind in CaseKind.labels():
        moderate, major = values[f"moderate_share.{kind}"], values[f"major_share.{kind}"]
        if moderate + major > 1.0 + 1e-9:
            raise ParamError(f"major_share.{kind}", f"moderate ({moderate}) plus major ({major}) share exceeds 1")


def _did_you_mean(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(PARAMS), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
