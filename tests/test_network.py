"""Network roles, on a small interaction network whose figures are computed by hand.

The network (7 actors, ``g`` isolated)::

    b ══ a ── d ── e
    c ── a     \\  /
                 f

``a–b`` carries two interaction types (weight 2); ``a–c`` ended in 2020.
"""

from datetime import date

import networkx as nx
import pytest

from spie_graph.analyses import (
    check_consortium,
    duplicates,
    gaps,
    interaction_graph,
    network,
    without_actor,
)
from spie_graph.analyses.network import betweenness, degree_centralization, effective_sizes
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import build_graph
from spie_graph.sources.validation import load_dataset

VANNES, SENE, GMVA = "56260", "56243", "200067932"


@pytest.fixture
def graph(make_dataset):
    acteurs = [{"id": x, "nom": x.upper(), "famille": "association", "commune": VANNES}
               for x in "abcdefg"]
    link = [("a", "b", "convention"), ("b", "a", "partenariat"), ("a", "d", "financement"),
            ("d", "e", "orientation"), ("e", "f", "orientation"), ("d", "f", "orientation")]
    interactions = [{"source": s, "cible": t, "type": k} for s, t, k in link]
    interactions.append({"source": "a", "cible": "c", "type": "partenariat",
                         "depuis": "2019-01-01", "jusqu_a": "2020-12-31"})
    services = [
        {"id": "sa", "acteur": "a", "nom": "Mobilité", "thematiques": "mobilite",
         "moments": "offre", "territoire": VANNES},
        {"id": "sb", "acteur": "b", "nom": "Mobilité", "thematiques": "mobilite",
         "moments": "offre", "territoire": f"{VANNES}|{SENE}"},
    ]
    path = make_dataset(acteurs=acteurs, services=services, interactions=interactions)
    return build_graph(load_dataset(path))


def test_interaction_graph(graph):
    g = interaction_graph(graph)
    assert sorted(g.nodes) == list("abcdefg")
    assert g.number_of_edges() == 6
    assert g["a"]["b"] == {"weight": 2, "interactions": ["convention", "partenariat"]}
    # On 2024-01-01 the a–c partnership has ended.
    assert not interaction_graph(graph, date(2024, 1, 1)).has_edge("a", "c")


def test_whole_network_figures(graph):
    result = network(graph)
    assert (result.nb_acteurs, result.nb_liens) == (7, 6)
    # density: 2m / (n(n-1)) = 12 / 42
    assert result.densite == round(12 / 42, 4)
    # Freeman: degrees a3 b1 c1 d3 e2 f2 g0, max 3: Σ(3 - d) = 9 over (n-1)(n-2) = 30.
    assert result.centralisation_degre == 0.3
    assert result.points_articulation == ["a", "d"]
    assert result.acteurs_isoles == ["g"]
    # Louvain: {a, b, c} and {d, e, f}; modularity: each community has internal weight
    # 3 out of 7 and strength 7 out of 14: 2 × (3/7 - (7/14)²) = 0.3571.
    assert result.communautes == [["a", "b", "c"], ["d", "e", "f"]]
    assert result.modularite == 0.3571
    assert result.intermediarite.methode == "exacte"


def test_actor_roles(graph):
    roles = {r.acteur: r for r in network(graph).acteurs}
    # Betweenness, normalised by (n-1)(n-2)/2 = 15: a lies on the 7 shortest paths
    # b-c, b-d, b-e, b-f, c-d, c-e, c-f; d on the 6 paths from {a, b, c} to {e, f}.
    assert roles["a"].intermediarite == round(7 / 15, 4)
    assert roles["d"].intermediarite == round(6 / 15, 4)
    assert roles["e"].intermediarite == 0
    # Effective size d - 2t/d: a has no tie among its partners (3); d has e–f (3 - 2/3).
    assert roles["a"].taille_effective == 3.0
    assert roles["d"].taille_effective == round(3 - 2 / 3, 4)
    assert roles["e"].taille_effective == 1.0
    # Brokers: partners in two communities and betweenness above the mean (13/90).
    assert [a for a, r in roles.items() if r.courtier] == ["a", "d"]
    assert roles["g"].isole and roles["g"].communaute is None and roles["g"].degre == 0
    assert roles["a"].centralite_degre == 0.5   # 3 / (n - 1)


def test_lead_actors_and_brokers_order(graph):
    result = network(graph)
    # By degree, then betweenness, then id: a (3, 7/15), d (3, 6/15), e, f (2), b (1).
    assert result.acteurs_pilotes == ["a", "d", "e", "f", "b"]
    assert result.courtiers == ["a", "d"]


