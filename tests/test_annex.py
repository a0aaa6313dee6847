"""The « cartographie des acteurs » annex: content, DOCX, HTML, Markdown, picture, CLI."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import yaml
from docx import Document
from docx.enum.section import WD_ORIENT

from spie_graph.analyses import ConsortiumCheck, Criterion, DuplicateGroup, GapRow, Gaps
from spie_graph.analyses.findings import Findings
from spie_graph.cli import main
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import build_graph
from spie_graph.graph.views import actor_profiles
from spie_graph.render.annex import (
    annex_docx,
    annex_html,
    annex_markdown,
    collect_annex,
    md_escape,
    render_annex,
)
from spie_graph.render.pictures import network_png
from spie_graph.report.parts import ReportContext, annex_part
from spie_graph.report.run import run_report
from spie_graph.sources.validation import load_dataset
from tests.data_outputs import (
    ACTEURS,
    HOSTILE_NAME,
    MEMBRES,
    QUOTED_NAME,
    SCRIPT_MISSIONS,
    generated_dataset,
    small_dataset,
)

DAY = date(2026, 3, 2)
PNG = b"\x89PNG\r\n\x1a\n"

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
                  Criterion(code="sante", libelle="Santé <couverte>", ok=False, detail="0 %")],
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
def annex(small_graph):
    return collect_annex(small_graph, findings=FINDINGS, today=DAY)


# -- content ---------------------------------------------------------------------------------

def test_members_porteur_first_then_by_family(annex):
    names = [p.id for p in annex.membres]
    assert sorted(names) == sorted(MEMBRES)
    assert names[0] == "cd56" and annex.membres[0].porteur
    assert names.index("ccas-vannes") < names.index("ft-vannes") < names.index("caf56")
    assert annex.avec_consortium and annex.titre_membres == "Membres du consortium (8)"
    assert annex.porteur == "Conseil départemental du Morbihan"
    assert annex.territoire == "56" and annex.date_texte == "02/03/2026"


def test_synthesis_counts_members_by_need_and_moment(annex):
    lines = {line.code: line for line in annex.synthese}
    assert list(lines) == ["mobilite", "logement-hebergement", "sante",
                           "famille--garde-denfants", "trouver-un-emploi", "se-former"]
    mobilite = lines["mobilite"]
    # cd56 (permis, whole 56), ml-vannes (Vannes agglo only), mob56 (two services, whole 56)
    assert (mobilite.tous.acteurs, mobilite.tous.total) == (3, 2)
    assert [c.acteurs for c in mobilite.moments] == [1, 0, 3]
    assert lines["sante"].tous.acteurs == 0 and lines["sante"].tous.short() == "—"
    # the crèche is not a member: garde d'enfants by the CAF only
    assert lines["famille--garde-denfants"].tous.acteurs == 1


def test_without_consortium_every_actor(make_dataset):
    graph = build_graph(load_dataset(small_dataset(make_dataset, consortium=False)))
    annex = collect_annex(graph, today=DAY)
    assert len(annex.membres) == len(ACTEURS) and not annex.avec_consortium
    assert annex.titre_membres == "Acteurs du territoire (12)"
    assert annex.consortium is None and annex.criteres is None and annex.manques is None


def test_findings_are_resolved_to_french(annex):
    assert annex.recevable is False
    assert annex.criteres == (("Porté par le CD", True, "cd56"),
                              ("Santé <couverte>", False, "0 %"),
                              ("Public : Jeunes", True, "ml-vannes"))
    assert annex.partenaires_manquants == (
        ("CAF ou MSA", "aucun candidat repéré"),
        ("Cap emploi", "Cap emploi 56"),
        ("Besoin : Santé", "aucun candidat repéré"),
        ("Public : Personnes en situation de handicap", "Cap emploi 56"))
    assert annex.manques == (("Santé", "CA Lorient Agglomération", "208\u202f938"),)
    assert annex.doublons == (("Trouver un emploi (suivi du parcours)",
                               "CA Golfe du Morbihan - Vannes Agglomération",
                               "France Travail Vannes, Mission locale du Pays de Vannes"),)


def test_unknown_territory(small_graph):
    with pytest.raises(ArgumentError, match="territoire inconnu"):
        collect_annex(small_graph, territoire="560")


# -- DOCX ------------------------------------------------------------------------------------

def test_docx_has_every_member_row(annex):
    doc = Document(io.BytesIO(annex_docx(annex)))
    members = doc.tables[-1]
    assert [c.text for c in members.rows[0].cells] == [
        "Membre", "Missions et compétences", "Services par moment", "Interactions"]
    first_lines = [row.cells[0].paragraphs[0].text for row in members.rows[1:]]
    assert first_lines == [p.nom for p in annex.membres]
    assert HOSTILE_NAME in first_lines
    hostile = next(r for r in members.rows if r.cells[0].paragraphs[0].text == HOSTILE_NAME)
    assert SCRIPT_MISSIONS in hostile.cells[1].text
    assert "Suivi du parcours : " in hostile.cells[2].text
    assert "Co-accompagnement ← " + QUOTED_NAME in hostile.cells[3].text
    # header repeated on each page; members in a landscape section of their own
    assert members.rows[0]._tr.trPr.xpath("./w:tblHeader")
    assert doc.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    assert round(doc.sections[-1].page_width.cm, 1) == 29.7


def test_docx_layout_and_sections(annex):
    doc = Document(io.BytesIO(annex_docx(annex)))
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm, 2) == 1.5  # stored in twips
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "Cartographie des acteurs : SPIE du Morbihan",
        "Couverture des besoins par moment du parcours", "Réseau des acteurs",
        "Recevabilité (critères de l'AMI SPIE)",
        "Partenaires manquants et candidats du territoire",
        "Besoins non couverts", "Doublons repérés", "Membres du consortium (8)"]
    assert len(doc.inline_shapes) == 1  # the picture of the network
    synthesis = doc.tables[0]
    assert len(synthesis.rows) == 7 and synthesis.rows[3].cells[0].text == "Santé"
    assert doc.core_properties.title == "Cartographie des acteurs : SPIE du Morbihan"


def test_docx_twenty_members_stays_compact():
    graph = build_graph(generated_dataset(1000))  # a member every 50 actors: 20 members
    annex = collect_annex(graph, today=DAY)
    doc = Document(io.BytesIO(annex_docx(annex)))
    assert len(doc.tables[-1].rows) == 1 + 20
    assert len(doc.inline_shapes) == 1


def test_docx_drops_characters_word_refuses(make_dataset):
    acteurs = [dict(ACTEURS[0], nom="Nom\x0bavec\x00contrôle")]
    graph = build_graph(load_dataset(make_dataset("ctrl", acteurs=acteurs)))
    doc = Document(io.BytesIO(annex_docx(collect_annex(graph, today=DAY))))
    assert doc.tables[-1].rows[1].cells[0].paragraphs[0].text == "Nomaveccontrôle"


# -- HTML and Markdown -----------------------------------------------------------------------

def test_html_is_escaped_printable_and_self_contained(annex):
    html = annex_html(annex)
    assert HOSTILE_NAME not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)" in html
    assert "Santé &lt;couverte&gt;" in html
    assert "@media print" in html and "@page" in html
    assert "data:image/png;base64," in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    table = html[html.index('<table class="membres">'):]
    assert table.count("<tr>") == 1 + 8


def test_markdown_escapes_markup(annex):
    text = annex_markdown(annex, "annexe.png")
    assert HOSTILE_NAME not in text and "\\<img src=x onerror=alert(1)\\>" in text
    assert "![Réseau des acteurs](annexe.png)" in text
    assert len(re.findall(r"^### \d+\. ", text, re.MULTILINE)) == 8
    assert "| Santé | — | — | — | — |" in text
    assert md_escape("a|b *c* [d](e) <f> & #g\nh") == \
        "a\\|b \\*c\\* \\[d\\](e) \\<f\\> \\& \\#g h"
    assert "## Réseau" not in annex_markdown(annex, None)


def test_render_annex_formats(annex):
    assert render_annex(annex, "md").startswith("# Cartographie")
    assert render_annex(annex, "docx")[:2] == b"PK"
    with pytest.raises(ArgumentError, match="format d'annexe inconnu"):
        render_annex(annex, "pdf")


# -- picture ---------------------------------------------------------------------------------

def test_picture_is_a_png(annex):
    from PIL import Image

    assert annex.picture.startswith(PNG)
    image = Image.open(io.BytesIO(annex.picture))
    assert image.size[0] > 1000 and len(image.convert("RGB").getcolors(1 << 20)) > 50


def test_picture_draws_dollars_as_text(make_dataset):
    acteurs = [dict(ACTEURS[0], nom="Coût $x^2$ et \\frac{1}{2} $"), dict(ACTEURS[1])]
    graph = build_graph(load_dataset(make_dataset("dollars", acteurs=acteurs)))
    assert network_png(list(actor_profiles(graph).values())).startswith(PNG)


def test_picture_of_an_empty_data_set():
    assert network_png([]).startswith(PNG)


# -- CLI and report --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["annexe.docx", "annexe.html", "annexe.md"])
def test_cli_annex(runner, make_dataset, tmp_path, name):
    folder = small_dataset(make_dataset)
    out = tmp_path / "sortie" / name
    result = runner.invoke(main, ["annex", "--dataset", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "8 membres du consortium" in result.output
    assert out.exists()
    assert (tmp_path / "sortie" / "annexe.png").exists() == name.endswith(".md")


def test_cli_annex_other_consortium(runner, make_dataset, tmp_path):
    folder = small_dataset(make_dataset)
    other = tmp_path / "consortium-v2.yaml"
    other.write_text(yaml.safe_dump({"nom": "Version 2", "porteur": "cd56", "membres": [
        {"acteur": "cd56"}, {"acteur": "ft-vannes", "lettre_engagement": True},
        {"acteur": "creche-lorient"}]}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "annexe.docx"
    result = runner.invoke(main, ["annex", "--dataset", str(folder), "--consortium", str(other),
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    members = Document(str(out)).tables[-1]
    assert [r.cells[0].paragraphs[0].text for r in members.rows[1:]] == [
        "Conseil départemental du Morbihan", "France Travail Vannes",
        "Crèche AVIP de Lorient (fictive)"]


def test_cli_annex_errors(runner, make_dataset, tmp_path):
    folder = small_dataset(make_dataset)
    result = runner.invoke(main, ["annex", "--dataset", str(folder), "-o", "annexe.pdf"])
    assert result.exit_code == 1 and "extension inconnue pour l'annexe" in result.output
    bad = tmp_path / "consortium.yaml"
    bad.write_text("nom: X\nporteur: cd56\nmembres:\n  - acteur: inconnu\n", encoding="utf-8")
    result = runner.invoke(main, ["annex", "--dataset", str(folder), "--consortium", str(bad),
                                  "-o", str(tmp_path / "a.md")])
    assert result.exit_code == 1
    assert "acteur inconnu" in result.output and "ligne 4" in result.output


def test_report_part(small_graph, tmp_path):
    ctx = ReportContext("petit", small_graph, "56", FINDINGS)
    part = annex_part(ctx)
    assert set(part.files) == {"annexe.docx", "annexe.html", "annexe.md", "annexe.png"}
    assert "8 membres du consortium" in part.section
    folder = run_report("petit", small_graph, tmp_path, parts=[annex_part])
    assert Document(str(folder / "annexe.docx")).tables[-1].rows[1].cells[0].text
    assert (folder / "annexe.png").read_bytes().startswith(PNG)


def test_demo_annex(demo_graph):
    annex = collect_annex(demo_graph, today=DAY)
    doc = Document(io.BytesIO(annex_docx(annex)))
    assert len(doc.tables[-1].rows) == 1 + len(annex.membres) >= 1 + 10
