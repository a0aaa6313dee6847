"""The previous release's algorithms (commit 6cea188), kept as the reference for parity tests.

Slow but plain: who-covers walks the graph commune by commune, gaps count once
per service × commune, duplicates index every commune of every service per
bucket; the network analysis runs NetworkX's algorithms node by node. The tests
check that the fast implementations give the same answers on generated data
sets; the benchmarks time both.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

import networkx as nx

from spie_graph.analyses._common import (
    TOUS_PUBLICS,
    Areas,
    ServiceView,
    check_public,
    check_territoire,
    check_thematiques,
)
from spie_graph.analyses.gaps import GapRow, Gaps, MomentGap, territory_units
from spie_graph.analyses.network import ActorRole, Betweenness, Network
from spie_graph.graph.build import default_territory, node_key
from spie_graph.graph.coverage import CoverageQuery, CoverageRow, coverage_parameters, finish_rows
from spie_graph.reference.referentials import Referentials, referentials

# -- who-covers ---------------------------------------------------------------------------

def _ancestors(graph: nx.MultiDiGraph, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for _, parent, data in graph.out_edges(todo.pop(), data=True):
            if data["type"] == "FAIT_PARTIE_DE" and parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _targets(graph: nx.MultiDiGraph, node: str, rel: str) -> set[str]:
    return {graph.nodes[t].get("code") for _, t, d in graph.out_edges(node, data=True)
            if d["type"] == rel}


def _service_matches(graph: nx.MultiDiGraph, service: str, params: dict) -> bool:
    if _targets(graph, service, "TRAITE").isdisjoint(params["thematiques"]):
        return False
    if params["publics"] is not None and _targets(graph, service, "CIBLE").isdisjoint(
            params["publics"]):
        return False
    return params["moment"] is None or params["moment"] in graph.nodes[service].get("moments", [])


def who_covers(graph: nx.MultiDiGraph, query: CoverageQuery) -> list[CoverageRow]:
    params = coverage_parameters(query)
    covered: dict[str, set[str]] = defaultdict(set)
    for commune in params["communes"]:
        key = node_key("Territoire", commune)
        if key not in graph:
            continue
        for zone in _ancestors(graph, key):
            for service, _, data in graph.in_edges(zone, data=True):
                if data["type"] == "COUVRE":
                    covered[service].add(commune)
    raw = []
    for service, communes in covered.items():
        if not _service_matches(graph, service, params):
            continue
        s = graph.nodes[service]
        a = graph.nodes[node_key("Acteur", s["acteur"])]
        raw.append({
            "acteur": a["id"], "nom_acteur": a["nom"], "famille": a["famille"],
            "service": s["id"], "nom_service": s["nom"], "thematiques": s["thematiques"],
            "publics": s.get("publics", []), "moments": s.get("moments", []),
            "territoire": s["territoire"], "communes_couvertes": len(communes),
            "population_couverte": sum(
                graph.nodes[node_key("Territoire", c)]["population"] for c in communes),
            "frais": s.get("frais"), "modes_mobilisation": s.get("modes_mobilisation", []),
            "mobilisable_par": s.get("mobilisable_par", []),
            "conditions_acces": s.get("conditions_acces"),
            "score_qualite": s.get("score_qualite"), "date_maj": s.get("date_maj"),
        })
    return finish_rows(raw, params)


# -- services -----------------------------------------------------------------------------

def service_views(graph: nx.MultiDiGraph) -> list[ServiceView]:
    """The services with their communes found by walking the graph down."""
    areas = Areas(graph)
    views = []
    for key, data in graph.nodes(data=True):
        if data["label"] != "Service":
            continue
        publics = frozenset(data.get("publics") or ()) - {TOUS_PUBLICS}
        views.append(ServiceView(
            id=data["id"], acteur=data["acteur"],
            thematiques=frozenset(data.get("thematiques") or ()), publics=publics,
            moments=frozenset(data.get("moments") or ()),
            communes=areas.covered_by(key, "COUVRE"),
        ))
    return sorted(views, key=lambda view: view.id)


# -- gaps ---------------------------------------------------------------------------------

def _count(views: Iterable[ServiceView], units: list, keys_of: Callable) -> Counter:
    unit_of = {commune: index for index, (_, members) in enumerate(units) for commune in members}
    inside = frozenset(unit_of)
    counts: Counter = Counter()
    for view in views:
        keys = list(keys_of(view))
        if not keys:
            continue
        for index in {unit_of[c] for c in view.communes & inside}:
            for key in keys:
                counts[index, key] += 1
    return counts


def gaps(graph: nx.MultiDiGraph, territoire: str | None = None, *, niveau: str = "commune",
         thematiques: Iterable[str] | None = None, public: str | None = None,
         sans: Iterable[str] = ()) -> Gaps:
    refs = referentials()
    terr = refs.territoires
    code = check_territoire(territoire or default_territory(graph), refs)
    checked = check_thematiques(list(thematiques or refs.besoins_spie), refs)
    check_public(public, refs)
    units = territory_units(code, niveau, refs)
    left_out = set(sans)
    kept = [v for v in service_views(graph) if v.acteur not in left_out and v.serves(public)]
    match = {t: refs.matching_thematiques(t) for t in checked}
    by_theme = _count(kept, units, lambda v: [t for t in checked if v.thematiques & match[t]])
    by_moment = _count(kept, units, lambda v: [m for m in refs.moments if m in v.moments])
    people = [sum(terr.population(c) for c in members) for _, members in units]
    rows = [GapRow(territoire=unit, nom_territoire=terr.name(unit), thematique=theme,
                   population=people[i], nb_services=by_theme[i, theme])
            for i, (unit, _) in enumerate(units) for theme in checked]
    rows.sort(key=lambda r: (r.nb_services > 0, r.nb_services, -r.population, r.territoire,
                             checked.index(r.thematique)))
    moments = [MomentGap(territoire=unit, nom_territoire=terr.name(unit), moment=moment,
                         population=people[i])
               for i, (unit, _) in enumerate(units) for moment in refs.moments
               if by_moment[i, moment] == 0]
    moments.sort(key=lambda m: (-m.population, m.territoire, list(refs.moments).index(m.moment)))
    return Gaps(territoire=code, niveau=niveau, thematiques=checked, public=public,
                sans=sorted(left_out), lignes=rows, moments_sans_service=moments)


# -- duplicates: the groups before merging (thématique, moment, publics, communes) ---------

Piece = tuple[str, str, tuple[str, ...], tuple[str, ...], frozenset[str]]


def _buckets(views: Iterable[ServiceView], niveau: str, refs: Referentials) -> dict:
    buckets: dict = defaultdict(list)
    for view in views:
        themes = view.thematiques
        if niveau == "categorie":
            themes = frozenset(refs.thematiques[t].categorie for t in themes)
        for theme in themes:
            for moment in view.moments:
                buckets[theme, moment].append(view)
    return buckets


def _pieces(members: list[ServiceView], inside: frozenset[str] | None) -> dict:
    reached: dict[str, list[int]] = defaultdict(list)
    for index, view in enumerate(members):
        for commune in (view.communes if inside is None else view.communes & inside):
            reached[commune].append(index)
    pieces: dict[tuple[int, ...], set[str]] = defaultdict(set)
    for commune, found in reached.items():
        if len(found) > 1:
            pieces[tuple(found)].add(commune)
    result = {}
    for indexes, communes in pieces.items():
        piece = tuple(members[i] for i in indexes)
        if len({v.acteur for v in piece}) > 1:
            result[piece] = communes
    return result


def _by_public(piece: tuple[ServiceView, ...]) -> Iterable[tuple[str, tuple[ServiceView, ...]]]:
    publics = sorted(set().union(*(v.publics for v in piece))) + [TOUS_PUBLICS]
    for public in publics:
        serving = tuple(v for v in piece
                        if (v.tous_publics if public == TOUS_PUBLICS else v.serves(public)))
        if len({v.acteur for v in serving}) > 1:
            yield public, serving


def duplicate_pieces(graph: nx.MultiDiGraph, *, niveau: str = "thematique",
                     territoire: str | None = None,
                     only: Callable[[ServiceView], bool] | None = None) -> set[Piece]:
    """The previous release's duplicate groups, as (thématique, moment, publics, services,
    communes); ``only``: among these services only."""
    refs = referentials()
    inside = None
    if territoire is not None:
        inside = refs.territoires.communes(check_territoire(territoire, refs))
    found_all: set[Piece] = set()
    views = [v for v in service_views(graph) if only is None or only(v)]
    for key, members in sorted(_buckets(views, niveau, refs).items()):
        if len({v.acteur for v in members}) < 2:
            continue
        found: dict = defaultdict(lambda: defaultdict(set))
        for piece, communes in _pieces(members, inside).items():
            for public, serving in _by_public(piece):
                found[serving][public] |= communes
        for serving, by_public in found.items():
            same: dict[frozenset[str], list[str]] = defaultdict(list)
            for public, communes in by_public.items():
                same[frozenset(communes)].append(public)
            for communes, publics in same.items():
                found_all.add((key[0], key[1], tuple(sorted(publics)),
                               tuple(sorted(v.id for v in serving)), communes))
    return found_all


# -- network: NetworkX's own algorithms, node by node (before the array kernels) -----------

def interaction_graph(graph: nx.MultiDiGraph) -> nx.Graph:
    """The interaction graph, read from every edge of the canonical graph."""
    result = nx.Graph()
    for data in sorted((d for _, d in graph.nodes(data=True) if d["label"] == "Acteur"),
                       key=lambda d: d["id"]):
        result.add_node(data["id"], nom=data["nom"], famille=data["famille"])
    links: dict[tuple[str, str], set[str]] = {}
    for source, target, data in graph.edges(data=True):
        if data["type"] == "INTERAGIT":
            pair = tuple(sorted((graph.nodes[source]["id"], graph.nodes[target]["id"])))
            links.setdefault(pair, set()).add(data["interaction"])
    for (a, b), kinds in sorted(links.items()):
        result.add_edge(a, b, weight=len(kinds), interactions=sorted(kinds))
    return result


def network(graph: nx.MultiDiGraph, *, seuil_exact: int, k: int, graine: int,
            seuil_louvain: int, budget: int) -> Network:
    """The previous release's ``network``: NetworkX betweenness, Louvain or label
    propagation and modularity, every role validated by pydantic."""
    g = interaction_graph(graph)
    n = g.number_of_nodes()
    if n <= seuil_exact:
        between = nx.betweenness_centrality(g)
        method = Betweenness(methode="exacte", seuil_exact=seuil_exact)
    else:
        sample = min(k, n, max(10, budget // max(g.number_of_edges(), 1)))
        between = nx.betweenness_centrality(g, k=sample, seed=graine)
        method = Betweenness(methode="echantillon", k=sample, graine=graine,
                             seuil_exact=seuil_exact)
    linked = g.subgraph([v for v, d in g.degree() if d > 0])
    groups: list[list[str]] = []
    if linked.number_of_edges():
        found = (nx.community.label_propagation_communities(linked)
                 if linked.number_of_nodes() > seuil_louvain
                 else nx.community.louvain_communities(linked, weight="weight", seed=graine))
        groups = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    modularity = 0.0
    if groups:
        members = g.subgraph([v for group in groups for v in group])
        modularity = round(nx.community.modularity(members, groups, weight="weight"), 4)
    articulation = set(nx.articulation_points(g))
    community_of = {v: i for i, group in enumerate(groups, 1) for v in group}
    triangles = nx.triangles(g)
    scale = max(n - 1, 1)
    values = [between[v] for v, d in g.degree() if d > 0]
    mean = sum(values) / len(values) if values else 0.0
    roles = []
    for v, data in g.nodes(data=True):
        d = g.degree(v)
        reached = {community_of[p] for p in g[v]}
        roles.append(ActorRole(
            acteur=v, nom=data["nom"], famille=data["famille"], degre=d,
            centralite_degre=round(d / scale, 4), intermediarite=round(between[v], 4),
            taille_effective=round(d - 2 * triangles[v] / d, 4) if d else 0.0,
            communaute=community_of.get(v), communautes_reliees=len(reached),
            courtier=len(reached) > 1 and between[v] > mean,
            point_articulation=v in articulation, isole=d == 0))
    roles.sort(key=lambda r: (-r.degre, -r.intermediarite, r.acteur))
    degrees = [d for _, d in g.degree()]
    return Network(
        nb_acteurs=n, nb_liens=g.number_of_edges(), densite=round(nx.density(g), 4),
        centralisation_degre=(round(sum(max(degrees) - d for d in degrees)
                                    / ((n - 1) * (n - 2)), 4) if n >= 3 else 0.0),
        intermediarite=method, acteurs_pilotes=[r.acteur for r in roles if r.degre > 0][:5],
        courtiers=[r.acteur for r in sorted(roles, key=lambda r: (-r.intermediarite, r.acteur))
                   if r.courtier],
        points_articulation=sorted(articulation),
        acteurs_isoles=sorted(r.acteur for r in roles if r.isole), communautes=groups,
        communautes_methode=("propagation-etiquettes" if linked.number_of_nodes() > seuil_louvain
                             else "louvain"),
        modularite=modularity, acteurs=roles)
