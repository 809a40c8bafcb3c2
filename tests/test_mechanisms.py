"""Shishi's further systems as mechanisms: stationed cadres, big Party committees, three-zone
pilots, neighbourhood centres, civility points and the digital platform. Each has a lever, a
scenario that switches it off, changes only its subject, and does what it says."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import small

from sim.config.enums import AUTHORITY_RANK, RESIDENT_CHANNELS, ZONE_KINDS, CaseKind, Channel, Level
from sim.config.params import PARAMS, ParamKind, Params
from sim.config.paths import SCENARIO_DIR
from sim.config.scenario import load_scenario
from sim.model.network import build_city_map
from sim.model.systems import disc_overlap_share, place_systems
from sim.results.api import run

REPO = Path(__file__).resolve().parent.parent
SYSTEMS = {  # lever → the scenario that switches it off
    "stationed_cadres": "no_stationed_cadres", "big_party_committees": "no_big_party_committees",
    "three_zone_pilots": "no_three_zone_pilots", "neighbourhood_centres": "no_neighbourhood_centres",
    "civility_incentive": "no_civility_points", "digital_platform": "no_digital_platform",
}
ARISING = ("grid", "kind", "severity_arisen", "t_arisen", "party", "authority_u", "authority_up_u")


@pytest.mark.parametrize("lever", SYSTEMS)
def test_each_system_is_a_lever_switched_off_by_its_own_scenario(lever):
    param = PARAMS[lever]
    assert param.kind is ParamKind.LEVER and param.unit and param.source
    off = load_scenario(SCENARIO_DIR / f"{SYSTEMS[lever]}.toml")
    assert off.params.changed() == {lever: param.type(0)}  # 0 or false, and nothing else
    assert off.purpose


@pytest.mark.parametrize("lever", SYSTEMS)
def test_switching_a_system_off_leaves_the_same_disputes_arising(lever):
    config = {"scale": 0.05, "days": 90}
    on = run(load_scenario(None, config), seed=11).model.cases
    off = run(load_scenario(SCENARIO_DIR / f"{SYSTEMS[lever]}.toml", config), seed=11).model.cases
    assert on.size == off.size > 100
    for column in ARISING:
        assert np.array_equal(on.column(column), off.column(column)), column
    assert np.array_equal(on.clocks[:on.size], off.clocks[:off.size])


def test_off_values_are_accepted_from_the_command_line(tmp_path):
    out = tmp_path / "off"
    done = subprocess.run([sys.executable, str(REPO / "run.py"), "run", "--scale", "0.02", "--days", "20",
                           *sum((["--set", f"{lever}={'false' if PARAMS[lever].type is bool else 0}"]
                                 for lever in SYSTEMS), []), "--out", str(out), "--quiet", "--no-figure"],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert (out / "summary.json").exists()


# ---------------------------------------------------------------- placement
def test_placement_is_nested_and_follows_the_counts():
    params = Params({"scale": 0.5})
    city = build_city_map(params)
    full = place_systems(city, params)
    fewer = place_systems(city, Params({"scale": 0.5, "big_party_committees": 20, "stationed_cadres": 30,
                                        "three_zone_pilots": 4, "neighbourhood_centres": 10}))
    assert full.big_party.sum() == round(54 * 0.5) and fewer.big_party.sum() == 10
    assert (fewer.big_party <= full.big_party).all()  # a smaller count is a subset
    assert full.stationed_cadres == 64 and fewer.stationed_cadres == 15
    assert (fewer.cadres_per_community <= full.cadres_per_community).all()
    assert [z.grids for z in fewer.zones] == [z.grids for z in full.zones[:len(fewer.zones)]]
    for zone in full.zones:
        assert zone.shared_sites >= 1 and len(set(city.grid_community[list(zone.grids)])) == 1
    assert sum(c.upgraded for c in full.centres) == 27 and sum(not c.upgraded for c in full.centres) == city.communities


def test_disc_overlap_agrees_with_monte_carlo():
    rng = np.random.default_rng(5)
    for distance, r, big_r in [(0.0, 0.3, 1.0), (0.9, 0.3, 1.0), (1.2, 0.3, 1.0), (0.5, 1.5, 1.0), (2.0, 0.3, 1.0)]:
        radius = r * np.sqrt(rng.random(200_000))
        angle = rng.random(200_000) * 2 * math.pi
        x, y = distance + radius * np.cos(angle), radius * np.sin(angle)
        expected = np.mean(x**2 + y**2 <= big_r**2)
        assert disc_overlap_share(np.array([distance]), r, big_r)[0] == pytest.approx(expected, abs=0.005)


# ---------------------------------------------------------------- stationed cadres
def test_cadres_bring_town_authority_to_community_mediations():
    settings = {"days": 240, "scale": 0.2, "escalation_rule": "three_level"}  # cases needing the town start lower
    with_cadres = run(small(**settings), seed=2).model
    without = run(load_scenario(SCENARIO_DIR / "no_stationed_cadres.toml", settings), seed=2).model
    joined = with_cadres.cases.column("cadre") == 1
    assert joined.sum() > 20 and without.cases.column("cadre").sum() == 0
    needs = with_cadres.cases.column("authority")[joined]
    # they joined cases needing the town's authority (which a failure may since have raised to the city's)
    assert all(AUTHORITY_RANK[Level(a)] >= AUTHORITY_RANK[Level.TOWN] for a in needs)
    visits = [v for v in with_cadres.cases.visit_log if joined[v.case] and v.level is Level.COMMUNITY]
    assert visits  # they joined at the community committee
    local = with_cadres.cases.column("level_resolved")[joined]
    assert np.mean(local == Level.COMMUNITY) > 0.5  # resolved where they joined, not escalated
    assert with_cadres.cases.column("escalations").mean() < without.cases.column("escalations").mean()


def test_cadre_hours_bind_and_grow_in_an_emergency():
    busy = {f"dispute_rate_per_10k.{kind}": 4 * PARAMS[f"dispute_rate_per_10k.{kind}"].default
            for kind in ("neighbour", "family", "property", "labour", "commercial")}  # enough cases to need them
    base = {"scale": 0.1, "days": 140, "cadre_hours_per_week": 4.0, "cadre_hours_per_case": 4.0,
            "escalation_rule": "three_level", **busy}  # every case needing the town's authority starts below it
    normal = run(small(**base), seed=3).model
    weeks = math.ceil(140 / 7)
    per_community = normal.cadre_hours.joined
    assert (per_community <= normal.systems.cadres_per_community * weeks).all()  # one case a week each
    ample = run(small(**{**base, "cadre_hours_per_week": 40.0}), seed=3).model
    assert per_community.sum() < ample.cadre_hours.joined.sum()  # the weekly hours bind
    # an emergency all along: a surge of requests, which cadres do not mediate (a surge of factor 1 is none)
    surge = run(small(**base, cadre_emergency_hours_per_week=40.0, **{
        "surge.kind": "public_service", "surge.place": "all", "surge.factor": 1.5, "surge.days": 140,
        "surge.start_day": 0}), seed=3).model
    assert surge.cadre_hours.joined.sum() > per_community.sum()


# ---------------------------------------------------------------- big Party committees
def test_member_units_spare_a_level_of_authority_only_in_big_party_communities():
    config = {"scale": 0.1, "days": 200}
    on = run(load_scenario(None, config), seed=4).model
    off = run(load_scenario(SCENARIO_DIR / "no_big_party_committees.toml", config), seed=4).model
    book = on.cases
    relief = on.authority.member_unit_relief(book.column("kind"), book.column("authority_up_u"), book.column("grid"))
    in_bp = on.systems.big_party[on.city.grid_community[book.column("grid")]]
    assert relief.sum() > 10 and not relief[~in_bp].any()
    assert not off.authority.member_unit_relief(book.column("kind"), book.column("authority_up_u"),
                                                book.column("grid")).any()
    # Same disputes, same severities at arising: the relieved ones need exactly one rung less at arising.
    from sim.model.authority import AuthorityTable
    with_units = on.authority.needed(book.column("kind"), book.column("severity_arisen"), book.column("authority_u"),
                                     book.column("authority_up_u"), book.column("grid"))
    without_units = AuthorityTable(off.params, np.zeros(on.city.grids, bool)).needed(
        book.column("kind"), book.column("severity_arisen"), book.column("authority_u"),
        book.column("authority_up_u"), book.column("grid"))
    rank = np.vectorize(lambda level: AUTHORITY_RANK[Level(level)])
    cut = rank(without_units[relief]) - rank(with_units[relief])
    assert ((cut == 1) | ((cut == 0) & (without_units[relief] == Level.CITY))).all()
    assert (with_units[~relief] == without_units[~relief]).all()


def test_needed_one_answers_as_needed_does():
    """The case flow's one-case path (scalars) agrees with the vectorised one, on the thresholds too."""
    from sim.model.authority import AuthorityTable
    rng = np.random.default_rng(0)
    table = AuthorityTable(Params(), rng.random(50) < 0.5)
    n = 5000
    kind, grid = rng.integers(0, len(CaseKind), n), rng.integers(0, 50, n)
    severity = rng.integers(0, 3, n).astype(np.int8)
    u, u_up = rng.random(n), rng.random(n)
    edges = table.tail[:, 1:].ravel()
    u[:len(edges)], u[len(edges):len(edges) + 10] = edges, table.department_share
    u_up[:100], u_up[100:200] = table.up_share[kind[:100]], (table.up_share[kind] * table.member_share[grid])[100:200]
    one = [table.needed_one(kind[i], severity[i], u[i], u_up[i], grid[i]) for i in range(n)]
    assert np.array_equal(np.array(one, dtype=np.int8), table.needed(kind, severity, u, u_up, grid))


