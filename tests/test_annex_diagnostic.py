"""The diagnostic (not to attach) and the project's own, configurable, admissibility thresholds."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import yaml
from docx import Document

from spie_graph.analyses import ConsortiumCheck, Criterion, DuplicateGroup, GapRow, Gaps
from spie_graph.analyses.consortium import check_consortium, load_criteria
from spie_graph.analyses.findings import Findings
from spie_graph.cli import main
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import build_graph
from spie_graph.reference import data_file
from spie_graph.render.annex import (
    NOT_TO_ATTACH,
    collect_diagnostic,
    diagnostic_docx,
    diagnostic_html,
    diagnostic_markdown,
    render_diagnostic,
)
from spie_graph.sources.validation import load_dataset
from tests.data_outputs import HOSTILE_NAME, small_dataset
from tests.test_annex import docx_font_sizes, docx_text

DAY = date(2026, 3, 2)

FINDINGS = Findings(
    territoire="56",
    gaps=Gaps(territoire="56", niveau="epci", thematiques=["sante", "mobilite"], lignes=[
        GapRow(territoire="200042174", nom_territoire="CA Lorient Agglomération",
               thematique="sante", population=208938, nb_services=0),
        GapRow(territoire="200067932", nom_territoire="Golfe du Morbihan - Vannes "
               "Agglomération", thematique="mobilite", population=1, nb_services=3)],
        moments_sans_service=[]),
    duplicates=[DuplicateGroup(
        thematique="trouver-un-emploi", moment="suivi", publics=["tous-publics"],
        territoire=["200067932"], nom_territoire="", nb_communes=34, population=170000,
        services=["ft-diag", "ml-pacea"], acteurs=["ft-vannes", "ml-vannes"], score=0.8)],
    consortium=ConsortiumCheck(
        consortium="SPIE test", porteur="cd56", territoire=["56"], population=783390,
        recevable=False,
        criteres=[Criterion(code="porteur", libelle="Porté par le CD", ok=True, detail="cd56"),
                  Criterion(code="sante", libelle="Santé <couverte>", ok=False, detail="0 %",
                            choix_du_projet=["Seuil de 80 % : choix du projet."])],
        publics=[Criterion(code="jeunes", libelle="Public : Jeunes", ok=True,
                           detail="ml-vannes")],
        familles_presentes=[], familles_manquantes=["caf-msa", "cap-emploi"],
        candidats={"famille:caf-msa": [], "famille:cap-emploi": ["capemploi56"],
                   "besoin:sante": [], "public:personnes-en-situation-de-handicap":
                   ["capemploi56"]}),
    family_labels={"caf-msa": "CAF ou MSA"},
)


@pytest.fixture
def small_graph(make_dataset):
    return build_graph(load_dataset(small_dataset(make_dataset)))


@pytest.fixture
def diagnostic(small_graph):
    return collect_diagnostic(small_graph, findings=FINDINGS, today=DAY)


# -- content ---------------------------------------------------------------------------------

def test_findings_are_resolved_to_french(diagnostic):
    assert diagnostic.recevable is False and diagnostic.verdict == "non recevable en l'état"
    assert [(c.libelle, c.ok, c.detail) for c in diagnostic.criteres] == [
        ("Porté par le CD", True, "cd56"), ("Santé <couverte>", False, "0 %"),
        ("Public : Jeunes", True, "ml-vannes")]
    assert diagnostic.seuils == ("Seuil de 80 % : choix du projet.",)
    assert diagnostic.partenaires_manquants == (
        ("CAF ou MSA", "aucun candidat repéré"),
        ("Cap emploi", "Cap emploi 56"),
        ("Besoin : Santé", "aucun candidat repéré"),
        ("Public : Personnes en situation de handicap", "Cap emploi 56"))
    assert diagnostic.manques == (("Santé", "CA Lorient Agglomération", "208\u202f938"),)
    assert diagnostic.doublons == (("Trouver un emploi (suivi du parcours)",
                                    "CA Golfe du Morbihan - Vannes Agglomération",
                                    "France Travail Vannes, Mission locale du Pays de Vannes"),)
    assert diagnostic.titre == "Diagnostic du consortium «\u00a0SPIE du Morbihan\u00a0»"


def test_coverage_by_need_and_moment(diagnostic):
    lines = {line.code: line for line in diagnostic.synthese}
    mobilite = lines["mobilite"]
    # cd56 (permis, whole 56), ml-vannes (Vannes agglo only), mob56 (two services, whole 56)
    assert (mobilite.tous.acteurs, mobilite.tous.total) == (3, 2)
    assert [c.acteurs for c in mobilite.moments] == [1, 0, 3]
    assert lines["sante"].tous.short() == "—"


def test_every_format_says_it_is_not_to_attach(diagnostic):
    markdown = diagnostic_markdown(diagnostic, "diagnostic.png")
    html = diagnostic_html(diagnostic)
    docx = docx_text(diagnostic_docx(diagnostic))
    for text in (markdown, html.replace("&#39;", "'"), docx.replace("\u00a0", " ")):
        assert "ne se joint pas au dossier de candidature" in text
    assert NOT_TO_ATTACH in markdown and "Seuils choisis par le projet" in markdown
    assert "![Réseau des acteurs](diagnostic.png)" in markdown
    assert "Santé &lt;couverte&gt;" in html and "data:image/png;base64," in html
    assert HOSTILE_NAME not in html
    assert min(docx_font_sizes(diagnostic_docx(diagnostic))) >= 7
    props = Document(io.BytesIO(diagnostic_docx(diagnostic))).core_properties
    assert props.author == "spie-graph" and props.title.startswith("Diagnostic du consortium")
    with pytest.raises(ArgumentError, match="format inconnu pour le diagnostic"):
        render_diagnostic(diagnostic, "odt")


# -- the project's own thresholds ------------------------------------------------------------

def test_the_80_percent_share_is_marked_as_the_projects_choice():
    criteria = load_criteria()
    choices = {(rule.code, name, value) for rule, name, value, _ in criteria.project_choices}
    assert choices == {("freins-logement-sante-mobilite", "part_population_min", 0.8),
                       ("trois-moments-du-parcours", "part_population_min", 0.8)}


def test_criteria_say_which_thresholds_are_the_projects(demo_graph):
    check = check_consortium(demo_graph)
    by_code = {c.code: c for c in check.criteres}
    freins = by_code["freins-logement-sante-mobilite"]
    assert "(seuil : 80\u202f%)" in freins.detail
    assert "choix du projet, pas de l'AMI" in freins.detail
    assert len(freins.choix_du_projet) == 1
    assert freins.choix_du_projet[0].startswith(
        "Seuil de 80\u202f% de la population : choix du projet, pas de l'AMI.")
    assert "--seuil-population" in freins.choix_du_projet[0]
    assert by_code["porteur-cd"].choix_du_projet == []
    assert not check.recevable  # santé: 29 % of the population


def test_another_share_changes_the_verdict(demo_graph):
    lower = load_criteria().with_population_share(0.25)
    check = check_consortium(demo_graph, criteria=lower)
    assert check.recevable
    freins = next(c for c in check.criteres if c.code == "freins-logement-sante-mobilite")
    assert "(seuil : 25\u202f%)" in freins.detail
    assert "donné pour cette fois par l'option --seuil-population" in freins.choix_du_projet[0]
    with pytest.raises(ArgumentError, match="part de population hors limites"):
        load_criteria().with_population_share(80)


def test_a_project_choice_must_name_a_parameter(tmp_path):
    raw = yaml.safe_load(data_file("criteres_ami.yaml").read_text(encoding="utf-8"))
    raw["recevabilite"][0]["choix_du_projet"] = {"seuil_inconnu": "raison"}
    path = tmp_path / "criteres.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ArgumentError, match="choix_du_projet nomme un paramètre absent"):
        load_criteria(path)


# -- CLI -------------------------------------------------------------------------------------

def test_cli_diagnostic(runner, demo_path, tmp_path):
    out = tmp_path / "diagnostic.md"
    result = runner.invoke(main, ["diagnostic", "--dataset", str(demo_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "candidature non recevable en l'état" in result.output
    assert "il ne se joint pas au dossier" in result.output
    assert (tmp_path / "diagnostic.png").read_bytes().startswith(b"\x89PNG")
    text = out.read_text(encoding="utf-8")
    assert "## Seuils choisis par le projet" in text and "Seuil de 80" in text
    assert re.search(r"## Besoins non couverts\n\n- ", text)


def test_cli_diagnostic_threshold_and_criteria_file(runner, demo_path, tmp_path):
    out = tmp_path / "diagnostic.docx"
    result = runner.invoke(main, ["diagnostic", "--dataset", str(demo_path),
                                  "--seuil-population", "0.25", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "candidature recevable" in result.output
    assert "part de population 25\u202f% (--seuil-population)" in docx_text(out.read_bytes())
    raw = yaml.safe_load(data_file("criteres_ami.yaml").read_text(encoding="utf-8"))
    for rule in raw["recevabilite"]:
        if "part_population_min" in rule.get("parametres", {}):
            rule["parametres"]["part_population_min"] = 0.25
    criteria = tmp_path / "mes-criteres.yaml"
    criteria.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(main, ["diagnostic", "--dataset", str(demo_path), "--criteres",
                                  str(criteria), "-o", str(tmp_path / "d.html")])
    assert result.exit_code == 0, result.output
    assert "candidature recevable" in result.output
    result = runner.invoke(main, ["diagnostic", "--dataset", str(demo_path),
                                  "--seuil-population", "80", "-o", str(tmp_path / "d.md")])
    assert result.exit_code == 2 and "0<=x<=1" in result.output.replace(" ", "")
    result = runner.invoke(main, ["diagnostic", "--dataset", str(demo_path), "-o",
                                  str(tmp_path / "d.txt")])
    assert result.exit_code == 1 and "extension inconnue pour le diagnostic" in result.output


def test_without_consortium_the_picture_draws_the_most_connected(make_dataset, monkeypatch):
    """Past PICTURE_MAX actors the picture keeps the most connected, and its caption says
    how many of how many, in every format."""
    import spie_graph.render.annex.diagnostic as diagnostic_module
    from spie_graph.graph.views import actor_profiles
    from spie_graph.render.pictures import most_connected

    graph = build_graph(load_dataset(small_dataset(make_dataset, consortium=False)))
    profiles = list(actor_profiles(graph).values())
    kept = most_connected(profiles, 5)
    left = [p for p in profiles if p not in kept]
    assert len(kept) == 5 and min(len(p.interactions) for p in kept) >= max(
        len(p.interactions) for p in left)
    monkeypatch.setattr(diagnostic_module, "PICTURE_MAX", 5)
    found = collect_diagnostic(graph)
    assert (found.dessines, found.acteurs) == (5, 12)
    caption = "Les 5 acteurs les plus reliés, sur 12, couleur par famille."
    assert caption in found.legende_image
    assert caption in diagnostic_markdown(found) and caption in diagnostic_html(found)
    assert caption in docx_text(diagnostic_docx(found))
