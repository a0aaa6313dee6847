"""Validation: every error kind is reported, located, with a fix; all at once."""

import openpyxl
import pytest

from spie_graph.errors import DatasetError
from spie_graph.sources.template import write_template
from spie_graph.sources.validation import load_dataset

ACTEURS = [
    {"id": "cd56", "nom": "Conseil départemental du Morbihan", "famille": "cd",
     "commune": "56260", "territoire": "56"},
    {"id": "ft-vannes", "nom": "France Travail Vannes", "famille": "pole-emploi",
     "commune": "56260", "territoire": "200067932"},
]


def problems_of(path):
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    return info.value.problems


def test_a_valid_data_set_builds_the_model(make_dataset):
    path = make_dataset(
        acteurs=ACTEURS,
        services=[{"id": "s1", "acteur": "cd56", "nom": "RSA", "thematiques": "Mobilité",
                   "publics": "", "moments": ""}],
        interactions=[{"source": "cd56", "cible": "ft-vannes", "type": "convention",
                       "depuis": "01/01/2021"}],
        consortium={"nom": "SPIE 56", "porteur": "cd56", "territoire": "56",
                    "membres": [{"acteur": "cd56", "lettre_engagement": "oui"}]},
    )
    dataset = load_dataset(path)
    assert [a.famille for a in dataset.acteurs] == ["cd", "france-travail"]  # alias resolved
    service = dataset.services[0]
    assert service.thematiques == ["mobilite"]  # label accepted, stored as code
    assert service.territoire == ["56"]  # defaults to the actor's
    assert service.moments == ["offre"] and service.moments_deduits
    assert dataset.interactions[0].depuis.isoformat() == "2021-01-01"
    assert dataset.consortium.membres[0].lettre_engagement is True


def test_unknown_codes_are_reported_with_the_closest_ones(make_dataset):
    path = make_dataset(
        acteurs=[{**ACTEURS[0], "famille": "pole-emplo", "publics": "jeunes|beneficiaires-rsa"}],
        services=[{"id": "s1", "acteur": "cd56", "nom": "x", "thematiques": "mobilite--permis",
                   "moments": "accueil"}],
    )
    found = {(p.file, p.line, p.field): p for p in problems_of(path)}
    famille = found[("acteurs.csv", 2, "famille")]
    assert famille.value == "pole-emplo" and "pole-emploi" in famille.fix
    assert "spie-graph referentiel familles" in famille.fix
    public = found[("acteurs.csv", 2, "publics")]
    assert public.value == "beneficiaires-rsa" and "beneficiaires-des-minimas-sociaux" in public.fix
    theme = found[("services.csv", 2, "thematiques")]
    assert "mobilite--preparer-un-permis" in theme.fix
    assert found[("services.csv", 2, "moments")].value == "accueil"


def test_unknown_territories(make_dataset):
    path = make_dataset(acteurs=[{**ACTEURS[0], "commune": "56", "territoire": "5626|Vanes"}])
    found = {(p.field, p.value): p for p in problems_of(path)}
    assert "commune est attendu" in found[("commune", "56")].message
    assert "56260 (Vannes)" in found[("territoire", "Vanes")].fix
    assert "COG 2026" in found[("territoire", "5626")].message


