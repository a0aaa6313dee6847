"""The interactive map of the actors: one HTML file that works with no network.

:func:`map_elements` turns the canonical graph into vis-network nodes, edges
and options; :func:`build_map` puts them in our own template
``templates/carte.html.j2`` with the bundled vis-network (notebook users get
the same elements in a pyvis network: :mod:`spie_graph.render.notebook`):

- one node per actor, coloured by family, sized by its number of services (or
  its number of interactions), thick dark border for consortium members, a star
  for the porteur; one edge per interaction, styled by type
  (:mod:`spie_graph.render.pictures`), with a legend;
- a side panel: search by name, filters by family (the legend), thématique,
  territory and consortium membership, the selected actor's card (missions,
  services by moment, interactions), and, when given, the coverage gaps and the
  duplicated services (:class:`~spie_graph.analyses.findings.Findings`);
- everything inlined: vis-network (``templates/vis-network.min.js``), styles,
  data. The page loads no ``http://`` or ``https://`` resource;
- every text from the data set goes into the page as JSON inside a
  ``<script type="application/json">`` element (``<``, ``>``, ``&`` and ``'``
  escaped) and is put in the page with ``textContent``, never as HTML;
- above :data:`LAYOUT_THRESHOLD` actors, positions are computed in Python and
  physics is off, so a 2,000-actor map opens within seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import networkx as nx
from jinja2 import Environment, FunctionLoader, select_autoescape
from markupsafe import Markup

from spie_graph import french
from spie_graph.analyses.findings import Findings
from spie_graph.analyses.gaps import GapRow, Gaps, MomentGap
from spie_graph.errors import ArgumentError
from spie_graph.files import xml_text
from spie_graph.graph.build import default_territory
from spie_graph.graph.views import ActorProfile, actor_profiles, consortium_info
from spie_graph.reference.checks import check_code, check_territoire
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render.pictures import (
    DUPLICATE_STYLE,
    EdgeStyle,
    actor_layout,
    family_colors,
    interaction_style,
)

__all__ = ["LAYOUT_THRESHOLD", "MAX_ACTORS", "MAX_LISTED", "SCALING", "SIZES", "ActorMarks",
           "MapElements", "MapResult", "actor_marks",
           "build_map", "check_filters", "gap_groups", "map_elements", "render_template",
           "short_label", "vis_network_js"]

LAYOUT_THRESHOLD = 300
"""Above this number of actors, layout in Python and physics off."""

MAX_ACTORS = 2000
"""A map shows at most this many actors: the most connected (interactions, then services).
Beyond, a browser draws a page of tens of megabytes that nobody can read."""
SCALING = (8, 34)
"""The smallest and largest node sizes vis-network scales the actors' values between."""


MAX_LISTED = 100
"""The side panel lists (and the map links) at most this many gaps and duplicates, the most
populated first; the files of the report keep them all."""

SIZES = ("services", "degre")
"""What node size shows: number of services, or number of interactions (degree)."""


@dataclass(frozen=True)
class MapResult:
    """A map page and what it holds."""

    html: str
    nodes: int
    edges: int
    physics: bool
    title: str
    interactions: int = 0
    total_actors: int = 0
    """Actors the filters kept; more than ``nodes`` when :data:`MAX_ACTORS` cut the map."""


