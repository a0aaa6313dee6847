"""The consortium check against the AMI SPIE, on a small data set computed by hand.

The consortium covers GMVA (Golfe du Morbihan - Vannes Agglomération, 180,735
inhabitants in COG 2026); Vannes has 55,790 and Séné 9,554.
"""

import pytest
import yaml

from spie_graph.analyses import check_consortium, consortium_of_graph, load_criteria
from spie_graph.analyses.consortium import RULE_KINDS
from spie_graph.errors import ArgumentError, DatasetError
from spie_graph.graph.build import build_graph
from spie_graph.reference import read_text
from spie_graph.sources.consortium import read_consortium
from spie_graph.sources.validation import load_dataset

VANNES, SENE, GMVA = "56260", "56243", "200067932"
RSA = "beneficiaires-des-minimas-sociaux"

ACTEURS = [
    {"id": "cd56", "nom": "CD 56", "famille": "cd", "commune": VANNES, "territoire": "56"},
    {"id": "ft", "nom": "France Travail Vannes", "famille": "france-travail", "commune": VANNES,
     "territoire": GMVA},
    {"id": "ccas", "nom": "CCAS de Vannes", "famille": "ccas-cias", "commune": VANNES},
    {"id": "ml", "nom": "Mission locale", "famille": "mission-locale", "commune": VANNES,
     "territoire": GMVA},
    # Not members: candidates.
    {"id": "mob", "nom": "Plateforme mobilité", "famille": "mobilite", "commune": VANNES,
     "territoire": GMVA},
    {"id": "mob2", "nom": "Auto-école sociale", "famille": "mobilite", "commune": SENE},
    {"id": "cmp", "nom": "CMP", "famille": "sante", "commune": VANNES},
    {"id": "cpam", "nom": "CPAM", "famille": "cpam", "commune": VANNES, "territoire": GMVA},
    {"id": "creche", "nom": "Crèche A", "famille": "garde-enfants", "commune": SENE},
    {"id": "creche2", "nom": "Crèche B", "famille": "garde-enfants", "commune": SENE},
]
SERVICES = [
    {"id": "cd-log", "acteur": "cd56", "nom": "FSL", "thematiques": "logement-hebergement",
     "publics": RSA, "moments": "offre"},                                  # Morbihan
    {"id": "ccas-sante", "acteur": "ccas", "nom": "Santé", "thematiques": "sante",
     "moments": "offre"},                                                  # Vannes
    {"id": "ml-acc", "acteur": "ml", "nom": "Accompagnement jeunes",
     "thematiques": "trouver-un-emploi", "publics": "jeunes", "moments": "entree|suivi"},
    {"id": "ft-acc", "acteur": "ft", "nom": "Accompagnement", "thematiques": "trouver-un-emploi",
     "publics": "demandeurs-emploi", "moments": "entree|suivi|offre"},
    {"id": "mob-s", "acteur": "mob", "nom": "Mobilité", "thematiques": "mobilite",
     "moments": "offre"},                                                  # GMVA
    {"id": "mob2-s", "acteur": "mob2", "nom": "Permis", "thematiques":
     "mobilite--preparer-un-permis", "moments": "offre"},                  # Séné
    {"id": "cmp-s", "acteur": "cmp", "nom": "Consultations", "thematiques": "sante",
     "moments": "offre"},                                                  # Vannes
    {"id": "cpam-s", "acteur": "cpam", "nom": "Accès aux soins", "thematiques": "sante",
     "moments": "offre"},                                                  # GMVA
    {"id": "creche-s", "acteur": "creche", "nom": "Places", "thematiques":
     "famille--garde-denfants", "moments": "offre"},
    {"id": "creche2-s", "acteur": "creche2", "nom": "Places", "thematiques":
     "famille--garde-denfants", "moments": "offre"},
]
CONSORTIUM = {
    "nom": "SPIE Golfe", "porteur": "cd56", "territoire": GMVA, "publics": [RSA],
    "membres": [{"acteur": "cd56", "lettre_engagement": True},
                {"acteur": "ft", "lettre_engagement": False},
                {"acteur": "ccas"}, {"acteur": "ml"}],
}


@pytest.fixture
def graph(make_dataset):
    path = make_dataset(acteurs=ACTEURS, services=SERVICES, consortium=CONSORTIUM,
                        interactions=[{"source": "creche2", "cible": "ccas",
                                       "type": "orientation"}])
    return build_graph(load_dataset(path))


def criteria_by_code(result):
    return {c.code: c for c in result.criteres}


