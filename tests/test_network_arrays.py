"""The network's array kernels against NetworkX's own algorithms.

:mod:`spie_graph.analyses._network_arrays` must give NetworkX's answers
(betweenness exact and sampled, semi-synchronous label propagation, weighted
modularity) on random graphs with isolated nodes and several components, and
:func:`~spie_graph.analyses.network` the previous release's whole answer
(tests/reference_algorithms.py) on generated data sets, with its thresholds
lowered so that sampling and label propagation run.
"""

import importlib
import random

import networkx as nx
import numpy as np
import pytest

from spie_graph.analyses import _network_arrays as arrays
from spie_graph.analyses import network
from spie_graph.graph.build import build_graph
from tests import reference_algorithms as old
from tests.test_parity import generated_dataset

# The package exports the function ``network`` under the module's name.
network_module = importlib.import_module("spie_graph.analyses.network")


def random_graph(seed: int, n: int = 240, m: int = 330) -> nx.Graph:
    """A sparse random graph on sorted node names: isolated nodes, several components."""
    rng = random.Random(seed)
    g = nx.Graph()
    g.add_nodes_from(f"n{i:03d}" for i in range(n))
    nodes = sorted(g)
    while g.number_of_edges() < m:
        a, b = rng.sample(nodes, 2)
        g.add_edge(a, b, weight=rng.randint(1, 3))
    return g


def as_arrays(g: nx.Graph) -> tuple[list[str], dict[str, int], arrays.Adjacency]:
    nodes = list(g)
    position = {v: i for i, v in enumerate(nodes)}
    edges = list(g.edges(data="weight"))
    return nodes, position, arrays.Adjacency.of_edges(
        len(nodes), [position[a] for a, _, _ in edges], [position[b] for _, b, _ in edges],
        [w for _, _, w in edges])


@pytest.fixture(params=[1, 2, 3, 4])
def graph(request):
    return random_graph(request.param)


def test_exact_betweenness_is_networkx(graph):
    nodes, position, adjacency = as_arrays(graph)
    expected = nx.betweenness_centrality(graph)
    found = arrays.betweenness(adjacency)
    assert max(expected.values()) > 0.05
    assert found == pytest.approx([expected[v] for v in nodes], abs=1e-12)


@pytest.mark.parametrize("k", [2, 25])
def test_sampled_betweenness_is_networkx(graph, k):
    nodes, position, adjacency = as_arrays(graph)
    sources = arrays.sample_sources(nodes, k, 42)
    expected = nx.betweenness_centrality(graph, k=k, seed=42)
    found = arrays.betweenness(adjacency, np.array([position[s] for s in sources]))
    assert found == pytest.approx([expected[v] for v in nodes], abs=1e-12)


def test_label_propagation_is_networkx(graph):
    nodes, position, adjacency = as_arrays(graph)
    linked = graph.subgraph([v for v, d in graph.degree() if d > 0]).copy()
    expected = sorted(sorted(c) for c in nx.community.label_propagation_communities(linked))
    found = sorted(sorted(nodes[i] for i in c)
                   for c in arrays.label_propagation(adjacency, np.flatnonzero(
                       adjacency.degree > 0)))
    assert len(expected) > 5
    assert found == expected


def test_modularity_is_networkx(graph):
    nodes, position, adjacency = as_arrays(graph)
    linked = graph.subgraph([v for v, d in graph.degree() if d > 0])
    groups = [sorted(c) for c in nx.community.louvain_communities(linked, weight="weight",
                                                                  seed=1)]
    community = np.full(len(nodes), -1)
    for number, group in enumerate(groups):
        community[[position[v] for v in group]] = number
    expected = nx.community.modularity(linked, groups, weight="weight")
    assert expected > 0.3
    assert arrays.modularity(adjacency, community) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("seuil_exact,seuil_louvain", [(1000, 20_000), (10, 20_000),
                                                       (10, 10)])