@cache
def _template_text(name: str) -> str:
    return (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


def _printable(value: object) -> object:
    """A value put in a page: text without the control characters HTML forbids."""
    return xml_text(value) if isinstance(value, str) and not isinstance(value, Markup) else value


@cache
def _environment() -> Environment:
    return Environment(loader=FunctionLoader(_template_text), finalize=_printable,
                       autoescape=select_autoescape(default=True, default_for_string=True))


def render_template(name: str, **context: object) -> str:
    """Render one of the package's templates, with HTML autoescaping on."""
    return _environment().get_template(name).render(**context)


def vis_network_js() -> str:
    """The vendored vis-network standalone script, safe to inline in ``<script>``."""
    return _template_text("vis-network.min.js").replace("</script", "<\\/script")


def check_filters(graph: nx.MultiDiGraph, territoire: str | None, thematique: str | None,
                  refs: Referentials | None = None) -> tuple[str, str | None]:
    """Check the map's territory and thématique; return (territory code, thématique).

    Raises
    ------
    ArgumentError
        For an unknown territory or thématique, with the closest valid codes.
    """
    refs = refs or referentials()
    code = default_territory(graph) if territoire is None else check_territoire(territoire, refs)
    check_code(thematique, list(refs.thematiques), "thématique", "--thematique", "thematiques")
    return code, thematique


def _working_in(profiles: list[ActorProfile], territoire: str,
                refs: Referentials) -> list[ActorProfile]:
    """The actors working on a territory: one of their zones (seat, area, a service's area)
    shares a commune with it, i.e. names one of its communes, or the EPCI, département or
    région of one of them, or France
    (:meth:`~spie_graph.reference.territories.CommuneIndex.meeting`: one set lookup per
    zone, not an intersection of communes)."""
    meeting = refs.territoires.index.meeting(territoire)
    return [p for p in profiles if not meeting.isdisjoint(p.zones)]


def _filter_options(profiles: list[ActorProfile], territoire: str,
                    refs: Referentials) -> list[dict]:
    """Territories offered by the territory filter, with the actors working there."""
    terr = refs.territoires
    kind = terr.kind(territoire)
    codes = [territoire]
    if kind in ("france", "region"):
        seats = {p.commune for p in profiles if p.commune is not None and p.commune in terr}
        codes += sorted({terr.departement_of(c) for c in seats})[:30]
    elif kind in ("departement", "epci"):
        codes += [e for e in terr.epcis_in(territoire) if e != territoire]
    options = []
    for code in codes:
        keys = [p.key for p in _working_in(profiles, code, refs)]
        options.append({"code": code, "libelle": terr.label(code), "acteurs": keys})
    return options


LABEL_CHARS = 40
"""Longest label drawn on the map; the full name is in the actor's card and tooltip."""


def short_label(name: str) -> str:
    """The name drawn beside a point: without a trailing « (…) », at most 40 characters.

    ``Centre médico-social de Vannes (Département du Morbihan)`` → ``Centre
    médico-social de Vannes``: the map stays readable at its default zoom, the
    card keeps the whole name.
    """
    text = re.sub(r"\s*\([^()]*\)\s*$", "", name).strip()
    text = text if len(text) >= 6 else name.strip()
    if len(text) > LABEL_CHARS:
        cut = text[: LABEL_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
        text = cut + "…"
    return text


def _color(profile: ActorProfile, colors: dict[str, str]) -> str:
    return colors.get(profile.famille, "#8a8f98")


def _node(profile: ActorProfile, value: int, colors: dict[str, str],
          position: tuple[float, float] | None, duplicate: bool) -> dict:
    color = _color(profile, colors)
    border = "#111111" if profile.membre else color
    if duplicate:
        border = DUPLICATE_STYLE.color
    node = {
        "id": profile.key,
        "label": short_label(profile.nom),
        "value": value,
        "shape": "star" if profile.porteur else "dot",
        "color": {"background": color, "border": border,
                  "highlight": {"background": color, "border": "#000000"},
                  "hover": {"background": color, "border": "#000000"}},
        "borderWidth": 3 if (profile.membre or duplicate) else 1,
        "famille": profile.famille,
        "thematiques": list(profile.thematiques),
        "membre": profile.membre,
    }
    if duplicate:
        node["shapeProperties"] = {"borderDashes": [4, 3]}
    if position is not None:
        node["x"], node["y"] = position
    return node


def _edge(ident: str, source: str, target: str, style: EdgeStyle, kind: str,
          smooth: dict | bool) -> dict:
    edge = {
        "id": ident, "from": source, "to": target, "type": kind,
        "color": {"color": style.color, "highlight": "#000000", "hover": "#000000",
                  "opacity": 0.85},
        "width": style.width,
        "dashes": list(style.dashes) if style.dashes else False,
        "arrows": {"to": {"enabled": style.arrow, "scaleFactor": 0.6}},
        "smooth": smooth,
    }
    return edge


def _details(profile: ActorProfile, refs: Referentials) -> dict:
    """The actor card (tooltip and side panel): plain strings only."""
    terr = refs.territoires
    moments = profile.services_par_moment(refs.moments)
    return {
        "nom": profile.nom,
        "famille": profile.libelle_famille,
        "membre": (("Porteur du consortium" if profile.porteur else "Membre du consortium")
                   + (f" ({profile.role})" if profile.role else "")
                   + (", lettre d'engagement" if profile.lettre_engagement else ""))
        if profile.membre else None,
        "commune": (terr.name(profile.commune)
                    if profile.commune is not None and profile.commune in terr
                    else profile.commune),
        "missions": profile.missions,
        "competences": list(profile.competences),
        "publics": [refs.publics.get(p, p) for p in profile.publics],
        "site_web": profile.site_web,
        "services": [
            {"moment": refs.moments.get(m, m),
             "services": [f"{s.nom} ({', '.join(s.thematiques)})" for s in lines]}
            for m, lines in moments.items() if lines
        ],
        "interactions": [
            {"type": i.libelle, "sens": "→" if i.sens == "sortante" else "←",
             "partenaire": i.nom_partenaire}
            for i in profile.interactions
        ],
    }


def _legend(profiles: list[ActorProfile], kinds: set[str], colors: dict[str, str],
            refs: Referentials, has_duplicates: bool) -> dict:
    counts: dict[str, int] = {}
    for p in profiles:
        counts[p.famille] = counts.get(p.famille, 0) + 1
    families = []
    for group, group_label in refs.groupes.items():
        members = [f for f in refs.familles.values() if f.groupe == group and f.code in counts]
        if members:
            families.append({"groupe": group_label, "familles": [
                {"code": f.code, "libelle": f.libelle, "couleur": colors[f.code],
                 "nombre": counts[f.code]} for f in members]})
    unknown = sorted(set(counts) - set(refs.familles))
    if unknown:
        families.append({"groupe": "Autres", "familles": [
            {"code": c, "libelle": c, "couleur": "#8a8f98", "nombre": counts[c]}
            for c in unknown]})
    lines = []
    for kind in [k for k in refs.interactions if k in kinds] + sorted(
            kinds - set(refs.interactions)):
        style = interaction_style(kind)
        lines.append({"libelle": refs.interactions.get(kind, kind), "couleur": style.color,
                      "tirets": " ".join(str(d) for d in style.dashes), "largeur": style.width,
                      "fleche": style.arrow})
    if has_duplicates:
        lines.append({"libelle": "Doublon (même offre, mêmes publics, même territoire)",
                      "couleur": DUPLICATE_STYLE.color,
                      "tirets": " ".join(str(d) for d in DUPLICATE_STYLE.dashes),
                      "largeur": DUPLICATE_STYLE.width, "fleche": False})
    return {"familles": families, "liens": lines}


def _thematique_options(profiles: list[ActorProfile], refs: Referentials) -> list[dict]:
    present: set[str] = set()
    for p in profiles:
        present.update(p.thematiques)
    categories: dict[str, list[str]] = {}
    for code in present:
        theme = refs.thematiques.get(code)
        if theme is None:
            continue
        categories.setdefault(theme.categorie, [])
        if not theme.est_categorie:
            categories[theme.categorie].append(code)
    groups = []
    for category in sorted(categories, key=lambda c: refs.thematiques[c].libelle):
        subs = sorted(categories[category], key=lambda c: refs.thematiques[c].libelle)
        groups.append({"code": category, "libelle": refs.thematiques[category].libelle,
                       "sous": [{"code": c, "libelle": refs.thematiques[c].libelle}
                                for c in subs]})
    return groups


def _gap_rows(found: Gaps) -> list[GapRow | MomentGap]:
    """The gaps (needs, then moments of the parcours) most populated first."""
    rows: list[GapRow | MomentGap] = [*found.lacunes, *found.moments_sans_service]
    return sorted(rows, key=lambda g: -g.population)


def _wanted(thematique: str | None, refs: Referentials) -> frozenset[str] | None:
    """The thématiques a finding may be about to stay on a map filtered on ``thematique``."""
    if thematique is None:
        return None
    theme = refs.thematiques[thematique]
    return refs.matching_thematiques(thematique) | {thematique, theme.categorie}


def gap_groups(found: Gaps, refs: Referentials,
               wanted: frozenset[str] | None = None) -> list[dict]:
    """The gaps grouped at one named level: EPCI by EPCI, each with its communes missing.

    Commune-level gaps (a département) become one line per need and EPCI
    (« Mobilité · CC du Pays de Lamastre : 3 communes sur 8 »); EPCI-level gaps
    (a région, France) stay one line per EPCI. Moments of the parcours are
    dropped on a map filtered on a thématique, like the actors.
    """
    terr = refs.territoires
    scope = terr.communes(found.territoire)
    groups: dict[tuple[str, str], dict] = {}
    for gap in _gap_rows(found):
        need = gap.thematique if isinstance(gap, GapRow) else gap.moment
        theme = refs.thematiques.get(need) if isinstance(gap, GapRow) else None
        if wanted is not None and (theme is None or theme.code not in wanted):
            continue
        commune = terr.kind(gap.territoire) == "commune"
        zone = (terr.epci_of(gap.territoire) or gap.territoire) if commune else gap.territoire
        key = (need, zone)
        if key not in groups:
            label = (theme.libelle if theme is not None else refs.moments.get(need, need))
            departements = sorted({terr.departement_of(c) for c in terr.communes(zone)
                                   if c in scope})
            groups[key] = {
                "besoin": label, "thematique": theme.code if theme else None,
                "categorie": theme.categorie if theme else None,
                "zone": zone, "zones": [zone, *departements], "territoire": terr.name(zone),
                "niveau": "commune" if commune else (terr.kind(zone) or ""),
                "communes": [], "nb_communes_zone": len(terr.communes(zone) & scope),
                "population": 0,
            }
        group = groups[key]
        group["population"] += gap.population
        if commune:
            group["communes"].append(gap.nom_territoire)
    for group in groups.values():
        count = len(group["communes"])
        if group["niveau"] != "commune":
            group["detail"] = ""
        elif count == group["nb_communes_zone"]:
            group["detail"] = ("toute la commune" if count == 1
                               else f"toutes ses communes ({french.number(count)})")
        else:
            group["detail"] = (f"{french.plural(count, 'commune')} sur "
                               f"{french.number(group['nb_communes_zone'])}")
    return sorted(groups.values(), key=lambda g: (-g["population"], g["besoin"]))


def _findings_payload(findings: Findings | None, profiles: dict[str, ActorProfile],
                      refs: Referentials, kept: set[str] | None = None,
                      thematique: str | None = None
                      ) -> tuple[list[dict] | None, list[dict] | None, int, int]:
    """The gaps and duplicates of the side panel, filtered like the actors on the map.

    A duplicate stays when at least two of its actors are on the map (and, on a
    map filtered on a thématique, when it is about that thématique); the
    :data:`MAX_LISTED` most populated of each, and how many there are.
    """
    if findings is None:
        return None, None, 0, 0
    wanted = _wanted(thematique, refs)
    gaps = None if findings.gaps is None else gap_groups(findings.gaps, refs, wanted)
    duplicates: list[dict] | None = None
    total = 0
    if findings.duplicates is not None:
        duplicates = []
        # The actors on the map by id, each duplicate's looked up at C speed.
        shown = {a: p for a, p in profiles.items() if kept is None or p.key in kept}.get
        for dup in sorted(findings.duplicates, key=lambda d: -d.population):
            if wanted is not None and dup.thematique not in wanted:
                continue
            known = [p for p in map(shown, dup.acteurs) if p is not None]
            if len(known) < 2:
                continue
            total += 1
            if len(duplicates) == MAX_LISTED:
                continue  # counted, not listed
            need = dup.thematique
            duplicates.append({
                "besoin": refs.thematiques[need].libelle if need in refs.thematiques else need,
                "moment": refs.moments.get(dup.moment, dup.moment),
                "territoire": dup.nom_territoire,
                "population": dup.population,
                "acteurs": [p.key for p in known], "noms": [p.nom for p in known]})
    return (None if gaps is None else gaps[:MAX_LISTED], duplicates, len(gaps or []), total)


@dataclass(frozen=True)
class MapElements:
    """What a map shows: vis-network nodes, edges and options, and the side panel's data."""

    nodes: list[dict]
    edges: list[dict]
    options: dict
    large: bool
    code: str
    thematique: str | None
    profiles: list[ActorProfile]
    interactions: int
    kinds: set[str]
    duplicate_links: int
    gaps: list[dict] | None
    duplicates: list[dict] | None
    total_actors: int = 0
    """Actors kept by the filters, before :data:`MAX_ACTORS`."""
    total_gaps: int = 0
    total_duplicates: int = 0


def map_elements(graph: nx.MultiDiGraph, *, territoire: str | None = None,
                 thematique: str | None = None, findings: Findings | None = None,
                 taille: str = "services", restreindre: bool = True,
                 complet: bool = False, refs: Referentials | None = None,
                 profiles: dict[str, ActorProfile] | None = None) -> MapElements:
    """The nodes, edges and options of the map of a data set's actors.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A canonical graph (either store).
    territoire : str, optional
        The territory the map is about: its EPCI (or départements) make the
        territory filter. Default: the data set's
        (:func:`spie_graph.graph.build.default_territory`).
    thematique : str, optional
        Keep only actors with a service on this thématique (a category stands for
        its sub-themes).
    findings : Findings, optional
        Gaps and duplicates to show (``--gaps``, ``--doublons``).
    taille : {"services", "degre"}
        Node size by number of services or number of interactions.
    restreindre : bool
        With ``territoire``: keep only actors working on it (their seat, area
        or a service's area intersects it).
    complet : bool
        Every actor the filters keep, even past :data:`MAX_ACTORS` (the styles
        of the Gephi exports); else the consortium's members, then the most
        connected actors, :data:`MAX_ACTORS` in all.
    profiles : dict, optional
        :func:`~spie_graph.graph.views.actor_profiles` of ``graph``, when the
        caller has them (the report reads them once for every output).

    Returns
    -------
    MapElements
        vis-network nodes (``id``, ``label``, ``title``, ``color``, ``value``…),
        edges and options, and the gaps and duplicates of the side panel.

    Raises
    ------
    ArgumentError
        Unknown territory, thématique or size.

    Notes
    -----
    O(V + E) to read the graph, plus :func:`spie_graph.render.pictures.actor_layout`
    above :data:`LAYOUT_THRESHOLD` actors, plus the territory filter: for each
    EPCI of the territory, each actor's zones are intersected with the EPCI's
    communes.
    """
    refs = refs or referentials()
    if taille not in SIZES:
        raise ArgumentError(f"taille inconnue : « {taille} » (--taille). "
                            f"Valeurs possibles : {', '.join(SIZES)}")
    code, thematique = check_filters(graph, territoire, thematique, refs)
    all_profiles = profiles if profiles is not None else actor_profiles(graph, refs)
    shown = list(all_profiles.values())
    if territoire is not None and restreindre:
        shown = _working_in(shown, code, refs)
    if thematique is not None:
        wanted = refs.matching_thematiques(thematique) | {thematique}
        shown = [p for p in shown if not wanted.isdisjoint(p.thematiques)]
    total = len(shown)
    if total > MAX_ACTORS and not complet:
        shown = _most_connected(graph, shown)
    kept = {p.key for p in shown}
    colors = family_colors(refs)

    links = _interactions(graph, kept)
    gaps, duplicates, total_gaps, total_duplicates = _findings_payload(
        findings, all_profiles, refs, kept, thematique)
    duplicated: set[str] = set()
    dup_links: list[tuple[str, str]] = []
    for group in duplicates or []:
        members = [k for k in group["acteurs"] if k in kept]
        duplicated.update(members)
        for other in members[1:]:  # a star from the first: n-1 lines per group
            dup_links.append((members[0], other))
    degree: dict[str, int] = {}
    for u, v, _ in links:
        degree[u] = degree.get(u, 0) + 1
        degree[v] = degree.get(v, 0) + 1

    large = len(shown) > LAYOUT_THRESHOLD
    positions = _positions(shown, links)
    nodes = [
        _node(p, (len(p.services) if taille == "services" else degree.get(p.key, 0)) + 1,
              colors, positions.get(p.key), p.key in duplicated)
        for p in shown
    ]
    pairs: dict[frozenset, int] = {}
    edges = []
    for index, (u, v, kind) in enumerate(links):
        pair = frozenset((u, v))
        rank = pairs.get(pair, 0)
        pairs[pair] = rank + 1
        smooth: dict | bool = ({"enabled": True, "type": "curvedCW", "roundness": 0.15 * rank}
                               if rank else (False if large else
                                             {"enabled": True, "type": "continuous"}))
        edges.append(_edge(f"i{index}", u, v, interaction_style(kind), kind, smooth))
    for index, (u, v) in enumerate(dup_links):
        edges.append(_edge(f"d{index}", u, v, DUPLICATE_STYLE, "doublon",
                           {"enabled": True, "type": "curvedCCW", "roundness": 0.2}))

    return MapElements(nodes, edges, _options(large, len(nodes)), large, code, thematique,
                       shown, len(links), {k for _, _, k in links}, len(dup_links), gaps,
                       duplicates, total, total_gaps, total_duplicates)


def _positions(shown: list[ActorProfile], links: list[tuple[str, str, str]]
               ) -> dict[str, tuple[float, float]]:
    """The positions the map fixes (to 0.1 px) above :data:`LAYOUT_THRESHOLD` actors, else
    none (vis-network's physics places them)."""
    if len(shown) <= LAYOUT_THRESHOLD:
        return {}
    found = actor_layout([(p.key, p.famille) for p in shown], [(u, v) for u, v, _ in links])
    return {key: (round(x, 1), round(y, 1)) for key, (x, y) in found.items()}


@dataclass(frozen=True)
class ActorMarks:
    """How the map marks every actor, without the page (:func:`actor_marks`).

    ``profiles`` in the map's order, each one's family ``colors`` and ``values``
    (its services plus one, which vis-network scales between :data:`SCALING`),
    the ``positions`` the map fixes (none up to :data:`LAYOUT_THRESHOLD` actors)
    and the interactions between them (``links``: source, target, type).
    """

    profiles: list[ActorProfile]
    colors: list[str]
    values: list[int]
    positions: dict[str, tuple[float, float]]
    links: list[tuple[str, str, str]]


def actor_marks(graph: nx.MultiDiGraph, *, refs: Referentials | None = None,
                profiles: dict[str, ActorProfile] | None = None) -> ActorMarks:
    """The colour, size and position of every actor as :func:`map_elements` gives them with
    ``complet=True, restreindre=False``, without making the page's nodes and edges (the
    Gephi exports draw 100,000 actors with them: a third of the time).

    Notes
    -----
    O(V + E) to read the graph, plus :func:`spie_graph.render.pictures.actor_layout`
    above :data:`LAYOUT_THRESHOLD` actors.
    """
    refs = refs or referentials()
    shown = list((profiles if profiles is not None else actor_profiles(graph, refs)).values())
    colors = family_colors(refs)
    links = _interactions(graph, {p.key for p in shown})
    return ActorMarks(shown, [_color(p, colors) for p in shown],
                      [len(p.services) + 1 for p in shown], _positions(shown, links), links)


def _interactions(graph: nx.MultiDiGraph, kept: set[str]) -> list[tuple[str, str, str]]:
    """(source, target, type) of the interactions between kept actors, in the graph's
    order; only the actors' own edges are walked (a national graph has millions of
    service and territory edges)."""
    # The adjacency's mappings themselves: NetworkX's read-only views over them cost more
    # than the reading (100,000 actors' edges, twice per map).
    successors = graph._succ
    return [(u, v, d.get("interaction", "")) for u in graph._node if u in kept
            for v, keyed in successors[u].items() if v in kept
            for d in keyed.values() if d["type"] == "INTERAGIT"]


def _most_connected(graph: nx.MultiDiGraph, profiles: list[ActorProfile]) -> list[ActorProfile]:
    """The :data:`MAX_ACTORS` actors to draw: consortium members, then those with the most
    interactions, then services (ties: by name), in their order."""
    keys = {p.key for p in profiles}
    degree = dict.fromkeys(keys, 0)
    for u, v, _ in _interactions(graph, keys):
        degree[u] += 1
        degree[v] += 1
    ranked = sorted(profiles, key=lambda p: (not p.membre, -degree[p.key], -len(p.services),
                                             p.nom, p.key))
    chosen = {p.key for p in ranked[:MAX_ACTORS]}
    return [p for p in profiles if p.key in chosen]


def build_map(graph: nx.MultiDiGraph, *, territoire: str | None = None,
              thematique: str | None = None, findings: Findings | None = None,
              taille: str = "services", restreindre: bool = True, title: str | None = None,
              refs: Referentials | None = None,
              profiles: dict[str, ActorProfile] | None = None) -> MapResult:
    """The interactive map of a data set's actors, as one self-contained HTML page.

    The arguments are those of :func:`map_elements`; ``title`` defaults to
    « Carte des acteurs : <consortium's name> », else « Carte des acteurs du
    Morbihan » (the territory's name).

    Returns
    -------
    MapResult
        The HTML text and the numbers of nodes and edges it holds.
    """
    refs = refs or referentials()
    found = map_elements(graph, territoire=territoire, thematique=thematique,
                         findings=findings, taille=taille, restreindre=restreindre, refs=refs,
                         profiles=profiles)
    drawn, colors = found.profiles, family_colors(refs)
    consortium = consortium_info(graph)
    terr = refs.territoires
    named = consortium.get("nom") if consortium else None
    kind = terr.kind(found.code) or "france"
    place = french.of_territory(kind, found.code, terr.name(found.code))
    title = title or (f"Carte des acteurs : {named}" if named else f"Carte des acteurs {place}")
    payload = {
        "nodes": found.nodes, "edges": found.edges, "options": found.options,
        "physics": not found.large,
        "details": {p.key: _details(p, refs) for p in drawn},
        "territoires": _filter_options(drawn, found.code, refs),
        "thematiques": {c: refs.thematiques[c].categorie for p in drawn
                        for c in p.thematiques if c in refs.thematiques},
        "manques": found.gaps, "doublons": found.duplicates,
    }
    subtitle = [refs.territoires.label(found.code)]
    if found.thematique is not None:
        subtitle.append(f"thématique : {refs.thematiques[found.thematique].libelle}")
    if consortium and not named:
        subtitle.append("consortium sans nom")
    html = render_template(
        "carte.html.j2", title=title, subtitle=" · ".join(subtitle), payload=payload,
        legend=_legend(drawn, found.kinds, colors, refs, bool(found.duplicate_links)),
        themes=_thematique_options(drawn, refs), has_consortium=consortium is not None,
        taille="nombre de services" if taille == "services" else "nombre d'interactions",
        nb_acteurs=len(found.nodes), nb_liens=found.interactions, vis_js=vis_network_js(),
        nb_acteurs_texte=french.plural(len(found.nodes), "acteur"),
        nb_liens_texte=french.plural(found.interactions, "interaction"),
        gap_level=(findings.gaps.niveau if findings is not None and findings.gaps is not None
                   else None),
        has_gaps=found.gaps is not None, has_duplicates=found.duplicates is not None,
        sur_acteurs=(french.number(found.total_actors)
                     if found.total_actors > len(found.nodes) else None),
        code=found.code, max_listed=french.number(MAX_LISTED),
        total_manques=french.number(found.total_gaps),
        total_doublons=french.number(found.total_duplicates),
        manques_coupes=found.total_gaps > len(found.gaps or []),
        doublons_coupes=found.total_duplicates > len(found.duplicates or []),
    )
    return MapResult(html, len(found.nodes), len(found.edges), not found.large, title,
                     found.interactions, found.total_actors)


def _options(large: bool, count: int) -> dict:
    """vis-network options: physics for small maps, fixed positions for large ones."""
    options: dict = {
        "autoResize": True,
        "nodes": {
            # Labels keep one legible size whatever the node's size: a small node
            # (the préfecture, the DDETS) is read as easily as a large one.
            "scaling": {"min": SCALING[0], "max": SCALING[1], "label": {"enabled": False}},
            "font": {"size": 14, "color": "#1d2125", "face": "DejaVu Sans, Arial, sans-serif",
                     "strokeWidth": 4, "strokeColor": "#ffffff"},
        },
        "edges": {"selectionWidth": 2, "hoverWidth": 1.5},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False,
                        "keyboard": {"enabled": True, "bindToWindow": False},
                        "multiselect": True, "hideEdgesOnDrag": large,
                        "hideEdgesOnZoom": large},
        "layout": {"improvedLayout": not large and count <= 150, "randomSeed": 7},
    }
    if large:
        options["physics"] = {"enabled": False}
        options["edges"]["smooth"] = False
    else:
        options["physics"] = {
            "enabled": True, "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -80, "springLength": 150,
                                 "springConstant": 0.05, "avoidOverlap": 0.6},
            "stabilization": {"enabled": True, "iterations": 400, "fit": True},
        }
    return options