def test_duplicates_and_missing_references(make_dataset):
    path = make_dataset(
        acteurs=[*ACTEURS, {**ACTEURS[0], "nom": "Doublon"}],
        services=[{"id": "s1", "acteur": "cd-56", "nom": "x", "thematiques": "sante"},
                  {"id": "s1", "acteur": "cd56", "nom": "y", "thematiques": "sante"}],
        interactions=[{"source": "cd56", "cible": "ft-vanes", "type": "convention"},
                      {"source": "cd56", "cible": "cd56", "type": "partenariat"},
                      {"source": "ft-vannes", "cible": "cd56", "type": "financement"},
                      {"source": "ft-vannes", "cible": "cd56", "type": "financement"}],
        consortium={"nom": "C", "porteur": "cd57", "membres": [{"acteur": "x"}]},
    )
    messages = {(p.file, p.line, p.field, p.message) for p in problems_of(path)}
    assert ("acteurs.csv", 4, "id", "identifiant en double") in messages
    assert ("services.csv", 2, "acteur", "acteur inconnu") in messages
    assert ("services.csv", 3, "id", "identifiant de service en double") in messages
    assert ("interactions.csv", 2, "cible", "acteur inconnu") in messages
    assert ("interactions.csv", 3, "cible", "un acteur ne peut interagir avec lui-même") in messages
    assert ("interactions.csv", 5, "type", "interaction en double") in messages
    assert ("consortium.yaml", 2, "porteur", "acteur inconnu") in messages
    assert any(m[2] == "acteur" and m[0] == "consortium.yaml" for m in messages)


def test_required_fields_formats_and_columns(make_dataset):
    path = make_dataset(
        acteurs=[{"id": "a", "nom": "", "famille": "cd", "siret": "123", "site_web": "www",
                  "publcs": "jeunes"}],
        services=[{"id": "s", "acteur": "a", "nom": "n", "thematiques": "sante",
                   "publics": "tous-publics|jeunes"}],
        interactions=[{"source": "a", "cible": "a", "type": "convention",
                       "depuis": "2024-02-30", "jusqu_a": ""}],
    )
    found = {(p.file, p.field): p for p in problems_of(path)}
    assert found[("acteurs.csv", "nom")].message == "champ obligatoire vide"
    assert found[("acteurs.csv", "siret")].message == "SIRET invalide"
    assert found[("acteurs.csv", "site_web")].message == "adresse web invalide"
    assert "publics" in found[("acteurs.csv", "publcs")].fix
    assert "s'emploie seul" in found[("services.csv", "publics")].message
    assert found[("interactions.csv", "depuis")].message == "date illisible"
    assert found[("services.csv", "territoire")].message == "territoire inconnu"


def test_missing_required_column(make_dataset):
    path = make_dataset(acteurs=[{"id": "a", "nom": "A"}])
    [problem] = problems_of(path)
    assert (problem.line, problem.field, problem.message) == (1, "famille",
                                                              "colonne obligatoire absente")


def test_list_with_wrong_separator_says_how_to_fix(make_dataset):
    path = make_dataset(acteurs=[{**ACTEURS[0], "publics": "jeunes, femmes"}])
    [problem] = problems_of(path)
    assert "séparez les valeurs d'une liste par « | »" in problem.fix


def test_missing_folder_and_empty_folder(tmp_path):
    assert "dossier introuvable" in str(problems_of(tmp_path / "nope")[0])
    assert "aucune table « acteurs »" in str(problems_of(tmp_path)[0])


def test_yaml_tables_are_accepted(tmp_path):
    (tmp_path / "acteurs.yaml").write_text(
        "acteurs:\n  - id: cd56\n    nom: CD\n    famille: cd\n    territoire: 56\n"
        "  - id: ml\n    nom: ML\n    famille: mision-locale\n", encoding="utf-8")
    problems = problems_of(tmp_path)
    assert [(p.line, p.field) for p in problems] == [(8, "famille")]


def test_problem_text_says_what_where_and_how(make_dataset):
    path = make_dataset(acteurs=[{**ACTEURS[0], "famille": "caff"}])
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    text = str(info.value)
    assert ("acteurs.csv, ligne 2, champ « famille » : code de famille inconnu "
            "(valeur : « caff »)") in text
    assert "codes proches : caf" in text


# -- messages for people: one problem said once, every problem in one run ---------------
ARDECHE = [
    {"id": "cd07", "nom": "Conseil départemental de l'Ardèche", "famille": "cd",
     "commune": "07186", "territoire": "07"},
    {"id": "ml-aubenas", "nom": "Mission locale Ardèche méridionale", "famille": "mission-locale",
     "commune": "07019", "territoire": "20007324"},
]


