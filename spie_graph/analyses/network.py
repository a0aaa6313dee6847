"""Network roles: who holds the partnership together, and what breaks if an actor leaves.

The interaction graph is undirected and simple: one node per actor (every
actor, isolated or not), one edge per pair of actors that interact, whatever
the direction and however many interaction types (its ``weight``). On it:

- density and Freeman's degree centralization, the whole-network figures a
  partnership coordinator reads (as in the PARTNER tool);
- each actor's degree and betweenness: exact up to ``seuil_exact`` actors,
  estimated from ``k`` sampled sources (fixed seed) above, and the answer
  says which (exact betweenness is O(n·m): about 15 minutes at 10,000 actors);
- lead actors (highest degree), brokers (actors whose partners fall in several
  communities and whose betweenness is above the mean of the actors that
  interact), articulation points (actors whose departure splits the
  network), isolated actors, Louvain communities (fixed seed);
- Burt's effective size from triangle counts (Borgatti's formula for
  undirected unweighted graphs): never NetworkX's ``effective_size`` on every
  node, which builds a dense n×n matrix.

:func:`without_actor` answers « what if this actor left? »: the needs and
territories only it covered (through :func:`~spie_graph.analyses.gaps.gaps`),
the links that break and the actors cut off from the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import networkx as nx
import numpy as np
from pydantic import BaseModel

from spie_graph.analyses import _network_arrays as arrays
from spie_graph.analyses._common import actor_nodes, check_acteur, service_views
from spie_graph.analyses.gaps import GapRow, MomentGap, gaps
from spie_graph.graph.keys import actor_edges
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.sources.model import checked
from spie_graph.store.cache import collector_paused

__all__ = ["ActorRole", "Betweenness", "Network", "BrokenLink", "WithoutActor",
           "interaction_graph", "degree_centralization", "betweenness", "effective_sizes",
           "communities", "network", "without_actor"]

SEUIL_EXACT = 1000
K_ECHANTILLON = 200
GRAINE = 42
BUDGET_ECHANTILLON = 1_000_000
"""Sampled betweenness runs at most about this many edge visits (k·m): above
5,000 links, fewer than ``K_ECHANTILLON`` sources are drawn (10 at least)."""
SEUIL_LOUVAIN = 20_000
"""Above this many actors that interact, communities come from label propagation
(linear, deterministic) instead of Louvain; ``Network.communautes_methode`` says which."""


class ActorRole(BaseModel):
    """An actor's place in the interaction network."""

    acteur: str
    nom: str
    famille: str
    degre: int
    centralite_degre: float
    intermediarite: float
    taille_effective: float
    communaute: int | None
    communautes_reliees: int
    courtier: bool
    point_articulation: bool
    isole: bool


class Betweenness(BaseModel):
    """How betweenness was computed: ``exacte``, or ``echantillon`` of ``k`` sources."""

    methode: str
    k: int | None = None
    graine: int | None = None
    seuil_exact: int


class Network(BaseModel):
    """The whole network's figures and every actor's role."""

    nb_acteurs: int
    nb_liens: int
    densite: float
    centralisation_degre: float
    intermediarite: Betweenness
    acteurs_pilotes: list[str]
    courtiers: list[str]
    points_articulation: list[str]
    acteurs_isoles: list[str]
    communautes: list[list[str]]
    communautes_methode: str = "louvain"
    modularite: float
    acteurs: list[ActorRole]


class BrokenLink(BaseModel):
    """A link that breaks when an actor leaves, with its interaction types."""

    source: str
    cible: str
    interactions: list[str]


class WithoutActor(BaseModel):
    """What the network and the coverage lose if ``acteur`` leaves."""

    acteur: str
    nom: str
    point_articulation: bool
    liens_rompus: list[BrokenLink]
    acteurs_isoles: list[str]
    acteurs_coupes: list[str]
    lacunes_nouvelles: list[GapRow]
    moments_sans_service_nouveaux: list[MomentGap]


def _current(edge: dict, day: date | None) -> bool:
    if day is None:
        return True
    start, end = edge.get("depuis"), edge.get("jusqu_a")
    return (not start or start <= day.isoformat()) and (not end or end >= day.isoformat())


