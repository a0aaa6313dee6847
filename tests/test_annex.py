"""The « cartographie des acteurs »: the page to attach, the detailed sheets, the CLI, the report.

The page's layout in real clients (LibreOffice, Chromium) is checked in
``test_annex_pages.py``; the diagnostic in ``test_annex_diagnostic.py``.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Pt

from spie_graph.cli import main
from spie_graph.errors import ArgumentError, ExportError
from spie_graph.french import typography
from spie_graph.graph.build import build_graph, node_key
from spie_graph.render.annex import (
    collect_annex,
    condense,
    layout,
    md_escape,
    page_docx,
    page_html,
    page_markdown,
    render_page,
    sheets_docx,
    sheets_html,
    sheets_markdown,
)
from spie_graph.render.annex.content import condense_list, short_family
from spie_graph.report.parts import ReportContext, annex_part
from spie_graph.report.run import report_context, run_report
from spie_graph.sources.validation import load_dataset
from tests.data_outputs import (
    ACTEURS,
    CONSORTIUM,
    HOSTILE_NAME,
    INTERACTIONS,
    MEMBRES,
    QUOTED_NAME,
    SCRIPT_MISSIONS,
    generated_dataset,
    small_dataset,
)

DAY = date(2026, 3, 2)


@pytest.fixture
def small_graph(make_dataset):
    return build_graph(load_dataset(small_dataset(make_dataset)))


@pytest.fixture
def annex(small_graph):
    return collect_annex(small_graph, today=DAY)


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def docx_font_sizes(data: bytes) -> set[float]:
    """Every font size a reader sees: each run's, or its paragraph style's, else Normal's."""
    doc = Document(io.BytesIO(data))
    normal = doc.styles["Normal"].font.size
    paragraphs = list(doc.paragraphs)
    for table in doc.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    sizes = set()
    for para in paragraphs:
        style = para.style.font.size if para.style is not None else None
        for run in para.runs:
            if run.text.strip():
                size = run.font.size or style or normal
                assert size is not None, run.text
                sizes.add(size.pt)
    return sizes


# -- content ---------------------------------------------------------------------------------

def test_members_porteur_first_then_by_family(annex):
    ids = [p.id for p in annex.membres]
    assert sorted(ids) == sorted(MEMBRES)
    assert ids[0] == "cd56" and annex.membres[0].porteur
    assert ids.index("ccas-vannes") < ids.index("ft-vannes") < ids.index("caf56")
    assert [line.numero for line in annex.lignes] == list(range(1, 9))
    assert annex.avec_consortium and annex.titre_membres == "Membres du consortium (8)"


def test_title_territory_porteur_and_date(annex):
    assert annex.titre == "SPIE du Morbihan"
    assert annex.territoire == "56" and annex.territoire_texte == "le Morbihan"
    assert annex.date_texte == "2 mars 2026"
    # The porteur is the conseil départemental: no line about its own agreement.
    assert annex.porteur_est_cd and annex.ligne_porteur == "Conseil départemental du Morbihan"
    assert annex.sous_titre == ("Cartographie des acteurs du consortium · le Morbihan · "
                                "porteur\u00a0: Conseil départemental du Morbihan · 8 membres · "
                                "2 mars 2026")
    assert "accord" not in annex.sous_titre


@pytest.mark.parametrize(("accord", "expected"), [
    (True, "CAF du Morbihan, avec l'accord du conseil départemental"),
    (False, "CAF du Morbihan (accord du conseil départemental non déclaré)")])
def test_another_porteur_states_the_agreement(make_dataset, accord, expected):
    consortium = dict(CONSORTIUM, porteur="caf56", accord_cd=accord)
    folder = make_dataset("autre", acteurs=ACTEURS, interactions=INTERACTIONS,
                          consortium=consortium)
    annex = collect_annex(build_graph(load_dataset(folder)), today=DAY)
    assert annex.ligne_porteur == expected
    assert expected in docx_text(page_docx(annex))


