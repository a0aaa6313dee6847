"""The shipped referentials: families, thématiques, publics, moments, interactions."""

import csv

import pytest

from spie_graph.reference.referentials import referentials
from tests.conftest import REFERENCE

R = referentials()
DI = REFERENCE / "data-inclusion"
ISSUE_FAMILIES = [
    "cd", "region", "commune", "epci", "ccas-cias", "prefecture", "commissaire-pauvrete",
    "dreets-ddets", "france-travail", "ars", "caf", "msa", "cpam", "mission-locale",
    "cap-emploi", "plie", "maison-emploi", "opco", "epide", "e2c", "organisme-formation", "aci",
    "ei", "ai", "etti", "eiti", "geiq", "ea", "esat", "siao", "logement-hebergement",
    "mobilite", "garde-enfants", "sante", "medico-social", "acces-droits", "association",
    "entreprise", "reseau-economique", "autre",
]


def _codes(name):
    with (DI / name).open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


def test_families_are_those_of_the_issue():
    assert list(R.familles) == ISSUE_FAMILIES
    assert R.famille("pole-emploi").code == "france-travail"
    volets = ("social", "professionnel", "institutionnel")
    assert all(f.volet in volets for f in R.familles.values())
    assert all(f.libelle and f.libelle_groupe for f in R.familles.values())


def test_every_v1_reseau_porteur_maps_to_exactly_one_family():
    for code in _codes("v1_reseaux_porteurs.csv"):
        owners = [f.code for f in R.familles.values() if code in f.reseaux_porteurs]
        assert len(owners) == 1, (code, owners)
    assert R.famille_for_reseau("mission-locale") == "mission-locale"
    assert R.famille_for_reseau("creches-avip") == "garde-enfants"


def test_every_v0_typologie_maps_to_exactly_one_family():
    for code in _codes("v0_typologies_de_structures.csv"):
        owners = [f.code for f in R.familles.values() if code in f.typologies_v0]
        assert len(owners) == 1, (code, owners)
    assert R.famille_for_typologie("FT") == "france-travail"


def test_thematiques_and_publics_are_data_inclusion_v1():
    assert list(R.thematiques) == _codes("v1_thematiques.csv")
    assert len(R.categories()) == 16 and len(R.thematiques) == 85
    assert list(R.publics) == _codes("v1_publics.csv")


def test_a_category_stands_for_its_sub_themes():
    mobilite = R.matching_thematiques("mobilite")
    assert "mobilite--preparer-un-permis" in mobilite and "mobilite" in mobilite
    assert len(mobilite) == 7
    assert R.matching_thematiques("mobilite--preparer-un-permis") == {
        "mobilite", "mobilite--preparer-un-permis"}


def test_moments_and_interaction_types():
    assert list(R.moments) == ["entree", "suivi", "offre"]
    assert set(R.interactions) == {"convention", "financement", "orientation", "partenariat",
                                   "gouvernance", "partage-donnees", "co-accompagnement",
                                   "mise-a-disposition"}


@pytest.mark.parametrize("themes,type_service,expected", [
    (["mobilite--preparer-un-permis"], None, ["offre"]),
    (["preparer-sa-candidature", "trouver-un-emploi"], None, ["suivi", "offre"]),
    (["difficultes-administratives-ou-juridiques"], None, ["entree"]),
    (["mobilite"], "information", ["entree"]),
])
def test_moment_inference(themes, type_service, expected):
    assert R.infer_moments(themes, type_service) == expected


def test_every_category_has_an_inferred_moment():
    assert set(R.moments_par_categorie) == set(R.categories())
    assert set(R.besoins_spie) <= set(R.thematiques)
