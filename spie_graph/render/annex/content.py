"""What the one-page *cartographie des acteurs* states, read from the canonical graph.

:func:`collect_annex` reads, for each member of the consortium (or each actor
when there is none), its family, role, commitment letter, missions and
compétences (full, and condensed for the page), the moments of the parcours
and the SPIE needs its services cover, and its interactions: with which
members, of which type (the page's matrix), and how many partners outside the
consortium. It then chooses how much text the page can hold
(:func:`fit_page`): the page never goes below 7 pt; a consortium too large for
one legible page is said so (:attr:`PageFit.message`), with a split by bassin
proposed.

The self-assessment (criteria, gaps, duplicates, missing partners) is not
here: it is the diagnostic's (:mod:`spie_graph.render.annex.diagnostic`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

import networkx as nx

from spie_graph import french
from spie_graph.graph.build import default_territory
from spie_graph.graph.views import ActorProfile, actor_profiles, consortium_info
from spie_graph.reference.checks import check_territoire
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render.annex import layout

__all__ = ["Annex", "MemberRow", "PageFit", "collect_annex", "condense", "territory_text",
           "NEED_SHORT", "INTERACTION_LETTERS", "DIRECTORY_MAX", "annex_listed"]

NEED_SHORT = {"mobilite": "Mob", "logement-hebergement": "Log", "sante": "San",
              "famille--garde-denfants": "Gar", "trouver-un-emploi": "Emp", "se-former": "For"}
"""Column heads of the SPIE needs on the page (the legend gives the labels)."""
MOMENT_SHORT = {"entree": "E", "suivi": "S", "offre": "O"}
INTERACTION_LETTERS = {"co-accompagnement": "A", "orientation": "O", "partage-donnees": "D",
                       "convention": "C", "financement": "F", "gouvernance": "G",
                       "partenariat": "P", "mise-a-disposition": "M"}
"""Letters of the interaction types in the matrix, most telling first."""

DIRECTORY_MAX = 200
"""Without a consortium the page lists every actor: beyond this many (about ten pages), the
report writes neither the page nor the detailed sheets (:func:`annex_listed`)."""

# How much of the missions and compétences the page keeps, most generous first:
# (characters of missions, characters of compétences).
BUDGETS = ((600, 300), (400, 200), (300, 160), (240, 120), (200, 100), (170, 90),
           (150, 80), (135, 70), (120, 60), (108, 54), (95, 45), (85, 40), (75, 35), (60, 0))


@dataclass(frozen=True)
class MemberRow:
    """One row of the page: a member, its condensed texts, marks and interactions."""

    numero: int
    profile: ActorProfile
    famille: str
    role: str
    missions: str
    competences: str
    moments: tuple[bool, ...]
    besoins: tuple[bool, ...]
    liens: tuple[str, ...]
    """For each member (by number): letters of the interaction types with it, "" if none."""
    autres: int
    """Partners outside the consortium."""

    @property
    def liens_texte(self) -> str:
        """The interactions as text, by type: « C 3, 5 · F 7 » (numbers of the members)."""
        by_letter: dict[str, list[str]] = {}
        for other, letters in enumerate(self.liens, 1):
            for letter in letters:
                by_letter.setdefault(letter, []).append(str(other))
        order = list(INTERACTION_LETTERS.values())
        return " · ".join(f"{letter} {', '.join(numbers)}" for letter, numbers in sorted(
            by_letter.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))

    @property
    def qualite(self) -> str:
        """« CAF », « Conseil départemental · porteur »: the family, and the role unless plain."""
        return self.famille + (f" · {self.role}" if self.role and self.role != "membre" else "")

    @property
    def lettre(self) -> str:
        return french.yes_no(self.profile.lettre_engagement) or "–"


@dataclass(frozen=True)
class PageFit:
    """Whether the table holds on one page at 7 pt, and with how much text."""

    tient: bool
    budget: tuple[int, int]
    """The shortest form of (missions, compétences), in characters, a row got."""
    hauteur_cm: float
    disponible_cm: float
    message: str | None = None
    taille_pt: float = layout.BODY_PT
    """Size of the table's text: 7 pt, or more when a small consortium leaves room."""


