"""What the grid-governance system costs, declared once: every price with its unit, default, source
and plausible range, like the parameter registry (``sim.config.params``).

Why a registry of its own: prices are not model parameters (no run reads them; a run's head counts
and caseloads are priced afterwards by ``sim.analyses.cost``), but they need the same discipline:
one source per number, a unit, and a range a researcher can sweep. Sources are rows of the domain
anchors (``docs/domain``, third stage §3 "Costs"); "estimate" marks a judgement, with the arithmetic
that led to it. Figures from another province or year are marked as such in the source.

The prices are yuan of the source's year (2017–2024), not deflated: the spread between sources is
far larger than a few years' wage growth, and the plausible ranges carry it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sim.config.errors import ParamError

ESTIMATE = "estimate"
# The only Shishi wage figures found (anchors §3 "Shishi wage benchmark 2018"): Quanzhou Statistical
# Yearbook 2019, table 5-3 (tjj.quanzhou.gov.cn), mean wage of Shishi's non-private units in 2018.
YEARBOOK = "Quanzhou Statistical Yearbook 2019 table 5-3 (tjj.quanzhou.gov.cn): Shishi 2018 mean wage"


@dataclass(frozen=True, slots=True)
class CostItem:
    """One price: ``default`` in ``unit``; ``plausible`` the range a researcher should try."""

    name: str
    default: float
    unit: str
    source: str
    doc: str
    plausible: tuple[float, float]

    def check(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
            raise ParamError(self.name, f"expected a number ≥ 0 ({self.unit}), got {value!r}")
        return float(value)


_DECLARED: dict[str, CostItem] = {}


def _cost(name: str, default: float, unit: str, source: str, doc: str, plausible: tuple[float, float]) -> None:
    if name in _DECLARED:
        raise RuntimeError(f"cost {name} declared twice")
    low, high = plausible
    if not low <= default <= high:
        raise RuntimeError(f"cost {name}: default {default} outside its plausible range {plausible}")
    _DECLARED[name] = CostItem(name, float(default), unit, source, doc, (float(low), float(high)))


YEAR = "yuan per person a year"

# ---------------------------------------------------------------- people
_cost("grid_worker_full_time", 26_400, YEAR,
      "anchors §3: Putian Hanjiang (Fujian) grid workers ≈ 2,200 yuan a month (奔流新闻 2024-08-22, confirmed by "
      "the district) × 12",
      "Pay of a full-time grid worker (专职网格员). The only Fujian grid-worker figure found; Shishi is richer than "
      "Putian, so the range reaches Shishi's mean wage of non-private units (60,176, 2018).",
      (26_400, 60_176))
_cost("grid_worker_part_time", 10_560, YEAR,
      ESTIMATE + ": part_time_hours_share (0.4 of a full-time week) × the full-time pay of 26,400",
      "Allowance of a part-time grid worker (兼职网格员), most of whom hold another post (committee member, "
      "inspector) that the allowance tops up.", (3_000, 24_000))
_cost("mediator_full_time", 60_176, YEAR, YEARBOOK + " of non-private units (60,176 yuan)",
      "Pay of a full-time people's mediator (专职人民调解员), hired on contract: Shishi's mean wage.",
      (30_000, 79_986))
_cost("mediator_part_time", 1_200, YEAR,
      ESTIMATE + ": a standing allowance of ≈ 100 yuan a month; no Fujian figure found (anchors §3: 'Not found: a "
      "Fujian 以案定补 tariff')",
      "Standing allowance of a part-time mediator (兼职人民调解员: village cadres, Party members, retired "
      "residents), besides the case subsidy.", (0, 6_000))
_cost("mediation_case_subsidy", 100, "yuan per mediated case",
      "anchors §3: Xiangyin (Hunan) 以案定补: 100 yuan an ordinary dispute, 300–500 a major one (xiangyin.gov.cn)",
      "Subsidy paid per case a mediation committee takes up (以案定补), on every case community, town and "
      "specialised committees take up; most are ordinary.", (50, 500))
_cost("dispatch_clerk", 60_176, YEAR, YEARBOOK + " of non-private units (60,176 yuan)",
      "Pay of a clerk of a town social-governance centre (dispatch centre: 登记、审核、分级、甄别、指派), hired "
      "on contract.", (40_000, 79_986))
_cost("department_officer", 68_188, YEAR, YEARBOOK + " of state organs (机关, 68,188 yuan)",
      "Pay of a department case officer, a city-centre officer or a pilot zone's desk officer: department staff "
      "time, priced at a whole post (the model's officers do only grid cases).", (59_200, 79_986))
_cost("employer_on_cost_share", 0.30, "share of pay",
      ESTIMATE + ": employer's social insurance and housing fund (pension 16 %, medical ≈ 7 %, unemployment, "
      "injury ≈ 1 %, housing fund 5–12 %) ≈ 30 %",
      "What an employer pays on top of pay for full-time staff (grid workers, mediators, clerks, officers); "
      "allowances and subsidies carry none.", (0.0, 0.40))
# ---------------------------------------------------------------- centres (running costs besides staff)
_cost("city_centre", 140_000, "yuan per centre a year",
      "anchors §3: Chaohu (Anhui) city mediation centre ≈ 140,000 yuan a year for office, cases and subsidies "
      "(chxf.gov.cn 2017-10-26)",
      "Running cost of the city's dispute-resolution centre (市矛盾纠纷多元化解中心) besides its staff's pay.",
      (70_000, 500_000))
_cost("town_centre", 100_000, "yuan per centre a year",
      ESTIMATE + ": below the city centre's 140,000 (Chaohu); no town figure found",
      "Running cost of a town's social-governance centre (dispatch and town mediation) besides staff pay.",
      (30_000, 200_000))
_cost("community_centre", 22_000, "yuan per centre a year",
      ESTIMATE + ": article: departments sank 1,200万+ yuan of building funds into the 54 Party-building+ "
      "neighbourhood centres ≈ 222,000 each, spread over 10 years",
      "Running and building cost of a village or community service centre (党群服务中心, where committee "
      "mediation and grid work are based) besides staff pay.", (5_000, 60_000))
# ---------------------------------------------------------------- the analyst's price of service
_cost("value_of_a_point", 3_000_000, "yuan a year per percentage point",
      ESTIMATE + " (an analyst's choice, not a fact): a point a year is worth ≈ 3 % of the baseline's ≈ 100 M yuan "
      "a year; compare the marginal costs in docs/cost.md and set your own with --price",
      "What one more percentage point of cases resolved within 30 days is worth a year, for the cost-adjusted "
      "score of the robust choice (points − cost / this).", (500_000, 20_000_000))

del YEAR

COSTS: Mapping[str, CostItem] = MappingProxyType(_DECLARED)
STAFF_PRICES = ("grid_worker_full_time", "grid_worker_part_time", "mediator_full_time", "mediator_part_time",
                "dispatch_clerk", "department_officer")
CENTRE_PRICES = ("city_centre", "town_centre", "community_centre")


def cost_values(overrides: Mapping[str, object] | None = None) -> dict[str, float]:
    """Every price, the defaults with ``overrides`` on top; an unknown name or a bad value raises
    ``ParamError`` naming it."""
    values = {name: item.default for name, item in COSTS.items()}
    for name, value in (overrides or {}).items():
        if name not in COSTS:
            raise ParamError(name, f"not a declared cost (sim/config/costs.py): one of {', '.join(COSTS)}")
        values[name] = COSTS[name].check(value)
    return values
