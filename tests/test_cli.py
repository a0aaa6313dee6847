"""One test (at least) per command of the foundation, through click's runner."""

import json
import subprocess
import sys

import pytest

from spie_graph.cli import main
from tests.conftest import ROOT


def test_validate_ok(runner, demo_path):
    result = runner.invoke(main, ["validate", "--dataset", str(demo_path)])
    assert result.exit_code == 0, result.output
    assert "Jeu de données «\u00a0morbihan\u00a0» valide\u00a0: 71 acteurs" in result.output


def test_validate_reports_every_problem_and_exits_1(runner, make_dataset):
    path = make_dataset(acteurs=[{"id": "a", "nom": "A", "famille": "caff", "commune": "5626"},
                                 {"id": "a", "nom": "B", "famille": "cd"}])
    result = runner.invoke(main, ["validate", "--dataset", str(path), "--format", "json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert {(p["ligne"], p["champ"]) for p in problems} == {(2, "famille"), (2, "commune"),
                                                            (3, "id")}
    assert all(p["correction"] for p in problems)
    assert "Traceback" not in result.output


def test_dataset_from_environment_variable(runner, demo_path):
    result = runner.invoke(main, ["validate"], env={"SPIE_GRAPH_DATASET": str(demo_path)})
    assert result.exit_code == 0


def test_missing_dataset_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(main, ["stats", "--dataset", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert "Erreur : le jeu de données « absent »" in result.stderr
    assert "dossier introuvable" in result.stderr
    assert "Traceback" not in result.output


def test_stats_formats(runner, demo_path):
    as_json = runner.invoke(main, ["stats", "--dataset", str(demo_path), "--format", "json"])
    figures = json.loads(as_json.stdout)
    assert figures["acteurs"]["total"] == 71 and figures["services"]["total"] == 144
    as_csv = runner.invoke(main, ["stats", "--dataset", str(demo_path), "--format", "csv"])
    # French Excel's CSV: byte order mark, semicolons
    assert as_csv.stdout.splitlines()[0] == "\ufeffrubrique;code;libelle;valeur"
    table = runner.invoke(main, ["stats", "--dataset", str(demo_path)])
    assert "Conseil départemental" in table.stdout


def test_who_covers_json_shape(runner, demo_path):
    result = runner.invoke(main, ["who-covers", "mobilite", "--territoire", "56260",
                                  "--dataset", str(demo_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows
    required = {"acteur", "nom_acteur", "famille", "service", "nom_service", "thematiques",
                "couverture"}
    assert all(required <= set(row) for row in rows)
    assert {row["couverture"] for row in rows} <= {"total", "partiel"}


def test_who_covers_table_and_bad_code(runner, demo_path):
    table = runner.invoke(main, ["who-covers", "logement-hebergement", "--territoire", "56",
                                 "--dataset", str(demo_path)])
    assert "couvrent tout le territoire" in table.stdout
    bad = runner.invoke(main, ["who-covers", "mobilit", "--territoire", "56",
                               "--dataset", str(demo_path)])
    assert bad.exit_code == 1
    assert "code de thématique inconnu : « mobilit »" in bad.stderr and "mobilite" in bad.stderr


def test_who_covers_shows_the_first_rows_and_says_how_to_get_all(runner, demo_path):
    args = ["who-covers", "logement-hebergement", "--territoire", "56", "--dataset",
            str(demo_path)]
    every = runner.invoke(main, [*args, "--format", "json"])
    count = len(json.loads(every.stdout))
    assert count > 3
    short = runner.invoke(main, [*args, "--limite", "2"])
    assert short.exit_code == 0, short.output
    assert f"{count} services" in short.stdout
    assert "Seuls les 2 premiers sont affichés" in short.stdout
    assert "--format csv > services.csv" in short.stdout and "--limite 0" in short.stdout
    first = json.loads(every.stdout)[:3]
    assert first[0]["nom_service"].split()[0] in short.stdout
    whole = runner.invoke(main, [*args, "--limite", "0"])
    assert "Seuls les" not in whole.stdout
    assert all(row["service"] for row in first)


def test_report_writes_the_exports_folder(runner, demo_path, tmp_path):
    result = runner.invoke(main, ["report", "--dataset", str(demo_path), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "morbihan"
    names = {p.name for p in folder.iterdir()}
    assert {"rapport.md", "statistiques.json", "couverture.csv"} <= names
    text = (folder / "rapport.md").read_text()
    # Titled with the consortium's name; the data set is named below it.
    assert "# Cartographie des acteurs : SPIE Morbihan – pour un parcours sans couture" in text
    assert "jeu de données « morbihan »" in text
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_report_on_an_invalid_dataset_writes_nothing(runner, make_dataset, tmp_path):
    path = make_dataset("bad", acteurs=[{"id": "a", "nom": "A", "famille": "x"}])
    out = tmp_path / "out"
    result = runner.invoke(main, ["report", "--dataset", str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert not out.exists()


def test_referentiel(runner):
    result = runner.invoke(main, ["referentiel", "familles", "--format", "json"])
    codes = [row["code"] for row in json.loads(result.stdout)]
    assert "france-travail" in codes and len(codes) == 40
    themes = runner.invoke(main, ["referentiel", "thematiques"])
    assert "mobilite--preparer-un-permis" in themes.stdout


@pytest.mark.parametrize("dataset, status", [("datasets/morbihan", 0), ("nulle-part", 1)])
def test_the_program_leaves_its_memory_to_the_system_at_exit(dataset, status):
    """``spie-graph`` (:func:`run`) freezes what is left once its command is done, ended
    well or not: the collector does not walk and free a national graph object by object
    as the process exits; the command's output and exit status are those of ``main``."""
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('gelés :', gc.get_freeze_count() > 0))\n"
            "from spie_graph.cli import run\n"
            "sys.argv = ['spie-graph', 'stats', '--dataset', sys.argv[1]]\n"
            "run()\n")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT / dataset)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == status, done.stderr
    assert done.stdout.rstrip().endswith("gelés : True"), done.stdout
    if status == 0:
        assert "Acteurs par famille" in done.stdout
    else:
        assert done.stderr.startswith("Erreur : ")
