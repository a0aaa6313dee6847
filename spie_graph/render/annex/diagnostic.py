"""The diagnostic: the consortium's self-assessment, for its team and the examiner.

Not part of the application file (the page to attach is :mod:`.page`'s): the
admissibility criteria with their evidence, the thresholds the project chose
rather than the AMI (and how to change them), the coverage of the SPIE's needs
by moment of the parcours, the gaps, the duplicates, the missing partner
families and the actors of the territory who could fill them, and a picture of
the network. Everything comes from the :class:`Findings` computed once
(:func:`spie_graph.analyses.findings.compute_findings`).

:func:`collect_diagnostic` resolves the findings into French texts;
:func:`diagnostic_docx` (A4 portrait), :func:`diagnostic_html` (printable)
and :func:`diagnostic_markdown` write them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import networkx as nx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Cm, Pt

from spie_graph import french
from spie_graph.analyses.findings import Findings
from spie_graph.analyses.gaps import GapRow, MomentGap
from spie_graph.graph.build import default_territory
from spie_graph.graph.coverage import CoverageIndex, CoverageQuery, who_covers
from spie_graph.graph.views import ActorProfile, actor_profiles, consortium_info
from spie_graph.reference.checks import check_territoire
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render.annex import docx_kit as k
from spie_graph.render.annex.content import territory_text
from spie_graph.render.annex.markdown import md_escape
from spie_graph.render.pictures import PICTURE_MAX, most_connected, network_png

__all__ = ["CoverageCell", "CoverageLine", "CriterionLine", "Diagnostic", "collect_diagnostic",
           "diagnostic_docx", "diagnostic_html", "diagnostic_markdown", "diagnostic_picture",
           "NOT_TO_ATTACH"]

MAX_GAPS = 12
MAX_DUPLICATES = 10
NOT_TO_ATTACH = ("Document de travail pour l'équipe du consortium et l'instructeur de la "
                 "préfecture : il ne se joint pas au dossier de candidature (la pièce à "
                 "joindre est la cartographie des acteurs d'une page).")


@dataclass(frozen=True)
class CoverageCell:
    """Actors that cover a need at a moment: how many, and how many on the whole territory."""

    acteurs: int
    total: int

    def short(self) -> str:
        if not self.acteurs:
            return "—"
        return f"{self.acteurs} ({self.total} tot.)"


@dataclass(frozen=True)
class CoverageLine:
    """One need of the SPIE: coverage by moment of the parcours, and over all moments."""

    code: str
    libelle: str
    moments: tuple[CoverageCell, ...]
    tous: CoverageCell


@dataclass(frozen=True)
class CriterionLine:
    """An admissibility criterion: label, met or not, evidence, the project's own thresholds."""

    libelle: str
    ok: bool
    detail: str
    choix_du_projet: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diagnostic:
    """Everything the diagnostic states, texts resolved, ready to render."""

    dataset: str
    titre: str
    territoire: str
    territoire_texte: str
    date: date
    consortium: str | None
    porteur: str | None
    avec_consortium: bool
    membres: int
    moments: tuple[tuple[str, str], ...]
    synthese: tuple[CoverageLine, ...]
    picture: bytes = field(repr=False)
    acteurs: int = 0
    """Actors of the data set; the picture draws ``dessines`` of them."""
    dessines: int = 0
    criteres_source: str | None = None
    recevable: bool | None = None
    criteres: tuple[CriterionLine, ...] | None = None
    seuils: tuple[str, ...] = ()
    partenaires_manquants: tuple[tuple[str, str], ...] | None = None
    manques: tuple[tuple[str, str, str], ...] | None = None
    manques_autres: int = 0
    doublons: tuple[tuple[str, str, str], ...] | None = None
    doublons_autres: int = 0

    @property
    def manques_reste(self) -> str:
        """« … et 1 234 autres » under the gaps listed."""
        return f"… et {french.plural(self.manques_autres, 'autre')}"

    @property
    def doublons_reste(self) -> str:
        """« … et 23 599 autres » under the duplicates listed."""
        return f"… et {french.plural(self.doublons_autres, 'autre')}"

    @property
    def legende_image(self) -> str:
        """The picture's caption: who is drawn, how."""
        if self.avec_consortium:
            who = "Membres du consortium en couleur (bord noir), leurs partenaires en gris."
        elif self.dessines < self.acteurs:
            who = (f"Les {french.number(self.dessines)} acteurs les plus reliés, sur "
                   f"{french.number(self.acteurs)}, couleur par famille.")
        else:
            who = "Acteurs du territoire, couleur par famille."
        return french.typography(who + " Traits : type d'interaction.")

    @property
    def date_texte(self) -> str:
        return french.long_date(self.date)

    @property
    def verdict(self) -> str:
        return {True: "recevable", False: "non recevable en l'état", None: "non établie"}[
            self.recevable]

    @property
    def entete(self) -> list[tuple[str, str]]:
        """The header lines: (label, value)."""
        terr = f"{self.territoire_texte} ({self.territoire})"
        lines = [("Territoire", terr)]
        if self.consortium:
            lines.append(("Consortium", f"{self.consortium} ({self.membres} membres)"))
        if self.porteur:
            lines.append(("Porteur", self.porteur))
        lines.append(("Date", self.date_texte))
        lines.append(("Jeu de données", self.dataset))
        if self.criteres_source:
            lines.append(("Critères", self.criteres_source))
        return lines


