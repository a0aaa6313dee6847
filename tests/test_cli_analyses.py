"""The analyses' commands through click's runner: JSON shapes, errors, table output."""

import json
import re

import pytest
import yaml

from spie_graph.cli import main
from spie_graph.graph.build import build_graph
from spie_graph.report.parts import PARTS
from spie_graph.report.run import run_report
from spie_graph.sources.validation import load_dataset

VANNES, SENE, GMVA = "56260", "56243", "200067932"


@pytest.fixture
def small(make_dataset):
    return make_dataset(
        acteurs=[
            {"id": "cd56", "nom": "CD 56", "famille": "cd", "commune": VANNES, "territoire": "56"},
            {"id": "ft", "nom": "France Travail", "famille": "france-travail", "commune": VANNES},
            {"id": "ml", "nom": "Mission locale", "famille": "mission-locale", "commune": VANNES,
             "territoire": GMVA},
            {"id": "asso", "nom": "Association", "famille": "association", "commune": SENE},
        ],
        services=[
            {"id": "s1", "acteur": "ml", "nom": "Mobilité", "thematiques": "mobilite",
             "moments": "offre"},
            {"id": "s2", "acteur": "asso", "nom": "Mobilité", "thematiques": "mobilite",
             "moments": "offre", "territoire": f"{VANNES}|{SENE}"},
        ],
        interactions=[{"source": "cd56", "cible": "ft", "type": "convention"},
                      {"source": "ft", "cible": "ml", "type": "orientation"}],
        consortium={"nom": "C", "porteur": "cd56", "territoire": GMVA,
                    "membres": [{"acteur": "cd56", "lettre_engagement": True},
                                {"acteur": "ft", "lettre_engagement": True}]},
    )


def run(runner, *args):
    return runner.invoke(main, [str(a) for a in args])


def test_gaps_json_shape(runner, small):
    result = run(runner, "gaps", "--dataset", small, "--thematiques", "mobilite,sante",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"territoire", "niveau", "thematiques", "public", "sans", "lignes",
                         "moments_sans_service"}
    assert data["territoire"] == GMVA and data["thematiques"] == ["mobilite", "sante"]
    # 34 communes × 2 thématiques
    assert len(data["lignes"]) == 68
    assert set(data["lignes"][0]) == {"territoire", "nom_territoire", "thematique",
                                      "population", "nb_services"}
    rows = {(r["territoire"], r["thematique"]): r["nb_services"] for r in data["lignes"]}
    assert rows[SENE, "mobilite"] == 2 and rows[SENE, "sante"] == 0


def test_gaps_epci_csv_and_gaps_only(runner, small):
    result = run(runner, "gaps", "--dataset", small, "--territoire", "56", "--niveau", "epci",
                 "--thematiques", "mobilite", "--lacunes-seulement", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ("\ufeffterritoire;nom_territoire;thematique;libelle_thematique;"
                        "population;nb_services")
    assert lines[1].split(";")[3] == "Mobilité"  # the label beside the code
    # 15 EPCI, GMVA covered: 14 gaps.
    assert len(lines) == 1 + 14 and GMVA not in result.stdout


def test_gaps_table(runner, small):
    result = run(runner, "gaps", "--dataset", small, "--thematiques", "sante")
    assert result.exit_code == 0, result.output
    assert "34 lacunes sur 34 couples commune × besoin" in result.stdout
    # Labels beside codes, French numbers: « Santé », « Vannes (56260) », « 1 429 ».
    assert "Santé" in result.stdout and "sante" not in result.stdout
    assert result.stdout.startswith("Commune ")  # the list's level names its column
    assert re.search(r"\(\d{5}\)", result.stdout)
    assert "Moments du parcours qu'aucun service n'atteint" in result.stdout


@pytest.mark.parametrize("args, expected", [
    (["--thematiques", "mobilte"], ("code de thématique inconnu : « mobilte » (--thematiques). "
                                    "Codes proches : mobilite")),
    (["--territoire", "5626"], "territoire inconnu : « 5626 » (--territoire)"),
    (["--public", "jeune"], "Codes proches : jeunes"),
])
def test_gaps_bad_arguments(runner, small, args, expected):
    result = run(runner, "gaps", "--dataset", small, *args)
    assert result.exit_code == 1
    assert "Erreur : " in result.stderr and expected in result.stderr
    assert "Traceback" not in result.output


def test_duplicates_json_shape(runner, small):
    result = run(runner, "duplicates", "--dataset", small, "--format", "json")
    assert result.exit_code == 0, result.output
    groups = json.loads(result.stdout)
    # s1 (GMVA) and s2 (Vannes, Séné): one group on their two common communes.
    assert len(groups) == 1
    group = groups[0]
    assert {"thematique", "moment", "territoire", "population", "services", "acteurs",
            "score"} <= set(group)
    assert group["territoire"] == [SENE, VANNES] and group["acteurs"] == ["asso", "ml"]
    assert group["population"] == 55790 + 9554


def test_duplicates_table_and_level(runner, small):
    result = run(runner, "duplicates", "--dataset", small, "--niveau", "categorie")
    assert result.exit_code == 0, result.output
    assert "1 groupe de services en double." in result.stdout
    assert "score" not in result.stdout and "\u202f%" in result.stdout
    bad = run(runner, "duplicates", "--dataset", small, "--niveau", "famille")
    assert bad.exit_code == 2


def test_consortium_check_json_shape(runner, small):
    result = run(runner, "consortium", "check", "--dataset", small, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"recevable", "criteres", "familles_presentes", "familles_manquantes",
            "candidats"} <= set(data)
    assert data["recevable"] is False
    assert all({"code", "ok", "detail"} <= set(c) for c in data["criteres"])
    assert data["candidats"]["besoin:mobilite"] == ["ml", "asso"]
    assert "mission-locale" in data["familles_manquantes"]
    assert data["candidats"]["famille:mission-locale"] == ["ml"]


def test_consortium_check_another_file(runner, small, tmp_path):
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump({"nom": "V2", "porteur": "cd56", "territoire": GMVA,
                                    "membres": [{"acteur": "cd56"}, {"acteur": "mll"}]}),
                    encoding="utf-8")
    result = run(runner, "consortium", "check", "--dataset", small, "--consortium", path)
    assert result.exit_code == 1
    assert "v2.yaml, ligne" in result.stderr and "acteur inconnu" in result.stderr
    assert "ml" in result.stderr