def test_rows_say_moments_needs_letter_and_interactions(annex):
    rows = {line.profile.id: line for line in annex.lignes}
    number = {pid: line.numero for pid, line in rows.items()}
    moments = [code for code, _, _ in annex.moments]
    needs = [code for code, _, _ in annex.besoins]
    cd = rows["cd56"]
    # cd56: orientation (entrée), référent (suivi), aide au permis (offre, mobilité)
    assert cd.moments == (True, True, True)
    assert dict(zip(needs, cd.besoins, strict=True)) == {
        "mobilite": True, "logement-hebergement": False, "sante": False,
        "famille--garde-denfants": False, "trouver-un-emploi": False, "se-former": False}
    assert rows["caf56"].besoins[needs.index("famille--garde-denfants")]
    assert rows["siao56"].moments == tuple(m == "offre" for m in moments)
    # Interactions between members, in both rows, most telling type first; none with itself.
    assert cd.liens[number["ft-vannes"] - 1] == "DC"  # partage de données + convention
    assert rows["ft-vannes"].liens[number["cd56"] - 1] == "DC"
    assert cd.liens[number["mob56"] - 1] == "F"
    assert rows["mob56"].liens[number["ml-vannes"] - 1] == "O"
    assert cd.liens[number["cd56"] - 1] == ""
    # Partners outside the consortium: cd56 finances aci-golfe; the CAF the crèche.
    assert cd.autres == 1 and rows["caf56"].autres == 1 and rows["siao56"].autres == 0
    assert cd.lettre == "oui" and rows["mob56"].lettre == "non"
    assert cd.role == "porteur" and rows["ft-vannes"].role == "partenaire"
    assert rows["hostile"].qualite == "Association · partenaire"


def test_condensed_texts_keep_the_full_ones_for_the_sheets():
    text = ("Chef de file de l'insertion : pilote le programme départemental d'insertion, "
            "oriente et accompagne les bénéficiaires du RSA. Deuxième phrase.")
    assert condense(text, 500) == text.split(" Deuxième")[0]
    short = condense(text, 90)
    assert len(short) <= 90 and short.endswith("…")
    assert short == "Chef de file de l'insertion : pilote le programme départemental d'insertion…"
    assert condense("un deux trois quatre", 12) == "un deux…"
    assert condense(text, 0) == ""
    assert condense_list(["RSA", "insertion", "action sociale"], 15) == "RSA, insertion (+1)"
    assert short_family("Caisse d'allocations familiales (CAF)") == "CAF"
    assert short_family("France Travail (ex-Pôle emploi)") == "France Travail (ex-Pôle emploi)"


def test_small_consortium_keeps_whole_texts_in_larger_type(annex):
    assert annex.fit.tient and annex.fit.message is None
    assert annex.fit.taille_pt > layout.BODY_PT
    assert min(docx_font_sizes(page_docx(annex))) >= 7
    assert f"font-size: {annex.fit.taille_pt}pt" in page_html(annex)
    hostile = next(line for line in annex.lignes if line.profile.id == "hostile")
    assert hostile.missions == SCRIPT_MISSIONS


def test_without_consortium_every_actor(make_dataset):
    graph = build_graph(load_dataset(small_dataset(make_dataset, consortium=False)))
    annex = collect_annex(graph, today=DAY)
    assert len(annex.membres) == len(ACTEURS) and not annex.avec_consortium
    assert annex.titre_membres == "Acteurs du territoire (12)"
    assert annex.titre == "Acteurs de l'insertion et de l'emploi : le Morbihan"
    assert annex.ligne_porteur is None and "Pour le consortium" not in page_html(annex)


def test_twenty_members_fit_and_too_many_are_said_so():
    twenty = collect_annex(build_graph(generated_dataset(1000)), today=DAY)
    assert len(twenty.lignes) == 20 and twenty.fit.tient
    assert twenty.fit.taille_pt in layout.SIZES_PT + (layout.BODY_PT,)
    assert twenty.fit.hauteur_cm <= twenty.fit.disponible_cm
    forty = collect_annex(build_graph(generated_dataset(2000)), today=DAY)
    assert len(forty.lignes) == 40 and not forty.fit.tient
    message = forty.fit.message
    assert "40 membres\u00a0: la cartographie ne tient pas sur une page lisible" in message
    assert "7 pt" in message and "par bassin" in message and "--fiches" in message
    # Past 25 members the matrix would not fit across the page: interactions as text.
    assert forty.colonnes.n_membres == 0 and forty.colonnes.liens_texte >= 5
    assert sum(forty.colonnes.all()) <= layout.usable_width_cm()
    links = [line.liens_texte for line in forty.lignes if line.liens_texte]
    assert links and all(re.fullmatch(r"[A-Z] \d+(, \d+)*( · [A-Z] \d+(, \d+)*)*", t)
                         for t in links)
    assert "Interactions (n°)" in docx_text(page_docx(forty))
    # Never smaller than 7 pt: the warning goes on the page, the text keeps its size.
    assert message in docx_text(page_docx(forty))
    assert min(docx_font_sizes(page_docx(forty))) >= 7


