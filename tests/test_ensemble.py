"""The calibrated ensemble: its files, their checks, and runs across members."""

from __future__ import annotations

import pytest

from sim.analyses.stats import median_interval, weighted_quantiles
from sim.batch.engine import Job, plan
from sim.config.ensemble import EnsembleError, Member, load_ensemble, normalised_weights


def _write(folder, header: str, *rows: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "members.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_an_ensemble_loads_in_file_order_and_takes_its_first_members(tmp_path):
    _write(tmp_path, "member,weight,distance,handoff_days,typhoon_days", "7,0.5,0.8,1.5,2", "3,0.25,0.9,0.7,1",
           "9,0.25,1.0,2.0,3")
    ensemble = load_ensemble(tmp_path)
    assert [member.index for member in ensemble.take(2)] == [7, 3]
    assert ensemble.members[0].values == {"handoff_days": 1.5, "typhoon_days": 2}
    assert isinstance(ensemble.members[0].values["typhoon_days"], int)
    assert normalised_weights(ensemble.take(2)) == pytest.approx([2 / 3, 1 / 3])
    with pytest.raises(EnsembleError, match="has 3 members; asked for 4"):
        ensemble.take(4)
    with pytest.raises(EnsembleError, match="≥ 1"):
        ensemble.take(0)


@pytest.mark.parametrize(("header", "row", "message"), [
    ("member,weight,distance,workers_per_10k", "1,1,0.5,18", "workers_per_10k: expected the name of an uncertainty"),
    ("member,weight,distance,no_such_thing", "1,1,0.5,18", "no_such_thing: expected the name of an uncertainty"),
    ("member,weight,handoff_days", "1,1,0.5", "distance: expected the columns"),
    ("member,weight,distance,handoff_days", "1,1,0.5,-3", "line 2: handoff_days: expected at least"),
    ("member,weight,distance,handoff_days", "1,x,0.5,1", "line 2: member: expected a whole-number id"),
    ("member,weight,distance,handoff_days", "1,-1,0.5,1", "weight: expected a finite weight"),
])
def test_a_bad_ensemble_file_names_the_file_and_the_field(tmp_path, header, row, message):
    _write(tmp_path, header, row)
    with pytest.raises(EnsembleError, match=message):
        load_ensemble(tmp_path)


def test_a_missing_ensemble_says_how_to_make_one(tmp_path):
    with pytest.raises(EnsembleError, match="python run.py calibrate"):
        load_ensemble(tmp_path)


def test_every_point_runs_in_every_member_on_common_seeds_and_a_point_overrides_a_member():
    members = (Member(4, 0.5, 0.1, {"handoff_days": 2.0, "screening_days": 1.0}),
               Member(8, 0.5, 0.2, {"handoff_days": 0.5, "screening_days": 0.3}))
    points = [{"workers_per_10k": 12.0}, {"workers_per_10k": 18.0, "screening_days": 0.25}]
    specs = plan(Job("", {"scale": 0.01}), points, [11, 12], members=members)
    assert len(specs) == 2 * 2 * 2 and len({spec.run_id for spec in specs}) == 8
    assert {(spec.member, spec.point, spec.seed) for spec in specs} == {
        (m, p, s) for m in (4, 8) for p in (0, 1) for s in (11, 12)}
    second = next(spec for spec in specs if spec.member == 8 and spec.point == 1)
    assert second.values == {"handoff_days": 0.5, "screening_days": 0.25, "workers_per_10k": 18.0}
    assert [spec.seed for spec in specs[:4]] == [11] * 4  # replication-major


def test_weighted_quantiles_match_the_unweighted_ones_and_follow_the_weights():
    values = [3.0, 1.0, 2.0, 5.0, 4.0]
    assert weighted_quantiles(values, None, [0.5]) == [3.0]
    assert median_interval(values)[0] == 3.0
    assert weighted_quantiles([1.0, 2.0, 3.0], [0.0, 0.0, 1.0], [0.1, 0.9]) == [3.0, 3.0]
    heavy = weighted_quantiles([1.0, 2.0], [9.0, 1.0], [0.5])[0]
    assert 1.0 <= heavy < 1.5