def test_a_missing_column_is_named_once_even_in_a_workbook(tmp_path):
    path = write_template(tmp_path / "ardeche.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["acteurs"].append(["cd07", "CD de l'Ardèche", "cd", None, None, "07186"])
    services = wb["services"]
    for index in range(18):
        services.append([f"s{index}", "cd07", f"Service {index}", "mobilite"])
    services.delete_cols(4)  # the thématiques column, deleted by hand
    wb.save(path)
    problems = problems_of(path)
    assert [(p.line, p.field, p.message) for p in problems] == [
        (1, "thematiques", "colonne obligatoire absente")]
    assert "ajoutez la colonne « thematiques »" in problems[0].fix


def test_every_table_and_every_reference_in_one_run(make_dataset):
    path = make_dataset(
        acteurs=ARDECHE,
        services=[{"id": "s1", "acteur": "cd07", "nom": "x"}],  # no thematiques column
        interactions=[{"source": "cd07", "cible": "ml-privas", "type": "conventionn"}],
    )
    found = {(p.file, p.field, p.message) for p in problems_of(path)}
    # The interaction's bad type does not hide its unknown actor, nor the missing column
    # of services the interactions' checks.
    assert ("services.csv", "thematiques", "colonne obligatoire absente") in found
    assert ("interactions.csv", "type", "code de type d'interaction inconnu") in found
    assert ("interactions.csv", "cible", "acteur inconnu") in found
    assert ("acteurs.csv", "territoire", "territoire inconnu du COG 2026") in found


def test_a_digit_typo_in_a_code_suggests_codes_not_names(make_dataset):
    path = make_dataset(acteurs=ARDECHE)
    [problem] = problems_of(path)
    assert problem.value == "20007324"
    # One digit dropped from the SIREN of the CC du Bassin d'Aubenas, in the data set's
    # département: first, before codes one edit away elsewhere in France.
    assert problem.fix.startswith("codes proches : 200073245 (CC du Bassin d'Aubenas)")
    assert "étangs" not in problem.fix and "spie-graph referentiel territoires" in problem.fix


def test_a_name_typed_for_a_code(make_dataset):
    path = make_dataset(acteurs=[
        {**ARDECHE[0], "territoire": "Privas"},
        {**ARDECHE[1], "territoire": "07", "famille": "missions locales"},
    ], interactions=[{"source": "Conseil départemental de l'Ardèche", "cible": "ml-aubenas",
                      "type": "convention"}])
    found = {p.field: p for p in problems_of(path)}
    assert found["territoire"].message == "un code de territoire est attendu, pas un nom"
    assert "07186 (Privas, commune)" in found["territoire"].fix
    assert found["famille"].message == "code de famille inconnu"
    assert found["famille"].fix.startswith("codes proches : mission-locale (Mission locale)")
    assert found["source"].message == "un identifiant d'acteur est attendu, pas un nom"
    assert "cd07" in found["source"].fix


def test_wording_is_gender_neutral(make_dataset):
    path = make_dataset(acteurs=ARDECHE[:1], services=[
        {"id": "s1", "acteur": "cd07", "nom": "x", "thematiques": "mobilitee"}])
    [problem] = problems_of(path)
    assert problem.message == "code de thématique inconnu"
    assert "inconnu(e)" not in str(problem) and "mobilite (Mobilité)" in problem.fix


def test_an_empty_data_set_is_an_error_that_says_what_to_do(tmp_path):
    (tmp_path / "acteurs.csv").write_text("id;nom;famille\n", encoding="utf-8")
    [problem] = problems_of(tmp_path)
    assert problem.message == "aucun acteur : le jeu de données est vide"
    assert "remplissez le fichier acteurs.csv" in problem.fix
