"""The page to attach, as reviewers get it: printed by LibreOffice and by Chromium.

The DOCX goes through real LibreOffice (``soffice --headless --convert-to pdf``,
by ``spie-graph annex -o annexe.pdf``) and the HTML through real Chromium
(playwright, ``page.pdf()``); pages are counted by poppler's ``pdfinfo`` and the
text read back by ``pdftotext``. Without these clients the tests fail with the
command that installs them (``bash scripts/install-clients.sh``), never skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from spie_graph.cli import main
from spie_graph.render.annex import layout

CHROMIUM = "/usr/bin/chromium"
INSTALL = "installez-les avec : bash scripts/install-clients.sh"
DEMO_MEMBERS = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "datasets" / "morbihan" / "consortium.yaml")
    .read_text(encoding="utf-8"))


def _require(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"outils absents : {', '.join(missing)} (LibreOffice, poppler-utils) ; "
                    f"{INSTALL}", pytrace=False)


def pdf_pages(path: Path) -> tuple[int, float, float]:
    """(pages, width, height in points) read by pdfinfo."""
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                         check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE).group(1))
    width, height = map(float, re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", out,
                                         re.MULTILINE).groups())
    return pages, width, height


def pdf_text(path: Path) -> str:
    """The PDF's text, whitespace (line breaks inside cells included) folded to spaces."""
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.replace("\u00a0", " ").replace("\u202f", " ").split())


def consortium_file(tmp_path: Path, n: int, extra: list[str] = ()) -> Path:
    """The demo's consortium cut to its first ``n`` members, plus ``extra`` actors."""
    members = DEMO_MEMBERS["membres"][:n] + [{"acteur": a, "lettre_engagement": True}
                                              for a in extra]
    path = tmp_path / f"consortium-{len(members)}.yaml"
    path.write_text(yaml.safe_dump(dict(DEMO_MEMBERS, nom=f"SPIE test ({len(members)} "
                                                         "membres)", membres=members),
                                   allow_unicode=True), encoding="utf-8")
    return path


def demo_names(demo_graph, ids: list[str]) -> list[str]:
    names = {d["id"]: d["nom"] for _, d in demo_graph.nodes(data=True) if d["label"] == "Acteur"}
    return [names[i] for i in ids]


def write_annex(runner, demo_path: Path, out: Path, consortium: Path | None = None) -> str:
    args = ["annex", "--dataset", str(demo_path), "-o", str(out)]
    if consortium is not None:
        args += ["--consortium", str(consortium)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.output


# -- LibreOffice -----------------------------------------------------------------------------

def test_libreoffice_prints_the_demo_annex_on_one_page(runner, demo_path, demo_graph, tmp_path):
    _require("soffice", "pdfinfo", "pdftotext")
    out = tmp_path / "annexe.pdf"
    said = write_annex(runner, demo_path, out)
    assert "20 membres du consortium, une page A4 paysage" in said
    pages, width, height = pdf_pages(out)
    assert pages == 1 and width > height and round(width) == 842  # A4 landscape
    text = pdf_text(out)
    ids = [m["acteur"] for m in DEMO_MEMBERS["membres"]]
    for name in demo_names(demo_graph, ids):
        assert name in text, name
    assert text.startswith("SPIE Morbihan – pour un parcours sans couture")
    assert "le Morbihan" in text and "accord" not in text
    for needle in ("Missions — compétences", "Interactions avec les membres",
                   "Chef de file de l’insertion : pilote le programme départemental",
                   "Pour le consortium, le porteur"):
        assert needle in text, needle


@pytest.mark.parametrize(("members", "extra"), [
    (7, []),
    (20, ["cms-vannes", "cms-lorient", "cms-auray", "cms-pontivy", "cms-ploermel"])])
def test_libreoffice_prints_other_consortia_on_one_page(runner, demo_path, demo_graph,
                                                        tmp_path, members, extra):
    _require("soffice", "pdfinfo", "pdftotext")
    consortium = consortium_file(tmp_path, members, extra)
    out = tmp_path / "annexe.pdf"
    write_annex(runner, demo_path, out, consortium)
    assert pdf_pages(out)[0] == 1
    text = pdf_text(out)
    ids = [m["acteur"] for m in DEMO_MEMBERS["membres"][:members]] + extra
    assert len(ids) == members + len(extra) <= layout.MAX_MEMBERS
    for name in demo_names(demo_graph, ids):
        assert name in text, name


def test_libreoffice_too_large_says_so_on_more_pages(runner, demo_path, tmp_path):
    _require("soffice", "pdfinfo", "pdftotext")
    extra = ["cms-vannes", "cms-lorient", "cms-auray", "cms-pontivy", "cms-ploermel",
             "creche-avip-calins", "ars-dd56", "csapa-blavet", "cmp-golfe", "ml-auray"]
    consortium = consortium_file(tmp_path, 20, extra)
    out = tmp_path / "annexe.pdf"
    said = write_annex(runner, demo_path, out, consortium)
    assert "ne tient pas sur une page lisible" in said
    assert pdf_pages(out)[0] >= 2
    assert "la cartographie ne tient pas sur une page lisible" in pdf_text(out)


# -- Chromium --------------------------------------------------------------------------------

def _chromium() -> str:
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        pytest.fail("le paquet Python playwright n'est pas installé : pip install -e '.[test]'",
                    pytrace=False)
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium absent ({CHROMIUM}) ; {INSTALL}", pytrace=False)
    return CHROMIUM


def print_in_chromium(html: Path, pdf: Path) -> float:
    """Print ``html`` to ``pdf`` as a user would; return the smallest text size (pt)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium())
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith("file:") else route.abort())
            page.goto(html.as_uri())
            page.emulate_media(media="print")
            smallest = page.evaluate("""() => {
                let min = Infinity;
                const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) {
                    if (!walker.currentNode.textContent.trim()) continue;
                    const size = parseFloat(getComputedStyle(walker.currentNode.parentElement)
                                            .fontSize);
                    min = Math.min(min, size);
                }
                return min;
            }""")
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        finally:
            browser.close()
    return round(smallest * 72 / 96, 3)  # CSS pixels are rounded to 1/64


@pytest.mark.browser
@pytest.mark.parametrize("members", [7, 20])
def test_chromium_prints_the_html_annex_on_one_page(runner, demo_path, demo_graph, tmp_path,
                                                    members):
    _require("pdfinfo", "pdftotext")
    html = tmp_path / "annexe.html"
    consortium = consortium_file(tmp_path, members) if members != 20 else None
    write_annex(runner, demo_path, html, consortium)
    pdf = tmp_path / "annexe-chromium.pdf"
    smallest = print_in_chromium(html, pdf)
    assert smallest >= 7
    pages, width, height = pdf_pages(pdf)
    assert pages == 1 and width > height
    text = pdf_text(pdf)
    ids = [m["acteur"] for m in DEMO_MEMBERS["membres"][:members]]
    for name in demo_names(demo_graph, ids):
        assert name in text, name