# -- collecting ------------------------------------------------------------------------------

def _synthesis(graph: nx.MultiDiGraph, territoire: str, keep: set[str] | None,
               refs: Referentials, index: CoverageIndex | None) -> tuple[CoverageLine, ...]:
    lines = []
    index = index or CoverageIndex.of_graph(graph)  # once for the six needs
    for need in refs.besoins_spie:
        found = [r for r in who_covers(graph, CoverageQuery(thematique=need,
                                                              territoire=territoire), index)
                 if keep is None or r.acteur in keep]
        cells = []
        for moment in [*refs.moments, None]:
            rows = [r for r in found if moment is None or moment in r.moments]
            cells.append(CoverageCell(len({r.acteur for r in rows}),
                                      len({r.acteur for r in rows if r.couverture == "total"})))
        lines.append(CoverageLine(need, refs.thematiques[need].libelle, tuple(cells[:-1]),
                                  cells[-1]))
    return tuple(lines)


NAMES = 8
"""Actors named per line; the rest are counted (« … et 18 autres »)."""


def _names(ids: Iterable[str], profiles: dict[str, ActorProfile]) -> str:
    listed = list(ids)
    text = ", ".join(profiles[i].nom if i in profiles else i for i in listed[:NAMES])
    if len(listed) > NAMES:
        text += f"… et {french.plural(len(listed) - NAMES, 'autre')}"
    return text


def _findings(findings: Findings | None, profiles: dict[str, ActorProfile],
              refs: Referentials) -> dict:
    if findings is None:
        return {}
    terr = refs.territoires
    result: dict = {}

    def need_label(code: str | None) -> str:
        if code is None:
            return ""
        if code in refs.thematiques:
            return refs.thematiques[code].libelle
        return refs.moments.get(code, code)

    def place(code: str, name: str | None = None) -> str:
        return name or (terr.name(code) if code in terr else code)

    if findings.consortium is not None:
        check = findings.consortium
        labels = findings.family_labels

        def family(code: str) -> str:
            if code in labels:
                return labels[code]
            return refs.familles[code].libelle if code in refs.familles else code

        def candidate_label(key: str) -> str:
            kind, _, code = key.partition(":")
            if not code:
                return family(kind)
            if kind == "famille":
                return family(code)
            if kind == "besoin":
                return f"Besoin : {need_label(code)}"
            if kind == "moment":
                return f"Moment : {need_label(code)}"
            if kind == "public":
                return f"Public : {refs.publics.get(code, code)}"
            if kind == "volet":
                return f"Volet {code}"
            return key

        result["recevable"] = check.recevable
        result["criteres"] = tuple(
            CriterionLine(c.libelle or c.code, c.ok, c.detail or "", tuple(c.choix_du_projet))
            for c in (*check.criteres, *check.publics))
        seen_choices: dict[str, None] = {}
        for c in check.criteres:
            seen_choices.update(dict.fromkeys(c.choix_du_projet))
        result["seuils"] = tuple(seen_choices)
        if findings.criteria is not None:
            criteria = findings.criteria
            result["criteres_source"] = criteria.source + (
                f", part de population {french.percent(criteria.seuil_population)} "
                "(--seuil-population)" if criteria.seuil_population is not None else "")
        missing, seen = [], set()
        for code in check.familles_manquantes:
            key = f"famille:{code}" if f"famille:{code}" in check.candidats else code
            seen.add(key)
            missing.append((family(code), _names(check.candidats.get(key, ()), profiles)
                            or "aucun candidat repéré"))
        for key, candidates in check.candidats.items():  # uncovered needs, moments, publics
            if key not in seen:
                missing.append((candidate_label(key), _names(candidates, profiles)
                                or "aucun candidat repéré"))
        result["partenaires_manquants"] = tuple(missing)
    if findings.gaps is not None:
        found: list[GapRow | MomentGap] = [*findings.gaps.lacunes,
                                           *findings.gaps.moments_sans_service]
        gaps = sorted(found, key=lambda g: -g.population)
        result["manques"] = tuple(
            (need_label(g.thematique if isinstance(g, GapRow) else g.moment),
             place(g.territoire, g.nom_territoire), french.number(g.population))
            for g in gaps[:MAX_GAPS])
        result["manques_autres"] = max(0, len(gaps) - MAX_GAPS)
    if findings.duplicates is not None:
        dups = sorted(findings.duplicates, key=lambda d: -d.population)
        result["doublons"] = tuple(
            (need_label(d.thematique) + f" ({need_label(d.moment).lower()})",
             d.nom_territoire or (", ".join(place(t) for t in d.territoire[:3])
                                  + ("…" if len(d.territoire) > 3 else "")),
             _names(d.acteurs, profiles))
            for d in dups[:MAX_DUPLICATES])
        result["doublons_autres"] = max(0, len(dups) - MAX_DUPLICATES)
    return result


