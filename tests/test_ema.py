"""The EMA workbench as a client: levers, uncertainties and outcomes from the registries, seeds
from the presets, and perform_experiments end to end."""

import numpy as np
import pytest

ema = pytest.importorskip("ema_workbench", reason="the optional extra 'ema' (./dev test installs it)")

from ema_workbench import ReplicatorModel, perform_experiments  # noqa: E402

from sim.analyses.ema import identifier, run_experiment, shishi_model  # noqa: E402
from sim.config.outcomes import OUTCOMES  # noqa: E402
from sim.config.params import PARAMS, ParamKind  # noqa: E402


def test_levers_and_uncertainties_come_from_the_registry_under_identifier_names():
    model = shishi_model(scale=0.01, days=10)
    levers = {p.name: p for p in model.levers}
    uncertainties = {p.name: p for p in model.uncertainties}
    assert all(name.isidentifier() for name in [*levers, *uncertainties])
    rule_values = {c.value for c in levers["escalation_rule"].categories}
    assert rule_values == {"shishi", "three_level", "direct_dispatch", "bottom_up"}  # no validation-only rule
    assert {"digital_platform", "stationed_cadres", "workers_per_10k"} <= set(levers)
    town = uncertainties["service_days__town"]
    assert town.variable_name == ["service_days.town"]
    assert (town.lower_bound, town.upper_bound) == PARAMS["service_days.town"].plausible
    for name in [*levers, *uncertainties]:
        dotted = name.replace("__", ".")
        expected = ParamKind.LEVER if name in levers else ParamKind.UNCERTAINTY
        assert PARAMS[dotted].kind is expected
    assert [o.name for o in model.outcomes] == list(OUTCOMES)
    assert identifier("success.town.major") == "success__town__major"


def test_perform_experiments_on_one_seed_is_common_random_numbers():
    model = shishi_model(scale=0.01, days=60, levers=["workers_per_10k", "escalation_rule"],
                         uncertainties=["migrant_share", "service_days.town"],
                         outcomes=["closed_within_30_days_of_arising", "cases_arisen", "worker_hours_patrol"])
    experiments, outcomes = perform_experiments(model, scenarios=3, policies=2)
    assert len(experiments) == 6
    assert {c.name: c.value for c in model.constants} == {"seed": 1, "scale": 0.01, "days": 60}  # one seed, stated
    assert set(outcomes) == {"closed_within_30_days_of_arising", "cases_arisen", "worker_hours_patrol"}
    assert all(np.isfinite(values).all() and len(values) == 6 for values in outcomes.values())
    # the same scenario under two policies meets the same disputes: migrant share changes who is party,
    # not how many arise; the policy changes patrol hours
    by_scenario = experiments.assign(arisen=outcomes["cases_arisen"]).groupby("scenario")["arisen"].nunique()
    assert (by_scenario == 1).all()


def test_replications_run_on_the_projects_seeds_and_report_the_mean():
    model = shishi_model(scale=0.01, days=20, replications=2, levers=["workers_per_10k"], uncertainties=[],
                         outcomes=["days_from_arising_mean", "cases_reported"])
    assert isinstance(model, ReplicatorModel) and [r["seed"] for r in model.replications] == [1, 2]
    experiments, outcomes = perform_experiments(model, scenarios=1, policies=1)
    level = float(experiments["workers_per_10k"].iloc[0])
    direct = [run_experiment(seed=seed, scale=0.01, days=20, workers_per_10k=level) for seed in (1, 2)]
    assert outcomes["cases_reported"][0] == pytest.approx(np.mean([d["cases_reported"] for d in direct]))
    assert outcomes["days_from_arising_mean"][0] == pytest.approx(np.mean([d["days_from_arising_mean"]
                                                                           for d in direct]))


def test_bad_requests_are_refused():
    with pytest.raises(KeyError, match="not registry parameters"):
        shishi_model(levers=["workers_per_10K"])
    with pytest.raises(KeyError, match="migrant_share is an uncertainty, not a lever"):
        shishi_model(levers=["migrant_share"])
    with pytest.raises(KeyError, match="no plausible range"):
        shishi_model(levers=["volunteer_caseload"])
    with pytest.raises(KeyError, match="not declared outcomes"):
        shishi_model(outcomes=["happiness"])
    with pytest.raises(ValueError, match="replications"):
        shishi_model(replications=0)
