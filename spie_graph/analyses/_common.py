"""What the analyses share: the services and areas of a canonical graph, argument checks.

A service's area is matched to communes through ``FAIT_PARTIE_DE``, as
:mod:`spie_graph.graph.coverage` does, but walked downwards from the territories the
service covers (``COUVRE``) and memoised, so that every analysis reads each
area once. The territory a user asks about is read from the COG (like
:func:`spie_graph.graph.coverage.coverage_parameters`): the graph only holds the
communes of the territories a data set names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from spie_graph.errors import ArgumentError
from spie_graph.reference.checks import check_code, check_territoire
from spie_graph.reference.referentials import Referentials, closest, referentials

__all__ = ["ServiceView", "Areas", "service_views", "reaching", "actor_nodes",
           "interaction_degrees",
           "check_territoire", "check_thematiques", "check_public", "check_acteur",
           "split_codes", "population", "describe_communes", "describe_indices", "names", "share"]

TOUS_PUBLICS = "tous-publics"


@dataclass(frozen=True)
class ServiceView:
    """A service as the analyses read it: codes as sets, its area as communes.

    ``publics`` is empty when the service serves every public.
    """

    id: str
    acteur: str
    thematiques: frozenset[str]
    publics: frozenset[str]
    moments: frozenset[str]
    communes: frozenset[str]
    areas: tuple[str, ...] = ()

    @property
    def tous_publics(self) -> bool:
        return not self.publics

    def serves(self, public: str | None) -> bool:
        """Whether the service serves ``public`` (None: any public)."""
        return public is None or not self.publics or public in self.publics


class Areas:
    """The communes under each territory node of a graph, walked down ``FAIT_PARTIE_DE``.

    Notes
    -----
    Each territory node is expanded once (memoised); the first call on
    ``france`` visits every commune in the graph.
    """

    def __init__(self, graph: nx.MultiDiGraph):
        self._graph = graph
        self._memo: dict[str, frozenset[str]] = {}

    def communes(self, key: str) -> frozenset[str]:
        """The communes of the territory node ``key`` (``Territoire:56``)."""
        found = self._memo.get(key)
        if found is not None:
            return found
        node = self._graph.nodes[key]
        if node.get("niveau") == "commune":
            result = frozenset((node["code"],))
        else:
            parts: set[str] = set()
            for child, _, rel in self._graph.in_edges(key, data="type"):
                if rel == "FAIT_PARTIE_DE":
                    parts |= self.communes(child)
            result = frozenset(parts)
        self._memo[key] = result
        return result

    def covered_by(self, node: str, rel: str) -> frozenset[str]:
        """The communes of every territory ``node`` points to through ``rel``."""
        result: set[str] = set()
        for _, target, kind in self._graph.out_edges(node, data="type"):
            if kind == rel:
                result |= self.communes(target)
        return frozenset(result)


def service_views(graph: nx.MultiDiGraph, areas: Areas | None = None,
                  refs: Referentials | None = None) -> list[ServiceView]:
    """Every service of the graph, sorted by id.

    ``areas`` (walking the graph's ``FAIT_PARTIE_DE``) is only used when given;
    by default a service's communes come from the COG for the territories it
    covers (``COUVRE``), which the canonical graph holds in full: a service
    covering one territory shares that territory's frozenset, never a copy.

    Notes
    -----
    Linear in the services and their ``COUVRE`` edges, plus a union of communes
    for each service covering several territories.
    """
    terr = (refs or referentials()).territoires
    views = []
    # The adjacency as NetworkX holds it (mappings, or a subgraph view's filtered
    # mappings): its read-only views cost more than the reading at 300,000 services.
    nodes, successors = graph._node, graph._succ
    for key, data in nodes.items():
        if data["label"] != "Service":
            continue
        publics = frozenset(data.get("publics") or ()) - {TOUS_PUBLICS}
        codes = tuple(sorted(nodes[target]["code"] for target, keyed in successors[key].items()
                             for edge in keyed.values() if edge["type"] == "COUVRE"))
        if areas is not None:
            communes = areas.covered_by(key, "COUVRE")
        else:
            communes = (terr.communes(codes[0]) if len(codes) == 1
                        else terr.communes_of_all(codes))
        views.append(ServiceView(
            id=data["id"], acteur=data["acteur"],
            thematiques=frozenset(data.get("thematiques") or ()), publics=publics,
            moments=frozenset(data.get("moments") or ()),
            communes=communes, areas=codes,
        ))
    return sorted(views, key=lambda view: view.id)


def reaching(views: list[ServiceView], territoire: str,
             refs: Referentials | None = None) -> list[ServiceView]:
    """The services whose area reaches a territory (at least one of its communes), in order.

    An analysis of a territory (gaps, duplicates) reads only the communes inside
    it: a service reaching none of them adds nothing to any of its answers, so
    the analyses leave those out first (on a national data set, a département
    keeps a few per cent of the services).

    Notes
    -----
    O(c) for the c communes of the territory, then one set lookup per code of
    each service's area: an area reaches the territory when it names one of
    its communes, or the EPCI, département or région of one of them, or France.
    """
    terr = (refs or referentials()).territoires
    if (terr.kind(territoire) or "france") == "france":
        return views
    # The territory's communes and the territories above them: commune codes never
    # collide with the others', so the same set answers for areas and for communes.
    codes = terr.index.meeting(territoire)
    return [view for view in views
            if not codes.isdisjoint(view.areas if view.areas else view.communes)]


def actor_nodes(graph: nx.MultiDiGraph) -> dict[str, dict]:
    """The actors' properties by id, sorted by id."""
    found = {data["id"]: data for _, data in graph.nodes(data=True) if data["label"] == "Acteur"}
    return dict(sorted(found.items()))


def interaction_degrees(graph: nx.MultiDiGraph) -> dict[str, int]:
    """Each actor's number of distinct partners through ``INTERAGIT`` (either direction)."""
    partners: dict[str, set[str]] = {ident: set() for ident in actor_nodes(graph)}
    for source, target, rel in graph.edges(data="type"):
        if rel == "INTERAGIT":
            a, b = graph.nodes[source]["id"], graph.nodes[target]["id"]
            partners[a].add(b)
            partners[b].add(a)
    return {ident: len(found) for ident, found in partners.items()}


# -- arguments ----------------------------------------------------------------

def split_codes(values: Iterable[str] | str | None) -> list[str]:
    """``["mobilite,sante", "se-former"]`` → ``["mobilite", "sante", "se-former"]``."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    codes: list[str] = []
    for value in values:
        for code in re.split(r"[,|;\s]+", value):
            if code and code not in codes:
                codes.append(code)
    return codes


def check_thematiques(codes: Iterable[str], refs: Referentials | None = None,
                      option: str = "--thematiques") -> list[str]:
    """Known thématique codes, in order; :class:`ArgumentError` on the first unknown one."""
    refs = refs or referentials()
    result = []
    for code in codes:
        check_code(code, list(refs.thematiques), "thématique", option, "thematiques")
        result.append(code)
    return result


def check_public(code: str | None, refs: Referentials | None = None,
                 option: str = "--public") -> str | None:
    """A known public code (or None); :class:`ArgumentError` with the closest codes."""
    check_code(code, (refs or referentials()).publics, "public", option, "publics")
    return code


def check_acteur(graph: nx.MultiDiGraph, acteur: str, option: str = "--sans") -> dict:
    """The properties of an actor of the graph; :class:`ArgumentError` with the closest ids."""
    actors = actor_nodes(graph)
    if acteur not in actors:
        near = ", ".join(closest(acteur, list(actors)))
        raise ArgumentError(f"acteur inconnu : « {acteur} » ({option}). Identifiants proches : "
                            f"{near}. Liste : acteurs.csv du jeu de données")
    return actors[acteur]


# -- figures and names ------------------------------------------------------------

def population(communes: Iterable[str], refs: Referentials | None = None) -> int:
    """The COG 2026 population of a set of communes."""
    return (refs or referentials()).territoires.population_of(communes)


def share(part: int, whole: int) -> float:
    """``part / whole`` rounded to 3 decimals (0 when ``whole`` is 0)."""
    return round(part / whole, 3) if whole else 0.0


def describe_communes(communes: Iterable[str], refs: Referentials | None = None) -> list[str]:
    """A short list of COG codes whose union is exactly ``communes``.

    Whole départements first, then whole EPCI, then the remaining communes:
    the 34 communes of an agglomération come back as its SIREN.

    Notes
    -----
    O(c) for c communes, plus the communes of the départements and EPCI met.
    """
    terr = (refs or referentials()).territoires
    left = set(communes)
    kept: list[str] = []
    if left and left >= terr.communes("france"):
        return ["france"]
    for candidates in (sorted({terr.departement_of(c) for c in left}),
                       sorted({e for e in map(terr.epci_of, left) if e})):
        for code in candidates:
            members = terr.communes(code)
            if members <= left:
                kept.append(code)
                left -= members
    return kept + sorted(left)


def describe_indices(indices: np.ndarray, refs: Referentials | None = None) -> list[str]:
    """:func:`describe_communes` for sorted unique commune indices (:class:`CommuneIndex`).

    Same answer, counted with arrays: a département (then an EPCI) is kept when
    all its communes are there.
    """
    refs = refs or referentials()
    index = refs.territoires.index
    if indices.size == len(index):
        return ["france"]
    if indices.size <= 64:  # a few communes: sets cost less than arrays
        return describe_communes(index.to_codes(indices), refs)
    kept: list[str] = []
    rest = indices
    for parent, codes in ((index.departement, index.departements), (index.epci, index.epcis)):
        if rest.size == 0:
            break
        sizes = _sizes(parent, len(codes))
        present = rest[parent[rest] >= 0]
        counts = np.bincount(parent[present], minlength=len(codes))
        whole = np.append(counts == sizes, False)  # index −1 (no parent) reads False
        kept += [codes[i] for i in np.flatnonzero(whole[:-1]).tolist()]
        rest = rest[~whole[parent[rest]]]
    return kept + index.to_codes(rest)


_SIZES: dict[int, np.ndarray] = {}


def _sizes(parent: np.ndarray, count: int) -> np.ndarray:
    found = _SIZES.get(id(parent))
    if found is None:
        found = _SIZES[id(parent)] = np.bincount(parent[parent >= 0], minlength=count)
    return found


_LEVELS = {"france": ("", ""), "region": ("région", "régions"),
           "departement": ("département", "départements"), "epci": ("EPCI", "EPCI"),
           "commune": ("commune", "communes")}


def names(codes: list[str], refs: Referentials | None = None, limit: int = 4) -> str:
    """``Vannes, Séné et 3 autres communes``: the names of territories, one level per list.

    Codes of several levels are listed level by level, each named:
    ``EPCI : CA Lorient Agglomération ; communes : Vannes, Séné et 3 autres``.
    """
    terr = (refs or referentials()).territoires
    by_level: dict[str, list[str]] = {}
    for code in codes:
        # Five characters: a commune, or an unknown code listed with them (no other level's
        # code has five), without asking the COG (overlaps list thousands of communes).
        level = "commune" if len(code) == 5 else (terr.kind(code) or "commune")
        by_level.setdefault(level, []).append(code)

    def listed(level: str, found: list[str]) -> str:
        shown = ", ".join(terr.name(code) for code in found[:limit])
        if len(found) <= limit:
            return shown
        rest = len(found) - limit
        word = _LEVELS[level][0 if rest < 2 else 1]
        return f"{shown} et {rest} {'autre' if rest < 2 else 'autres'} {word}".rstrip()

    if len(by_level) == 1:
        return listed(*next(iter(by_level.items())))
    order = [level for level in _LEVELS if level in by_level]
    return " ; ".join(f"{_LEVELS[level][0 if len(by_level[level]) < 2 else 1]} : "
                      f"{listed(level, by_level[level])}" for level in order)
