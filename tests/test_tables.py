"""Terminal tables for people: fitted to the terminal, French figures, labels and names."""

import json
import re

from spie_graph import api
from spie_graph.analyses._common import names
from spie_graph.analyses.stats import graph_stats
from spie_graph.cli import main
from spie_graph.graph.coverage import CoverageQuery
from spie_graph.render.tables import MAX_LINES, to_table
from spie_graph.render.terminal import coverage_table, show

LONG = ("Accompagnement socioprofessionnel des bénéficiaires du RSA avec un référent unique, "
        "un contrat d'engagement réciproque et des ateliers collectifs chaque semaine")


def widths(text: str) -> list[int]:
    return [len(line) for line in text.splitlines()]


def test_a_wide_table_fits_the_width_and_wraps_between_words():
    rows = [{"acteur": "Conseil départemental du Morbihan", "service": LONG,
             "population": 783390, "part": 0.1434, "membre": True}] * 3
    for width in (120, 80, 60):
        text = to_table(rows, width=width)
        assert max(widths(text)) <= width, width
    text = to_table(rows, width=80)
    assert "783\u202f390" in text and "0,143" in text and "oui" in text
    assert "départemental" in text  # words are not cut when their column can hold them
    assert text.count("…") == 3  # the long cell, cut after MAX_LINES lines, once per row
    first = text.split("\n\n")[0].splitlines()
    assert len(first) == 2 + MAX_LINES  # header, rule, then one row on MAX_LINES lines


def test_a_narrow_table_is_unchanged():
    text = to_table([{"code": "56", "nom": "Morbihan"}], width=120)
    assert text.splitlines() == ["code  nom", "----  --------", "56    Morbihan"]


def test_the_terminal_width_is_read_from_the_environment(runner, demo_path, monkeypatch):
    args = ["who-covers", "mobilite", "--territoire", "200067932", "--dataset", str(demo_path)]
    for columns in (120, 80):
        monkeypatch.setenv("COLUMNS", str(columns))
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        table = result.output.split("\n\n")[:-1]
        assert max(max(widths(block)) for block in table) <= columns, columns


def test_who_covers_shows_names_and_labels_and_keeps_new_fields(demo_path):
    found = api.who_covers(demo_path, CoverageQuery(thematique="mobilite", territoire="56260"))
    text = show(coverage_table(found), width=120)
    assert "Bouge" in text and "mobilite-bouge" not in text  # names, not ids
    assert "Mobilité" in text  # the family's label
    assert re.search(r"\d\u202f\d{3}", text)  # populations grouped the French way
    rows, headers = coverage_table(found)
    # The services' details (frais, modes de mobilisation...) are in CSV and JSON only.
    assert all("frais" not in r and "modes_mobilisation" not in r for r in rows)
    data = [{**row.model_dump(), "horaires": "lundi 9 h - 12 h"} for row in found]

    class WithHours:  # a field an answer gains later still reaches the table
        def __init__(self, row):
            self.__dict__.update(row)

        def model_dump(self):
            return dict(self.__dict__)

    shown, _ = coverage_table([WithHours(row) for row in data])
    assert shown[0]["horaires"] == "lundi 9 h - 12 h"


def test_stats_are_scoped_to_the_territory(demo_graph):
    # A regional service (Région Bretagne) covers 1 202 communes; the Morbihan has 249.
    stats = graph_stats(demo_graph)
    territory = stats["territoire"]
    assert territory["code"] == "56" and territory["communes"] == 249
    assert territory["communes_couvertes"] <= 249
    assert territory["population_couverte"] <= territory["population"] < 800_000
    wider = graph_stats(demo_graph, territoire="region:53")["territoire"]
    assert wider["communes_couvertes"] > 1000


def test_report_figures_read_the_french_way(tmp_path, demo_path):
    folder = api.report(demo_path, tmp_path)
    text = (folder / "rapport.md").read_text(encoding="utf-8")
    assert "249 communes du Morbihan sur 249 couvertes" in text
    assert "3\u202f449\u202f370" not in text and "1202" not in text
    assert not re.search(r"\d\.\d{3}\b", text)  # no 0.143: decimal commas
    assert "msa-pdb" not in text  # actors by name


