"""Shishi's grid work as it is: capacity that binds, the closed loop, time and place, trust that acts.

Each test runs the model and checks one mechanism does what it claims (issue 16)."""

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import small

from sim.config.calendar import SPRING_FESTIVAL
from sim.config.enums import CaseKind, Level, PlaceKind
from sim.config.params import PARAMS, ParamKind, Params
from sim.config.paths import SCENARIO_DIR
from sim.config.scenario import load_scenario
from sim.model.model import GridGovernanceModel
from sim.model.seasons import Seasons
from sim.results.api import run

ARISING = ["case_id", "grid", "kind", "severity_arisen", "day_arisen", "party"]


# ---------------------------------------------------------------- capacity that binds
def test_a_labour_surge_reaches_the_levels_labour_disputes_go_to_and_the_city_centre():
    config = {"scale": 0.5, "days": 240}
    base = run(load_scenario(None, config), seed=2)
    surge = run(load_scenario(SCENARIO_DIR / "labour_surge.toml", config), seed=2)

    def in_window(result, channel_is_referral: bool):
        cases = result.cases
        referral = cases["channel"] == "court_referral"
        return cases[(cases["kind"] == "labour") & cases["day_arisen"].between(90, 181)
                     & (referral if channel_is_referral else ~referral)]

    def taken_up(result, levels):
        visits = result.visits.merge(result.cases[["case_id", "kind"]], on="case_id")
        return int(((visits["kind"] == "labour") & visits["level"].isin(levels) & visits["day_started"].between(90, 181)
                    & (visits["end"] != "returned")).sum())

    assert len(in_window(surge, False)) > 1.5 * len(in_window(base, False))  # the parks' disputes …
    assert len(in_window(surge, True)) > 1.2 * len(in_window(base, True))  # … and the wage claims the courts refer
    assert taken_up(surge, ["specialised"]) > 1.3 * taken_up(base, ["specialised"])  # labour committees, zone desks
    assert taken_up(surge, ["city"]) > taken_up(base, ["city"])  # and the city centre take them up
    outside = ~((base.daily["day"] >= 90) & (base.daily["day"] <= 181))
    pd.testing.assert_series_equal(base.daily.loc[outside.to_numpy() & (base.daily["day"] < 90), "arisen"],
                                   surge.daily.loc[outside.to_numpy() & (surge.daily["day"] < 90), "arisen"])


def test_a_surge_of_factor_one_draws_exactly_the_baseline():
    """The surge analysis compares a surge with itself at factor 1: the same cases must arise."""
    config = {"scale": 0.05, "days": 200}
    base = run(load_scenario(None, config), seed=4)
    flat = run(load_scenario(SCENARIO_DIR / "labour_surge.toml", {**config, "surge.factor": 1.0}), seed=4)
    pd.testing.assert_frame_equal(base.cases, flat.cases)


def test_court_referrals_come_from_where_their_kind_of_dispute_arises():
    model = GridGovernanceModel(small(scale=0.2, days=1).params, seed=1)
    arrivals, params = model.arrivals, model.params
    labour = CaseKind.LABOUR.value
    referral_share = arrivals.referral_rates[:, labour] / arrivals.referral_rates[:, labour].sum()
    np.testing.assert_allclose(referral_share, arrivals.rates[:, labour] / arrivals.rates[:, labour].sum())
    expected = params["court_referral_per_10k"] * model.city.residents / 10_000 / 365
    assert arrivals.referral_rates.sum() == pytest.approx(expected)  # the city's total is unchanged
    parks = model.city.grid_place == PlaceKind.INDUSTRIAL_PARK
    residents_share = model.city.grid_population[parks].sum() / model.city.residents
    assert referral_share[parks].sum() > 2 * residents_share  # labour claims come from the parks