def test_sampled_betweenness_says_so(graph):
    exact = {r.acteur: r.intermediarite for r in network(graph).acteurs}
    sampled = network(graph, seuil_exact=3)
    assert sampled.intermediarite.model_dump() == {"methode": "echantillon", "k": 7,
                                                   "graine": 42, "seuil_exact": 3}
    # k is capped at n = 7: every source is drawn, so the estimate is exact.
    assert {r.acteur: r.intermediarite for r in sampled.acteurs} == exact
    g = interaction_graph(graph)
    first, method = betweenness(g, seuil_exact=3, k=3, graine=7)
    assert method.k == 3 and betweenness(g, seuil_exact=3, k=3, graine=7)[0] == first


def test_helpers_match_networkx():
    star = nx.star_graph(5)
    assert degree_centralization(star) == 1.0
    assert degree_centralization(nx.cycle_graph(6)) == 0.0
    g = nx.karate_club_graph()
    expected = nx.effective_size(g)
    assert effective_sizes(g) == {n: round(v, 4) for n, v in expected.items()}


def test_date_filter(graph):
    result = network(graph, day=date(2024, 1, 1))
    assert result.acteurs_isoles == ["c", "g"]


def test_without_a_bridge(graph):
    result = without_actor(graph, "d", territoire=GMVA, thematiques=["mobilite"])
    assert [(link.cible, link.interactions) for link in result.liens_rompus] == [
        ("a", ["financement"]), ("e", ["orientation"]), ("f", ["orientation"])]
    # {a, b, c} stays the largest piece; e and f, still linked together, are cut off.
    assert result.point_articulation
    assert result.acteurs_coupes == ["e", "f"] and result.acteurs_isoles == []
    assert result.lacunes_nouvelles == []


def test_without_a_hub_and_its_coverage(graph):
    result = without_actor(graph, "a")
    # b and c lose their only partner; {d, e, f} is the largest piece left.
    assert result.acteurs_isoles == ["b", "c"] and result.acteurs_coupes == ["b", "c"]
    assert not without_actor(graph, "e").point_articulation


def test_without_the_only_mobility_service_of_sene(graph):
    # Mobility in GMVA: sa covers Vannes, sb Vannes and Séné. Without b, Séné is the only
    # row that goes from covered to uncovered (the 32 other communes had no service).
    result = without_actor(graph, "b", territoire=GMVA, thematiques=["mobilite"])
    assert [(r.territoire, r.nb_services, r.population) for r in result.lacunes_nouvelles] == [
        (SENE, 0, 9554)]
    # Séné had « offre » through sb only; « entree » and « suivi » were already missing.
    assert [(m.territoire, m.moment) for m in result.moments_sans_service_nouveaux] == [
        (SENE, "offre")]


def test_unknown_actor(graph):
    with pytest.raises(ArgumentError, match="acteur inconnu : « dd » .*Identifiants proches : d"):
        without_actor(graph, "dd")


def reordered(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with nodes and edges inserted in reverse order, as another store
    might return them."""
    copy = nx.MultiDiGraph(**graph.graph)
    copy.add_nodes_from(reversed(list(graph.nodes(data=True))))
    copy.add_edges_from(reversed(list(graph.edges(keys=True, data=True))))
    return copy


def test_answers_do_not_depend_on_the_order_of_the_graph(demo_graph):
    other = reordered(demo_graph)
    assert network(other) == network(demo_graph)
    assert gaps(other, "56") == gaps(demo_graph, "56")
    assert duplicates(other) == duplicates(demo_graph)
    assert check_consortium(other) == check_consortium(demo_graph)


# -- the demo data set --------------------------------------------------------------

def test_demo_invariants(demo_graph):
    result = network(demo_graph)
    g = interaction_graph(demo_graph)
    assert 0 <= result.densite <= 1 and 0 <= result.centralisation_degre <= 1
    assert result.points_articulation == sorted(nx.articulation_points(g))
    assert result.acteurs_isoles == sorted(n for n, d in g.degree() if d == 0)
    linked = {n for n, d in g.degree() if d > 0}
    members = [a for community in result.communautes for a in community]
    assert sorted(members) == sorted(linked)
    expected = nx.effective_size(g)
    for role in result.acteurs:
        if not role.isole:
            assert role.taille_effective == pytest.approx(expected[role.acteur], abs=1e-4)
    degrees = [r.degre for r in result.acteurs]
    assert degrees == sorted(degrees, reverse=True)


def test_demo_leaving_an_articulation_point_cuts_someone_off(demo_graph):
    points = network(demo_graph).points_articulation
    if not points:
        pytest.skip("le jeu de démonstration n'a pas de point d'articulation")
    for point in points:
        result = without_actor(demo_graph, point)
        assert result.point_articulation and result.acteurs_coupes