@dataclass(frozen=True)
class Annex:
    """Everything the page and the detailed sheets state, texts resolved."""

    dataset: str
    titre: str
    territoire: str
    territoire_texte: str
    date: date
    consortium: str | None
    porteur: str | None
    porteur_est_cd: bool
    accord_cd: bool | None
    membres: tuple[ActorProfile, ...]
    lignes: tuple[MemberRow, ...]
    avec_consortium: bool
    moments: tuple[tuple[str, str, str], ...]
    """(code, label, letter) of each moment of the parcours."""
    besoins: tuple[tuple[str, str, str], ...]
    """(code, label, short head) of each SPIE need."""
    interactions: tuple[tuple[str, str, str], ...]
    """(code, label, letter) of each interaction type."""
    fit: PageFit
    colonnes: layout.Columns
    legende: tuple[tuple[str, str], ...] = ()
    """The legend under the table: (bold lead, text)."""

    @property
    def date_texte(self) -> str:
        return french.long_date(self.date)

    @property
    def ligne_porteur(self) -> str | None:
        """« porteur : X », with the CD's agreement only when the porteur is not the CD."""
        if not self.porteur:
            return None
        if self.porteur_est_cd or self.accord_cd is None:
            return self.porteur
        if self.accord_cd:
            return f"{self.porteur}, avec l'accord du conseil départemental"
        return f"{self.porteur} (accord du conseil départemental non déclaré)"

    @property
    def sous_titre(self) -> str:
        """The line under the title: what, where, who carries it, how many, when."""
        parts = ["Cartographie des acteurs" + (" du consortium" if self.avec_consortium
                                              else ""), self.territoire_texte]
        if self.ligne_porteur:
            parts.append(f"porteur : {self.ligne_porteur}")
        noun = "membre" if self.avec_consortium else "acteur"
        parts.append(french.plural(len(self.membres), noun))
        parts.append(self.date_texte)
        return french.typography(" · ".join(parts))

    @property
    def titre_membres(self) -> str:
        noun = "Membres du consortium" if self.avec_consortium else "Acteurs du territoire"
        return f"{noun} ({len(self.membres)})"


# -- texts -----------------------------------------------------------------------------------

_ACRONYM = re.compile(r"\(([A-Z0-9][A-Z0-9 /-]{1,15})\)\s*$")


def short_family(label: str) -> str:
    """``Caisse d'allocations familiales (CAF)`` → ``CAF``; other labels as they are."""
    found = _ACRONYM.search(label)
    return found.group(1) if found else label


def condense(text: str, limit: int) -> str:
    """A short form of ``text`` in at most ``limit`` characters.

    The first sentence; cut, when still too long, at the last clause boundary
    (``,`` ``;`` ``:``) or word before the limit, with an ellipsis.
    """
    text = " ".join(text.split())
    if limit <= 0:
        return ""
    first = re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý«])", text, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    cut = first[: limit - 1]
    for mark in (" ; ", ", ", " : "):
        at = cut.rfind(mark.rstrip())
        if at > limit * 0.55:
            return cut[:at].rstrip(" ,;:") + "…"
    at = cut.rfind(" ")
    return (cut[:at] if at > limit * 0.4 else cut).rstrip(" ,;:.") + "…"


def condense_list(items: Iterable[str], limit: int) -> str:
    """Items joined by commas up to ``limit`` characters, then « (+n) »."""
    items = [" ".join(i.split()) for i in items if i.strip()]
    if limit <= 0 or not items:
        return ""
    kept: list[str] = []
    for item in items:
        if len(", ".join([*kept, item])) > limit and kept:
            break
        kept.append(item if len(item) <= limit else condense(item, limit))
    rest = len(items) - len(kept)
    return ", ".join(kept) + (f" (+{rest})" if rest else "")


def territory_text(code: str, refs: Referentials) -> str:
    """« le Morbihan », « la CA Lorient Agglomération », « Vannes », « la France »."""
    terr = refs.territoires
    return french.article(terr.kind(code) or "france", code, terr.name(code))


def role_text(p: ActorProfile) -> str:
    if p.porteur:
        return "porteur"
    return p.role or ("membre" if p.membre else "")


# -- collecting ------------------------------------------------------------------------------

def _order(profiles: Iterable[ActorProfile], refs: Referentials) -> list[ActorProfile]:
    groups = list(refs.groupes)
    families = list(refs.familles)

    def key(p: ActorProfile) -> tuple:
        return (not p.porteur,
                groups.index(p.groupe) if p.groupe in groups else len(groups),
                families.index(p.famille) if p.famille in families else len(families),
                p.nom.lower())

    return sorted(profiles, key=key)


