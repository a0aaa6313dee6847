"""The detailed member sheets: one block per member, every text in full.

What the page condenses is here whole: missions, compétences, publics,
services by moment of the parcours (with their thématiques) and interactions
by type, with their direction (→ the member is the source, ← the partner is)
and the partner's name. A4 portrait; numbered as on the page.
"""

from __future__ import annotations

from docx.shared import Pt

from spie_graph import french
from spie_graph.render.annex import docx_kit as k
from spie_graph.render.annex.content import Annex, MemberRow
from spie_graph.render.annex.markdown import md_escape

__all__ = ["sheet_fields", "sheets_docx", "sheets_html", "sheets_markdown"]


def _services(line: MemberRow, annex: Annex) -> list[tuple[str, str]]:
    """(moment label, "service (thématiques) ; ...") for each moment with services."""
    p = line.profile
    by_moment = p.services_par_moment(code for code, _, _ in annex.moments)
    labels = {code: label for code, label, _ in annex.moments}
    return [(labels.get(m, m), " ; ".join(
        s.nom + (f" ({', '.join(s.thematiques)})" if s.thematiques else "") for s in lines))
        for m, lines in by_moment.items() if lines]


def _interactions(line: MemberRow, numbers: dict[str, int]) -> list[tuple[str, str]]:
    """(interaction label, "→ A (n° 3), B ; ← C") grouped by type; n°: a member's number."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for link in line.profile.interactions:
        sides = grouped.setdefault(link.libelle, {"sortante": [], "entrante": []})
        number = numbers.get(link.partenaire)
        sides[link.sens].append(link.nom_partenaire
                                + (f" (n°\u00a0{number})" if number is not None else ""))
    result = []
    for label, sides in grouped.items():
        parts = []
        if sides["sortante"]:
            parts.append("→ " + ", ".join(sides["sortante"]))
        if sides["entrante"]:
            parts.append("← " + ", ".join(sides["entrante"]))
        result.append((label, " ; ".join(parts)))
    return result


def sheet_fields(line: MemberRow, annex: Annex, publics: dict[str, str] | None = None
                 ) -> list[tuple[str, list[tuple[str, str]]]]:
    """The fields of a member's sheet: (label, [(lead, text)...]), every text in full."""
    p = line.profile
    letter = {True: "signée", False: "non signée", None: "sans objet (pas de consortium)"}[
        p.lettre_engagement]
    publics = publics or {}
    fields: list[tuple[str, list[tuple[str, str]]]] = [
        ("Famille", [("", p.libelle_famille)]),
        ("Rôle", [("", line.role or "—")]),
        ("Lettre d'engagement", [("", letter)]),
        ("Missions", [("", p.missions or "non renseignées")]),
        ("Compétences", [("", ", ".join(p.competences) or "non renseignées")]),
    ]
    if p.publics:
        fields.append(("Publics", [("", ", ".join(publics.get(c, c) for c in p.publics))]))
    fields.append(("Services par moment", [(f"{m} : ", s) for m, s in _services(line, annex)]
                   or [("", "aucun service déclaré")]))
    numbers = {row.profile.id: row.numero for row in annex.lignes}
    fields.append(("Interactions", [(f"{kind} ", text) for kind, text
                                    in _interactions(line, numbers)]
                   or [("", "aucune interaction déclarée")]))
    if p.site_web:
        fields.append(("Site", [("", p.site_web)]))
    return fields


def _title(annex: Annex) -> str:
    who = "membres" if annex.avec_consortium else "acteurs"
    return french.typography(f"Fiches détaillées des {who} : {annex.titre}")


def sheets_docx(annex: Annex, publics: dict[str, str] | None = None) -> bytes:
    """The sheets as a Word document, A4 portrait, a block per member."""
    from docx.enum.table import WD_TABLE_ALIGNMENT

    title = _title(annex)
    doc = k.new_document(title, "Fiches détaillées de la cartographie des acteurs : "
                         + annex.territoire_texte, body_pt=8.5)
    k.portrait(doc)
    k.page_footer(doc.sections[0], f"{title} · {annex.date_texte}")
    para = doc.add_paragraph(style="Title")
    k.add_run(para, title, size=14)
    para = doc.add_paragraph()
    k.add_run(para, annex.sous_titre, color=k.MUTED)
    para.paragraph_format.space_after = Pt(4)
    for line in annex.lignes:
        heading = doc.add_heading(level=3)
        k.add_run(heading, f"{line.numero}. {line.profile.nom}")
        table = doc.add_table(rows=0, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        k.borders(table, color="C9D1DC")
        k.cell_margins(table, 0.03, 0.1, 0.03, 0.1)
        for label, items in sheet_fields(line, annex, publics):
            row = table.add_row()
            k.cant_split(row)
            head, body = row.cells
            k.add_run(head.paragraphs[0], label, bold=True, color=k.MUTED)
            k.shade(head, "F1F4F7")
            for index, (lead, text) in enumerate(items):
                para = body.paragraphs[0] if index == 0 else body.add_paragraph()
                if lead:
                    k.add_run(para, french.typography(lead), bold=True)
                k.add_run(para, french.typography(text))
        k.widths(table, [3.4, 14.4])
    return k.to_bytes(doc)


def sheets_html(annex: Annex, publics: dict[str, str] | None = None) -> str:
    """The sheets as printable HTML, every text escaped."""
    from spie_graph.render.map import render_template

    sheets = [(line, sheet_fields(line, annex, publics)) for line in annex.lignes]
    return render_template("fiches.html.j2", a=annex, title=_title(annex), sheets=sheets,
                           typo=french.typography)


def sheets_markdown(annex: Annex, publics: dict[str, str] | None = None) -> str:
    """The sheets in Markdown."""
    e = md_escape
    out = [f"# {e(_title(annex))}", "", e(annex.sous_titre)]
    for line in annex.lignes:
        out += ["", f"## {line.numero}. {e(line.profile.nom)}", ""]
        for label, items in sheet_fields(line, annex, publics):
            text = " · ".join((f"*{e(lead.strip())}* " if lead else "") + e(t)
                              for lead, t in items)
            out.append(f"- **{label}** : {text}")
    return "\n".join(out) + "\n"