def collect_diagnostic(graph: nx.MultiDiGraph, *, territoire: str | None = None,
                       findings: Findings | None = None, today: date | None = None,
                       refs: Referentials | None = None,
                       index: CoverageIndex | None = None,
                       profiles: dict[str, ActorProfile] | None = None,
                       picture: bytes | None = None) -> Diagnostic:
    """Read the diagnostic's content from a canonical graph and the analyses' findings.

    Notes
    -----
    The synthesis asks :func:`spie_graph.graph.coverage.who_covers` once per SPIE
    need (6 queries) and splits the answer by moment, restricted to the members
    when there is a consortium (``index``: the graph's coverage index, when the
    caller has it; ``profiles``: the graph's
    :func:`~spie_graph.graph.views.actor_profiles`, likewise); the picture is
    :func:`diagnostic_picture` (``picture``: when the caller has drawn it).
    """
    refs = refs or referentials()
    code = check_territoire(territoire) if territoire else default_territory(graph)
    profiles = profiles if profiles is not None else actor_profiles(graph, refs)
    consortium = consortium_info(graph)
    members = [p for p in profiles.values() if p.membre]
    keep = _focus(graph, profiles)
    with_consortium = keep is not None
    porteur = None
    if consortium and consortium.get("porteur"):
        found = profiles.get(consortium["porteur"])
        porteur = found.nom if found else consortium["porteur"]
        if found and found.famille != "cd" and consortium.get("accord_cd") is not None:
            porteur += (", avec l'accord du conseil départemental" if consortium["accord_cd"]
                        else " (accord du conseil départemental non déclaré)")
    name = consortium.get("nom") if consortium else None
    where = territory_text(code, refs)
    title = (f"Diagnostic du consortium « {name} »" if name
             else f"Diagnostic des acteurs : {where}")
    drawn = _drawn(profiles, keep)
    if picture is None:
        picture = network_png(drawn, refs, focus=keep, width_cm=17, height_cm=9)
    return Diagnostic(
        dataset=graph.graph.get("dataset") or "", titre=french.typography(title),
        territoire=code, territoire_texte=where, date=today or date.today(),
        consortium=name, porteur=porteur, avec_consortium=with_consortium,
        membres=len(members), moments=tuple(refs.moments.items()),
        synthese=_synthesis(graph, code, keep, refs, index), picture=picture,
        acteurs=len(profiles), dessines=len(drawn) if keep is None else len(keep),
        **_findings(findings, profiles, refs))


def diagnostic_picture(graph: nx.MultiDiGraph, *, refs: Referentials | None = None,
                       profiles: dict[str, ActorProfile] | None = None) -> bytes:
    """The diagnostic's picture (PNG, :func:`spie_graph.render.pictures.network_png`): the
    members and their partners, or without a consortium the :data:`PICTURE_MAX` most
    connected actors. It reads no finding: it may be drawn before them."""
    refs = refs or referentials()
    profiles = profiles if profiles is not None else actor_profiles(graph, refs)
    keep = _focus(graph, profiles)
    return network_png(_drawn(profiles, keep), refs, focus=keep, width_cm=17, height_cm=9)