def _rows(shown: list[ActorProfile], refs: Referentials,
          budgets: list[tuple[int, int]]) -> tuple[MemberRow, ...]:
    number = {p.id: i for i, p in enumerate(shown, 1)}
    matches = {need: refs.matching_thematiques(need) for need in refs.besoins_spie}
    order = list(INTERACTION_LETTERS)
    rows = []
    for p, budget in zip(shown, budgets, strict=True):
        moments = {m for s in p.services for m in s.moments}
        codes = {c for s in p.services for c in s.codes_thematiques}
        types: dict[str, set[str]] = {}
        others = set()
        for link in p.interactions:
            if link.partenaire in number:
                types.setdefault(link.partenaire, set()).add(link.type)
            else:
                others.add(link.partenaire)
        liens = []
        for q in shown:
            kinds = sorted(types.get(q.id, ()), key=lambda t: (order.index(t) if t in order
                                                               else len(order), t))
            liens.append("".join(INTERACTION_LETTERS.get(t, t[:1].upper()) for t in kinds[:2]))
        rows.append(MemberRow(
            numero=number[p.id], profile=p, famille=short_family(p.libelle_famille),
            role=role_text(p), missions=condense(p.missions or "", budget[0]),
            competences=condense_list(p.competences, budget[1]),
            moments=tuple(m in moments for m in refs.moments),
            besoins=tuple(bool(codes & matches[n]) for n in refs.besoins_spie),
            liens=tuple(liens), autres=len(others)))
    return tuple(rows)


def _row_lines(row: MemberRow, cols: layout.Columns, size: float = layout.BODY_PT) -> int:
    name = layout.text_lines([(row.profile.nom, True, False), (row.qualite, False, False)],
                             cols.membre, size)
    texts = [(row.missions, False, False)]
    if row.competences:
        texts.append(("— " + row.competences, False, True))
    links = (layout.text_lines([(row.liens_texte, False, False)], cols.liens_texte, size)
             if cols.liens_texte else 1)
    return max(name, links, layout.text_lines(texts, cols.missions, size))


def fit_page(shown: list[ActorProfile], refs: Referentials, n_moments: int, n_needs: int,
             bassins: str = "", chrome: tuple[int, int, int] = (1, 2, 3)
             ) -> tuple[tuple[MemberRow, ...], PageFit, layout.Columns]:
    """The rows, their text size and columns that hold on one page, and whether they do.

    A small consortium whose texts fit whole gets a larger size
    (:data:`layout.SIZES_PT`). Otherwise the table is set at 7 pt and every row
    starts at the shortest form (:data:`BUDGETS`); then, level by
    level, every row gets the next longer form if the table still holds on the
    page, else only the rows it does not make taller (the others keep their
    form): short texts stay whole, long ones are cut alike, as little as needed.
    When even the shortest forms do not hold, a wider members' column is tried
    (long names wrap less), then the page is said not to hold
    (:attr:`PageFit.message`).
    """
    n = len(shown)
    whole = _rows(shown, refs, [BUDGETS[0]] * n) if n <= layout.MAX_MEMBERS else ()
    for size in layout.SIZES_PT if whole else ():
        cols = layout.columns(n, n_moments, n_needs, size)
        height = sum(layout.row_height_cm(_row_lines(r, cols, size), size) for r in whole)
        room = layout.body_height_cm(size, *chrome)
        if cols.missions >= 6 and height <= room:
            return whole, PageFit(True, BUDGETS[0], round(height, 2), round(room, 2),
                                  taille_pt=size), cols
    available = layout.body_height_cm(layout.BODY_PT, *chrome)
    for width in layout.MEMBER_WIDTHS_CM if n <= layout.MAX_MEMBERS else ():
        cols = layout.columns(n, n_moments, n_needs, membre_cm=width)
        found = _greedy(shown, refs, cols, available)
        if found is not None:
            rows, height, top = found
            return rows, PageFit(True, top, round(height, 2), round(available, 2)), cols
    cols = layout.columns(n, n_moments, n_needs)
    rows = _rows(shown, refs, [BUDGETS[-3]] * n)
    heights = [layout.row_height_cm(_row_lines(r, cols)) for r in rows]
    if any(p.membre for p in shown):
        message = (f"{n} membres : la cartographie ne tient pas sur une page lisible "
                   f"(texte d'au moins 7 pt ; une page en tient environ {layout.MAX_MEMBERS} "
                   "au plus, selon la longueur des textes). Elle est écrite sur plusieurs "
                   "pages, à ne pas joindre telle quelle : scindez le consortium par bassin "
                   "(un fichier de consortium par bassin, option --consortium"
                   + (f" ; {bassins}" if bassins else "")
                   + "), ou joignez une page de synthèse et les fiches détaillées (--fiches).")
    else:
        message = (f"{n} acteurs et aucun consortium déclaré : la page à joindre décrit les "
                   "membres d'un consortium. Déclarez-le (consortium.yaml dans le jeu de "
                   "données, ou option --consortium) ; ce document, sur plusieurs pages, "
                   "liste tous les acteurs du territoire.")
    return rows, PageFit(False, BUDGETS[-3], round(sum(heights), 2),
                         round(available, 2), french.typography(message)), cols


