"""The *cartographie des acteurs* annex of an AMI SPIE application: Markdown, HTML, DOCX.

:func:`collect_annex` reads everything the annex states from the canonical
graph into an :class:`Annex`; three renderers write it:

- :func:`annex_markdown` (the picture as a separate PNG file),
- :func:`annex_html`: one printable, self-contained page (print CSS, the picture
  inlined as a ``data:`` URI, every text escaped),
- :func:`annex_docx`: a Word document written with python-docx, A4, compact
  (20 members fit on about two pages), that Word and LibreOffice open.

Content: a header (territory, consortium, porteur, date), a synthesis of the
coverage of the SPIE's needs by moment of the parcours, the analyses' findings
when given (admissibility criteria, missing partner families and candidates,
uncovered needs, duplicates: see :class:`~spie_graph.analyses.findings.Findings`), a
picture of the network, and one row per member (or per actor when there is no
consortium): family, role, missions, compétences, services by moment,
interactions.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import networkx as nx

from spie_graph.analyses.findings import Findings
from spie_graph.analyses.gaps import GapRow, MomentGap
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import default_territory
from spie_graph.graph.coverage import CoverageQuery, who_covers
from spie_graph.graph.views import ActorProfile, actor_profiles, consortium_info
from spie_graph.reference.checks import check_territoire
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render.pictures import network_png

__all__ = [
    "ANNEX_FORMATS",
    "Annex",
    "CoverageCell",
    "CoverageLine",
    "annex_docx",
    "annex_html",
    "annex_markdown",
    "collect_annex",
    "md_escape",
    "render_annex",
]

ANNEX_FORMATS = ("md", "html", "docx")
MAX_GAPS = 12
MAX_DUPLICATES = 10


@dataclass(frozen=True)
class CoverageCell:
    """Actors that cover a need at a moment: how many, and how many on the whole territory."""

    acteurs: int
    total: int

    def text(self) -> str:
        if not self.acteurs:
            return "aucun"
        return f"{self.acteurs} ({self.total} sur tout le territoire)" if self.total != \
            self.acteurs else f"{self.acteurs} (tout le territoire)"

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
class Annex:
    """Everything the annex states, texts resolved, ready to render."""

    dataset: str
    titre: str
    territoire: str
    libelle_territoire: str
    date: date
    consortium: str | None
    porteur: str | None
    accord_cd: bool | None
    membres: tuple[ActorProfile, ...]
    avec_consortium: bool
    moments: tuple[tuple[str, str], ...]
    synthese: tuple[CoverageLine, ...]
    picture: bytes = field(repr=False)
    recevable: bool | None = None
    criteres: tuple[tuple[str, bool, str], ...] | None = None
    partenaires_manquants: tuple[tuple[str, str], ...] | None = None
    manques: tuple[tuple[str, str, str], ...] | None = None
    manques_autres: int = 0
    doublons: tuple[tuple[str, str, str], ...] | None = None
    doublons_autres: int = 0

    @property
    def date_texte(self) -> str:
        return self.date.strftime("%d/%m/%Y")

    @property
    def entete(self) -> list[tuple[str, str]]:
        """The header lines: (label, value)."""
        lines = [("Territoire", self.libelle_territoire)]
        if self.consortium:
            lines.append(("Consortium", self.consortium))
        if self.porteur:
            accord = "" if self.accord_cd is None else (
                " (accord du conseil départemental : " + ("oui" if self.accord_cd else "non")
                + ")")
            lines.append(("Porteur", self.porteur + accord))
        lines.append(("Date", self.date_texte))
        lines.append(("Jeu de données", self.dataset))
        return lines

    @property
    def titre_membres(self) -> str:
        noun = "Membres du consortium" if self.avec_consortium else "Acteurs du territoire"
        return f"{noun} ({len(self.membres)})"


# -- collecting ----------------------------------------------------------------

def _synthesis(graph: nx.MultiDiGraph, territoire: str, keep: set[str] | None,
               refs: Referentials) -> tuple[CoverageLine, ...]:
    lines = []
    for need in refs.besoins_spie:
        found = [r for r in who_covers(graph, CoverageQuery(thematique=need,
                                                              territoire=territoire))
                 if keep is None or r.acteur in keep]
        cells = []
        for moment in [*refs.moments, None]:
            rows = [r for r in found if moment is None or moment in r.moments]
            cells.append(CoverageCell(len({r.acteur for r in rows}),
                                      len({r.acteur for r in rows if r.couverture == "total"})))
        lines.append(CoverageLine(need, refs.thematiques[need].libelle, tuple(cells[:-1]),
                                  cells[-1]))
    return tuple(lines)


def _names(ids: Iterable[str], profiles: dict[str, ActorProfile]) -> str:
    return ", ".join(profiles[i].nom if i in profiles else i for i in ids)


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
        result["criteres"] = tuple((c.libelle or c.code, c.ok, c.detail or "")
                                   for c in (*check.criteres, *check.publics))
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
             place(g.territoire, g.nom_territoire), f"{g.population:,}".replace(",", "\u202f"))
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


def _order(profiles: Iterable[ActorProfile], refs: Referentials) -> list[ActorProfile]:
    groups = list(refs.groupes)
    families = list(refs.familles)

    def key(p: ActorProfile) -> tuple:
        return (not p.porteur,
                groups.index(p.groupe) if p.groupe in groups else len(groups),
                families.index(p.famille) if p.famille in families else len(families),
                p.nom.lower())

    return sorted(profiles, key=key)


def collect_annex(graph: nx.MultiDiGraph, *, territoire: str | None = None,
                  findings: Findings | None = None, today: date | None = None,
                  refs: Referentials | None = None) -> Annex:
    """Read the annex's content from a canonical graph.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A canonical graph (either store).
    territoire : str, optional
        The territory of the synthesis (default: the consortium's, else the
        main département).
    findings : Findings, optional
        What the analyses found; each part present is written as a section.
    today : date, optional
        The date printed (default: today).

    Notes
    -----
    The synthesis asks :func:`spie_graph.graph.coverage.who_covers` once per SPIE
    need (6 queries) and splits the answer by moment, restricted to the members
    when there is a consortium. The picture is drawn by
    :func:`spie_graph.render.pictures.network_png`.
    """
    refs = refs or referentials()
    terr = refs.territoires
    code = check_territoire(territoire) if territoire else default_territory(graph)
    profiles = actor_profiles(graph, refs)
    consortium = consortium_info(graph)
    members = [p for p in profiles.values() if p.membre]
    with_consortium = consortium is not None and bool(members)
    shown = _order(members if with_consortium else profiles.values(), refs)
    keep = {p.id for p in members} if with_consortium else None
    porteur = None
    if consortium and consortium.get("porteur"):
        found = profiles.get(consortium["porteur"])
        porteur = found.nom if found else consortium["porteur"]
    name = consortium.get("nom") if consortium else None
    picture = network_png(list(profiles.values()), refs, focus=keep, width_cm=17,
                          height_cm=9)
    return Annex(
        dataset=graph.graph.get("dataset") or "", titre="Cartographie des acteurs",
        territoire=code, libelle_territoire=terr.label(code), date=today or date.today(),
        consortium=name, porteur=porteur,
        accord_cd=consortium.get("accord_cd") if consortium else None,
        membres=tuple(shown), avec_consortium=with_consortium,
        moments=tuple(refs.moments.items()),
        synthese=_synthesis(graph, code, keep, refs), picture=picture,
        **_findings(findings, profiles, refs),
    )


# -- shared texts --------------------------------------------------------------

def _role(p: ActorProfile) -> str:
    parts = []
    if p.porteur:
        parts.append("porteur")
    elif p.role:
        parts.append(p.role)
    if p.lettre_engagement is not None:
        parts.append("lettre d'engagement signée" if p.lettre_engagement
                     else "sans lettre d'engagement")
    return " · ".join(parts)


def _services_by_moment(p: ActorProfile, annex: Annex) -> list[tuple[str, str]]:
    """(moment label, "service (thématiques) ; ...") for each moment with services."""
    by_moment = p.services_par_moment(code for code, _ in annex.moments)
    labels = dict(annex.moments)
    return [(labels.get(m, m), " ; ".join(s.nom for s in lines))
            for m, lines in by_moment.items() if lines]


def _interactions(p: ActorProfile) -> list[tuple[str, str]]:
    """(interaction label, "→ A, B ; ← C") grouped by type."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for link in p.interactions:
        sides = grouped.setdefault(link.libelle, {"sortante": [], "entrante": []})
        sides[link.sens].append(link.nom_partenaire)
    result = []
    for label, sides in grouped.items():
        parts = []
        if sides["sortante"]:
            parts.append("→ " + ", ".join(sides["sortante"]))
        if sides["entrante"]:
            parts.append("← " + ", ".join(sides["entrante"]))
        result.append((label, " ; ".join(parts)))
    return result


