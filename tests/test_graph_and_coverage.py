"""The canonical graph and who-covers, on small hand-made data sets."""

import pytest

from spie_graph.errors import ArgumentError
from spie_graph.graph.build import build_graph, default_territory
from spie_graph.graph.coverage import CoverageQuery, who_covers
from spie_graph.reference.territories import territories
from spie_graph.sources.validation import load_dataset

VANNES, LORIENT, SENE = "56260", "56121", "56243"
GMVA = "200067932"  # Golfe du Morbihan - Vannes Agglomération (Vannes, Séné, ...)


@pytest.fixture
def graph(make_dataset):
    path = make_dataset(
        acteurs=[
            {"id": "cd56", "nom": "CD 56", "famille": "cd", "commune": VANNES, "territoire": "56"},
            {"id": "mob", "nom": "Mobilité (fictif)", "famille": "mobilite", "commune": VANNES,
             "territoire": f"{VANNES}|{LORIENT}"},
            {"id": "ml", "nom": "Mission locale", "famille": "mission-locale", "commune": VANNES,
             "territoire": GMVA},
        ],
        services=[
            {"id": "permis", "acteur": "mob", "nom": "Permis", "thematiques":
             "mobilite--preparer-un-permis", "publics": "beneficiaires-des-minimas-sociaux",
             "moments": "offre"},
            {"id": "rsa", "acteur": "cd56", "nom": "Accompagnement", "thematiques":
             "mobilite|trouver-un-emploi", "moments": "suivi"},
            {"id": "jeunes", "acteur": "ml", "nom": "Mobilité jeunes", "thematiques": "mobilite",
             "publics": "jeunes", "moments": "entree|suivi"},
        ],
        interactions=[{"source": "cd56", "cible": "ml", "type": "financement"}],
        consortium={"nom": "C", "porteur": "cd56", "territoire": GMVA,
                    "membres": [{"acteur": "cd56", "lettre_engagement": True}]},
    )
    return build_graph(load_dataset(path))


def test_schema(graph):
    labels = {d["label"] for _, d in graph.nodes(data=True)}
    assert labels == {"Acteur", "Service", "Territoire", "Thematique", "Public", "Consortium"}
    assert graph.has_edge("Acteur:mob", "Service:permis", "PROPOSE")
    assert graph.has_edge("Service:rsa", "Territoire:56", "COUVRE")
    assert graph.has_edge("Service:rsa", "Public:tous-publics", "CIBLE")
    assert graph.has_edge("Acteur:cd56", "Territoire:56260", "SIEGE_A")
    assert graph.has_edge("Territoire:56260", f"Territoire:{GMVA}", "FAIT_PARTIE_DE")
    assert graph.has_edge("Territoire:56260", "Territoire:56", "FAIT_PARTIE_DE")
    assert graph.has_edge("Territoire:56", "Territoire:region:53", "FAIT_PARTIE_DE")
    assert graph.has_edge("Territoire:region:53", "Territoire:france", "FAIT_PARTIE_DE")
    assert graph.has_edge("Acteur:cd56", "Acteur:ml", "INTERAGIT:financement")
    assert graph.has_edge("Acteur:cd56", "Consortium:test", "MEMBRE_DE")
    # the sub-theme's category is a node too
    assert graph.nodes["Thematique:mobilite--preparer-un-permis"]["categorie"] == "mobilite"
    # every commune of the département is in the graph, with its COG population
    communes = [d for _, d in graph.nodes(data=True) if d.get("niveau") == "commune"]
    assert len(communes) == len(territories().communes("56"))
    assert graph.nodes["Territoire:56"]["population"] == territories().population("56")
    assert default_territory(graph) == GMVA


def answer(graph, **query):
    return {(r.service, r.couverture) for r in who_covers(graph, CoverageQuery(**query))}


def test_who_covers_a_commune(graph):
    assert answer(graph, thematique="mobilite", territoire=VANNES) == {
        ("permis", "total"), ("rsa", "total"), ("jeunes", "total")}
    # Séné is in the agglomeration but not in the mobility platform's two communes
    assert answer(graph, thematique="mobilite", territoire=SENE) == {
        ("rsa", "total"), ("jeunes", "total")}


def test_total_or_partial_follows_the_cog(graph):
    # The agglomeration: the CD (whole département) and the mission locale (the EPCI itself)
    # contain it; the platform covers only Vannes in it.
    assert answer(graph, thematique="mobilite", territoire=GMVA) == {
        ("rsa", "total"), ("jeunes", "total"), ("permis", "partiel")}
    # The région: everyone is partial.
    assert answer(graph, thematique="mobilite", territoire="region:53") == {
        ("rsa", "partiel"), ("jeunes", "partiel"), ("permis", "partiel")}
    assert answer(graph, thematique="mobilite", territoire="29") == set()


def test_filters_on_theme_public_and_moment(graph):
    # a sub-theme query matches services declaring the whole category
    assert answer(graph, thematique="mobilite--preparer-un-permis", territoire=LORIENT) == {
        ("permis", "total"), ("rsa", "total")}
    assert answer(graph, thematique="mobilite", territoire=VANNES, public="jeunes") == {
        ("rsa", "total"), ("jeunes", "total")}
    assert answer(graph, thematique="mobilite", territoire=VANNES, moment="entree") == {
        ("jeunes", "total")}
    assert answer(graph, thematique="trouver-un-emploi", territoire=VANNES) == {("rsa", "total")}


def test_rows_carry_actor_and_population(graph):
    rows = who_covers(graph, CoverageQuery(thematique="mobilite", territoire=GMVA))
    permis = next(r for r in rows if r.service == "permis")
    assert (permis.acteur, permis.nom_acteur, permis.famille) == ("mob", "Mobilité (fictif)",
                                                                  "mobilite")
    assert permis.population_couverte == territories().population(VANNES)
    assert rows[-1].couverture == "partiel"  # total first


@pytest.mark.parametrize("query,needle", [
    ({"thematique": "mobility", "territoire": "56"}, "mobilite"),
    ({"thematique": "mobilite", "territoire": "Vanes"}, "56260 (Vannes)"),
    ({"thematique": "mobilite", "territoire": "56", "public": "rsa"}, "--public"),
])
def test_unknown_codes_in_questions(graph, query, needle):
    with pytest.raises(ArgumentError, match="inconnu") as info:
        who_covers(graph, CoverageQuery(**query))
    assert needle in str(info.value)
