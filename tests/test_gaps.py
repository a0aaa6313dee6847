"""Coverage gaps, on a small data set whose answers are computed by hand.

Populations are INSEE's COG 2026 (``spie_graph/reference/data/territoires.json.gz``):
Vannes 55,790, Saint-Avé 12,470, Séné 9,554; Lorient 58,329; Golfe du Morbihan -
Vannes Agglomération (GMVA) 180,735 in 34 communes; Lorient Agglomération 25
communes; Morbihan 783,390 in 249 communes, 15 EPCI (two of them, Redon
Agglomération and Cap Atlantique, only partly in the Morbihan).
"""

import pytest

from spie_graph.analyses import gaps, territory_units
from spie_graph.analyses._common import split_codes
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import build_graph
from spie_graph.graph.coverage import CoverageQuery, who_covers
from spie_graph.reference.territories import territories
from spie_graph.sources.validation import load_dataset

VANNES, LORIENT, SENE, SAINT_AVE = "56260", "56121", "56243", "56206"
GMVA, LORIENT_AGGLO, REDON_AGGLO = "200067932", "200042174", "243500741"
RSA = "beneficiaires-des-minimas-sociaux"


@pytest.fixture
def graph(make_dataset):
    path = make_dataset(
        acteurs=[
            {"id": "cd56", "nom": "CD 56", "famille": "cd", "commune": VANNES, "territoire": "56"},
            {"id": "mob", "nom": "Plateforme mobilité", "famille": "mobilite", "commune": VANNES,
             "territoire": f"{VANNES}|{LORIENT}"},
            {"id": "ml", "nom": "Mission locale", "famille": "mission-locale", "commune": VANNES,
             "territoire": GMVA},
            {"id": "creche", "nom": "Crèche AVIP", "famille": "garde-enfants", "commune": SENE},
        ],
        services=[
            # permis: a mobility sub-theme, for RSA recipients, on Vannes and Lorient.
            {"id": "permis", "acteur": "mob", "nom": "Permis", "thematiques":
             "mobilite--preparer-un-permis", "publics": RSA, "moments": "offre"},
            # rsa: everyone, the whole département, moment « suivi » only.
            {"id": "rsa", "acteur": "cd56", "nom": "Accompagnement", "thematiques":
             "trouver-un-emploi", "moments": "suivi"},
            # jeunes: the whole mobility category, for young people, on GMVA.
            {"id": "jeunes", "acteur": "ml", "nom": "Mobilité jeunes", "thematiques": "mobilite",
             "publics": "jeunes", "moments": "entree|suivi"},
            # creche: childcare in Séné (the actor's seat is its area).
            {"id": "creche-s", "acteur": "creche", "nom": "Places AVIP", "thematiques":
             "famille--garde-denfants", "moments": "offre"},
        ],
    )
    return build_graph(load_dataset(path))


def by_key(result):
    return {(r.territoire, r.thematique): r.nb_services for r in result.lignes}


def test_one_row_per_commune_and_thematique(graph):
    result = gaps(graph, GMVA, thematiques=["mobilite"])
    # 34 communes × 1 thématique
    assert len(result.lignes) == 34
    counts = by_key(result)
    # Vannes: « permis » (a sub-theme of the category asked) and « jeunes » (the category).
    assert counts[VANNES, "mobilite"] == 2
    # Séné: only « jeunes » (GMVA); « permis » covers Vannes and Lorient only.
    assert counts[SENE, "mobilite"] == 1
    assert result.lacunes == []


def test_public_filter_makes_gaps_sorted_by_population(graph):
    # For RSA recipients only « permis » counts (« jeunes » serves young people only):
    # Vannes has 1 service, the 33 other communes of GMVA none.
    result = gaps(graph, GMVA, thematiques=["mobilite"], public=RSA)
    assert len(result.lacunes) == 33
    # The most populated communes of GMVA after Vannes: Saint-Avé, then Séné.
    assert [(r.territoire, r.population) for r in result.lacunes[:2]] == [
        (SAINT_AVE, 12470), (SENE, 9554)]
    populations = [r.population for r in result.lacunes]
    assert populations == sorted(populations, reverse=True)
    # Covered rows come after every gap.
    assert result.lignes[-1].territoire == VANNES and result.lignes[-1].nb_services == 1


def test_a_subtheme_query_counts_services_of_its_category(graph):
    counts = by_key(gaps(graph, GMVA, thematiques=["mobilite--preparer-un-permis"]))
    # « jeunes » declares the whole category: it answers the sub-theme too.
    assert counts[SENE, "mobilite--preparer-un-permis"] == 1
    assert counts[VANNES, "mobilite--preparer-un-permis"] == 2


