"""The previous release's algorithms (commit 6cea188), kept as the reference for parity tests.

Slow but plain: who-covers walks the graph commune by commune, gaps count once
per service × commune, duplicates index every commune of every service per
bucket. The tests check that the fast implementations give the same answers on
generated data sets; the benchmarks time both.
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
                     territoire: str | None = None) -> set[Piece]:
    """The previous release's duplicate groups, as (thématique, moment, publics, services,
    communes)."""
    refs = referentials()
    inside = None
    if territoire is not None:
        inside = refs.territoires.communes(check_territoire(territoire, refs))
    found_all: set[Piece] = set()
    for key, members in sorted(_buckets(service_views(graph), niveau, refs).items()):
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
