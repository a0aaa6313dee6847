"""The page to attach: one A4 landscape page, in DOCX, printable HTML and Markdown.

A title (the consortium's name), a line (territory, porteur, number of members,
date), then one row per member: number, name, family and role, commitment
letter, condensed missions and compétences, the moments of the parcours and
the SPIE needs its services cover (●), its interactions with the other
members as a matrix (a letter per type, read by row) and its number of
partners outside the consortium; a legend and a line to sign. Every text is
7 pt or more (:data:`layout.BODY_PT`); the geometry is :mod:`.layout`'s.
"""

from __future__ import annotations

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from spie_graph import french
from spie_graph.render.annex import docx_kit as k
from spie_graph.render.annex import layout
from spie_graph.render.annex.content import Annex, MemberRow
from spie_graph.render.annex.markdown import md_escape

__all__ = ["page_docx", "page_html", "page_markdown", "legend", "signature"]

HEAD_FILL = "E6EBF1"
LINK_FILL = "D6E2F0"
SELF_FILL = "C9CFD6"
ZEBRA_FILL = "F4F6F8"
MARK = "●"
HEAD_MAX_PT = 8.0
"""The header rows stay at this size when the table's text is larger (narrow columns)."""


def legend(annex: Annex) -> list[tuple[str, str]]:
    """The legend under the table: (bold lead, text)."""
    return list(annex.legende)


def signature(annex: Annex) -> str | None:
    if not annex.avec_consortium:
        return None
    return french.typography("Pour le consortium, le porteur (nom, qualité, date et "
                             "signature) : ")


def _group_heads(annex: Annex) -> list[tuple[str, int]]:
    """The first header row: (text, columns spanned)."""
    heads = [("Moments", len(annex.moments)), ("Besoins", len(annex.besoins))]
    if annex.colonnes.n_membres:
        heads.append(("Interactions avec les " + ("membres" if annex.avec_consortium
                                                  else "acteurs") + " (n°)",
                      annex.colonnes.n_membres))
    return heads


LINKS_HEAD = "Interactions (n°)"


# -- DOCX ------------------------------------------------------------------------------------

def _center(cell, text: str, size: float, *, bold: bool = False,
            color: RGBColor | None = None) -> None:
    para = cell.paragraphs[0]
    k.add_run(para, text, bold=bold, size=size, color=color)
    k.compact(para, align=WD_ALIGN_PARAGRAPH.CENTER)
    k.vertical_center(cell)


def _member_cells(row, line: MemberRow, annex: Annex) -> None:
    cells = row.cells
    size = annex.fit.taille_pt
    _center(cells[0], str(line.numero), size, bold=True)
    para = cells[1].paragraphs[0]
    k.add_run(para, line.profile.nom, bold=True, size=size)
    k.add_run(para, " " + line.qualite, size=size, color=k.MUTED)
    k.compact(para)
    para = cells[2].paragraphs[0]
    k.add_run(para, french.typography(line.missions or "missions non renseignées"), size=size)
    if line.competences:
        k.add_run(para, " —\u00a0" + french.typography(line.competences), italic=True,
                  size=size, color=k.MUTED)
    k.compact(para)
    _center(cells[3], line.lettre, size)
    index = 4
    for flag in (*line.moments, *line.besoins):
        _center(cells[index], MARK if flag else "", size, color=k.ACCENT)
        index += 1
    if not annex.colonnes.n_membres:
        para = cells[index].paragraphs[0]
        k.add_run(para, line.liens_texte or "–", size=size)
        k.compact(para)
        index += 1
    for other, letters in enumerate(line.liens if annex.colonnes.n_membres else (), 1):
        cell = cells[index]
        if other == line.numero:
            k.shade(cell, SELF_FILL)
        elif letters:
            k.shade(cell, LINK_FILL)
            _center(cell, letters, size, bold=True)
        k.cell_margin(cell, layout.CELL_PAD_Y_CM, 0, layout.CELL_PAD_Y_CM, 0)
        index += 1
    _center(cells[index], str(line.autres) if line.autres else "–", size)


