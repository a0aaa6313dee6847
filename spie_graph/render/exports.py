"""Exports of the graph for other tools: Gephi (GraphML, GEXF), networkx and d3 (JSON), Kumu.

Each writer is checked against what its tool actually reads (``tests/test_gephi.py``
imports both Gephi files with the Gephi Toolkit; the schemas in ``tests/schemas``
validate them):

- ``graphml``: GraphML 1.0, valid against its schema. Every node has a French
  ``label`` (the actor's or service's name, the territory's name, the
  thématique's label...) and its kind in ``type_noeud`` (``Acteur``,
  ``Service``...); every edge a French ``label`` (``propose``, ``couvre``, or
  the interaction's label, ``Convention``...) and its type in ``relation``.
  Attributes are typed (``int``, ``boolean``, ``double``, ``string``), lists
  joined with `` | ``; the canonical ``id`` property is ``identifiant``. Key ids
  are distinct per domain: a node attribute's key id is its name, an edge
  attribute's is ``lien_`` + its name (GraphML wants unique key ids; Gephi uses
  them as column ids). Edge ids are unique (:func:`edge_id`). Ids are XML name
  tokens: a character a token cannot hold is written ``_xHHHH_``. The map's
  colours, sizes and positions are in the node keys ``r``, ``g``, ``b``,
  ``size``, ``x``, ``y``, which Gephi reads as such.
- ``gexf``: GEXF 1.3 (the format Gephi opens best), valid against the official
  RELAX NG grammar. Columns have readable ids (``famille``) and French titles
  (``Famille (code)``); the data set's name is the default of the column
  ``jeu_de_donnees``; each edge's ``kind`` is its canonical key, so Gephi keeps
  parallel edges (two interactions of different types between the same two
  actors). Actors carry the map's picture in ``viz:``: colour of their family,
  size by number of services, position (:func:`node_styles`), so a Gephi user
  starts from what ``carte.html`` shows; interactions carry their colour.
- ``json``: node-link JSON that networkx (``networkx.node_link_graph(data)``,
  with no arguments, whatever its version) and d3 (``d3.forceLink(links).id(d =>
  d.id)``) read as the same graph: ``nodes`` (each with ``id``, the node key,
  and its properties; the canonical ``id`` property is ``identifiant``),
  ``links`` and ``edges`` (the same list twice: d3 and networkx up to 3.5 read
  ``links``, networkx 3.6 and later ``edges``; each with ``source``,
  ``target``, ``key`` and its properties), ``directed``, ``multigraph``,
  ``graph``. Lists stay lists.
- ``kumu``: Kumu's spreadsheet import, an XLSX workbook with an ``Elements``
  sheet (``ID``, ``Label``, ``Type``, ``Description``, then one column per
  property, lists joined with ``|``) and a ``Connections`` sheet (``ID``,
  ``From``, ``To``, ``Type``, ``Direction``...): re-importing the file updates
  elements and connections instead of duplicating them. Text cells are typed as
  text, so a name such as ``=1+1`` is neither run nor prefixed with ``'``.

``perimetre="complet"`` exports the whole canonical graph (services,
territories, thématiques, publics); ``"territoire"`` the same within one
territory (:func:`territory_nodes`: every node but the communes, EPCI and
départements outside it, which a service covering a région or France brings
into the graph: 35,000 communes for one France-wide service); ``"acteurs"``
only actors, the consortium, interactions and memberships.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from itertools import chain
from operator import methodcaller

import networkx as nx

from spie_graph.errors import ArgumentError, ExportError
from spie_graph.files import (
    XML_ATTRIBUTE_ESCAPES,
    XML_ATTRIBUTE_SPECIAL,
    XML_TEXT_ESCAPES,
    XML_TEXT_SPECIAL,
    utf8,
    xml_text,
)
from spie_graph.graph.build import SharedAttributes
from spie_graph.graph.keys import actor_edges
from spie_graph.graph.views import ActorProfile
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render.map import SCALING, actor_marks
from spie_graph.render.pictures import actor_layout, interaction_style
from spie_graph.render.tables import TITLES, json_encoder
from spie_graph.render.xlsx import XML_ATTRIBUTE_ALSO, XML_TEXT_ALSO, Workbook, holds_none

__all__ = [
    "EXPORT_FORMATS",
    "EXTENSIONS",
    "PERIMETRES",
    "GephiElements",
    "NodeStyle",
    "Plain",
    "edge_count",
    "edge_id",
    "export_graph",
    "gephi_elements",
    "gephi_graph",
    "node_styles",
    "part_of",
    "perimeter_size",
    "select",
    "territory_nodes",
    "working_actors",
    "to_gexf",
    "to_graphml",
    "to_json",
    "to_kumu",
]

EXPORT_FORMATS = ("graphml", "gexf", "json", "kumu")
EXTENSIONS = {"graphml": "graphml", "gexf": "gexf", "json": "json", "kumu": "xlsx"}
PERIMETRES = ("complet", "territoire", "acteurs")

_NAME = {"Acteur": "nom", "Service": "nom", "Territoire": "nom", "Thematique": "libelle",
         "Public": "libelle", "Consortium": "nom"}
_RELATIONS = {"PROPOSE": "propose", "COUVRE": "couvre", "TRAITE": "traite", "CIBLE": "cible",
              "SIEGE_A": "a son siège à", "FAIT_PARTIE_DE": "fait partie de",
              "INTERAGIT": "interagit avec", "MEMBRE_DE": "membre de"}
_KINDS = {"Acteur": "Acteur", "Service": "Service", "Territoire": "Territoire",
          "Thematique": "Thématique", "Public": "Public", "Consortium": "Consortium"}
_RENAMED = {"id": "identifiant", "label": "type_noeud", "type": "relation"}
_TITLES = {**TITLES, "label": "Libellé", "jeu_de_donnees": "Jeu de données",
           "interaction": "Interaction (code)", "relation": "Relation (code)"}
_DATASET = "jeu_de_donnees"


def select(graph: nx.MultiDiGraph, perimetre: str = "complet",
           territoire: str | None = None) -> nx.MultiDiGraph:
    """The part of the graph to export: ``complet``, ``territoire`` (within
    ``territoire``, see :func:`territory_nodes`) or ``acteurs``.

    The part keeps the graph's order of nodes and edges, each with its own copy of
    its attributes.

    Raises
    ------
    ArgumentError
        For another value of ``perimetre``, or ``territoire`` missing.
    """
    if perimetre == "complet":
        return graph
    if perimetre == "territoire":
        if not territoire:
            raise ArgumentError("périmètre « territoire » sans territoire : précisez-le "
                                "(--territoire 56, par exemple)")
        return part_of(graph, territory_nodes(graph, territoire))
    if perimetre != "acteurs":
        raise ArgumentError(f"périmètre inconnu : « {perimetre} » (--perimetre). "
                            f"Valeurs possibles : {', '.join(PERIMETRES)}")
    return part_of(graph, {n for n, d in graph.nodes(data=True)
                         if d["label"] in ("Acteur", "Consortium")})


def working_actors(graph: nx.MultiDiGraph, territoire: str,
                   refs: Referentials | None = None) -> list[str]:
    """The keys of the actors working on a territory, in the graph's order: their seat, their
    area or one of their services' areas shares a commune with it (the map's territory
    filter: :meth:`~spie_graph.reference.territories.CommuneIndex.meeting`, one set lookup
    per code); every actor for France."""
    terr = (refs or referentials()).territoires
    node, succ = graph._node, graph._succ
    actors = [key for key, data in node.items() if data["label"] == "Acteur"]
    if (terr.kind(territoire) or "france") == "france":
        return actors
    meeting = terr.index.meeting(territoire)
    found = []
    for key in actors:
        data = node[key]
        zones = [*(data.get("territoire") or ()), data.get("commune")]
        for target, keyed in succ[key].items():
            if "PROPOSE" in keyed:
                zones += node[target].get("territoire") or ()
        if not meeting.isdisjoint(zones):
            found.append(key)
    return found


def territory_nodes(graph: nx.MultiDiGraph, territoire: str,
                    refs: Referentials | None = None) -> set[str]:
    """The nodes of the graph within a territory (a node key's code: ``56``, ``region:53``,
    ``france``...): the actors working on it (:func:`working_actors`, as on the map) and
    their services, every thématique, public and consortium, and of the territories:

    - the territory, every territory below it (for a département: its communes) and
      the parents of each (their EPCI, even one that crosses the border, the
      département, the région, France);
    - the territories these actors and services name (a seat, a service's area: the
      France of a France-wide service), with their parents, but not their communes.

    Left out: the actors working elsewhere (on a national data set, most of them) and
    their services; the communes (and their EPCI and départements) that only a
    région-wide or France-wide service brought into the graph. O(V + E) at most, read
    along the actors' edges and the ``FAIT_PARTIE_DE`` edges.
    """
    succ, pred, node = graph._succ, graph._pred, graph._node
    actors = working_actors(graph, territoire, refs)
    kept = {key for key, data in node.items()
            if data["label"] not in ("Acteur", "Service", "Territoire")}
    kept.update(actors)
    kept.update(target for key in actors for target, keyed in succ[key].items()
                if "PROPOSE" in keyed)
    start = f"Territoire:{territoire}"
    places: list[str] = []
    if start in node:
        # Down from the territory: what is part of it, then part of those.
        below, seen = [start], {start}
        while below:
            key = below.pop()
            places.append(key)
            for child, keyed in pred[key].items():
                if child not in seen and "FAIT_PARTIE_DE" in keyed:
                    seen.add(child)
                    below.append(child)
    # What actors and services point at (seats, areas).
    places += [target for key in kept for target in succ[key]
               if node[target]["label"] == "Territoire"]
    # Up from each: the EPCI, département, région and France they are part of.
    while places:
        key = places.pop()
        if key in kept:
            continue
        kept.add(key)
        places += [parent for parent, keyed in succ[key].items()
                   if "FAIT_PARTIE_DE" in keyed and parent not in kept]
    return kept


def perimeter_size(graph: nx.MultiDiGraph, kept: set[str]) -> int:
    """Nodes and edges of the part of ``graph`` on ``kept`` (made by :func:`select`), counted
    without making it. O(edges of the kept nodes)."""
    succ = graph._succ
    return len(kept) + sum(len(keyed) for key in kept
                           for target, keyed in succ[key].items() if target in kept)


def part_of(graph: nx.MultiDiGraph, kept: set[str], *, shared: bool = False
            ) -> nx.MultiDiGraph:
    """``graph.subgraph(kept).copy()`` in the graph's order of nodes and edges (a subgraph
    gives a set's order), made as networkx's ``add_nodes_from`` then ``add_edges_from``
    make it (the same adjacency dicts, in the same order), without their per-edge checks
    and without walking the filtered views of every adjacency.

    ``shared``: the part's nodes and edges hold the graph's own dicts of attributes
    instead of copies, for a part that is only read (the report's graph files).
    """
    out = nx.MultiDiGraph()
    out.graph.update(graph.graph)
    node, succ, pred = out._node, out._succ, out._pred
    for key, data in graph._node.items():
        if key in kept:
            node[key], succ[key], pred[key] = data if shared else dict(data), {}, {}
    # Only the kept nodes' own edges are walked, in the order graph.edges gives them; as
    # in networkx, succ[u][v] and pred[v][u] are the same dict of keyed edges.
    for source, targets in graph._succ.items():
        if source not in kept:
            continue
        out_edges = succ[source]
        for target, keyed in targets.items():
            if target in kept:
                out_edges[target] = pred[target][source] = (
                    keyed.copy() if shared else {k: dict(d) for k, d in keyed.items()})
    return out


def edge_count(graph: nx.MultiDiGraph) -> int:
    """``len(graph.edges)``, counted at C speed (the view's length walks every node's
    dict of neighbours in Python: 0.2 s on a national graph's 1.8 million edges)."""
    return sum(map(len, chain.from_iterable(map(methodcaller("values"),
                                                graph._succ.values()))))


def edge_id(source: str, target: str, key: str) -> str:
    """A readable id, unique in the graph, for an edge: ``source--key--target``.

    The same in GEXF, Kumu and (as an XML name token) GraphML, from one export
    to the next, so a tool that re-imports the file updates the edge.
    """
    return f"{source}--{key}--{target}"


def _scalar(value: object) -> object:
    """A value GraphML and GEXF store: lists joined, everything else as is."""
    if isinstance(value, list | tuple):
        return " | ".join(map(str, value))  # str() of each, at C speed
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _edge_label(data: dict, refs: Referentials) -> str:
    if data["type"] == "INTERAGIT":
        kind = data.get("interaction", "")
        return refs.interactions.get(kind, kind)
    return _RELATIONS.get(data["type"], data["type"])


@dataclass(frozen=True)
class GephiElements:
    """The graph's nodes and edges with scalar attributes and French labels.

    ``shared``: the ids of the attribute dicts several edges hold (one per edge type
    that carries nothing but its type, made once from the graph's
    :class:`~spie_graph.graph.build.SharedAttributes`): a writer writes each one's
    text once.
    """

    dataset: str
    nodes: list[tuple[str, dict]]
    edges: list[tuple[str, str, str, dict]]
    shared: frozenset[int] = frozenset()

    @cached_property
    def _node_scan(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        return _columns(d for _, d in self.nodes)

    @cached_property
    def _edge_scan(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        # a shared dict's values once (the same columns, types and texts to search)
        shared = self.shared
        return _columns(chain((d for *_, d in self.edges if id(d) not in shared),
                              {id(d): d for *_, d in self.edges if id(d) in shared}.values()))

    def edge_text(self, data: dict, write: Callable[[dict], str],
                  memo: dict[int, str]) -> str:
        """``write(data)``, written once per shared dict of attributes (``memo``)."""
        if id(data) not in self.shared:
            return write(data)
        text = memo.get(id(data))
        if text is None:
            text = memo[id(data)] = write(data)
        return text

    @property
    def node_columns(self) -> dict[str, str]:
        """Node attribute → type, read once for GraphML and GEXF (:func:`_columns`)."""
        return self._node_scan[0]

    @property
    def edge_columns(self) -> dict[str, str]:
        """Edge attribute → type (:func:`_columns`)."""
        return self._edge_scan[0]

    @cached_property
    def plain_text(self) -> Plain:
        """What GraphML's texts may write as it is (:class:`Plain`)."""
        return self._plain(XML_TEXT_ALSO)

    @cached_property
    def plain_attribute(self) -> Plain:
        """What GEXF's attributes may write as it is (:class:`Plain`)."""
        return self._plain(XML_ATTRIBUTE_ALSO)

    def _plain(self, also: bytes) -> Plain:
        """``also``: the ASCII characters the format escapes, besides those XML cannot hold
        (:func:`~spie_graph.render.xlsx.holds_none`)."""
        def columns(texts: dict[str, list[str]]) -> frozenset[str]:
            return frozenset(name for name, found in texts.items()
                             if holds_none(" ".join(found), also))

        return Plain(columns(self._node_scan[1]), columns(self._edge_scan[1]),
                     holds_none(self._keys, also))

    @cached_property
    def _keys(self) -> str:
        """Every node key and edge key, joined by a space."""
        return " ".join([*(str(node) for node, _ in self.nodes),
                         *(str(key) for *_, key, _ in self.edges)])


@dataclass(frozen=True)
class Plain:
    """The texts of :class:`GephiElements` a writer may write as they are: none holds a
    character the writer's format must escape or cannot hold (searched once in all the
    texts of a column, joined by a space, instead of in each text: a national export
    writes millions).

    ``nodes`` and ``edges``: such attribute columns; ``ids``: True when every node key
    and edge key is such a text (so is every edge id, :func:`edge_id`).
    """

    nodes: frozenset[str]
    edges: frozenset[str]
    ids: bool


def gephi_elements(graph: nx.MultiDiGraph,
                   refs: Referentials | None = None) -> GephiElements:
    """The nodes and edges :func:`to_graphml` and :func:`to_gexf` write, read once. O(V + E)."""
    refs = refs or referentials()
    renamed = _RENAMED.get
    nodes = []
    for node, data in graph._node.items():
        attrs = {renamed(k, k): v if v.__class__ is str else _scalar(v) for k, v in data.items()}
        attrs["label"] = str(data.get(_NAME.get(data["label"], ""), node))
        attrs["type_noeud"] = _KINDS.get(data["label"], data["label"])
        nodes.append((node, attrs))
    edges: list[tuple[str, str, str, dict]] = []
    # The attributes of the edges that share the graph's read-only dict of their type
    # (SharedAttributes: most edges), made once for all of them.
    shared: dict[int, dict] = {}
    # graph.edges(keys=True, data=True)'s order, read from the adjacency itself
    for source, targets in graph._succ.items():
        for target, keyed in targets.items():
            for key, data in keyed.items():
                made = shared.get(id(data)) if data.__class__ is SharedAttributes else None
                if made is None:
                    made = {renamed(k, k): v if v.__class__ is str else _scalar(v)
                            for k, v in data.items()}
                    made["label"] = _edge_label(data, refs)
                    if data.__class__ is SharedAttributes:
                        shared[id(data)] = made
                edges.append((source, target, key, made))
    return GephiElements(str(graph.graph.get("dataset") or ""), nodes, edges,
                         frozenset(map(id, shared.values())))


def gephi_graph(graph: nx.MultiDiGraph, refs: Referentials | None = None) -> nx.MultiDiGraph:
    """A copy of the canonical graph with scalar attributes and French labels, for Gephi.

    What :func:`to_graphml` and :func:`to_gexf` write: ``id`` is ``identifiant``,
    ``label`` the French name, ``type_noeud`` the kind, edges' ``type`` is
    ``relation`` and their ``label`` French; lists are joined with `` | ``.

    Notes
    -----
    O(V + E). Node keys and edge keys are the canonical ones.
    """
    found = gephi_elements(graph, refs)
    out = nx.MultiDiGraph()
    out.graph[_DATASET] = found.dataset
    out.add_nodes_from(found.nodes)
    out.add_edges_from(found.edges)
    return out


# -- the map's picture ----------------------------------------------------------------------

@dataclass(frozen=True)
class NodeStyle:
    """How an actor looks on the map: colour (``#rrggbb``), size (px), position (px, y up)."""

    color: str
    size: float
    x: float
    y: float


_SPACING = 80.0
"""Distance between neighbouring actors (px) when positions are computed here: the
map's physics spreads actors about that far (its springs are 150 px long)."""

_OTHER_STYLES = {
    "Consortium": ("#111111", 20.0), "Service": ("#9aa5b1", 4.0),
    "Thematique": ("#c9a227", 6.0), "Public": ("#7e57c2", 6.0), "Territoire": ("#cfd8dc", 2.5),
}
"""Nodes the map does not draw: a neutral colour and a small size by kind (the
consortium in the near-black of the map's member borders)."""


def node_styles(graph: nx.MultiDiGraph, refs: Referentials | None = None, *,
                profiles: dict[str, ActorProfile] | None = None,
                part: nx.MultiDiGraph | None = None) -> dict[str, NodeStyle]:
    """The map's colour, size and position of every actor, and a place for other nodes.

    Actors: colours and sizes are those of the map
    (:func:`spie_graph.render.map.actor_marks`: family colour; size by number of
    services, scaled as vis-network scales them between the map's minimum and
    maximum); positions are the map's own above its layout threshold, else
    :func:`spie_graph.render.pictures.actor_layout` on the same actors and
    interactions, :data:`_SPACING` apart. The y axis is flipped: it points down
    in a web page, up in Gephi.

    Other nodes (not on the map) get a neutral colour and a small size by kind
    (:data:`_OTHER_STYLES`) and a place, so that Gephi does not pile them up at
    the origin: services around their actor, the consortium at its members'
    centre, thématiques and publics on a ring around the actors, territories
    on an outer ring.

    ``profiles`` (:func:`~spie_graph.graph.views.actor_profiles` of ``graph``) saves
    reading them again when the caller has them;
    ``part``: the part of ``graph`` exported (:func:`select`): actors keep the
    whole graph's sizes (their services are counted even when the part leaves
    them out), the other nodes placed are the part's.

    Notes
    -----
    The cost of :func:`~spie_graph.render.map.actor_marks` on the whole graph
    (the graph is read once; the layout is linear above
    :data:`~spie_graph.render.pictures.SPRING_LIMIT` actors), plus O(V + E).
    """
    styles: dict[str, NodeStyle] = {}
    if any(d["label"] == "Acteur" for d in graph._node.values()):
        styles.update(_actor_styles(graph, refs, profiles))
    styles.update(_other_styles(graph if part is None else part, styles))
    return styles


def _actor_styles(graph: nx.MultiDiGraph, refs: Referentials | None,
                  profiles: dict[str, ActorProfile] | None) -> dict[str, NodeStyle]:
    marks = actor_marks(graph, refs=refs, profiles=profiles)
    if not marks.profiles:
        return {}
    low, high = float(SCALING[0]), float(SCALING[1])
    values = [float(v) for v in marks.values]
    vmin, vmax = min(values), max(values)
    positions = marks.positions
    if len(positions) < len(marks.profiles):
        positions = actor_layout([(p.key, p.famille) for p in marks.profiles],
                                 [(u, v) for u, v, _ in marks.links], spacing=_SPACING)
    styles = {}
    for profile, color, value in zip(marks.profiles, marks.colors, values, strict=True):
        share = 0.5 if vmax == vmin else (value - vmin) / (vmax - vmin)
        x, y = positions.get(profile.key, (0.0, 0.0))
        styles[profile.key] = NodeStyle(color, round(low + share * (high - low), 2),
                                        round(x, 1), round(-y, 1))
    return styles


def _ring(count: int, radius: float, centre: tuple[float, float]) -> list[tuple[float, float]]:
    """``count`` points evenly spread on a circle."""
    return [(round(centre[0] + radius * math.cos(2 * math.pi * i / count), 1),
             round(centre[1] + radius * math.sin(2 * math.pi * i / count), 1))
            for i in range(count)]


def _other_styles(graph: nx.MultiDiGraph,
                  actors: dict[str, NodeStyle]) -> dict[str, NodeStyle]:
    placed = [(s.x, s.y) for s in actors.values()]
    centre = ((sum(x for x, _ in placed) / len(placed), sum(y for _, y in placed) / len(placed))
              if placed else (0.0, 0.0))
    radius = max((math.hypot(x - centre[0], y - centre[1]) for x, y in placed),
                 default=0.0) + 4 * _SPACING
    by_kind: dict[str, list[str]] = {}
    for node, data in graph._node.items():  # graph.nodes(data=True), without the view
        if node not in actors:
            by_kind.setdefault(data["label"], []).append(node)
    offers: dict[str, list[str]] = {}
    members: dict[str, list[str]] = {}
    for source, target, data in actor_edges(graph):
        if data["type"] == "PROPOSE":
            offers.setdefault(source, []).append(target)
        elif data["type"] == "MEMBRE_DE":
            members.setdefault(target, []).append(source)
    styles: dict[str, NodeStyle] = {}
    color, size = _OTHER_STYLES["Service"]
    for actor, services in offers.items():
        around = actors[actor]
        points = _ring(len(services), around.size + 3 * size, (around.x, around.y))
        for service, (x, y) in zip(sorted(services), points, strict=True):
            styles[service] = NodeStyle(color, size, x, y)
    color, size = _OTHER_STYLES["Consortium"]
    for consortium in by_kind.get("Consortium", []):
        group = [actors[a] for a in members.get(consortium, [])]
        x, y = ((sum(a.x for a in group) / len(group), sum(a.y for a in group) / len(group))
                if group else centre)
        styles[consortium] = NodeStyle(color, size, round(x, 1), round(y, 1))
    # thématiques, publics (and services of no known actor) on a ring, territories outside
    rings = [[k for kind in ("Thematique", "Public", "Service")
              for k in sorted(by_kind.get(kind, [])) if k not in styles],
             sorted(by_kind.get("Territoire", [])),
             sorted(k for kind, keys in by_kind.items() if kind not in _OTHER_STYLES
                    for k in keys)]
    for keys, distance in zip(rings, (radius, radius * 1.6 + 2 * _SPACING, radius * 2.2),
                              strict=True):
        for key, (x, y) in zip(keys, _ring(len(keys), distance, centre), strict=True):
            color, size = _OTHER_STYLES.get(graph._node[key]["label"], ("#8a8f98", 4.0))
            styles[key] = NodeStyle(color, size, x, y)
    return styles


@cache
def _rgb(color: str) -> tuple[int, int, int]:
    text = color.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


# -- XML writing ------------------------------------------------------------------------------

# Characters XML 1.0 cannot hold are dropped (files.xml_text), the rest escaped.


# Most texts have nothing to escape: one search tells (cheaper than a memo, and the ids of
# edges never repeat).
_ATTRIBUTE_SPECIAL = XML_ATTRIBUTE_SPECIAL.search
_TEXT_SPECIAL = XML_TEXT_SPECIAL.search


def _attr_text(value: str) -> str:
    if _ATTRIBUTE_SPECIAL(value) is None:
        return value
    return xml_text(value).translate(XML_ATTRIBUTE_ESCAPES)


def _text_text(value: str) -> str:
    if _TEXT_SPECIAL(value) is None:
        return value
    return xml_text(value).translate(XML_TEXT_ESCAPES)


def _attr(value: object) -> str:
    """``value`` in an XML attribute."""
    return _attr_text(value if isinstance(value, str) else str(value))


def _text(value: object) -> str:
    """``value`` as XML text."""
    return _text_text(value if isinstance(value, str) else str(value))


# NameChar of XML 1.0 (5th edition): what an NMTOKEN (GraphML's ids) may hold.
_NAME_CHAR = re.compile(
    "[-.0-9:A-Z_a-z\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u037d\u037f-\u1fff\u200c\u200d"
    "\u203f\u2040\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff]")


_NAME_TOKEN = re.compile(f"(?:{_NAME_CHAR.pattern})+")


def _token(text: str) -> str:
    """``text`` as an XML name token: other characters written ``_xHHHH_``."""
    if _NAME_TOKEN.fullmatch(text):
        return text
    return "".join(c if _NAME_CHAR.fullmatch(c) else f"_x{ord(c):04X}_" for c in text) or "_"


_NOT_NAME_CHAR = re.compile("[^" + _NAME_CHAR.pattern[1:])


def _tokens(texts: list[str]) -> list[str]:
    """The unique name tokens :class:`_Tokens` gives ``texts`` one after the other: the
    texts themselves when none is empty, none holds a character a token cannot (one
    search in all of them) and no two are the same."""
    if (all(texts) and _NOT_NAME_CHAR.search("".join(texts)) is None
            and len(set(texts)) == len(texts)):
        return texts
    tokens = _Tokens()
    return [tokens(text) for text in texts]


class _Tokens:
    """Unique name tokens for node and edge ids (a rare clash gets ``.2``, ``.3``...)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, text: str) -> str:
        token = _token(text)
        if token in self.used:
            rank = 2
            while f"{token}.{rank}" in self.used:
                rank += 1
            token = f"{token}.{rank}"
        self.used.add(token)
        return token


def _kind(value: object) -> str:
    """The attribute type of one value: boolean, int, long, double or string."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, float):
        return "double"
    return "string"


_WIDER = {("int", "long"): "long", ("long", "int"): "long", ("int", "double"): "double",
          ("double", "int"): "double", ("long", "double"): "double",
          ("double", "long"): "double"}


def _columns(items: Iterable[dict]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Attribute name → type, over every element (mixed types widen, else string), and
    attribute name → the texts of its values (what :func:`_texts` may write that is not
    a number)."""
    types: dict[str, str] = {}
    texts: dict[str, list[str]] = {}
    for data in items:
        for name, value in data.items():
            cls = value.__class__  # the usual types by identity (every value is read)
            if cls is str:
                kind = "string"
                found = texts.get(name)
                if found is None:
                    found = texts[name] = []
                found.append(value)
            elif value is None:
                continue
            elif cls is int:
                kind = "int" if -(2**31) <= value < 2**31 else "long"
            else:
                kind = _kind(value)
                if kind == "string":
                    texts.setdefault(name, []).append(str(value))
            known = types.get(name)
            if known is None or known == kind:
                types[name] = kind
            else:
                types[name] = _WIDER.get((known, kind), "string")
    order = list(_TITLES)
    return dict(sorted(types.items(),
                       key=lambda item: (order.index(item[0]) if item[0] in order
                                         else len(order), item[0]))), texts


def _present(data: dict, columns: dict[str, str],
             plans: dict[tuple, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """The columns ``data`` holds, in the columns' order; memoised by its keys (the
    nodes of one kind, the edges of one relation, share them)."""
    keys = tuple(data)
    plan = plans.get(keys)
    if plan is None:
        plan = plans[keys] = [(name, kind) for name, kind in columns.items() if name in data]
    return plan


def _texts(data: dict, columns: dict[str, str],
           plans: dict[tuple, list[tuple[str, str]]]) -> Iterator[tuple[str, str]]:
    """Each column ``data`` holds and its value as text, in the columns' order, for
    GraphML's ``<data>`` and GEXF's ``<attvalue>`` (nothing where there is no value)."""
    for name, kind in _present(data, columns, plans):
        text = data[name]
        if text.__class__ is not str or kind != "string":
            text = _value(text, kind)
            if text is None:
                continue
        yield name, text


def _value(value: object, kind: str) -> str | None:
    """A value in its column's type; None when there is nothing to write."""
    if value is None:
        return None
    if kind == "boolean":
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return repr(value)
    if kind != "string" and isinstance(value, bool):
        return str(int(value))
    return str(value)


_GRAPHML_TYPES = {"boolean": "boolean", "int": "int", "long": "long", "double": "double",
                  "string": "string"}
_GEXF_TYPES = {"boolean": "boolean", "int": "integer", "long": "long", "double": "double",
               "string": "string"}


_VISUAL_KEYS = (("r", "int"), ("g", "int"), ("b", "int"), ("size", "double"),
                ("x", "double"), ("y", "double"))
"""GraphML keys Gephi reads as a node's colour, size and position (not as columns)."""


def to_graphml(graph: nx.MultiDiGraph, refs: Referentials | None = None,
               styles: dict[str, NodeStyle] | None = None,
               elements: GephiElements | None = None) -> bytes:
    """GraphML 1.0 (UTF-8) of :func:`gephi_graph`, valid against the GraphML schema.

    ``elements``: :func:`gephi_elements` of ``graph``, when the caller already
    has them (the report writes GraphML and GEXF from the same ones).
    The map's picture (:func:`node_styles`, by default of ``graph``) is in the
    node keys ``r``, ``g``, ``b``, ``size``, ``x`` and ``y``, which Gephi's
    GraphML importer reads as colour, size and position.

    Notes
    -----
    O(V + E), written as text in one pass per element, plus :func:`node_styles`.
    """
    if styles is None:
        styles = node_styles(graph, refs)
    found = elements or gephi_elements(graph, refs)
    dataset = found.dataset
    node_cols, edge_cols = found.node_columns, found.edge_columns
    node_keys = {name: _token(name) for name in node_cols}
    plans: dict[tuple, list[tuple[str, str]]] = {}
    edge_keys = {name: _token(f"lien_{name}") for name in edge_cols}
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
             'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n']
    # The data set's name: a node column whose default is the name (Gephi
    # reports an error on keys "for" the graph, so none is written).
    parts.append(f'  <key id="{_DATASET}" for="node" attr.name="{_DATASET}" '
                 f'attr.type="string"><default>{_text(dataset)}</default></key>\n')
    for name, kind in node_cols.items():
        parts.append(f'  <key id="{node_keys[name]}" for="node" attr.name="{node_keys[name]}" '
                     f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n')
    if styles:
        parts += [f'  <key id="{name}" for="node" attr.name="{name}" attr.type="{kind}"/>\n'
                  for name, kind in _VISUAL_KEYS if name not in node_keys.values()]
    for name, kind in edge_cols.items():
        parts.append(f'  <key id="{edge_keys[name]}" for="edge" '
                     f'attr.name="{node_keys.get(name) or _token(name)}" '
                     f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n')
    parts.append('  <graph id="G" edgedefault="directed">\n')
    ids = dict(zip([node for node, _ in found.nodes],
                   _tokens([str(node) for node, _ in found.nodes]), strict=True))
    plain = found.plain_text.nodes  # columns written as they are (no search for each text)
    for node, data in found.nodes:
        parts.append(f'    <node id="{ids[node]}">\n')
        parts += [f'      <data key="{node_keys[name]}">'
                  f'{text if name in plain else _text_text(text)}</data>\n'
                  for name, text in _texts(data, node_cols, plans)]
        style = styles.get(node)
        if style is not None:
            r, g, b = _rgb(style.color)
            parts.append(f'      <data key="r">{r}</data><data key="g">{g}</data>'
                         f'<data key="b">{b}</data><data key="size">{style.size}</data>'
                         f'<data key="x">{style.x}</data><data key="y">{style.y}</data>\n')
        parts.append('    </node>\n')
    edge_ids = _tokens([edge_id(str(source), str(target), str(key))
                        for source, target, key, _ in found.edges])
    plain = found.plain_text.edges

    def edge_data(data: dict) -> str:
        return "".join([f'      <data key="{edge_keys[name]}">'
                        f'{text if name in plain else _text_text(text)}</data>\n'
                        for name, text in _texts(data, edge_cols, plans)]) + '    </edge>\n'

    written: dict[int, str] = {}
    for (source, target, _, data), ident in zip(found.edges, edge_ids, strict=True):
        parts.append(f'    <edge id="{ident}" source="{ids[source]}" target="{ids[target]}">\n')
        parts.append(found.edge_text(data, edge_data, written))
    parts.append('  </graph>\n</graphml>\n')
    return utf8(parts)  # encoded a thousand texts at a time


def to_gexf(graph: nx.MultiDiGraph, refs: Referentials | None = None,
            styles: dict[str, NodeStyle] | None = None,
            elements: GephiElements | None = None) -> bytes:
    """GEXF 1.3 (UTF-8) of :func:`gephi_graph`, with the map's ``viz:`` for actors.

    ``elements``: :func:`gephi_elements` of ``graph``, as for :func:`to_graphml`.
    ``styles`` are the actors' colours, sizes and positions; by default
    :func:`node_styles` of ``graph`` (give those of the whole graph when
    ``graph`` is a part of it, so sizes count every service).

    Notes
    -----
    O(V + E), plus :func:`node_styles`.
    """
    refs = refs or referentials()
    if styles is None:
        styles = node_styles(graph, refs)
    found = elements or gephi_elements(graph, refs)
    dataset = found.dataset
    node_cols = {k: v for k, v in found.node_columns.items() if k != "label"}
    edge_cols = {k: v for k, v in found.edge_columns.items() if k != "label"}
    title = _TITLES
    names = {name: _attr(name) for name in (*node_cols, *edge_cols)}
    plans: dict[tuple, list[tuple[str, str]]] = {}
    description = (f"Acteurs du service public de l'insertion et de l'emploi, jeu de données "
                   f"« {dataset} » : {len(found.nodes)} nœuds, {len(found.edges)} liens.")
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n',
             '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" '
             'version="1.3">\n',
             f'  <meta lastmodifieddate="{date.today().isoformat()}">\n'
             '    <creator>spie-graph</creator>\n'
             f'    <keywords>{_text(dataset)}</keywords>\n'
             f'    <description>{_text(description)}</description>\n'
             '  </meta>\n',
             '  <graph mode="static" defaultedgetype="directed">\n',
             '    <attributes class="node" mode="static">\n',
             f'      <attribute id="{_DATASET}" title="{_attr(title[_DATASET])}" type="string">'
             f'<default>{_text(dataset)}</default></attribute>\n']
    for name, kind in node_cols.items():
        parts.append(f'      <attribute id="{_attr(name)}" title="{_attr(title.get(name, name))}"'
                     f' type="{_GEXF_TYPES[kind]}"/>\n')
    parts.append('    </attributes>\n    <attributes class="edge" mode="static">\n')
    for name, kind in edge_cols.items():
        parts.append(f'      <attribute id="{_attr(name)}" title="{_attr(title.get(name, name))}"'
                     f' type="{_GEXF_TYPES[kind]}"/>\n')
    parts.append('    </attributes>\n')
    parts.append(f'    <nodes count="{len(found.nodes)}">\n')
    plain = found.plain_attribute  # written as they are (no search for each text)
    ident_of = str if plain.ids else _attr
    label_of = str if "label" in plain.nodes else _attr
    for node, data in found.nodes:
        parts.append(f'      <node id="{ident_of(node)}" label="{label_of(data["label"])}">\n'
                     '        <attvalues>\n')
        parts += [f'          <attvalue for="{names[name]}" '
                  f'value="{text if name in plain.nodes else _attr_text(text)}"/>\n'
                  for name, text in _texts(data, node_cols, plans)]
        parts.append('        </attvalues>\n')
        style = styles.get(node)
        if style is not None:
            r, g, b = _rgb(style.color)
            parts.append(f'        <viz:color r="{r}" g="{g}" b="{b}"/>\n'
                         f'        <viz:size value="{style.size}"/>\n'
                         f'        <viz:position x="{style.x}" y="{style.y}" z="0.0"/>\n')
        parts.append('      </node>\n')
    parts.append(f'    </nodes>\n    <edges count="{len(found.edges)}">\n')
    edge_label_of = str if "label" in plain.edges else _attr

    def edge_rest(data: dict) -> str:
        """The edge from its label on: what its attributes alone make."""
        rest = [f'{edge_label_of(data["label"])}">\n        <attvalues>\n']
        rest += [f'          <attvalue for="{names[name]}" '
                 f'value="{text if name in plain.edges else _attr_text(text)}"/>\n'
                 for name, text in _texts(data, edge_cols, plans)]
        rest.append('        </attvalues>\n')
        if data.get("relation") == "INTERAGIT":
            line = interaction_style(str(data.get("interaction", "")))
            r, g, b = _rgb(line.color)
            rest.append(f'        <viz:color r="{r}" g="{g}" b="{b}"/>\n'
                        f'        <viz:thickness value="{line.width}"/>\n')
        rest.append('      </edge>\n')
        return "".join(rest)

    written: dict[int, str] = {}
    for source, target, key, data in found.edges:
        ident = edge_id(str(source), str(target), str(key))
        parts.append(f'      <edge id="{ident_of(ident)}" source="{ident_of(source)}" '
                     f'target="{ident_of(target)}" kind="{ident_of(key)}" label="')
        parts.append(found.edge_text(data, edge_rest, written))
    parts.append('    </edges>\n  </graph>\n</gexf>\n')
    return utf8(parts)  # encoded a thousand texts at a time


def to_json(graph: nx.MultiDiGraph) -> str:
    """Node-link JSON read the same by networkx's defaults (any version) and d3.

    Notes
    -----
    ``links`` and ``edges`` hold the same list (see the module's docstring).
    """
    # graph.nodes(data=True) and graph.edges(keys=True, data=True), read from the adjacency
    nodes = [{"id": node, **{("identifiant" if k == "id" else k): v for k, v in data.items()}}
             for node, data in graph._node.items()]
    links = [{"source": source, "target": target, "key": key, **data}
             for source, targets in graph._succ.items() for target, keyed in targets.items()
             for key, data in keyed.items()]
    encode = json_encoder()  # the C encoder made once, not once per node or link
    # One node or link per line, each by the C encoder (indent takes json's pure-Python
    # encoder: several times slower); the links are encoded once for both keys.
    listed = "  " + ",\n  ".join(map(encode, links)) if links else ""
    return "".join([
        '{"directed": true, "multigraph": true, "graph": ', encode(dict(graph.graph)), ',\n',
        '"nodes": [\n', "  " + ",\n  ".join(map(encode, nodes)) if nodes else "", '\n],\n',
        '"links": [\n', listed, '\n],\n"edges": [\n', listed, '\n]}\n'])


def to_kumu(graph: nx.MultiDiGraph, refs: Referentials | None = None) -> bytes:
    """Kumu's import workbook (XLSX): ``Elements`` and ``Connections`` sheets.

    Elements are identified by the canonical node key (``ID`` column), which the
    connections' ``From`` and ``To`` name; connections by :func:`edge_id`. An
    actor's ``Type`` is its family's label (what Kumu colours by); other
    elements' is their kind. A third sheet, ``Lisez-moi (ignore)``, is skipped by
    Kumu's import.
    """
    refs = refs or referentials()
    # Each column at once, from the adjacency itself (graph.nodes and graph.edges' order)
    keys, datas = list(graph._node), list(graph._node.values())
    skip = {"label", "nom", "libelle", "missions", "description", "id", "code"}
    # every attribute in the order first met (dict.fromkeys over every node's keys at once)
    columns = [k for k in dict.fromkeys(chain.from_iterable(datas)) if k not in skip]
    kinds = [data["label"] for data in datas]
    natures = [_KINDS.get(kind, kind) for kind in kinds]
    elements = [
        keys,
        [data.get(_NAME.get(kind, ""), key) for key, kind, data in zip(keys, kinds, datas,
                                                                         strict=True)],
        [data.get("libelle_famille") if kind == "Acteur" else nature
         for kind, nature, data in zip(kinds, natures, datas, strict=True)],
        [data.get("missions") if kind == "Acteur" else data.get("description")
         for kind, data in zip(kinds, datas, strict=True)],
        natures,
        [data.get("id", data.get("code")) for data in datas],
        *(_joined_column([data.get(c) for data in datas]) for c in columns)]
    element_header = ["ID", "Label", "Type", "Description", "Nature", "Identifiant"] + [
        _TITLES.get(c, c) for c in columns]

    edges = [(source, target, key, data) for source, targets in graph._succ.items()
             for target, keyed in targets.items() for key, data in keyed.items()]
    edge_columns = [k for k in dict.fromkeys(chain.from_iterable(data for *_, data in edges))
                    if k not in ("type", "interaction", "description")]
    connections = [
        [edge_id(source, target, key) for source, target, key, _ in edges],
        [source for source, *_ in edges], [target for _, target, *_ in edges],
        [_edge_label(data, refs) for *_, data in edges], ["directed"] * len(edges),
        [data.get("description") for *_, data in edges], [data["type"] for *_, data in edges],
        *(_joined_column([data.get(c) for *_, data in edges]) for c in edge_columns)]
    connection_header = ["ID", "From", "To", "Type", "Direction", "Description", "Relation"] + [
        _TITLES.get(c, c) for c in edge_columns]

    book = Workbook()
    book.add_columns("Elements", element_header, elements, len(keys))
    book.add_columns("Connections", connection_header, connections, len(edges))
    dataset = graph.graph.get("dataset")
    readme = [
        ["Jeu de données", dataset],
        ["Produit le", date.today().strftime("%d/%m/%Y")],
        ["Éléments", len(keys)],
        ["Connexions", len(edges)],
        ["Import dans Kumu", ("Import > Excel : les feuilles Elements et Connections sont "
                              "lues, celle-ci est ignorée. Les colonnes ID permettent de "
                              "réimporter le fichier sans doublons.")],
    ]
    book.add_sheet("Lisez-moi (ignore)", ["Rubrique", "Valeur"], readme)
    return book.to_bytes(f"Import Kumu : {dataset or 'jeu de données'}",
                         "Acteurs et interactions, format d'import de Kumu")


def _joined(value: object) -> object:
    """Kumu reads ``|`` as the separator of multi-valued fields."""
    if isinstance(value, list | tuple):
        return "|".join(map(str, value))
    return value


def _joined_column(values: list[object]) -> list[object]:
    """:func:`_joined` of each value; a column without lists as it is."""
    if any(isinstance(v, list | tuple) for v in values):
        return [_joined(v) for v in values]
    return values


def export_graph(graph: nx.MultiDiGraph, fmt: str, perimetre: str = "complet",
                 refs: Referentials | None = None,
                 territoire: str | None = None) -> str | bytes:
    """The graph in one of :data:`EXPORT_FORMATS`, restricted to a :data:`PERIMETRES`
    (``territoire``: the territory of the perimeter ``territoire``, also the one whose
    actors the map's layout places, as in :func:`node_styles`).

    Raises
    ------
    ArgumentError
        Unknown format or perimeter.
    ExportError
        When the graph holds a value the format cannot write.
    """
    if fmt not in EXPORT_FORMATS:
        raise ArgumentError(f"format d'export inconnu : « {fmt} » (--format). "
                            f"Formats possibles : {', '.join(EXPORT_FORMATS)}")
    part = select(graph, perimetre, territoire)
    try:
        if fmt == "graphml":
            return to_graphml(part, refs, node_styles(graph, refs, part=part))
        if fmt == "gexf":
            return to_gexf(part, refs, node_styles(graph, refs, part=part))
        if fmt == "json":
            return to_json(part)
        return to_kumu(part, refs)
    except (nx.NetworkXError, TypeError, ValueError) as exc:
        raise ExportError(f"export {fmt} impossible : {exc}. Signalez-le avec le jeu de "
                          "données en cause") from exc