def test_network_is_the_previous_answer(monkeypatch, seed, seuil_exact, seuil_louvain):
    monkeypatch.setattr(network_module, "SEUIL_LOUVAIN", seuil_louvain)
    graph = build_graph(generated_dataset(seed=seed, actors=90))
    found = network(graph, seuil_exact=seuil_exact, k=12)
    expected = old.network(graph, seuil_exact=seuil_exact, k=12, graine=42,
                           seuil_louvain=seuil_louvain,
                           budget=network_module.BUDGET_ECHANTILLON)
    assert found.model_dump() == expected.model_dump()
    assert found.communautes_methode == ("louvain" if seuil_louvain > 90
                                         else "propagation-etiquettes")
    assert found.intermediarite.methode == ("exacte" if seuil_exact > 90 else "echantillon")


def louvain_cases() -> list[nx.Graph]:
    """Graphs whose Louvain takes several levels and meets ties: sparse and dense random
    graphs with integer weights, nodes inserted in a shuffled order (their order is the
    algorithm's), a few loops, one of several components."""
    cases = []
    for seed in range(12):
        rng = random.Random(seed)
        n = rng.choice([30, 90, 240])
        g = random_graph(seed, n=n, m=rng.choice([n, 2 * n, 5 * n]))
        shuffled = nx.Graph()
        names = list(g)
        rng.shuffle(names)
        shuffled.add_nodes_from(names)
        edges = list(g.edges(data=True))
        rng.shuffle(edges)
        shuffled.add_edges_from(edges)
        if seed % 3 == 0:
            shuffled.add_edges_from((v, v, {"weight": rng.randint(1, 2)})
                                    for v in rng.sample(names, 5))
        cases.append(shuffled.subgraph([v for v in shuffled if shuffled.degree(v)]).copy())
    cases += [nx.relabel_nodes(nx.karate_club_graph(), str), nx.complete_graph(5),
              nx.path_graph(9), nx.barbell_graph(6, 2)]
    return cases


@pytest.mark.parametrize("seed", [1, 42])
def test_louvain_is_networkx(seed):
    levels = 0
    for g in louvain_cases():
        for _, _, data in g.edges(data=True):
            data.setdefault("weight", 1)
        nodes = list(g)
        position = {v: i for i, v in enumerate(nodes)}
        edges = [(position[a], position[b], w) for a, b, w in g.edges(data="weight", default=1)]
        expected = nx.community.louvain_communities(g, weight="weight", seed=seed)
        found = arrays.louvain(len(nodes), edges, seed)
        assert sorted(sorted(nodes[i] for i in c) for c in found) == sorted(
            sorted(c) for c in expected)
        levels += len(list(nx.community.louvain_partitions(g, weight="weight", seed=seed)))
    assert levels > 2 * len(louvain_cases())  # several levels, not one pass alone


def test_triangles_are_networkx(graph):
    dense = random_graph(9, n=60, m=400)
    for g in (graph, dense, nx.complete_graph(6), nx.empty_graph(3)):
        nodes, position, adjacency = as_arrays(g)
        expected = nx.triangles(g)
        assert arrays.triangles(adjacency).tolist() == [expected[v] for v in nodes]
    assert sum(nx.triangles(dense).values()) > 100


def test_articulation_points_are_networkx(graph):
    tree = nx.relabel_nodes(nx.random_labeled_tree(80, seed=5), lambda i: f"t{i:03d}")
    barbell = nx.relabel_nodes(nx.barbell_graph(5, 3), lambda i: f"b{i:03d}")
    path = nx.relabel_nodes(nx.path_graph(5000), lambda i: f"p{i:05d}")  # deeper than recursion
    cases = [graph, random_graph(7, n=120, m=140), tree, barbell, path, nx.star_graph(6),
             nx.cycle_graph(7), nx.empty_graph(4), nx.complete_graph(5)]
    found_any = 0
    for g in cases:
        nodes, position, adjacency = as_arrays(g)
        expected = sorted(position[v] for v in nx.articulation_points(g))
        assert arrays.articulation_points(adjacency).tolist() == expected
        found_any += bool(expected)
    assert found_any >= 6