def _greedy(shown: list[ActorProfile], refs: Referentials, cols: layout.Columns,
            available: float) -> tuple[tuple[MemberRow, ...], float, tuple[int, int]] | None:
    """Rows as long as the page allows at 7 pt in these columns, or None if even the
    shortest forms do not fit: (rows, height, shortest form used)."""
    levels = [len(BUDGETS) - 1] * len(shown)
    rows = _rows(shown, refs, [BUDGETS[-1]] * len(shown))
    heights = [layout.row_height_cm(_row_lines(r, cols)) for r in rows]
    if sum(heights) > available:
        return None
    for level in range(len(BUDGETS) - 2, -1, -1):
        longer: dict[int, tuple[MemberRow, float]] = {}
        for index, p in enumerate(shown):
            if levels[index] == level + 1:
                row = _renumber(_rows([p], refs, [BUDGETS[level]])[0], rows[index])
                longer[index] = (row, layout.row_height_cm(_row_lines(row, cols)))
        free = {i for i, (_, h) in longer.items() if h <= heights[i]}
        extra = sum(h - heights[i] for i, (_, h) in longer.items() if i not in free)
        chosen = set(longer) if sum(heights) + extra <= available else free
        for index in chosen:
            levels[index] = level
            rows = (*rows[:index], longer[index][0], *rows[index + 1:])
            heights[index] = longer[index][1]
        if not chosen:
            break
    return rows, sum(heights), BUDGETS[max(levels)]


def _renumber(row: MemberRow, like: MemberRow) -> MemberRow:
    """``row`` (computed alone) with the number and interactions of its place in the table."""
    return replace(row, numero=like.numero, liens=like.liens, autres=like.autres)


def _bassins(shown: list[ActorProfile], territoire: str, refs: Referentials) -> str:
    """« CA X (12 acteurs), CC Y (9) » : how many actors work in each EPCI of the territory."""
    terr = refs.territoires
    if terr.kind(territoire) not in ("departement", "region"):
        return ""
    epcis = terr.epcis_in(territoire)
    counts = dict.fromkeys(epcis, 0)
    for p in shown:
        reached: set[str] = set()
        for zone in p.zones:
            if zone in terr:
                reached.update(terr.epcis_in(zone))
        for epci in reached & set(epcis):
            counts[epci] += 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:6]
    if not ranked or not ranked[0][1]:
        return ""
    return "par exemple " + ", ".join(f"{terr.name(code)} : {count}" for code, count in ranked
                                      if count) + " (acteurs qui y interviennent)"


def annex_listed(graph: nx.MultiDiGraph) -> tuple[bool, int]:
    """Whether the report writes the page and the detailed sheets, and how many actors.

    Always with a consortium (the page describes its members); without one, the
    page would list every actor of the data set: only up to :data:`DIRECTORY_MAX`
    (2,000 actors would be a hundred pages nobody attaches or reads; the actors
    are in the report's tables). O(V).
    """
    actors = sum(1 for _, label in graph.nodes(data="label") if label == "Acteur")
    return consortium_info(graph) is not None or actors <= DIRECTORY_MAX, actors