def test_the_party_chain_brings_residents_reports_sooner():
    config = {"scale": 0.1, "days": 200}
    on = run(load_scenario(None, config), seed=5).model
    off = run(load_scenario(SCENARIO_DIR / "no_big_party_committees.toml", config), seed=5).model
    in_bp = on.systems.big_party[on.city.grid_community[on.cases.column("grid")]]
    reported_on = on.cases.column("t_reported") - on.cases.column("t_arisen")
    reported_off = off.cases.column("t_reported") - off.cases.column("t_arisen")
    both = in_bp & ~np.isnan(reported_on) & ~np.isnan(reported_off)
    assert np.mean(reported_on[both]) < np.mean(reported_off[both])


# ---------------------------------------------------------------- three-zone pilots
def test_pilot_zones_take_their_labour_and_commercial_disputes_on_site():
    config = {"scale": 0.3, "days": 240}
    on = run(load_scenario(None, config), seed=6).model
    off = run(load_scenario(SCENARIO_DIR / "no_three_zone_pilots.toml", config), seed=6).model
    desks = {pool.index for pool in on.organisation.zone_pools}
    assert desks and not off.organisation.zone_pools
    book = on.cases
    served = [v for v in book.visit_log if v.pool in desks]
    assert served
    for visit in served:
        assert on.systems.zone_of_grid[book.grid[visit.case]] >= 0 and book.kind[visit.case] in ZONE_KINDS
    in_zone = (on.systems.zone_of_grid[book.column("grid")] >= 0) & np.isin(book.column("kind"), ZONE_KINDS)
    found_on = (on.cases.column("t_reported") - book.column("t_arisen"))[in_zone]
    found_off = (off.cases.column("t_reported") - off.cases.column("t_arisen"))[in_zone]
    both = ~np.isnan(found_on) & ~np.isnan(found_off)
    assert found_on[both].mean() < found_off[both].mean()  # found sooner