def test_criteria(graph):
    result = check_consortium(graph)
    found = criteria_by_code(result)
    assert {code: c.ok for code, c in found.items()} == {
        "porteur-cd": True,                            # the porteur is the CD
        "engagement-cd-france-travail": False,         # France Travail has no letter
        "insertion-sociale-et-professionnelle": True,  # ccas (social), ml (professionnel)
        "freins-logement-sante-mobilite": False,       # health 31 %, mobility 0 %
        "public-rsa": True,                            # declared by the consortium
        "trois-moments-du-parcours": True,             # ml/ft: entrée, suivi; cd-log: offre
    }
    assert result.recevable is False
    assert result.population == 180735
    assert "France Travail Vannes, membre sans lettre d'engagement" in found[
        "engagement-cd-france-travail"].detail
    # Members by name (people read names, not ids), « 1 membre » in the singular.
    assert "social : 1 membre (CCAS de Vannes)" in found[
        "insertion-sociale-et-professionnelle"].detail
    freins = found["freins-logement-sante-mobilite"].detail
    # housing: cd-log covers the whole département, so 100 % of GMVA;
    # health: ccas-sante covers Vannes only, 55,790 / 180,735 = 30.9 % → « 31 % »;
    # mobility: no member service.
    assert "Logement et hébergement : 100\u202f% de la population (CD 56)" in freins
    assert "Santé : 31\u202f% de la population (CCAS de Vannes)" in freins
    assert "Mobilité : 0\u202f% de la population (aucun service des membres)" in freins
    assert "(seuil : 80\u202f%)" in freins


def test_selection_view_and_candidates(graph):
    result = check_consortium(graph)
    # Members' families in the recommended list: mission-locale and ccas-cias only.
    assert result.familles_presentes == ["mission-locale", "ccas-cias"]
    assert {"mobilite", "sante", "garde-enfants", "caf-msa"} <= set(result.familles_manquantes)
    publics = {c.code: c.ok for c in result.publics}
    # ml-acc targets young people; nobody targets people with disabilities.
    assert publics == {"public-jeunes": True,
                       "public-personnes-en-situation-de-handicap": False}
    candidats = result.candidats
    # Health: members reach Vannes. cpam-s (GMVA) adds 180,735 - 55,790; cmp-s (Vannes)
    # adds nothing, so it would not fill the need.
    assert candidats["besoin:sante"] == ["cpam"]
    # Mobility: mob adds all of GMVA (180,735), mob2 Séné (9,554).
    assert candidats["besoin:mobilite"] == ["mob", "mob2"]
    # Family « santé »: the CMP (the CPAM is of family cpam).
    assert candidats["famille:sante"] == ["cmp"]
    assert candidats["famille:mobilite"] == ["mob", "mob2"]
    # Both crèches reach Séné: same population; creche2 has one partner, creche none.
    assert candidats["famille:garde-enfants"] == ["creche2", "creche"]
    # No CAF or MSA on the territory: the need is listed with no candidate.
    assert candidats["famille:caf-msa"] == []
    assert candidats["public:personnes-en-situation-de-handicap"] == []
    members = {m["acteur"] for m in CONSORTIUM["membres"]}
    assert not any(set(ids) & members for ids in candidats.values())


def test_another_consortium_file(graph, tmp_path):
    # The mission locale carries it with the CD's agreement; both letters signed; the
    # mobility platform joins. Still health is 31 %: not admissible.
    other = dict(CONSORTIUM, porteur="ml", accord_cd=True,
                 membres=[{"acteur": "cd56", "lettre_engagement": True},
                          {"acteur": "ft", "lettre_engagement": True},
                          {"acteur": "ccas"}, {"acteur": "ml"}, {"acteur": "mob"}])
    path = tmp_path / "version-2.yaml"
    path.write_text(yaml.safe_dump(other, allow_unicode=True), encoding="utf-8")
    consortium = read_consortium(path, ["cd56", "ft", "ccas", "ml", "mob", "cmp"])
    found = criteria_by_code(check_consortium(graph, consortium))
    assert found["porteur-cd"].ok and "accord du conseil départemental déclaré (accord_cd)" in \
        found["porteur-cd"].detail
    assert found["engagement-cd-france-travail"].ok
    assert "Mobilité : 100\u202f% de la population (Plateforme mobilité)" in found[
        "freins-logement-sante-mobilite"].detail
    assert not found["freins-logement-sante-mobilite"].ok


def test_porteur_without_agreement(graph):
    consortium = consortium_of_graph(graph).model_copy(update={"porteur": "ml"})
    found = criteria_by_code(check_consortium(graph, consortium))
    assert not found["porteur-cd"].ok
    assert "accord_cd: oui" in found["porteur-cd"].detail


def test_missing_france_travail_asks_for_candidates(graph):
    consortium = consortium_of_graph(graph)
    consortium = consortium.model_copy(update={
        "membres": [m for m in consortium.membres if m.acteur != "ft"]})
    result = check_consortium(graph, consortium)
    assert "France Travail (ex-Pôle emploi) : aucun membre" in criteria_by_code(result)[
        "engagement-cd-france-travail"].detail
    assert result.candidats["famille:france-travail"] == ["ft"]