# -- Markdown ------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#])")


def md_escape(text: object) -> str:
    """Text that Markdown shows as written: markup characters escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def annex_markdown(annex: Annex, picture: str | None = "annexe.png") -> str:
    """The annex in Markdown; ``picture`` is the PNG's file name (None: no picture)."""
    e = md_escape
    out = [f"# {e(annex.titre)}" + (f" : {e(annex.consortium)}" if annex.consortium else ""),
           ""]
    out += [f"- **{label}** : {e(value)}" for label, value in annex.entete]
    moments = [label for _, label in annex.moments]
    out += ["", "## Couverture des besoins par moment du parcours", "",
            ("Acteurs membres du consortium" if annex.avec_consortium else "Acteurs")
            + f" qui couvrent chaque besoin sur {e(annex.libelle_territoire)} "
              "(entre parenthèses : sur tout le territoire).", "",
            "| Besoin | " + " | ".join(moments) + " | Tous moments |",
            "|---" * (len(moments) + 2) + "|"]
    for line in annex.synthese:
        out.append(f"| {e(line.libelle)} | " + " | ".join(c.short() for c in line.moments)
                   + f" | {line.tous.short()} |")
    out += _md_findings(annex)
    if picture:
        out += ["", "## Réseau des acteurs", "", f"![Réseau des acteurs]({picture})"]
    out += ["", f"## {annex.titre_membres}"]
    for index, p in enumerate(annex.membres, 1):
        out += ["", f"### {index}. {e(p.nom)}", "", f"- **Famille** : {e(p.libelle_famille)}"]
        if _role(p):
            out.append(f"- **Rôle** : {e(_role(p))}")
        if p.missions:
            out.append(f"- **Missions** : {e(p.missions)}")
        if p.competences:
            out.append(f"- **Compétences** : {e(', '.join(p.competences))}")
        services = _services_by_moment(p, annex)
        if services:
            out.append("- **Services** : " + " · ".join(f"*{e(m)}* : {e(s)}"
                                                         for m, s in services))
        else:
            out.append("- **Services** : aucun déclaré")
        links = _interactions(p)
        if links:
            out.append("- **Interactions** : " + " · ".join(f"*{e(k)}* {e(v)}"
                                                             for k, v in links))
    return "\n".join(out) + "\n"