# ---------------------------------------------------------------- neighbourhood centres
def test_centres_widen_walk_in_access_and_settle_requests_on_the_spot():
    config = {"scale": 0.2, "days": 200}
    on = run(load_scenario(None, config), seed=7)
    off = run(load_scenario(SCENARIO_DIR / "no_neighbourhood_centres.toml", config), seed=7)
    systems_on, systems_off = on.model.systems, off.model.systems
    assert (systems_on.walk_in_access >= systems_off.walk_in_access - 1e-12).all()
    assert systems_on.circle_coverage.mean() >= systems_off.circle_coverage.mean()
    assert on.summary["reported_by_channel"]["walk_in"] > off.summary["reported_by_channel"]["walk_in"]
    book = on.model.cases
    settled = book.column("at_centre") == 1
    assert settled.sum() > 0 and off.model.cases.column("at_centre").sum() == 0
    assert (book.column("kind")[settled] == CaseKind.PUBLIC_SERVICE).all()
    assert (book.column("channel")[settled] == Channel.WALK_IN).all()
    assert (book.column("level_resolved")[settled] == Level.COMMUNITY).all()
    for case in np.flatnonzero(settled):  # settled there and then: the only visit is the follow-up
        visits = book.case_visits.get(case, [])
        assert visits and visits[0].level is Level.FOLLOW_UP and visits[0].t_entered == book.t_reported[case]
    assert on.summary["systems"]["centre_settled_requests"] == settled[on.model.first_case:].sum()


def test_walk_in_access_follows_opening_hours_and_distance():
    params = Params({"scale": 0.5, "neighbourhood_centres": 0})
    city = build_city_map(params)
    short = place_systems(city, Params({"scale": 0.5, "neighbourhood_centres": 0,
                                        "centre_opening_hours_per_week.basic": 20.0}))
    normal = place_systems(city, params)
    assert np.allclose(short.walk_in_access[:, CaseKind.NEIGHBOUR] * 2, normal.walk_in_access[:, CaseKind.NEIGHBOUR])
    small_circle = place_systems(city, Params({"scale": 0.5, "neighbourhood_centres": 0, "circle_minutes": 5.0}))
    assert (small_circle.circle_coverage <= normal.circle_coverage + 1e-12).all()
    assert small_circle.circle_coverage.mean() < normal.circle_coverage.mean()