def collect_annex(graph: nx.MultiDiGraph, *, territoire: str | None = None,
                  today: date | None = None, refs: Referentials | None = None,
                  profiles: dict[str, ActorProfile] | None = None) -> Annex:
    """Read the page's (and the detailed sheets') content from a canonical graph.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A canonical graph (either store).
    territoire : str, optional
        The territory named on the page (default: the consortium's, else the
        main département).
    today : date, optional
        The date printed (default: today).
    profiles : dict, optional
        :func:`actor_profiles` of ``graph``, when the caller has them.

    Notes
    -----
    One pass over the actors' profiles (:func:`actor_profiles`, O(V + E)), then
    O(n²) for the interaction matrix of n members and O(n·w) per text budget
    tried by :func:`fit_page`.
    """
    refs = refs or referentials()
    code = check_territoire(territoire) if territoire else default_territory(graph)
    profiles = profiles if profiles is not None else actor_profiles(graph, refs)
    consortium = consortium_info(graph)
    members = [p for p in profiles.values() if p.membre]
    with_consortium = consortium is not None and bool(members)
    shown = _order(members if with_consortium else profiles.values(), refs)
    porteur, porteur_cd = None, False
    if consortium and consortium.get("porteur"):
        found = profiles.get(consortium["porteur"])
        porteur = found.nom if found else consortium["porteur"]
        porteur_cd = bool(found and found.famille == "cd")
    name = consortium.get("nom") if consortium else None
    bassins = _bassins(shown, code, refs) if len(shown) > layout.MAX_MEMBERS // 2 else ""
    types = [(c, label, INTERACTION_LETTERS.get(c, c[:1].upper()))
             for c, label in refs.interactions.items()]
    cols = layout.columns(len(shown), len(refs.moments), len(refs.besoins_spie))
    draft = Annex(
        dataset=graph.graph.get("dataset") or "",
        titre=name or f"Acteurs de l'insertion et de l'emploi : {territory_text(code, refs)}",
        territoire=code, territoire_texte=territory_text(code, refs),
        date=today or date.today(), consortium=name, porteur=porteur, porteur_est_cd=porteur_cd,
        accord_cd=consortium.get("accord_cd") if consortium else None,
        membres=tuple(shown), lignes=(), avec_consortium=with_consortium,
        moments=tuple((c, label, MOMENT_SHORT.get(c, label[:1])) for c, label
                      in refs.moments.items()),
        besoins=tuple((c, refs.thematiques[c].libelle, NEED_SHORT.get(c, c[:3].title()))
                      for c in refs.besoins_spie),
        interactions=tuple(sorted(types, key=lambda t: t[2])),
        fit=PageFit(True, BUDGETS[0], 0.0, 0.0), colonnes=cols)
    draft = replace(draft, legende=legend(draft))
    width = layout.usable_width_cm()
    chrome = (layout.text_lines([(draft.titre, True, False)], width, layout.TITLE_PT),
              layout.text_lines([(draft.sous_titre, False, False)], width, layout.SUBTITLE_PT),
              layout.text_lines([(text, lead, False) for part in draft.legende
                                 for text, lead in zip(part, (True, False), strict=True)],
                                width))
    rows, fit, cols = fit_page(shown, refs, len(refs.moments), len(refs.besoins_spie), bassins,
                               chrome)
    return replace(draft, lignes=rows, fit=fit, colonnes=cols)


def legend(annex: Annex) -> tuple[tuple[str, str], ...]:
    """The legend under the table: (bold lead, text), in French typography."""
    t = french.typography
    moments = " · ".join(f"{letter} {label.lower()}" for _, label, letter in annex.moments)
    needs = " · ".join(f"{short} {label.lower()}" for _, label, short in annex.besoins)
    kinds = " · ".join(f"{letter} {label.lower()}" for _, label, letter in annex.interactions)
    who = "membres" if annex.avec_consortium else "acteurs"
    return (
        (t("Moments : "), t(moments + ". ")),
        (t("Besoins couverts : "), t(needs + ". ")),
        ("Interactions ", t(f"avec les {who} n° en colonne (deux types au plus) : {kinds}. "
                            "Hors cons. : partenaires hors consortium. Lettre : lettre "
                            "d'engagement signée. ")),
        ("Missions — compétences ", t("en forme courte ; textes complets, services et sens des "
                                      "interactions dans les fiches détaillées.")),
    )