def _md_findings(annex: Annex) -> list[str]:
    e = md_escape
    out: list[str] = []
    if annex.criteres is not None:
        verdict = {True: "recevable", False: "non recevable", None: "non établie"}[
            annex.recevable]
        out += ["", "## Recevabilité (critères de l'AMI SPIE)", "",
                f"Candidature : **{verdict}**.", ""]
        out += [f"- {'✅' if ok else '❌'} {e(code)}" + (f" : {e(detail)}" if detail else "")
                for code, ok, detail in annex.criteres]
    if annex.partenaires_manquants is not None:
        out += ["", "## Partenaires manquants et candidats du territoire", ""]
        out += [f"- **{e(label)}** : {e(names)}" for label, names in annex.partenaires_manquants]
        if not annex.partenaires_manquants:
            out.append("Aucune famille recommandée ne manque.")
    if annex.manques is not None:
        out += ["", "## Besoins non couverts", ""]
        out += [f"- {e(need)} : {e(place)}" + (f" ({pop} habitants)" if pop else "")
                for need, place, pop in annex.manques]
        if annex.manques_autres:
            out.append(f"- … et {annex.manques_autres} autre(s)")
        if not annex.manques:
            out.append("Aucun besoin non couvert.")
    if annex.doublons is not None:
        out += ["", "## Doublons repérés", ""]
        out += [f"- {e(need)}, {e(place)} : {e(names)}" for need, place, names in annex.doublons]
        if annex.doublons_autres:
            out.append(f"- … et {annex.doublons_autres} autre(s)")
        if not annex.doublons:
            out.append("Aucun doublon repéré.")
    return out


# -- HTML ----------------------------------------------------------------------