def _focus(graph: nx.MultiDiGraph, profiles: dict[str, ActorProfile]) -> set[str] | None:
    """The consortium's members, or None without a consortium (or without members)."""
    members = {p.id for p in profiles.values() if p.membre}
    return members if consortium_info(graph) is not None and members else None


def _drawn(profiles: dict[str, ActorProfile], keep: set[str] | None) -> list[ActorProfile]:
    drawn = list(profiles.values())
    if keep is None and len(drawn) > PICTURE_MAX:
        drawn = most_connected(drawn, PICTURE_MAX)
    return drawn


# -- Markdown --------------------------------------------------------------------------------

def diagnostic_markdown(d: Diagnostic, picture: str | None = "diagnostic.png") -> str:
    """The diagnostic in Markdown; ``picture`` is the PNG's file name (None: no picture)."""
    e = md_escape
    out = [f"# {e(d.titre)}", "", f"*{e(NOT_TO_ATTACH)}*", ""]
    out += [f"- **{label}** : {e(value)}" for label, value in d.entete]
    if d.criteres is not None:
        out += ["", "## Recevabilité (critères de l'AMI SPIE)", "",
                f"Candidature : **{d.verdict}**.", ""]
        for c in d.criteres:
            out.append(f"- {'✅' if c.ok else '❌'} {e(c.libelle)}"
                       + (f" : {e(c.detail)}" if c.detail else ""))
    if d.seuils:
        out += ["", "## Seuils choisis par le projet", ""]
        out += [f"- {e(text)}" for text in d.seuils]
    moments = [label for _, label in d.moments]
    out += ["", "## Couverture des besoins par moment du parcours", "",
            ("Membres du consortium" if d.avec_consortium else "Acteurs")
            + f" qui couvrent chaque besoin sur {e(d.territoire_texte)} "
              "(entre parenthèses : sur tout le territoire).", "",
            "| Besoin | " + " | ".join(moments) + " | Tous moments |",
            "|---" * (len(moments) + 2) + "|"]
    for line in d.synthese:
        out.append(f"| {e(line.libelle)} | " + " | ".join(c.short() for c in line.moments)
                   + f" | {line.tous.short()} |")
    if d.partenaires_manquants is not None:
        out += ["", "## Partenaires manquants et candidats du territoire", ""]
        out += [f"- **{e(label)}** : {e(names)}" for label, names in d.partenaires_manquants]
        if not d.partenaires_manquants:
            out.append("Aucune famille recommandée ne manque.")
    if d.manques is not None:
        out += ["", "## Besoins non couverts", ""]
        out += [f"- {e(need)} : {e(place)}" + (f" ({pop} habitants)" if pop else "")
                for need, place, pop in d.manques]
        if d.manques_autres:
            out.append(f"- {d.manques_reste}")
        if not d.manques:
            out.append("Aucun besoin non couvert.")
    if d.doublons is not None:
        out += ["", "## Doublons repérés", ""]
        out += [f"- {e(need)}, {e(place)} : {e(names)}" for need, place, names in d.doublons]
        if d.doublons_autres:
            out.append(f"- {d.doublons_reste}")
        if not d.doublons:
            out.append("Aucun doublon repéré.")
    if picture:
        out += ["", "## Réseau des acteurs", "", f"![Réseau des acteurs]({picture})", "",
                f"*{e(d.legende_image)}*"]
    return "\n".join(out) + "\n"


# -- HTML ------------------------------------------------------------------------------------

def diagnostic_html(d: Diagnostic) -> str:
    """The diagnostic as one printable HTML page; the picture is inlined, every text escaped."""
    from spie_graph.render.map import render_template

    picture = "data:image/png;base64," + base64.b64encode(d.picture).decode("ascii")
    return render_template("diagnostic.html.j2", d=d, picture=picture,
                           not_to_attach=NOT_TO_ATTACH, typo=french.typography,
                           moments=[label for _, label in d.moments])


# -- DOCX ------------------------------------------------------------------------------------