def test_consortium_file_problems_are_located(tmp_path):
    path = tmp_path / "consortium-v3.yaml"
    path.write_text("nom: V3\nporteur: cd56\nmembres:\n  - acteur: cd65\n  - acteur: ml\n"
                    "  - acteur: ml\n", encoding="utf-8")
    with pytest.raises(DatasetError) as error:
        read_consortium(path, ["cd56", "ml"])
    text = str(error.value)
    assert "consortium-v3.yaml, ligne 4, champ « acteur » : acteur inconnu" in text
    assert "cd56" in text                       # the closest id
    assert "ligne 6" in text and "membre en double" in text
    with pytest.raises(DatasetError, match="fichier introuvable"):
        read_consortium(tmp_path / "absent.yaml", ["cd56"])


def test_no_consortium(make_dataset):
    graph = build_graph(load_dataset(make_dataset(acteurs=ACTEURS[:1])))
    with pytest.raises(ArgumentError, match="aucun consortium"):
        check_consortium(graph)


# -- the rules are data ---------------------------------------------------------------

def test_package_rules_are_declarative():
    text = read_text("criteres_ami.yaml")
    raw = yaml.safe_load(text)
    criteria = load_criteria()
    assert [r.code for r in criteria.recevabilite] == [r["code"] for r in raw["recevabilite"]]
    assert {r.regle for r in criteria.recevabilite} == set(RULE_KINDS)
    assert criteria.publics == ["jeunes", "personnes-en-situation-de-handicap"]


def test_a_custom_rule_file_drives_the_check(graph, tmp_path):
    # One rule only: childcare covered on 5 % of the population. The crèches are not
    # members, so the members cover 0 %: not met, and the crèches are the candidates.
    path = tmp_path / "criteres.yaml"
    path.write_text(yaml.safe_dump({
        "recevabilite": [{"code": "garde", "libelle": "Garde d'enfants",
                          "regle": "members_cover_thematiques",
                          "parametres": {"thematiques": ["famille--garde-denfants"],
                                         "part_population_min": 0.05}}],
        "selection": {"familles_recommandees": [], "publics": []},
    }), encoding="utf-8")
    result = check_consortium(graph, criteria=load_criteria(path))
    assert [(c.code, c.ok) for c in result.criteres] == [("garde", False)]
    assert result.recevable is False
    assert result.candidats == {"besoin:famille--garde-denfants": ["creche2", "creche"]}


@pytest.mark.parametrize("rule, message", [
    ({"regle": "inconnue"}, "type de règle inconnu"),
    ({"regle": "member_with_letter"}, "paramètre(s) manquant(s) : familles"),
    ({"regle": "member_with_letter", "parametres": {"familles": ["cdd"]}}, "cdd"),
    ({"regle": "moments_coverage", "parametres": {"moments": ["entree"],
                                                  "part_population_min": 80}}, "entre 0 et 1"),
])
def test_bad_rules_are_reported(tmp_path, rule, message):
    path = tmp_path / "criteres.yaml"
    path.write_text(yaml.safe_dump({"recevabilite": [{"code": "x", "libelle": "X", **rule}],
                                    "selection": {"familles_recommandees": [],
                                                  "publics": []}}), encoding="utf-8")
    with pytest.raises(ArgumentError) as error:
        load_criteria(path)
    assert message in str(error.value) and "règle « x »" in str(error.value)


# -- the demo data set --------------------------------------------------------------

def test_demo_invariants(demo_graph):
    consortium = consortium_of_graph(demo_graph)
    if consortium is None:
        pytest.skip("le jeu de démonstration n'a pas de consortium")
    result = check_consortium(demo_graph)
    assert result.recevable == all(c.ok for c in result.criteres)
    assert [c.code for c in result.criteres] == [r.code for r in load_criteria().recevabilite]
    assert all(c.detail for c in result.criteres)
    codes = [g.code for g in load_criteria().familles_recommandees]
    assert sorted(result.familles_presentes + result.familles_manquantes) == sorted(codes)
    members = {m.acteur for m in consortium.membres}
    actors = {d["id"] for _, d in demo_graph.nodes(data=True) if d["label"] == "Acteur"}
    for ids in result.candidats.values():
        assert len(ids) == len(set(ids)) and set(ids) <= actors - members


def test_demo_consortium_misses_childcare_and_health(demo_graph):
    # The demo's consortium is carried by cd56 without childcare or health members.
    consortium = consortium_of_graph(demo_graph)
    families = {demo_graph.nodes[f"Acteur:{m.acteur}"]["famille"] for m in consortium.membres}
    if families & {"garde-enfants", "sante"}:
        pytest.skip("le consortium de démonstration a changé")
    result = check_consortium(demo_graph)
    assert {"garde-enfants", "sante"} <= set(result.familles_manquantes)
    creches = {d["id"] for _, d in demo_graph.nodes(data=True)
               if d["label"] == "Acteur" and d["famille"] == "garde-enfants"}
    assert set(result.candidats["famille:garde-enfants"]) == creches
