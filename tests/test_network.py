import numpy as np
import pytest

from sim.config.enums import NodeLevel, PlaceKind
from sim.config.params import Params
from sim.model.network import _build, build_city_map, largest_remainder, structure_counts


def test_full_scale_has_the_articles_counts():
    city = build_city_map(Params())
    assert (city.towns, city.communities, city.unit_grids, city.grids) == (9, 128, 676, 1394)
    assert city.residents == 700_000
    levels = [data["level"] for _, data in city.graph.nodes(data=True)]
    assert levels.count(NodeLevel.CITY.label) == 1
    assert levels.count(NodeLevel.RESPONSIBILITY_GRID.label) == 1394


@pytest.mark.parametrize("scale", [0.0005, 0.001, 0.01, 0.05, 0.1, 0.5])
def test_small_scales_keep_every_level(scale):
    city = build_city_map(Params({"scale": scale}))
    counts = structure_counts(Params({"scale": scale}))
    assert 1 <= city.towns <= city.communities <= city.unit_grids <= city.grids
    assert city.residents == counts.residents == round(700_000 * scale)
    assert city.grid_population.min() >= 1
    for level in NodeLevel:
        assert any(d["level"] == level.label for _, d in city.graph.nodes(data=True)), level


def test_every_node_knows_its_parent_and_level():
    city = build_city_map(Params({"scale": 0.1}))
    graph = city.graph
    order = [level.label for level in NodeLevel]
    for node, data in graph.nodes(data=True):
        if data["level"] == NodeLevel.CITY.label:
            assert data["parent"] == -1
            continue
        parent = graph.nodes[data["parent"]]
        assert order.index(parent["level"]) == order.index(data["level"]) - 1
        assert graph.has_edge(node, data["parent"])
    codes = [data["code"] for _, data in graph.nodes(data=True)]
    assert len(codes) == len(set(codes))
    for g, code in enumerate(city.grid_codes):
        assert code.startswith(city.community_codes[city.grid_community[g]] + "-G")
    assert city.grid_codes[41] == graph.nodes[int(city.grid_node[41])]["code"]
    assert all(isinstance(node, int) for node in graph.nodes)


def test_grid_codes_follow_the_unified_format():
    city = build_city_map(Params())
    assert city.grid_codes[0] == "T01-C001-G0001"
    assert city.grid_codes[-1] == "T09-C128-G1394"


def test_neighbouring_grids_are_linked_only_within_their_community():
    city = build_city_map(Params({"scale": 0.1}))
    grid_of_node = {int(node): g for g, node in enumerate(city.grid_node)}
    links = [(a, b) for a, b, d in city.graph.edges(data=True) if d.get("neighbours")]
    assert links
    for a, b in links:
        assert city.grid_community[grid_of_node[a]] == city.grid_community[grid_of_node[b]]
    for c in range(city.communities):
        members = city.grid_node[city.grid_community == c]
        if len(members) > 1:
            sub = city.graph.subgraph(int(n) for n in members)
            assert sub.number_of_edges() >= len(members) - 1


def test_place_kinds_follow_their_shares():
    city = build_city_map(Params())
    shares = np.bincount(city.grid_place, minlength=len(PlaceKind)) / city.grids
    for place in PlaceKind:
        assert shares[place] == pytest.approx(Params()[f"place_share.{place.label}"], abs=0.03)
    villages = city.grid_place == PlaceKind.VILLAGE
    for c in np.unique(city.grid_community[villages]):  # villages are whole communities
        assert villages[city.grid_community == c].all()


def test_map_and_layout_are_deterministic_and_independent_of_run_seed():
    a = build_city_map(Params({"scale": 0.2}))
    _build.cache_clear()
    b = build_city_map(Params({"scale": 0.2}))
    assert a is not b
    assert a.layout == b.layout
    assert np.array_equal(a.grid_population, b.grid_population)
    assert np.array_equal(a.grid_place, b.grid_place)
    assert set(a.layout) == set(a.graph.nodes)
    c = build_city_map(Params({"scale": 0.2, "map_seed": 7}))
    assert not np.array_equal(a.grid_population, c.grid_population)


@pytest.mark.parametrize("total, weights", [(10, [1, 1, 1]), (7, [5, 0, 2]), (0, [1, 2]), (1394, np.arange(1, 129))])
def test_largest_remainder_is_exact_and_proportional(total, weights):
    counts = largest_remainder(total, np.asarray(weights, dtype=float))
    assert counts.sum() == total
    quota = total * np.asarray(weights) / np.sum(weights)
    assert np.all(np.abs(counts - quota) < 1)


@pytest.mark.parametrize("scale", [0.02, 0.1, 1.0])
def test_layout_keeps_towns_apart(scale):
    """Every grid lies closer to its own town's centre than to any other town's."""
    city = build_city_map(Params({"scale": scale}))
    towns = np.array([city.layout[int(node)] for node in city.town_node])
    grids = np.array([city.layout[int(node)] for node in city.grid_node])
    distance = np.sqrt(((grids[:, None, :] - towns[None, :, :]) ** 2).sum(axis=2))
    assert (distance.argmin(axis=1) == city.grid_town).all()
    if city.towns > 1:
        spacing = np.sqrt(((towns[0] - towns[1]) ** 2).sum())
        assert distance[np.arange(city.grids), city.grid_town].max() < spacing / 2