def test_a_labour_surge_overloads_the_city_centre_and_more_staff_there_relieves_it():
    """The city centre is the level with least slack (calibrated to 3,616 cases a year): the
    surge's wage claims and escalated disputes queue there, so waits grow and claims settle later;
    with twice the centre's staff the same surge queues less."""
    from sim.analyses.surge import surge_measures

    def growth(**extra):
        rows = []
        for seed in (1, 2, 3, 4):
            config = {"scale": 0.25, "days": 240, **extra}
            without = surge_measures(run(load_scenario(SCENARIO_DIR / "labour_surge.toml",
                                                       {**config, "surge.factor": 1.0}), seed=seed))
            with_surge = surge_measures(run(load_scenario(SCENARIO_DIR / "labour_surge.toml", config), seed=seed))
            rows.append({name: with_surge[name] - without[name] for name in with_surge})
        return pd.DataFrame(rows).mean()

    as_is, staffed = growth(), growth(city_centre_staff=40)
    assert as_is["surge_cases"] > 20 and as_is["surge_referrals"] > 10  # the surge arrives in both streams
    assert as_is["wait_days.city"] > 2.0  # a queue forms at the city centre …
    assert as_is["wait_days.city"] > 4 * max(as_is["wait_days.community"], as_is["wait_days.specialised"], 0.1)
    assert as_is["busy_share.city"] > 0
    assert as_is["surge_referral_days_to_close"] > 1.0  # … and the wage claims settle later
    assert as_is["surge_referrals_settled_within_30_days"] < 0
    assert staffed["wait_days.city"] < 0.5 * as_is["wait_days.city"]  # capacity is what binds


def test_committee_capacity_follows_mediators_hours():
    few = GridGovernanceModel(small(part_time_mediator_hours_per_week=1.0, days=1).params, seed=1)
    many = GridGovernanceModel(small(part_time_mediator_hours_per_week=10.0, days=1).params, seed=1)
    org_few, org_many = few.organisation, many.organisation
    assert sum(p.capacity for p in org_few.community_pools) < sum(p.capacity for p in org_many.community_pools)
    assert all(pool.capacity >= 1 for pool in org_few.community_pools)  # a committee with anyone carries a case
    city = GridGovernanceModel(small(scale=0.2, days=1).params, seed=1).organisation.city_pool
    staffed = GridGovernanceModel(small(scale=0.2, city_centre_staff=40, days=1).params, seed=1).organisation.city_pool
    assert staffed.capacity > city.capacity


def test_a_surge_runs_summary_reads_the_surge_in_its_window_from_the_records():
    config = {"scale": 0.1, "days": 200}
    assert "surge" not in run(load_scenario(None, config), seed=2).summary  # no surge, no table
    result = run(load_scenario(SCENARIO_DIR / "labour_surge.toml", config), seed=2)
    window = result.summary["surge"]
    cases = result.cases
    labour = cases[(cases["kind"] == "labour") & (cases["day_arisen"] >= 90) & (cases["day_arisen"] < 181)]
    referred = labour["channel"] == "court_referral"
    assert window["surge_cases"] == (~referred).sum() > 0 and window["surge_referrals"] == referred.sum() > 0
    grid = labour[~referred]
    in_time = (grid["outcome"] == "resolved") & (grid["day_closed"] - grid["day_arisen"] <= 30)
    assert window["surge_resolved_within_30_days"] == pytest.approx(in_time.mean())
    visits = result.model.cases.visit_columns()
    city = ((visits["level"] == Level.CITY.value) & (visits["t_entered"] >= 90) & (visits["t_entered"] < 181)
            & ~np.isnan(visits["t_started"]))
    assert window["wait_days.city"] == pytest.approx(np.mean(visits["t_started"][city] - visits["t_entered"][city]))
    assert 0 < window["busy_share.city"] <= 1


