"""Duplicated services: several actors offering the same accompaniment to the same people.

The AMI SPIE asks for no duplicated accompaniment. A group is a set of
services of at least two actors that share a thématique (or a category), a
moment of the parcours, a public (a service with no public, or
``tous-publics``, serves every public) and communes. Services are grouped
first, never compared pair by pair:

1. bucket the services by (thématique, moment);
2. in a bucket, index communes by the services that reach them: communes
   reached by the same services form one piece of overlap;
3. in a piece, keep for each public the services that serve it.

Each commune of a bucket belongs to one piece, so the population of the
groups of one public is never counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import networkx as nx
from pydantic import BaseModel

from spie_graph.analyses._common import (
    TOUS_PUBLICS,
    ServiceView,
    check_territoire,
    describe_communes,
    names,
    population,
    service_views,
    share,
)
from spie_graph.errors import ArgumentError
from spie_graph.reference.referentials import Referentials, referentials

__all__ = ["NIVEAUX", "DuplicateGroup", "duplicates"]

NIVEAUX = ("thematique", "categorie")


class DuplicateGroup(BaseModel):
    """Services of several actors with the same thématique, moment, public and area.

    ``territoire`` is the overlap as few COG codes as possible
    (:func:`describe_communes`); ``score`` is the overlap of the services'
    areas: population of their intersection over population of their union.
    """

    thematique: str
    moment: str
    publics: list[str]
    territoire: list[str]
    nom_territoire: str
    nb_communes: int
    population: int
    services: list[str]
    acteurs: list[str]
    score: float


Key = tuple[str, str]


def _buckets(views: Iterable[ServiceView], niveau: str,
             refs: Referentials) -> dict[Key, list[ServiceView]]:
    """Services by (thématique or category, moment)."""
    buckets: dict[Key, list[ServiceView]] = defaultdict(list)
    for view in views:
        themes = view.thematiques
        if niveau == "categorie":
            themes = frozenset(refs.thematiques[t].categorie for t in themes)
        for theme in themes:
            for moment in view.moments:
                buckets[theme, moment].append(view)
    return buckets


def _pieces(members: list[ServiceView],
            inside: frozenset[str] | None) -> dict[tuple[ServiceView, ...], set[str]]:
    """Communes grouped by the exact set of services of the bucket that reach them."""
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
    """For each public met in a piece, the services that serve it (two actors or more)."""
    publics = sorted(set().union(*(v.publics for v in piece))) + [TOUS_PUBLICS]
    for public in publics:
        serving = tuple(v for v in piece
                        if (v.tous_publics if public == TOUS_PUBLICS else v.serves(public)))
        if len({v.acteur for v in serving}) > 1:
            yield public, serving


def _group(key: Key, publics: list[str], communes: set[str], serving: tuple[ServiceView, ...],
           inside: frozenset[str] | None, refs: Referentials) -> DuplicateGroup:
    areas = [v.communes if inside is None else v.communes & inside for v in serving]
    union = frozenset().union(*areas)
    common = frozenset.intersection(*areas)
    codes = describe_communes(communes, refs)
    return DuplicateGroup(
        thematique=key[0], moment=key[1], publics=publics, territoire=codes,
        nom_territoire=names(codes, refs), nb_communes=len(communes),
        population=population(communes, refs), services=sorted(v.id for v in serving),
        acteurs=sorted({v.acteur for v in serving}),
        score=share(population(common, refs), population(union, refs)),
    )


def duplicates(graph: nx.MultiDiGraph, *, niveau: str = "thematique",
               territoire: str | None = None, views: list[ServiceView] | None = None,
               refs: Referentials | None = None) -> list[DuplicateGroup]:
    """Groups of services of different actors that duplicate each other.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The canonical graph.
    niveau : {"thematique", "categorie"}
        Compare the thématiques as declared, or their 16 categories.
    territoire : str, optional
        Only the overlap inside this territory (COG code); default: everywhere.
    views : list of ServiceView, optional
        The graph's services, when the caller already read them.

    Returns
    -------
    list of DuplicateGroup
        Most populated overlap first, then the most actors.

    Raises
    ------
    ArgumentError
        For an unknown level or territory.

    Notes
    -----
    O(Σ t·m·c) over the services, for t thématiques, m moments and c communes
    of a service's area: each service is put in its buckets, each commune of
    its area indexed once per bucket. Never O(s²) pairs.
    """
    refs = refs or referentials()
    if niveau not in NIVEAUX:
        raise ArgumentError(f"niveau inconnu : « {niveau} » (--niveau). Niveaux possibles : "
                            f"{', '.join(NIVEAUX)}")
    inside = None
    if territoire is not None:
        inside = refs.territoires.communes(check_territoire(territoire, refs))
    views = views if views is not None else service_views(graph)
    groups = []
    for key, members in sorted(_buckets(views, niveau, refs).items()):
        if len({v.acteur for v in members}) < 2:
            continue
        found: dict[tuple[ServiceView, ...], dict[str, set[str]]] = defaultdict(
            lambda: defaultdict(set))
        for piece, communes in _pieces(members, inside).items():
            for public, serving in _by_public(piece):
                found[serving][public] |= communes
        for serving, by_public in found.items():
            # Publics that share the same communes make one group.
            same: dict[frozenset[str], list[str]] = defaultdict(list)
            for public, communes in by_public.items():
                same[frozenset(communes)].append(public)
            groups += [_group(key, sorted(publics), set(communes), serving, inside, refs)
                       for communes, publics in same.items()]
    groups.sort(key=lambda g: (-g.population, -len(g.acteurs), g.thematique, g.moment,
                               g.services, g.publics))
    return groups