def _item(doc, bold: str, text: str = "", size: float = 8) -> None:
    """A compact bullet: a bold lead, then text."""
    item = doc.add_paragraph(style="List Bullet")
    k.add_run(item, french.typography(bold), bold=True, size=size)
    if text:
        k.add_run(item, french.typography(text), size=size)
    item.paragraph_format.space_after = Pt(1)


def diagnostic_docx(d: Diagnostic) -> bytes:
    """The diagnostic as a Word document (A4 portrait), written with python-docx."""
    import io

    doc = k.new_document(d.titre, "Diagnostic du consortium (document de travail, à ne pas "
                         "joindre) : " + d.territoire_texte, body_pt=8.5)
    k.portrait(doc)
    section = doc.sections[0]
    k.page_footer(section, f"{d.titre} · document de travail, ne se joint pas au dossier · "
                           f"{d.date_texte}")
    title = doc.add_paragraph(style="Title")
    k.add_run(title, d.titre, size=15)
    para = doc.add_paragraph()
    k.add_run(para, french.typography(NOT_TO_ATTACH), italic=True, color=k.MUTED)
    para.paragraph_format.space_after = Pt(4)
    para = doc.add_paragraph()
    for index, (label, value) in enumerate(d.entete):
        if index:
            k.add_run(para, "   ·   ")
        k.add_run(para, f"{label} : ", bold=True)
        k.add_run(para, value)

    if d.criteres is not None:
        doc.add_heading("Recevabilité (critères de l'AMI SPIE)", level=2)
        para = doc.add_paragraph()
        k.add_run(para, "Candidature : ")
        k.add_run(para, d.verdict, bold=True)
        for c in d.criteres:
            _item(doc, ("✔ " if c.ok else "✘ ") + c.libelle, f" : {c.detail}" if c.detail
                  else "")
    if d.seuils:
        doc.add_heading("Seuils choisis par le projet", level=2)
        for text in d.seuils:
            _item(doc, "", text)

    doc.add_heading("Couverture des besoins par moment du parcours", level=2)
    doc.add_paragraph(french.typography(
        ("Membres du consortium" if d.avec_consortium else "Acteurs")
        + f" qui couvrent chaque besoin sur {d.territoire_texte} (entre parenthèses : sur tout "
          "le territoire)."))
    moments = [label for _, label in d.moments]
    table = doc.add_table(rows=1, cols=len(moments) + 2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    k.borders(table)
    k.cell_margins(table, 0.03, 0.1, 0.03, 0.1)
    for cell, text in zip(table.rows[0].cells, ["Besoin", *moments, "Tous moments"],
                          strict=True):
        k.add_run(cell.paragraphs[0], text, bold=True, size=8)
        k.shade(cell, "E6EBF1")
    k.repeat_header(table.rows[0])
    for line in d.synthese:
        row = table.add_row()
        for cell, text in zip(row.cells, [line.libelle, *(c.short() for c in line.moments),
                                          line.tous.short()], strict=True):
            k.add_run(cell.paragraphs[0], text, size=8)
    first = 17.8 - 3.3 * (len(moments) + 1)
    k.widths(table, [first, *[3.3] * (len(moments) + 1)])

    if d.partenaires_manquants is not None:
        doc.add_heading("Partenaires manquants et candidats du territoire", level=2)
        if not d.partenaires_manquants:
            doc.add_paragraph("Aucune famille recommandée ne manque.")
        for label, names in d.partenaires_manquants:
            _item(doc, label + " : ", names)
    if d.manques is not None:
        doc.add_heading("Besoins non couverts", level=2)
        if not d.manques:
            doc.add_paragraph("Aucun besoin non couvert.")
        for need, place, pop in d.manques:
            _item(doc, need, " : " + place + (f" ({pop} habitants)" if pop else ""))
        if d.manques_autres:
            doc.add_paragraph(f"{d.manques_reste}.")
    if d.doublons is not None:
        doc.add_heading("Doublons repérés", level=2)
        if not d.doublons:
            doc.add_paragraph("Aucun doublon repéré.")
        for need, place, names in d.doublons:
            _item(doc, need, f", {place} : {names}")
        if d.doublons_autres:
            doc.add_paragraph(f"{d.doublons_reste}.")

    doc.add_heading("Réseau des acteurs", level=2)
    doc.add_picture(io.BytesIO(d.picture), width=Cm(17))
    para = doc.add_paragraph()
    k.add_run(para, d.legende_image, size=7.5, color=k.MUTED)
    return k.to_bytes(doc)