def test_the_matrix_never_gets_narrower_than_a_letter():
    for n in (1, 7, 12, 20, layout.MAX_MEMBERS):
        for size in (layout.BODY_PT, *layout.SIZES_PT):
            cols = layout.columns(n, size_pt=size)
            assert cols.lien >= 0.36 and cols.n_membres == n
            if size == layout.BODY_PT or cols.missions >= 6:  # larger sizes need room
                assert sum(cols.all()) <= layout.usable_width_cm()


def test_without_consortium_the_page_says_to_declare_one(demo_path, make_dataset, tmp_path):
    import shutil

    folder = tmp_path / "sans-consortium"
    folder.mkdir()
    for name in ("acteurs.csv", "services.csv", "interactions.csv"):
        shutil.copy(demo_path / name, folder / name)
    annex = collect_annex(build_graph(load_dataset(folder)), today=DAY)
    assert len(annex.lignes) == 71 and not annex.fit.tient
    assert "71 acteurs et aucun consortium déclaré" in annex.fit.message
    assert "--fiches" not in annex.fit.message and "consortium.yaml" in annex.fit.message


def test_unknown_territory(small_graph):
    with pytest.raises(ArgumentError, match="territoire inconnu"):
        collect_annex(small_graph, territoire="560")


# -- DOCX ------------------------------------------------------------------------------------

def test_docx_is_one_landscape_page_with_a_row_per_member(annex):
    doc = Document(io.BytesIO(page_docx(annex)))
    assert len(doc.sections) == 1
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)
    assert [p.text for p in doc.paragraphs[:1]] == ["SPIE du Morbihan"]
    table = doc.tables[0]
    assert len(doc.tables) == 1 and len(table.rows) == 2 + 8
    names = [row.cells[1].paragraphs[0].runs[0].text for row in table.rows[2:]]
    assert names == [p.nom for p in annex.membres] and HOSTILE_NAME in names
    head = [c.text for c in table.rows[1].cells]
    assert head[4:7] == ["E", "S", "O"]
    assert head[13:21] == [str(i) for i in range(1, 9)]
    first = [c.text for c in table.rows[2].cells]
    assert first[0] == "1" and first[3] == "oui" and first[4:7] == ["●", "●", "●"]
    assert first[13 + annex.lignes[0].liens.index("DC")] == "DC"
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")
    text = docx_text(page_docx(annex))
    assert "Pour le consortium, le porteur" in text and "Moments\u00a0: E entrée" in text


def test_docx_text_is_never_below_7_pt(annex):
    data = page_docx(annex)
    assert min(docx_font_sizes(data)) >= 7
    doc = Document(io.BytesIO(data))
    assert doc.styles["Normal"].font.size == Pt(7)


def test_docx_core_properties_are_ours(annex):
    before = datetime.now(UTC) - timedelta(minutes=5)
    for data in (page_docx(annex), sheets_docx(annex)):
        props = Document(io.BytesIO(data)).core_properties
        assert props.author == "spie-graph" and props.last_modified_by == "spie-graph"
        assert props.title and props.subject and props.language == "fr-FR"
        assert props.comments == "" and props.revision == 1
        assert props.created.replace(tzinfo=UTC) > before
        assert props.modified.replace(tzinfo=UTC) > before
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            meta = archive.read("docProps/core.xml").decode()
            app = archive.read("docProps/app.xml").decode()
        assert "python-docx" not in meta and "2013" not in meta
        assert "<Application>spie-graph</Application>" in app and "Macintosh" not in app
        assert not [n for n in names if "thumbnail" in n or n.startswith("customXml")]
    props = Document(io.BytesIO(page_docx(annex))).core_properties
    assert props.title == "SPIE du Morbihan"
    assert props.subject.startswith("Cartographie des acteurs")


