"""The baseline reproduces Shishi's reported figures (docs/calibration.md)."""

import numpy as np
import pytest

from sim.analyses.calibration import FITTED_TARGETS, KNOWN_MISSES, TARGETS, evaluate, fitted_overrides
from sim.config.params import PARAMS


@pytest.mark.slow
def test_calibration_targets_hold_at_a_reduced_scale():
    values = evaluate({"scale": 0.5, "days": 365}, range(1, 6), processes=1)
    # the city centre's volume scales with its staff, whose count is rounded at a reduced scale: left to full scale
    failed = {t.measure: values[t.measure] for t in TARGETS if not t.passes(*values[t.measure][1:])
              and t.measure != "city_centre_cases_full_city"}
    assert set(failed) == set(KNOWN_MISSES), f"targets missed (mean, low, high): {failed}; known: {list(KNOWN_MISSES)}"


def test_a_target_passes_only_when_its_whole_interval_is_inside_the_band():
    target = next(t for t in TARGETS if t.measure == "mediation_success")
    assert target.passes(0.955, 0.965)
    assert not target.passes(0.94, 0.965)
    assert not target.passes(0.97, 0.98)


def test_the_registry_defaults_are_the_fitted_point():
    """θ = (current request and referral rates, multipliers 1) reproduces today's defaults: the
    fit's multipliers were applied to the registry, not left beside it."""
    rate = PARAMS["dispute_rate_per_10k.public_service"].default
    referrals = PARAMS["court_referral_per_10k"].default
    for name, value in fitted_overrides(np.array([rate, 1.0, referrals, 1.0, 1.0])).items():
        assert value == pytest.approx(PARAMS[name].default), name
    changed = fitted_overrides(np.array([rate, 1.0, referrals, 0.5, 2.0]))
    assert changed["service_days.town"] == pytest.approx(2 * PARAMS["service_days.town"].default)
    assert 1 - changed["success.town.major"] == pytest.approx(0.5 * (1 - PARAMS["success.town.major"].default))
    assert set(FITTED_TARGETS) <= {t.measure for t in TARGETS}