def test_referentiel_territoires_finds_names_codes_and_postcodes(runner):
    for query in ("lamastre", "LAMASTRE", "Lamastré", "07129", "07270"):
        result = runner.invoke(main, ["referentiel", "territoires", query, "--format", "json"])
        assert result.exit_code == 0, (query, result.output)
        assert "07129" in result.output, query
    named = api.territory_search("Pays de Lamastre")
    assert named[0]["code"] == "200016905" and named[0]["niveau"] == "EPCI"
    vannes = api.territory_search("56000")[0]
    assert (vannes["code"], vannes["nom"]) == ("56260", "Vannes")
    assert "56000" in vannes["codes_postaux"]
    missing = runner.invoke(main, ["referentiel", "territoires"])
    assert missing.exit_code == 1 and "indiquez ce que vous cherchez" in missing.output
    themes = runner.invoke(main, ["referentiel", "thematiques", "mobilité", "--format", "csv"])
    assert themes.output.splitlines()[1].startswith("mobilite;")


def test_territory_lists_name_one_level_at_a_time():
    communes = ["56260", "56206", "56053", "56251", "56114", "56121"]
    assert names(communes) == "Vannes, Saint-Avé, Elven, Theix-Noyalo et 2 autres communes"
    mixed = names(["200042174", *communes[:2]])
    assert mixed == "EPCI : CA Lorient Agglomération ; communes : Vannes, Saint-Avé"
    assert names(["56"]) == "Morbihan"


def test_consortium_check_reads_names_and_labels(runner, demo_path):
    result = runner.invoke(main, ["consortium", "check", "--dataset", str(demo_path)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "porteur : Conseil départemental du Morbihan" in text.replace("\u00a0", " ")
    assert "Besoin «\u00a0Santé\u00a0»" in text and "besoin:sante" not in text
    assert "Acteurs de la garde d'enfants" in text and "garde-enfants," not in text
    assert "ars-dd56" not in text and "ARS Bretagne" in text


def test_network_without_an_actor_names_the_actors(runner, demo_path):
    result = runner.invoke(main, ["network", "--dataset", str(demo_path), "--sans",
                                  "mobilite-bouge"])
    assert result.exit_code == 0, result.output
    assert "Si Bouge ton Morbihan" in result.output and "mobilite-bouge" not in result.output
    assert "Roule ta route" in result.output and "orientation de personnes" in result.output


def test_stats_territory_option(runner, demo_path):
    result = runner.invoke(main, ["stats", "--dataset", str(demo_path), "--territoire",
                                  "200067932", "--format", "json"])
    assert result.exit_code == 0, result.output
    territory = json.loads(result.stdout)["territoire"]
    assert territory["code"] == "200067932" and territory["communes"] == 34


def test_load_counts_read_the_french_way(runner, demo_path):
    result = runner.invoke(main, ["load", "--dataset", str(demo_path)])
    assert result.exit_code == 0, result.output
    assert "71 acteurs, 1 consortium, 13 publics, 144 services, 1\u202f269 territoires" in \
        result.output
    assert "Créés\u00a0: 1\u202f565" in result.output


def test_duplicates_are_explained_in_words(runner, demo_path):
    result = runner.invoke(main, ["duplicates", "--dataset", str(demo_path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "1. Conseil départemental du Morbihan et MSA Portes de Bretagne proposent le même " \
           "accompagnement" in text
    # One territory takes its article (« sur le Morbihan », « sur la CA Lorient… »).
    assert "sur le Morbihan (249 communes" in text
    assert "sur la CA Lorient Agglomération" in text and "sur Morbihan" not in text


def test_key_figures_of_a_territory_no_service_reaches_are_in_the_singular(demo_graph):
    """French puts 0 and 1 in the singular: « 0 commune de Paris sur 1 couverte »."""
    from spie_graph.report.parts import stats_part
    from spie_graph.report.run import report_context

    text = stats_part(report_context("morbihan", demo_graph, "75")).section
    assert "- 0 commune de Paris sur 1 couverte par au moins un service (0 habitant sur " in text