def test_the_surge_report_is_generated_from_paired_runs(tmp_path):
    from sim.docgen import surge

    out = tmp_path / "surge.md"
    assert surge.main(["--scale", "0.05", "--seeds", "2", "--variant-seeds", "2", "--ensemble", "2",
                       "--ensemble-scale", "0.05", "--ensemble-seeds", "1", "--processes", "2",
                       "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    for heading in ("## Where it binds", "## If capacity were at the low end", "## Across 2 calibrated worlds"):
        assert heading in text
    assert text.count("| city centre at the low end") == 1 and "wait for a handler at the city level" in text


def test_the_city_centres_capacity_follows_the_scale():
    """A small city keeps its one centre; its capacity per resident stays the full city's (within a
    slot's rounding), so a scale-0.05 run does not overload it."""
    def slots_per_10k(scale):
        model = GridGovernanceModel(small(scale=scale, days=1).params, seed=1)
        return model.organisation.city_pool.capacity / (model.city.residents / 10_000)

    full = slots_per_10k(1.0)
    for scale in (0.05, 0.1, 0.25):
        assert slots_per_10k(scale) == pytest.approx(full, rel=0.15), scale


# ---------------------------------------------------------------- the closed loop
def test_a_case_closes_only_after_its_follow_up_and_a_redo_costs_a_visit_days_and_hours():
    config = {"days": 150, "scale": 0.05, "redo_limit": 1, "redo_request_share": 1.0,
              "satisfaction.resolved": 0.5}
    result = run(small(**config), seed=3)
    visits, cases = result.visits, result.cases
    resolved = cases[(cases["outcome"] == "resolved") & (cases["channel"] != "court_referral")]
    follow_ups = visits[visits["level"] == "follow_up"]
    last = follow_ups.groupby("case_id")["day_left"].max()
    assert np.allclose(resolved.set_index("case_id")["day_closed"], last.loc[resolved["case_id"]])
    redone = cases[cases["redos"] > 0]
    assert len(redone) > 30
    assert (redone["satisfied_first"] == False).all()  # noqa: E712  (a nullable boolean)
    reopened = follow_ups[follow_ups["end"] == "reopened"]
    assert set(reopened["case_id"]) == set(redone["case_id"])
    for case_id in redone["case_id"].head(20):
        path = visits[visits["case_id"] == case_id].reset_index(drop=True)
        at = path.index[path["end"] == "reopened"][0]
        handled = path.loc[at + 1:]
        assert len(handled) >= 2 and handled.iloc[0]["level"] not in ("follow_up", "dispatch")  # redone …
        assert handled.iloc[0]["day_entered"] >= path.at[at, "day_left"]  # … after the hand-off
    never = run(small(**{**config, "redo_limit": 0}), seed=3)
    assert (never.cases["redos"] == 0).all()
    assert never.summary["worker_hours"]["orders"] < result.summary["worker_hours"]["orders"]  # redos cost hours
    assert never.summary["days_to_close"]["mean"] < result.summary["days_to_close"]["mean"]  # and days
    assert result.summary["satisfaction_rate"] > result.summary["satisfaction_first_follow_up"]


# ---------------------------------------------------------------- time
def test_seasonal_profiles_integrate_to_the_annual_rate():
    params = Params({"typhoons_per_year": 0.0, "start_date": "2024-01-01", "warm_up_days": 0, "days": 366})
    share = np.array([0.0, 0.3, 0.9])
    seasons = Seasons(params, share, np.random.default_rng(1), 0, 366)
    factors = np.array([seasons.factor(day) for day in range(366)])  # (days, grids, kinds)
    assert np.allclose(factors.mean(axis=0), 1.0)  # every grid, every kind: the year's mean is 1
    festival = (SPRING_FESTIVAL[2024] - date(2024, 1, 1)).days
    labour = factors[:, 0, CaseKind.LABOUR]
    assert labour[festival - 30] > labour[festival] and labour[festival - 30] > labour[festival + 120]
    requests = factors[:, 2, CaseKind.PUBLIC_SERVICE]
    assert requests[festival] < requests[festival + 120] < requests[date(2024, 7, 15).timetuple().tm_yday - 1]
    neighbour = factors[:, :, CaseKind.NEIGHBOUR]
    assert neighbour[festival, 2] < neighbour[festival, 0]  # migrants away: a migrant grid goes quieter
    typhoons = Params({"start_date": "2024-01-01", "warm_up_days": 0, "days": 366, "typhoons_per_year": 5.3})
    windy = Seasons(typhoons, share, np.random.default_rng(3), 0, 366)
    property_factor = np.array([windy.factor(day)[0, CaseKind.PROPERTY] for day in range(366)])
    assert np.isclose(property_factor.mean(), 1.0)  # typhoons move property matters to their days, add none
    stormy = np.array([windy.typhoon_on(day) for day in range(366)])
    assert stormy.any() and property_factor[stormy].mean() > 1.5 * property_factor[~stormy].mean()


def test_arrivals_follow_the_festival():
    result = run(small(scale=0.6, days=150, start_date="2023-11-01"), seed=5)
    festival = (SPRING_FESTIVAL[2024] - date(2023, 11, 1)).days
    rates = result.model.arrivals.rates_on
    labour = CaseKind.LABOUR
    assert rates(festival - 30)[:, labour].sum() == pytest.approx(4 * rates(festival)[:, labour].sum())  # 1.6 / 0.4
    cases = result.cases
    arisen = cases[(cases["kind"] == "labour") & (cases["channel"] != "court_referral")]["day_arisen"]
    before = arisen.between(festival - 50, festival - 9).sum() / 42
    during = arisen.between(festival - 7, festival + 7).sum() / 15
    assert before > 2.5 * during


def test_the_warm_up_is_left_out_of_every_output(tmp_path):
    warm = run(small(days=60, scale=0.05, warm_up_days=60), seed=7)
    cold = run(small(days=60, scale=0.05, warm_up_days=0), seed=7)
    assert (warm.cases["day_arisen"] >= 0).all() and (warm.visits["case_id"] >= warm.model.first_case).all()
    assert warm.model.first_case > 0 and cold.model.first_case == 0
    assert warm.daily["day"].iloc[0] == 0 and len(warm.daily) == 60
    assert warm.daily["open"].iloc[0] > 3 * max(cold.daily["open"].iloc[0], 1)  # queues were already there
    assert warm.daily["closed"].iloc[:5].sum() > cold.daily["closed"].iloc[:5].sum()
    assert sum(warm.model.worktime.total) == pytest.approx(
        sum(worker.weekly_hours for worker in warm.model.workers) * 60 / 7)  # hours since day 0 only
    assert warm.summary["cases_arisen"] == (warm.cases["channel"] != "court_referral").sum()


def test_multi_year_runs_cross_years_and_festivals():
    result = run(small(days=800, scale=0.01, start_date="2025-06-01"), seed=2)
    assert len(result.daily) == 800 and result.summary["days"] == 800
    arisen = result.daily["arisen"].to_numpy()
    assert arisen[:365].sum() > 0 and arisen[365:730].sum() > 0
    assert math.isclose(arisen[:365].sum(), arisen[365:730].sum(), rel_tol=0.15)  # the annual rate, year by year


# ---------------------------------------------------------------- place
def test_towns_differ_and_add_up_to_the_city():
    result = run(load_scenario(None, {"scale": 0.1, "days": 120}), seed=4)
    towns = pd.DataFrame(result.summary["towns"]).T
    assert len(towns) == 9
    assert towns["residents"].sum() == result.summary["residents"]
    for column in ("cases_arisen", "cases_reported", "cases_closed", "exits"):
        assert towns[column].sum() == result.summary[column if column != "exits" else "exits"], column
    assert towns["grid_workers"].sum() == result.summary["grid_workers"]
    assert towns.loc["Baogai", "residents"] > 2 * towns.loc["Jinshang", "residents"]  # towns differ in size
    city = result.model.city
    parks = city.grid_place == PlaceKind.INDUSTRIAL_PARK
    park = np.bincount(city.grid_town, weights=parks, minlength=city.towns) / np.bincount(city.grid_town)
    names = list(city.town_names)
    assert park[names.index("Baogai")] > park[names.index("Fengli")]  # and in what they hold


@pytest.mark.parametrize("rule", ["per_resident", "by_caseload", "by_migrant_share"])
def test_worker_allocation_keeps_the_total_and_follows_its_rule(rule):
    model = GridGovernanceModel(small(scale=0.1, days=1, worker_allocation=rule).params, seed=1)
    base = GridGovernanceModel(small(scale=0.1, days=1).params, seed=1)
    assert len(model.workers) == len(base.workers)
    per_community = np.bincount([w.community for w in model.workers if not w.part_time],
                                minlength=model.city.communities)
    if rule == "by_migrant_share":
        migrants = np.bincount(model.city.grid_community,
                               weights=model.population.grid_migrant_share * model.city.grid_population,
                               minlength=model.city.communities)
        share = migrants / model.city.community_population
        per_resident = per_community / model.city.community_population
        assert np.corrcoef(share, per_resident)[0, 1] > 0.5
    if rule == "by_caseload":
        expected = np.bincount(model.city.grid_community, weights=model.arrivals.rates.sum(axis=1),
                               minlength=model.city.communities)
        assert np.corrcoef(expected, per_community)[0, 1] > 0.95


# ---------------------------------------------------------------- common random numbers
def _other_value(param):
    if param.type is bool:
        return not param.default
    if param.choices:
        return next(choice for choice in param.choices if choice != param.default)
    low, high = param.plausible if param.plausible else (param.low, param.high)
    value = high if high != param.default else low
    return int(value) if param.type is int else float(value)


LEVERS = [name for name, param in PARAMS.items() if param.kind is ParamKind.LEVER
          and name.split(".")[0] not in ("mediator_share",)]


def _arising(result) -> pd.DataFrame:
    return result.cases.loc[result.cases["channel"] != "court_referral", ARISING].reset_index(drop=True)


def test_every_lever_leaves_the_same_disputes_arising():
    base = _arising(run(small(days=45), seed=13))
    assert len(LEVERS) > 20
    for name in LEVERS:
        value = _other_value(PARAMS[name])
        other = _arising(run(small(days=45, **{name: value}), seed=13))
        pd.testing.assert_frame_equal(base, other, obj=f"{name}={value}")


# ---------------------------------------------------------------- trust that acts
def test_worse_service_lowers_reporting_and_raises_exits_within_a_year():
    config = {"scale": 0.1, "days": 365}
    slow = {f"service_days.{level}": 6 * PARAMS[f"service_days.{level}"].default
            for level in ("community", "specialised", "town", "city", "department")}  # every level six times slower
    good = run(load_scenario(None, config), seed=6)
    bad = run(load_scenario(None, {**config, **slow}), seed=6)
    late = slice(180, 365)
    assert bad.daily["trust_factor"].iloc[late].mean() < good.daily["trust_factor"].iloc[late].mean() - 0.3

    def own_reports(result):
        return sum(result.summary["reported_by_channel"][channel] for channel in ("hotline", "app", "walk_in"))

    assert own_reports(bad) < 0.95 * own_reports(good)
    assert bad.summary["exits_per_10k"] > 1.15 * good.summary["exits_per_10k"]
    still = run(load_scenario(None, {**config, **slow, "reputation_elasticity": 0.0}), seed=6)
    assert own_reports(bad) < 0.95 * own_reports(still)  # it is word of mouth that moves reporting
    assert bad.summary["exits_per_10k"] > still.summary["exits_per_10k"]  # and exits, through effective trust