# ---------------------------------------------------------------- civility points
def test_civility_points_are_earned_read_and_spread():
    config = small(days=182, scale=0.05, warm_up_days=0)  # points counted from the first day
    on = run(config, seed=8).model
    off = run(load_scenario(SCENARIO_DIR / "no_civility_points.toml", {"scale": 0.05, "days": 182, "warm_up_days": 0}),
              seed=8).model
    start = on.params["civility_certified_share"]
    expected = start + (1 - start) * (1 - math.exp(-on.params["civility_certification_per_year"] * 182 / 365))
    assert on.population.certified.mean() == pytest.approx(expected, abs=0.004)
    assert off.population.certified.mean() == pytest.approx(start, abs=0.004)
    assert on.civility.points_earned > 0 and off.civility.points_earned == 0
    assert on.population.points_held().sum() - on.civility.points_earned == off.population.points_held().sum()
    rows = np.arange(on.population.size)
    factor = on.civility.report_factor(rows)
    points = on.population.points_held()
    assert factor.min() >= 1.0 and (off.civility.report_factor(rows) == 1.0).all()
    order = np.argsort(points, kind="stable")
    assert (np.diff(factor[order]) >= -1e-12).all() and (factor[points > 0] > 1.0).all()  # more points, more reports
    holds_mean = np.array([on.params["civility_half_points"]])
    assert on.civility._uplift(holds_mean, 0.4)[0] == pytest.approx(1.2)  # half the most at the mean holding


def test_volunteers_points_raise_what_they_find():
    model = run(small(days=28, scale=0.05, civility_volunteer_uplift=1.0), seed=9).model
    rows = np.array([v.resident for v in model.volunteers])
    assert (model.city.grid_node[model.population.grid[rows]] == [v.cell.coordinate for v in model.volunteers]).all()
    factor = model.civility.volunteer_factor(rows)
    certified = model.population.certified[rows]
    assert (factor[certified] > 1).all() and (factor[~certified] == 1).all()


# ---------------------------------------------------------------- the digital platform
def test_without_the_platform_grading_is_slower_and_worse_and_there_is_no_app():
    config = {"scale": 0.1, "days": 200}
    on = run(load_scenario(None, config), seed=10)
    off = run(load_scenario(SCENARIO_DIR / "no_digital_platform.toml", config), seed=10)
    assert on.summary["reported_by_channel"]["app"] > 0 and off.summary["reported_by_channel"]["app"] == 0
    assert off.summary["misgraded_share"] > on.summary["misgraded_share"]
    assert off.summary["utilisation"]["dispatch"] > 2 * on.summary["utilisation"]["dispatch"]
    resident_on = sum(on.summary["reported_by_channel"][c.label] for c in RESIDENT_CHANNELS)
    resident_off = sum(off.summary["reported_by_channel"][c.label] for c in RESIDENT_CHANNELS)
    assert resident_off < resident_on  # some would-be app reporters do not call instead
    assert off.summary["reported_by_channel"]["hotline"] > on.summary["reported_by_channel"]["hotline"]


def test_sweeps_and_sensitivity_pick_the_systems_up_from_the_registry(tmp_path):
    from sim.analyses.sensitivity import plausible_uncertainties
    from sim.batch.experiment import load_experiment

    levers = "\n".join(f"{lever} = [{'true, false' if PARAMS[lever].type is bool else f'0, {PARAMS[lever].default}'}]"
                       for lever in SYSTEMS)
    path = tmp_path / "systems.toml"
    path.write_text(f'name = "systems"\npurpose = "each system on and off"\nreplications = 1\ndays = 10\n'
                    f'scale = 0.02\n[design]\nmethod = "full_factorial"\n[levers]\n{levers}\n', encoding="utf-8")
    design = load_experiment(path).design
    assert len(design.points) == 2 ** len(SYSTEMS)
    assert {frozenset(point) for point in design.points} == {frozenset(SYSTEMS)}
    factors = plausible_uncertainties()
    for name in ("cadre_hours_per_week", "member_unit_share", "zone_service_factor", "centre_on_spot_share",
                 "civility_report_uplift", "manual_triage_accuracy"):
        assert name in factors, name