def _links(graph: nx.MultiDiGraph, day: date | None) -> dict[tuple[str, str], set[str]]:
    """The interaction types of every pair of actors (ids sorted within the pair)."""
    links: dict[tuple[str, str], set[str]] = {}
    nodes = graph._node
    for key, target, edge in actor_edges(graph):
        if edge["type"] == "INTERAGIT" and (day is None or _current(edge, day)):
            source, other = nodes[key]["id"], nodes[target]["id"]
            pair = (source, other) if source < other else (other, source)
            found = links.get(pair)
            if found is None:
                links[pair] = {edge["interaction"]}
            else:
                found.add(edge["interaction"])
    return links


def interaction_graph(graph: nx.MultiDiGraph, day: date | None = None) -> nx.Graph:
    """The undirected, simple interaction graph of the actors.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The canonical graph.
    day : datetime.date, optional
        Keep only the interactions running that day (``depuis``/``jusqu_a``).

    Returns
    -------
    networkx.Graph
        Nodes: actor ids (``nom``, ``famille``), sorted, so that results do
        not depend on the store the graph came from. Edge ``weight``: the
        number of interaction types between the pair; ``interactions``: them.

    Notes
    -----
    O(n log n + m log m) for n actors and m interactions (only the actors'
    outgoing edges are read).
    """
    return _graph_of(actor_nodes(graph), sorted(_links(graph, day).items()))


def _graph_of(actors: dict[str, dict], links: list[tuple[tuple[str, str], set[str]]]
              ) -> nx.Graph:
    """:func:`interaction_graph` from the actors and their sorted links."""
    result = nx.Graph()
    result.add_nodes_from((ident, {"nom": data["nom"], "famille": data["famille"]})
                          for ident, data in actors.items())
    result.add_edges_from((a, b, {"weight": len(kinds), "interactions": sorted(kinds)})
                          for (a, b), kinds in links)
    return result


def _linked_graph_of(actors: dict[str, dict], links: list[tuple[tuple[str, str], set[str]]],
                     keep: list[str]) -> nx.Graph:
    """``_graph_of(actors, links).subgraph(keep)`` for ``keep``, the actors with a link in
    the actors' order, as a graph of its own: Louvain reads it a third faster than the
    view (NetworkX's views filter every node and neighbour they give).

    The same graph in the same order: leaving out actors without a link changes no
    other actor's neighbours, and the view gives the nodes in the graph's order. Except
    when fewer than half of the actors have a link: the view then gives its nodes in the
    order of a set (NetworkX's ``show_nodes``), which this graph could not follow; the
    view is kept there.
    """
    if 2 * len(keep) < len(actors):
        return _graph_of(actors, links).subgraph(keep)
    return _graph_of({ident: actors[ident] for ident in keep}, links)


def _adjacency_of(nodes: list[str], links: list[tuple[tuple[str, str], set[str]]]
                  ) -> arrays.Adjacency:
    """:func:`_adjacency` of :func:`interaction_graph`, from its sorted nodes and links,
    without building the NetworkX graph (its edges come in that order too)."""
    position = {node: i for i, node in enumerate(nodes)}
    heads = [position[a] for (a, _), _ in links]
    tails = [position[b] for (_, b), _ in links]
    weights = [len(kinds) for _, kinds in links]
    return arrays.Adjacency.of_edges(len(nodes), heads, tails, weights)


def _adjacency(network_graph: nx.Graph) -> tuple[list[str], arrays.Adjacency]:
    """The nodes of an interaction graph in its order, and its edges as arrays."""
    nodes = list(network_graph)
    position = {node: i for i, node in enumerate(nodes)}
    heads, tails, weights = [], [], []
    for a, b, weight in network_graph.edges(data="weight", default=1):
        heads.append(position[a])
        tails.append(position[b])
        weights.append(weight)
    return nodes, arrays.Adjacency.of_edges(len(nodes), heads, tails, weights)


def degree_centralization(network_graph: nx.Graph) -> float:
    """Freeman's degree centralization: 1 for a star, 0 when every degree is equal.

    ``Σ (d_max − d_i) / ((n − 1)(n − 2))``, over the n nodes; 0 below 3 nodes.

    Notes
    -----
    O(n).
    """
    return _centralization([d for _, d in network_graph.degree()])


def _centralization(degrees: list[int]) -> float:
    n = len(degrees)
    if n < 3:
        return 0.0
    top = max(degrees)
    return round(sum(top - d for d in degrees) / ((n - 1) * (n - 2)), 4)