def test_docx_properties_follow_the_schema_order(annex):
    """Word refuses tables whose properties are out of the OOXML schema's order."""
    from spie_graph.render.annex.docx_kit import _SCHEMA_ORDER

    for data in (page_docx(annex), sheets_docx(annex)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("word/document.xml").decode()
        for name, order in _SCHEMA_ORDER.items():
            for props in re.findall(rf"<w:{name}>(.*?)</w:{name}>", xml):
                tags = re.findall(r"<w:(\w+)[ />]", props)
                top = [t for t in tags if t in order]
                ranks = [order.index(t) for t in top]
                assert ranks == sorted(ranks) and len(set(top)) == len(top), (name, top)


def test_docx_fonts_have_no_theme_fallback(annex):
    with zipfile.ZipFile(io.BytesIO(page_docx(annex))) as archive:
        styles = archive.read("word/styles.xml").decode()
    assert "asciiTheme" not in styles and 'w:ascii="Arial"' in styles


def test_docx_drops_characters_word_refuses(make_dataset):
    # Validation refuses control characters; a graph may still hold them (Neo4j, API users).
    graph = build_graph(load_dataset(make_dataset("ctrl", acteurs=[ACTEURS[0]])))
    graph.nodes[node_key("Acteur", ACTEURS[0]["id"])]["nom"] = "Nom\x0bavec\x00contrôle"
    doc = Document(io.BytesIO(page_docx(collect_annex(graph, today=DAY))))
    assert doc.tables[0].rows[2].cells[1].paragraphs[0].runs[0].text == "Nomaveccontrôle"


# -- HTML and Markdown -----------------------------------------------------------------------

def test_html_is_escaped_printable_and_self_contained(annex):
    html = page_html(annex)
    assert HOSTILE_NAME not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)" in html
    assert "@page { size: A4 landscape;" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    body = html[html.index("<tbody>"):]
    assert body.count("<tr>") == 8
    assert "accord" not in html


def test_html_sizes_are_never_below_7_pt(annex):
    html = page_html(annex)
    sizes = [float(s) for s in re.findall(r"font(?:-size)?:\s*([\d.]+)pt", html)]
    assert sizes and min(sizes) >= 7
    assert not re.search(r"font(?:-size)?:\s*[\d.]+(?:px|em|rem|%)", html)


def test_markdown_escapes_markup(annex):
    text = page_markdown(annex)
    assert HOSTILE_NAME not in text and "\\<img src=x onerror=alert(1)\\>" in text
    rows = [line for line in text.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) == 8
    assert "| 1 | **Conseil départemental du Morbihan** |" in rows[0]
    assert md_escape("a|b *c* [d](e) <f> & #g\nh") == \
        "a\\|b \\*c\\* \\[d\\](e) \\<f\\> \\& \\#g h"


def test_render_page_formats(annex):
    assert render_page(annex, "md").startswith("# SPIE du Morbihan")
    assert render_page(annex, "docx")[:2] == b"PK"
    with pytest.raises(ArgumentError, match="format inconnu pour l'annexe"):
        render_page(annex, "odt")


def test_pdf_without_libreoffice_says_how_to_install_it(annex, monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ExportError, match="installez LibreOffice"):
        render_page(annex, "pdf")


# -- detailed sheets -------------------------------------------------------------------------

def test_sheets_hold_every_text_in_full(annex):
    doc = Document(io.BytesIO(sheets_docx(annex)))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 3"]
    assert headings == [f"{i}. {p.nom}" for i, p in enumerate(annex.membres, 1)]
    assert len(doc.tables) == 8
    cd = "\n".join(c.text for row in doc.tables[0].rows for c in row.cells)
    assert "Chef de file de l'insertion ; RSA ; orientation des allocataires" in \
        cd.replace("\u202f", " ")
    assert "RSA, insertion, action sociale" in cd
    assert "Entrée dans le parcours\u00a0: Orientation RSA" in cd
    ft = next(line.numero for line in annex.lignes if line.profile.id == "ft-vannes")
    assert f"Convention → France Travail Vannes (n°\u00a0{ft})" in cd  # its number on the page
    hostile = next(t for t in doc.tables
                   if any(typography(SCRIPT_MISSIONS) in c.text for r in t.rows
                          for c in r.cells))
    text = "\n".join(c.text for row in hostile.rows for c in row.cells)
    assert "Co-accompagnement ← " + QUOTED_NAME in text
    assert min(docx_font_sizes(sheets_docx(annex))) >= 7
    html = sheets_html(annex)
    assert HOSTILE_NAME not in html and html.count("<section>") == 8
    markdown = sheets_markdown(annex)
    assert len(re.findall(r"^## \d+\. ", markdown, re.MULTILINE)) == 8


