"""The *cartographie des acteurs* of an AMI SPIE application, and the team's diagnostic.

- :mod:`.content`: :func:`collect_annex` reads what the page and the detailed
  sheets state (members, condensed texts, interaction matrix) and fits it on
  one page (:mod:`.layout`);
- :mod:`.page`: the page to attach, one A4 landscape page (DOCX, printable
  HTML, Markdown); :mod:`.pdf` converts a DOCX to PDF with LibreOffice;
- :mod:`.sheets`: the detailed member sheets (full missions, compétences,
  services by moment, interactions with their direction);
- :mod:`.diagnostic`: the working document for the consortium team and the
  examiner (admissibility criteria and their evidence, the project's own
  thresholds, coverage by need and moment, gaps, duplicates, missing partners
  and candidates, picture of the network). Not to attach.

:func:`render_page`, :func:`render_sheets` and :func:`render_diagnostic` write
each in a format: ``docx``, ``html``, ``md`` or ``pdf`` (LibreOffice).
"""

from __future__ import annotations

from spie_graph.errors import ArgumentError
from spie_graph.render.annex.content import (
    DIRECTORY_MAX,
    Annex,
    MemberRow,
    PageFit,
    annex_listed,
    collect_annex,
    condense,
)
from spie_graph.render.annex.diagnostic import (
    NOT_TO_ATTACH,
    Diagnostic,
    collect_diagnostic,
    diagnostic_docx,
    diagnostic_html,
    diagnostic_markdown,
    diagnostic_picture,
)
from spie_graph.render.annex.markdown import md_escape
from spie_graph.render.annex.page import page_docx, page_html, page_markdown
from spie_graph.render.annex.pdf import docx_to_pdf
from spie_graph.render.annex.sheets import sheets_docx, sheets_html, sheets_markdown

__all__ = [
    "ANNEX_FORMATS", "DIRECTORY_MAX", "NOT_TO_ATTACH", "Annex", "annex_listed", "Diagnostic",
    "MemberRow", "PageFit",
    "collect_annex", "collect_diagnostic", "condense", "md_escape", "docx_to_pdf",
    "page_docx", "page_html", "page_markdown", "sheets_docx", "sheets_html", "sheets_markdown",
    "diagnostic_docx", "diagnostic_html", "diagnostic_markdown", "diagnostic_picture",
    "render_page", "render_sheets", "render_diagnostic",
]

ANNEX_FORMATS = ("docx", "html", "pdf", "md")
"""Formats of the page, the sheets and the diagnostic (``pdf``: the DOCX through LibreOffice)."""


def _unknown(fmt: str, what: str) -> ArgumentError:
    return ArgumentError(f"format inconnu pour {what} : « {fmt} ». Formats possibles : "
                         f"{', '.join(ANNEX_FORMATS)} (d'après l'extension du fichier, "
                         "ex. annexe.docx)")


def render_page(annex: Annex, fmt: str) -> str | bytes:
    """The page to attach in one format."""
    if fmt == "docx":
        return page_docx(annex)
    if fmt == "pdf":
        return docx_to_pdf(page_docx(annex), "annexe")
    if fmt == "html":
        return page_html(annex)
    if fmt == "md":
        return page_markdown(annex)
    raise _unknown(fmt, "l'annexe")


def render_sheets(annex: Annex, fmt: str, publics: dict[str, str] | None = None) -> str | bytes:
    """The detailed member sheets in one format."""
    if fmt == "docx":
        return sheets_docx(annex, publics)
    if fmt == "pdf":
        return docx_to_pdf(sheets_docx(annex, publics), "fiches")
    if fmt == "html":
        return sheets_html(annex, publics)
    if fmt == "md":
        return sheets_markdown(annex, publics)
    raise _unknown(fmt, "les fiches")


def render_diagnostic(diagnostic: Diagnostic, fmt: str,
                      picture_name: str = "diagnostic.png") -> str | bytes:
    """The diagnostic in one format; Markdown names the picture ``picture_name``."""
    if fmt == "docx":
        return diagnostic_docx(diagnostic)
    if fmt == "pdf":
        return docx_to_pdf(diagnostic_docx(diagnostic), "diagnostic")
    if fmt == "html":
        return diagnostic_html(diagnostic)
    if fmt == "md":
        return diagnostic_markdown(diagnostic, picture_name)
    raise _unknown(fmt, "le diagnostic")