def betweenness(network_graph: nx.Graph, seuil_exact: int = SEUIL_EXACT,
                k: int = K_ECHANTILLON, graine: int = GRAINE) -> tuple[dict[str, float],
                                                                      Betweenness]:
    """Normalised betweenness: exact up to ``seuil_exact`` nodes, else sampled.

    The values of ``networkx.betweenness_centrality`` (the same sources for
    a sample), computed on arrays (:func:`._network_arrays.betweenness`).

    Notes
    -----
    Exact: O(n·m) (Brandes). Sampled: O(k·m), from ``k`` sources drawn with
    the seed ``graine``, so that two runs agree; ``k`` shrinks (10 at least) so
    that k·m stays under ``BUDGET_ECHANTILLON``, and the answer gives the ``k`` used.
    """
    nodes, adjacency = _adjacency(network_graph)
    values, method = _betweenness(nodes, adjacency, seuil_exact, k, graine)
    return dict(zip(nodes, values.tolist(), strict=True)), method


def _betweenness(nodes: list[str], adjacency: arrays.Adjacency, seuil_exact: int, k: int,
                 graine: int) -> tuple[np.ndarray, Betweenness]:
    n = len(nodes)
    if n <= seuil_exact:
        return (arrays.betweenness(adjacency),
                Betweenness(methode="exacte", seuil_exact=seuil_exact))
    links = max(adjacency.heads.size, 1)
    sample = min(k, n, max(10, BUDGET_ECHANTILLON // links))
    position = {node: i for i, node in enumerate(nodes)}
    sources = np.array([position[s] for s in arrays.sample_sources(nodes, sample, graine)],
                       dtype=np.int64)
    return (arrays.betweenness(adjacency, sources),
            Betweenness(methode="echantillon", k=sample, graine=graine, seuil_exact=seuil_exact))


def effective_sizes(network_graph: nx.Graph) -> dict[str, float]:
    """Burt's effective size of every node: ``d − 2t/d`` (t: ties among its d partners).

    Equal to ``networkx.effective_size`` on an undirected unweighted graph,
    without its dense n×n matrix; 0 for an isolated node.

    Notes
    -----
    The cost of counting triangles (:func:`._network_arrays.triangles`), O(m·√m) at worst.
    """
    nodes, adjacency = _adjacency(network_graph)
    return dict(zip(nodes, _effective_sizes(adjacency), strict=True))


def _effective_sizes(adjacency: arrays.Adjacency) -> list[float]:
    triangles = arrays.triangles(adjacency).tolist()
    return [round(d - 2 * t / d, 4) if d else 0.0
            for d, t in zip(adjacency.degree.tolist(), triangles, strict=True)]


def communities(network_graph: nx.Graph, graine: int = GRAINE) -> list[list[str]]:
    """Louvain communities of the actors that interact, largest first.

    Isolated actors belong to no community. The seed makes the answer stable.
    Above ``SEUIL_LOUVAIN`` actors that interact, semi-synchronous label
    propagation (deterministic, linear; NetworkX's
    ``label_propagation_communities`` computed on arrays) replaces Louvain.

    Notes
    -----
    About O(m) per pass of the Louvain method, a few passes in practice;
    O(m log m) per round of label propagation.
    """
    nodes, adjacency = _adjacency(network_graph)
    return _communities(network_graph.subgraph, nodes, adjacency, graine)


def _communities(linked_graph: Callable[[list[str]], nx.Graph], nodes: list[str],
                 adjacency: arrays.Adjacency, graine: int) -> list[list[str]]:
    """:func:`communities`; ``linked_graph`` gives the NetworkX graph of the actors that
    interact (as ``subgraph`` of the interaction graph gives it) when Louvain needs it."""
    linked = np.flatnonzero(adjacency.degree > 0)
    if linked.size == 0:
        return []
    if linked.size > SEUIL_LOUVAIN:
        found: Iterable[Iterable[str]] = (
            [nodes[i] for i in group.tolist()]
            for group in arrays.label_propagation(adjacency, linked))
    else:
        found = _louvain(linked_graph([nodes[i] for i in linked.tolist()]), graine)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def _louvain(linked: nx.Graph, graine: int) -> list[set[str]]:
    """``networkx.community.louvain_communities(linked, weight="weight", seed=graine)``, by
    :func:`._network_arrays.louvain` when the weights are integers (the interaction
    graph's: its numbers of kinds of interaction), else by NetworkX."""
    nodes = list(linked)
    position = {node: i for i, node in enumerate(nodes)}
    edges = [(position[a], position[b], w)
             for a, b, w in linked.edges(data="weight", default=1)]
    if not all(w.__class__ is int for _, _, w in edges):
        return nx.community.louvain_communities(linked, weight="weight", seed=graine)
    return [{nodes[i] for i in community}
            for community in arrays.louvain(len(nodes), edges, graine)]


def _modularity(adjacency: arrays.Adjacency, community: np.ndarray) -> float:
    """``networkx.community.modularity`` of the communities (weighted), 4 decimals."""
    if not (community >= 0).any():
        return 0.0
    return round(arrays.modularity(adjacency, community), 4)


def network(graph: nx.MultiDiGraph, *, seuil_exact: int = SEUIL_EXACT, k: int = K_ECHANTILLON,
            graine: int = GRAINE, day: date | None = None, nb_pilotes: int = 5) -> Network:
    """The roles of the actors in the interaction network.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The canonical graph.
    seuil_exact : int
        Largest number of actors for which betweenness is exact.
    k, graine : int
        Sources sampled, and the seed, above that size.
    day : datetime.date, optional
        Keep only the interactions running that day.
    nb_pilotes : int
        How many lead actors (highest degree, then betweenness) to name.

    Returns
    -------
    Network
        ``acteurs`` sorted by degree, then betweenness, then id.

    Notes
    -----
    Dominated by betweenness: O(n·m) up to ``seuil_exact`` actors, O(k·m)
    above; the rest is O(m·d_max) (triangles, articulation points in O(n + m),
    Louvain about O(m) per pass, label propagation O(m log m) per round).
    Betweenness, label propagation and modularity run on arrays
    (:mod:`._network_arrays`), with NetworkX's answers.
    """
    # 100,000 roles and dicts, no cycle: the collector would only walk the graph again.
    with collector_paused():
        return _network(graph, seuil_exact, k, graine, day, nb_pilotes)


def _network(graph: nx.MultiDiGraph, seuil_exact: int, k: int, graine: int, day: date | None,
             nb_pilotes: int) -> Network:
    # The arrays straight from the actors and their links: the NetworkX graph (1.5 s at
    # 100,000 actors) is built only when Louvain needs it.
    actors = actor_nodes(graph)
    links = sorted(_links(graph, day).items())
    nodes = list(actors)
    adjacency = _adjacency_of(nodes, links)
    between, method = _betweenness(nodes, adjacency, seuil_exact, k, graine)
    groups = _communities(lambda keep: _linked_graph_of(actors, links, keep), nodes,
                          adjacency, graine)
    position = {node: i for i, node in enumerate(nodes)}
    community = np.full(len(nodes), -1, dtype=np.int64)
    for number, group in enumerate(groups):
        community[[position[node] for node in group]] = number
    articulation = {nodes[i] for i in arrays.articulation_points(adjacency).tolist()}
    roles = _roles(actors, adjacency, between, community, articulation)
    n, m = len(nodes), len(links)
    return Network.model_construct(
        nb_acteurs=n, nb_liens=m,
        densite=round(m / (n * (n - 1)) * 2, 4) if n > 1 else 0.0,  # as networkx.density
        centralisation_degre=_centralization(adjacency.degree.tolist()),
        intermediarite=method,
        acteurs_pilotes=[r.acteur for r in roles if r.degre > 0][:nb_pilotes],
        courtiers=[r.acteur for r in sorted(roles, key=lambda r: (-r.intermediarite, r.acteur))
                   if r.courtier],
        points_articulation=sorted(articulation),
        acteurs_isoles=sorted(r.acteur for r in roles if r.isole),
        communautes=groups, modularite=_modularity(adjacency, community), acteurs=roles,
        communautes_methode=("propagation-etiquettes"
                             if sum(len(c) for c in groups) > SEUIL_LOUVAIN else "louvain"),
    )


def _roles(actors: dict[str, dict], adjacency: arrays.Adjacency, between: np.ndarray,
           community: np.ndarray, articulation: set[str]) -> list[ActorRole]:
    """Every actor's role, by degree, then betweenness, then id.

    A broker's partners fall in two communities or more, and its betweenness is
    above the mean of the actors that interact. Built from trusted arrays
    (:func:`~spie_graph.sources.model.checked`: 100,000 roles at national scale).
    """
    nodes = list(actors)
    sizes = _effective_sizes(adjacency)
    scale = max(len(nodes) - 1, 1)
    degree = adjacency.degree.tolist()
    values = between.tolist()
    linked = [v for v, d in zip(values, degree, strict=True) if d > 0]
    mean = sum(linked) / len(linked) if linked else 0.0
    owners, partners = adjacency.neighbours(np.arange(len(nodes)))
    pairs = np.unique(owners * (len(nodes) + 1) + community[partners])
    reached = np.bincount(pairs // (len(nodes) + 1), minlength=len(nodes)).tolist()
    number = community.tolist()
    roles = []
    for i, (node, data) in enumerate(actors.items()):
        d = degree[i]
        roles.append(checked(ActorRole, dict(  # the fields in their order
            acteur=node, nom=data["nom"], famille=data["famille"], degre=d,
            centralite_degre=round(d / scale, 4),
            intermediarite=round(values[i], 4), taille_effective=sizes[i],
            communaute=number[i] + 1 if number[i] >= 0 else None,
            communautes_reliees=reached[i],
            courtier=reached[i] > 1 and values[i] > mean,
            point_articulation=node in articulation, isole=d == 0,
        )))
    return sorted(roles, key=lambda r: (-r.degre, -r.intermediarite, r.acteur))


def _cut_off(g: nx.Graph, acteur: str) -> tuple[list[str], list[str], bool]:
    """Partners left with no link, actors no longer in the largest remaining piece, and
    whether the actor's piece splits (an articulation point)."""
    partners = list(g[acteur])
    component = nx.node_connected_component(g, acteur) - {acteur}
    rest = g.subgraph(component)
    pieces = sorted(nx.connected_components(rest), key=lambda p: (-len(p), min(p)))
    isolated = sorted(p for p in partners if rest.degree(p) == 0)
    cut = sorted(node for piece in pieces[1:] for node in piece)
    return isolated, cut, len(pieces) > 1


def without_actor(graph: nx.MultiDiGraph, acteur: str, *, territoire: str | None = None,
                  niveau: str = "commune", thematiques: Iterable[str] | None = None,
                  day: date | None = None, refs: Referentials | None = None) -> WithoutActor:
    """What is lost if ``acteur`` leaves: coverage that only it gave, links, connectivity.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The canonical graph.
    acteur : str
        The id of the actor who leaves.
    territoire, niveau, thematiques
        As for :func:`~spie_graph.analyses.gaps.gaps`.
    day : datetime.date, optional
        Keep only the interactions running that day.

    Returns
    -------
    WithoutActor
        ``lacunes_nouvelles``: the rows covered before and by no one after,
        most populated first; ``acteurs_coupes``: actors of its piece of the
        network no longer in the largest remaining piece.

    Raises
    ------
    ArgumentError
        For an unknown actor (with the closest ids), territory or thématique.

    Notes
    -----
    Two runs of :func:`gaps` (O(s·t·c)), plus O(n + m) for the network.
    """
    refs = refs or referentials()
    data = check_acteur(graph, acteur)
    views = service_views(graph)
    # A list: both runs read the thématiques (a generator would be empty for the second).
    themes = None if thematiques is None else list(thematiques)
    before = gaps(graph, territoire, niveau=niveau, thematiques=themes, views=views, refs=refs)
    after = gaps(graph, territoire, niveau=niveau, thematiques=themes, sans=[acteur],
                 views=views, refs=refs)
    covered = {(r.territoire, r.thematique) for r in before.lignes if r.nb_services > 0}
    reached = {(m.territoire, m.moment) for m in before.moments_sans_service}
    g = interaction_graph(graph, day)
    isolated, cut, splits = _cut_off(g, acteur)
    links = [BrokenLink(source=acteur, cible=other, interactions=g[acteur][other]["interactions"])
             for other in sorted(g[acteur])]
    return WithoutActor(
        acteur=acteur, nom=data["nom"],
        point_articulation=splits,
        liens_rompus=links, acteurs_isoles=isolated, acteurs_coupes=cut,
        lacunes_nouvelles=[r for r in after.lacunes if (r.territoire, r.thematique) in covered],
        moments_sans_service_nouveaux=[m for m in after.moments_sans_service
                                       if (m.territoire, m.moment) not in reached],
    )