def page_docx(annex: Annex) -> bytes:
    """The page as a Word document: one A4 landscape page (LibreOffice and Word)."""
    doc = k.new_document(annex.titre, "Cartographie des acteurs (annexe de la candidature à "
                         "l'AMI SPIE) : " + annex.territoire_texte, body_pt=layout.BODY_PT)
    k.landscape(doc, layout.MARGIN_X_CM, layout.MARGIN_Y_CM)
    title = doc.add_paragraph(style="Title")
    k.add_run(title, french.typography(annex.titre), size=layout.TITLE_PT)
    title.paragraph_format.space_after = Pt(1)
    para = doc.add_paragraph()
    k.add_run(para, annex.sous_titre, size=layout.SUBTITLE_PT, color=k.MUTED)
    para.paragraph_format.space_after = Pt(4)
    if annex.fit.message:
        para = doc.add_paragraph()
        k.add_run(para, annex.fit.message, bold=True, size=layout.SUBTITLE_PT,
                  color=RGBColor(0xB3, 0x26, 0x1E))
        para.paragraph_format.space_after = Pt(4)

    cols = annex.colonnes
    head_size = min(annex.fit.taille_pt, HEAD_MAX_PT)
    n_cols = len(cols.all())
    table = doc.add_table(rows=2, cols=n_cols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    k.borders(table)
    k.cell_margins(table, layout.CELL_PAD_Y_CM, layout.CELL_PAD_X_CM, layout.CELL_PAD_Y_CM,
                   layout.CELL_PAD_X_CM)
    head, sub = table.rows
    fixed = [(0, "N°"), (1, "Membre, famille, rôle"), (2, "Missions — compétences"),
             (3, "Lettre"), (n_cols - 1, "Hors cons.")]
    if not cols.n_membres:
        fixed.append((n_cols - 2, LINKS_HEAD))
    for index, text in fixed:
        cell = head.cells[index].merge(sub.cells[index])
        _center(cell, text, head_size, bold=True)
        if index not in (1, 2) and (cols.n_membres or index != n_cols - 2):  # narrow
            k.cell_margin(cell, layout.CELL_PAD_Y_CM, 0, layout.CELL_PAD_Y_CM, 0)
    index = 4
    for text, span in _group_heads(annex):
        cell = head.cells[index].merge(head.cells[index + span - 1]) if span > 1 \
            else head.cells[index]
        _center(cell, text, head_size, bold=True)
        k.cell_margin(cell, layout.CELL_PAD_Y_CM, 0, layout.CELL_PAD_Y_CM, 0)
        index += span
    subs = ([letter for _, _, letter in annex.moments] + [s for _, _, s in annex.besoins]
            + [str(line.numero) for line in annex.lignes][:cols.n_membres])
    for offset, text in enumerate(subs):
        cell = sub.cells[4 + offset]
        _center(cell, text, head_size, bold=True)
        k.cell_margin(cell, layout.CELL_PAD_Y_CM, 0, layout.CELL_PAD_Y_CM, 0)
    for row in (head, sub):
        k.repeat_header(row)
        for cell in row.cells:
            k.shade(cell, HEAD_FILL)
    for line in annex.lignes:
        row = table.add_row()
        k.cant_split(row)
        _member_cells(row, line, annex)
        if line.numero % 2 == 0:
            start = 4 + len(annex.moments) + len(annex.besoins)
            cells = row.cells
            for cell in cells[:start] + cells[start + cols.n_membres:]:
                k.shade(cell, ZEBRA_FILL)
    k.widths(table, cols.all())

    para = doc.add_paragraph()
    para.paragraph_format.space_before = Pt(3)
    for lead, text in legend(annex):
        k.add_run(para, lead, bold=True, size=layout.BODY_PT, color=k.MUTED)
        k.add_run(para, text, size=layout.BODY_PT, color=k.MUTED)
    sign = signature(annex)
    if sign:
        para = doc.add_paragraph()
        para.paragraph_format.space_before = Pt(5)
        para.paragraph_format.left_indent = Cm(15)
        k.add_run(para, sign, bold=True, size=layout.SUBTITLE_PT)
    return k.to_bytes(doc)


# -- HTML ------------------------------------------------------------------------------------

def page_html(annex: Annex) -> str:
    """The page as printable HTML: ``@page`` A4 landscape, every text escaped."""
    from spie_graph.render.map import render_template

    return render_template("annexe.html.j2", a=annex, layout=layout, legend=legend(annex),
                           head_pt=min(annex.fit.taille_pt, HEAD_MAX_PT),
                           signature=signature(annex), groups=_group_heads(annex), mark=MARK,
                           links_head=LINKS_HEAD,
                           typo=french.typography)


# -- Markdown --------------------------------------------------------------------------------

def page_markdown(annex: Annex) -> str:
    """The page's content in Markdown (a table; interactions as text)."""
    e = md_escape
    out = [f"# {e(annex.titre)}", "", e(annex.sous_titre), ""]
    if annex.fit.message:
        out += [f"**{e(annex.fit.message)}**", ""]
    labels = {letter: label.lower() for _, label, letter in annex.interactions}
    out += ["| N° | Membre | Famille · rôle | Lettre d'engagement | Missions — compétences "
            "| Moments | Besoins | Interactions (n° des membres) | Hors consortium |",
            "|---" * 9 + "|"]
    for line in annex.lignes:
        moments = ", ".join(label for (_, label, _), on in zip(annex.moments, line.moments,
                                                               strict=True) if on)
        needs = ", ".join(label for (_, label, _), on in zip(annex.besoins, line.besoins,
                                                             strict=True) if on)
        by_kind: dict[str, list[str]] = {}
        for other, letters in enumerate(line.liens, 1):
            for letter in letters:
                by_kind.setdefault(labels.get(letter, letter), []).append(str(other))
        links = " ; ".join(f"{kind} : {', '.join(who)}" for kind, who in by_kind.items())
        text = e(line.missions) + (f" — *{e(line.competences)}*" if line.competences else "")
        out.append(f"| {line.numero} | **{e(line.profile.nom)}** | {e(line.famille)} · "
                   f"{e(line.role)} | {line.lettre} | {text} "
                   f"| {e(moments) or '–'} | {e(needs) or '–'} | {e(links) or '–'} "
                   f"| {line.autres} |")
    out += ["", *[f"*{e(lead.strip())}* {e(text)}" for lead, text in legend(annex)]]
    return "\n".join(out) + "\n"