def test_epci_level_counts_a_service_reaching_one_commune(graph):
    result = gaps(graph, "56", niveau="epci", thematiques=["famille--garde-denfants"])
    # 15 EPCI intersect the Morbihan; only GMVA (through Séné) has childcare.
    assert len(result.lignes) == 15
    counts = by_key(result)
    assert counts[GMVA, "famille--garde-denfants"] == 1
    assert len(result.lacunes) == 14
    rows = {r.territoire: r for r in result.lignes}
    assert rows[GMVA].population == 180735
    # Redon Agglomération counts only its Morbihan communes: 18,140 inhabitants.
    assert rows[REDON_AGGLO].population == 18140
    assert rows[REDON_AGGLO].nom_territoire == "CA Redon Agglomération"


def test_moments_missing(graph):
    result = gaps(graph, LORIENT_AGGLO)
    missing = {(m.territoire, m.moment) for m in result.moments_sans_service}
    # « rsa » (suivi) covers the whole département; « permis » (offre) covers Lorient;
    # no « entree » service reaches Lorient Agglomération (« jeunes » is GMVA).
    # So: 25 communes without « entree », 24 (all but Lorient) without « offre ».
    assert len(missing) == 25 + 24
    assert (LORIENT, "entree") in missing and (LORIENT, "offre") not in missing
    assert not any(moment == "suivi" for _, moment in missing)
    # Most populated first: Lorient (58,329).
    assert (result.moments_sans_service[0].territoire,
            result.moments_sans_service[0].moment) == (LORIENT, "entree")


def test_default_thematiques_and_territory(graph):
    result = gaps(graph)
    # No consortium: the département where most actors sit.
    assert result.territoire == "56"
    assert result.thematiques == ["mobilite", "logement-hebergement", "sante",
                                  "famille--garde-denfants", "trouver-un-emploi", "se-former"]
    assert len(result.lignes) == 249 * 6
    # Nobody covers housing anywhere: 249 gaps for it.
    assert sum(r.thematique == "logement-hebergement" for r in result.lacunes) == 249


def test_leaving_an_actor_out(graph):
    counts = by_key(gaps(graph, GMVA, thematiques=["mobilite"], sans=["ml"]))
    # Without the mission locale, only « permis » is left: Vannes 1, Séné 0.
    assert counts[VANNES, "mobilite"] == 1
    assert counts[SENE, "mobilite"] == 0


@pytest.mark.parametrize("kwargs, expected", [
    ({"thematiques": ["mobilte"]}, "mobilite"),
    ({"public": "jeune"}, "jeunes"),
    ({"territoire": "5626"}, "56260"),
    ({"niveau": "region"}, "commune, epci"),
])
def test_bad_arguments_say_the_closest_codes(graph, kwargs, expected):
    with pytest.raises(ArgumentError) as error:
        gaps(graph, **{"territoire": GMVA, **kwargs})
    assert expected in str(error.value)


def test_territory_units():
    units = dict(territory_units(GMVA, "epci"))
    assert list(units) == [GMVA] and len(units[GMVA]) == 34
    assert territory_units(VANNES, "commune") == [(VANNES, frozenset({VANNES}))]


def test_split_codes():
    assert split_codes(["mobilite,sante", "se-former", "sante"]) == [
        "mobilite", "sante", "se-former"]
    assert split_codes(None) == []


# -- the demo data set --------------------------------------------------------------

def test_demo_invariants(demo_graph):
    result = gaps(demo_graph, "56")
    terr = territories()
    assert len(result.lignes) == len(terr.communes("56")) * len(result.thematiques)
    assert all(r.population == terr.population(r.territoire) for r in result.lignes[:50])
    keys = [(r.nb_services > 0, r.nb_services, -r.population) for r in result.lignes]
    assert keys == sorted(keys)
    # The moments table lists only communes of the territory, each moment at most once.
    pairs = [(m.territoire, m.moment) for m in result.moments_sans_service]
    assert len(pairs) == len(set(pairs))
    assert {code for code, _ in pairs} <= terr.communes("56")


def test_demo_agrees_with_who_covers(demo_graph):
    # A commune's count is the number of services who-covers finds for it.
    result = gaps(demo_graph, "56", public=RSA)
    sample = result.lignes[::97]
    for row in sample:
        found = who_covers(demo_graph, CoverageQuery(thematique=row.thematique,
                                                     territoire=row.territoire, public=RSA))
        assert len(found) == row.nb_services, row


def test_demo_epci_gaps(demo_graph):
    result = gaps(demo_graph, "56", niveau="epci")
    assert {r.territoire for r in result.lignes} == set(territories().epcis_in("56"))
    # An EPCI is a gap only if every one of its communes is.
    communes = gaps(demo_graph, "56")
    covered = {(territories().epci_of(r.territoire), r.thematique)
               for r in communes.lignes if r.nb_services > 0}
    assert all((r.territoire, r.thematique) not in covered for r in result.lacunes)