def annex_html(annex: Annex) -> str:
    """The annex as one printable HTML page; the picture is inlined, every text escaped."""
    from spie_graph.render.map import render_template

    picture = "data:image/png;base64," + base64.b64encode(annex.picture).decode("ascii")
    members = [{
        "p": p, "role": _role(p), "services": _services_by_moment(p, annex),
        "interactions": _interactions(p),
    } for p in annex.membres]
    return render_template("annexe.html.j2", a=annex, picture=picture, members=members,
                           moments=[label for _, label in annex.moments])


# -- DOCX ----------------------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: object) -> str:
    """Text Word accepts: XML-invalid control characters removed."""
    return _XML_INVALID.sub("", str(text))


def annex_docx(annex: Annex) -> bytes:
    """The annex as a Word document (A4 portrait, compact), written with python-docx."""
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.5))
    section.top_margin, section.bottom_margin = Cm(1.3), Cm(1.3)
    section.header_distance = section.footer_distance = Cm(0.7)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(8.5)
    normal.paragraph_format.space_after = Pt(2)
    normal.paragraph_format.space_before = Pt(0)
    for name, size in (("Heading 1", 14), ("Heading 2", 10.5)):
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
        style.paragraph_format.space_before = Pt(8 if size < 12 else 0)
        style.paragraph_format.space_after = Pt(3)
        style.paragraph_format.keep_with_next = True
    props = doc.core_properties
    props.title = _x(annex.titre + (f" : {annex.consortium}" if annex.consortium else ""))
    props.author = "spie-graph"
    props.language = "fr-FR"
    _footer(section, f"{annex.titre} · {annex.dataset} · {annex.date_texte} · page ")

    doc.add_heading(_x(props.title), level=1)
    para = doc.add_paragraph()
    for index, (label, value) in enumerate(annex.entete):
        if index:
            para.add_run("   ·   ")
        para.add_run(f"{label} : ").bold = True
        para.add_run(_x(value))

    doc.add_heading("Couverture des besoins par moment du parcours", level=2)
    doc.add_paragraph(("Membres du consortium" if annex.avec_consortium else "Acteurs")
                      + " qui couvrent chaque besoin sur le territoire (entre parenthèses : "
                        "sur tout le territoire).")
    moments = [label for _, label in annex.moments]
    table = doc.add_table(rows=1, cols=len(moments) + 2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _row(table.rows[0], ["Besoin", *moments, "Tous moments"], bold=True, size=8)
    _header_row(table.rows[0])
    for line in annex.synthese:
        _row(table.add_row(), [line.libelle, *(c.short() for c in line.moments),
                               line.tous.short()], size=8)
    _widths(table, [4.6, 3.2, 3.2, 3.2, 3.0], Cm)

    doc.add_heading("Réseau des acteurs", level=2)
    doc.add_picture(io.BytesIO(annex.picture), width=Cm(16.5))

    _docx_findings(doc, annex)

    if len(annex.membres) > 3:  # the members' table in landscape: shorter rows
        landscape = doc.add_section(WD_SECTION.NEW_PAGE)
        landscape.orientation = WD_ORIENT.LANDSCAPE
        landscape.page_width, landscape.page_height = Cm(29.7), Cm(21.0)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(landscape, side, Cm(1.2))
        widths = [4.4, 6.6, 7.0, 9.3]
    else:
        widths = [3.7, 4.9, 5.0, 4.4]
    doc.add_heading(annex.titre_membres, level=2)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _row(table.rows[0], ["Membre", "Missions et compétences", "Services par moment",
                         "Interactions"], bold=True, size=8)
    _header_row(table.rows[0])
    for p in annex.membres:
        row = table.add_row()  # rows may split across pages: no half-empty pages
        _cell(row.cells[0], [(p.nom, True), (" · ".join(filter(None, (p.libelle_famille,
                                                                     _role(p)))), False)])
        texts = []
        if p.missions:
            texts.append(("Missions : ", p.missions))
        if p.competences:
            texts.append(("Compétences : ", ", ".join(p.competences)))
        _labelled(row.cells[1], texts or [("", "non renseignées")])
        _labelled(row.cells[2], [(f"{m} : ", s) for m, s in _services_by_moment(p, annex)]
                  or [("", "aucun service déclaré")])
        _labelled(row.cells[3], [(f"{k} ", v) for k, v in _interactions(p)]
                  or [("", "aucune interaction déclarée")])
    _widths(table, widths, Cm)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _item(doc, bold: str, text: str = "") -> None:
    """A compact bullet: a bold lead, then text."""
    from docx.shared import Pt

    item = doc.add_paragraph(style="List Bullet")
    item.add_run(_x(bold)).bold = True
    if text:
        item.add_run(_x(text))
    item.paragraph_format.space_after = Pt(0)
    for run in item.runs:
        run.font.size = Pt(7.5)


def _docx_findings(doc, annex: Annex) -> None:
    if annex.criteres is not None:
        verdict = {True: "recevable", False: "non recevable", None: "non établie"}[
            annex.recevable]
        doc.add_heading("Recevabilité (critères de l'AMI SPIE)", level=2)
        para = doc.add_paragraph("Candidature : ")
        para.add_run(verdict).bold = True
        for label, ok, detail in annex.criteres:
            _item(doc, ("✔ " if ok else "✘ ") + label, f" : {detail}" if detail else "")
    if annex.partenaires_manquants is not None:
        doc.add_heading("Partenaires manquants et candidats du territoire", level=2)
        if not annex.partenaires_manquants:
            doc.add_paragraph("Aucune famille recommandée ne manque.")
        for label, names in annex.partenaires_manquants:
            _item(doc, label + " : ", names)
    if annex.manques is not None:
        doc.add_heading("Besoins non couverts", level=2)
        if not annex.manques:
            doc.add_paragraph("Aucun besoin non couvert.")
        for need, place, pop in annex.manques:
            _item(doc, need, " : " + place + (f" ({pop} habitants)" if pop else ""))
        if annex.manques_autres:
            doc.add_paragraph(f"… et {annex.manques_autres} autre(s).")
    if annex.doublons is not None:
        doc.add_heading("Doublons repérés", level=2)
        if not annex.doublons:
            doc.add_paragraph("Aucun doublon repéré.")
        for need, place, names in annex.doublons:
            _item(doc, need, f", {place} : {names}")
        if annex.doublons_autres:
            doc.add_paragraph(f"… et {annex.doublons_autres} autre(s).")


def _compact(paragraph, size: float = 7.0) -> None:
    from docx.shared import Pt

    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(0.5)
    fmt.space_before = Pt(0)
    fmt.line_spacing = 1.0
    for run in paragraph.runs:
        run.font.size = Pt(size)


def _row(row, texts: list[str], bold: bool = False, size: float = 8) -> None:
    for cell, text in zip(row.cells, texts, strict=True):
        para = cell.paragraphs[0]
        para.add_run(_x(text)).bold = bold
        _compact(para, size)


def _cell(cell, lines: list[tuple[str, bool]]) -> None:
    first = True
    for text, bold in lines:
        if not text:
            continue
        para = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        para.add_run(_x(text)).bold = bold
        _compact(para)


def _labelled(cell, lines: list[tuple[str, str]]) -> None:
    for index, (label, text) in enumerate(lines):
        para = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        if label:
            para.add_run(_x(label)).bold = True
        para.add_run(_x(text))
        _compact(para)


def _header_row(row) -> None:
    """Repeat the row at the top of each page; never split it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    props.append(header)
    _cant_split(row)
    for cell in row.cells:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), "E3E8EF")
        cell._tc.get_or_add_tcPr().append(shading)


def _cant_split(row) -> None:
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _widths(table, widths_cm: list[float], unit) -> None:
    """Column widths that both Word (cell widths) and LibreOffice (grid) follow."""
    table.autofit = False
    # strict=False: the widths are written for the 3 moments of the parcours;
    # the coverage table's column count follows the referential.
    for column, width in zip(table.columns, widths_cm, strict=False):
        column.width = unit(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=False):
            cell.width = unit(width)


def _footer(section, text: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    para = section.footer.paragraphs[0]
    run = para.add_run(_x(text))
    run.font.size = Pt(7)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    value = OxmlElement("w:t")
    value.text = "1"
    inner.append(value)
    field.append(inner)
    para._p.append(field)


# -- writing -------------------------------------------------------------------

def render_annex(annex: Annex, fmt: str, picture_name: str = "annexe.png") -> str | bytes:
    """The annex in one format: ``md`` (text naming ``picture_name``), ``html``, ``docx``."""
    if fmt == "md":
        return annex_markdown(annex, picture_name)
    if fmt == "html":
        return annex_html(annex)
    if fmt == "docx":
        return annex_docx(annex)
    raise ArgumentError(f"format d'annexe inconnu : « {fmt} ». Formats possibles : "
                        f"{', '.join(ANNEX_FORMATS)} (d'après l'extension du fichier, "
                        "ex. annexe.docx)")