def test_consortium_check_table(runner, demo_path):
    result = run(runner, "consortium", "check", "--dataset", demo_path)
    assert result.exit_code == 0, result.output
    assert "[OK] Porté par le conseil départemental" in result.stdout or \
        "[NON] Porté par le conseil départemental" in result.stdout
    assert "Familles recommandées manquantes" in result.stdout


def test_consortium_check_without_consortium(runner, make_dataset):
    path = make_dataset(acteurs=[{"id": "cd56", "nom": "CD", "famille": "cd",
                                  "commune": VANNES}])
    result = run(runner, "consortium", "check", "--dataset", path)
    assert result.exit_code == 1 and "aucun consortium" in result.stderr


def test_network_json_and_table(runner, small):
    result = run(runner, "network", "--dataset", small, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["nb_acteurs"] == 4 and data["nb_liens"] == 2
    assert data["points_articulation"] == ["ft"] and data["acteurs_isoles"] == ["asso"]
    assert data["intermediarite"]["methode"] == "exacte"
    table = run(runner, "network", "--dataset", small)
    assert "intermédiarité exacte" in " ".join(table.stdout.split())  # wrapped lines
    sampled = run(runner, "network", "--dataset", small, "--seuil-exact", "2")
    assert "estimée sur 4 sources (graine 42)" in sampled.stdout


def test_network_without(runner, small):
    result = run(runner, "network", "--dataset", small, "--sans", "ml", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["liens_rompus"] == [{"source": "ml", "cible": "ft",
                                     "interactions": ["orientation"]}]
    # Default territory: the consortium's (GMVA), default needs. Only mobility was covered:
    # ml on the 34 communes, asso on Vannes and Séné. Without ml, 32 communes lose it.
    assert len(data["lacunes_nouvelles"]) == 32
    assert {r["thematique"] for r in data["lacunes_nouvelles"]} == {"mobilite"}
    table = run(runner, "network", "--dataset", small, "--sans", "ft")
    assert "point d'articulation\u00a0: oui" in table.stdout
    assert "acteurs isolés\u00a0: CD 56, Mission locale" in table.stdout  # names, not ids


def test_network_unknown_actor(runner, small):
    result = run(runner, "network", "--dataset", small, "--sans", "mll")
    assert result.exit_code == 1
    assert "acteur inconnu : « mll » (--sans). Identifiants proches : ml" in result.stderr


def test_demo_commands_run(runner, demo_path):
    for args in (["gaps", "--niveau", "epci"], ["duplicates"], ["network"]):
        result = run(runner, *args, "--dataset", demo_path)
        assert result.exit_code == 0, (args, result.output)


# -- report parts ---------------------------------------------------------------------

def test_report_parts_on_the_demo(demo_graph, tmp_path):
    folder = run_report("morbihan", demo_graph, tmp_path, parts=PARTS)
    names = {p.name for p in folder.iterdir()}
    assert {"lacunes.csv", "lacunes.json", "doublons.csv", "doublons.json", "consortium.json",
            "reseau.json", "reseau.csv", "rapport.md"} <= names
    text = (folder / "rapport.md").read_text(encoding="utf-8")
    for title in ("## Lacunes de couverture", "## Accompagnements en double",
                  "## Consortium et critères de l'AMI SPIE", "## Réseau des interactions"):
        assert title in text
    data = json.loads((folder / "consortium.json").read_text(encoding="utf-8"))
    assert {"recevable", "criteres", "candidats"} <= set(data)
    assert (folder / "lacunes.csv").read_text(encoding="utf-8").startswith(
        "\ufeffterritoire;nom_territoire;thematique;libelle_thematique;population;nb_services")


def test_report_parts_without_consortium(make_dataset, tmp_path):
    path = make_dataset(acteurs=[{"id": "cd56", "nom": "CD", "famille": "cd",
                                  "commune": VANNES}])
    graph = build_graph(load_dataset(path))
    folder = run_report("test", graph, tmp_path / "out", parts=PARTS)
    assert not (folder / "consortium.json").exists()
    text = (folder / "rapport.md").read_text(encoding="utf-8")
    assert "Aucun consortium déclaré" in text
    assert "0 groupe de services" in text and "1 acteur, 0 lien" in text