# -- CLI and report --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["annexe.docx", "annexe.html", "annexe.md"])
def test_cli_annex(runner, make_dataset, tmp_path, name):
    folder = small_dataset(make_dataset)
    out = tmp_path / "sortie" / name
    result = runner.invoke(main, ["annex", "--dataset", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "8 membres du consortium, une page A4 paysage, texte de 7 pt au moins" in \
        result.output
    assert out.exists() and sorted(p.name for p in out.parent.iterdir()) == [name]


def test_cli_annex_fiches(runner, make_dataset, tmp_path):
    folder = small_dataset(make_dataset)
    out = tmp_path / "fiches.docx"
    result = runner.invoke(main, ["annex", "--dataset", str(folder), "--fiches", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Fiches détaillées écrites" in result.output
    assert len(Document(str(out)).tables) == 8


def test_cli_annex_too_large_warns(runner, make_dataset, tmp_path):
    acteurs = [dict(ACTEURS[1], id=f"ft-{i}", nom=f"France Travail agence {i}")
               for i in range(30)]
    consortium = {"nom": "Trop grand", "porteur": "ft-0",
                  "membres": [{"acteur": a["id"]} for a in acteurs]}
    folder = make_dataset("grand", acteurs=acteurs, consortium=consortium)
    out = tmp_path / "annexe.docx"
    result = runner.invoke(main, ["annex", "--dataset", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "30 membres du consortium)" in result.output
    assert "Attention\u00a0: 30 membres\u00a0: la cartographie ne tient pas" in result.output
    assert "--fiches" in result.output and out.exists()


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
    table = Document(str(out)).tables[0]
    assert [r.cells[1].paragraphs[0].runs[0].text for r in table.rows[2:]] == [
        "Conseil départemental du Morbihan", "France Travail Vannes",
        "Crèche AVIP de Lorient (fictive)"]
    assert Document(str(out)).paragraphs[0].text == "Version 2"


def test_cli_annex_errors(runner, make_dataset, tmp_path):
    folder = small_dataset(make_dataset)
    result = runner.invoke(main, ["annex", "--dataset", str(folder), "-o", "annexe.odt"])
    assert result.exit_code == 1 and "extension inconnue pour l'annexe" in result.output
    bad = tmp_path / "consortium.yaml"
    bad.write_text("nom: X\nporteur: cd56\nmembres:\n  - acteur: inconnu\n", encoding="utf-8")
    result = runner.invoke(main, ["annex", "--dataset", str(folder), "--consortium", str(bad),
                                  "-o", str(tmp_path / "a.md")])
    assert result.exit_code == 1
    assert "acteur inconnu" in result.output and "ligne 4" in result.output
    assert not (tmp_path / "a.md").exists()


def test_report_writes_the_page_the_sheets_and_the_diagnostic(small_graph, tmp_path):
    ctx = report_context("petit", small_graph, "56")
    part = annex_part(ctx)
    assert set(part.files) == {
        "annexe.docx", "annexe.html", "annexe.md", "fiches-membres.docx",
        "fiches-membres.html", "diagnostic.docx", "diagnostic.html", "diagnostic.md",
        "diagnostic.png"}
    assert "à joindre au dossier" in part.section and "ne se joint pas" in part.section
    page = docx_text(part.files["annexe.docx"])  # type: ignore[arg-type]
    assert "recevable" not in page and "Doublons" not in page and "manquants" not in page
    folder = run_report("petit", small_graph, tmp_path, parts=[annex_part])
    assert Document(str(folder / "annexe.docx")).tables[0].rows[2].cells[1].text
    assert (folder / "diagnostic.png").read_bytes().startswith(b"\x89PNG")


def test_report_context_is_used_once(small_graph):
    ctx = ReportContext("petit", small_graph, "56", report_context("petit", small_graph,
                                                                    "56").findings)
    part = annex_part(ctx)
    assert "Diagnostic du consortium" in part.files["diagnostic.md"]  # type: ignore[operator]


def test_demo_annex_fits_one_page(demo_graph):
    annex = collect_annex(demo_graph, today=DAY)
    assert len(annex.lignes) == 20 and annex.fit.tient and annex.fit.taille_pt == 7
    assert any(line.missions.endswith("…") for line in annex.lignes)  # condensed
    assert annex.titre == "SPIE Morbihan – pour un parcours sans couture"
    assert "accord" not in annex.sous_titre
