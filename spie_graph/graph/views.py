"""What the map and the annex say about each actor: views of the canonical graph.

:func:`services_kept` keeps only the services of enough data·inclusion quality and
freshness (for gaps and the report, as ``who-covers --qualite-min --maj-depuis``).

:func:`actor_profiles` reads, from the canonical graph (:mod:`spie_graph.graph.build`),
everything the *cartographie des acteurs* states for an actor: family,
missions, compétences, services by moment of the parcours, interactions and
consortium membership. It works on a graph from either store.
:func:`replace_consortium` swaps in another draft of the consortium.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import networkx as nx

from spie_graph.graph.build import clean_properties, node_key
from spie_graph.graph.keys import actor_edges
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.sources.model import Consortium

__all__ = [
    "ActorProfile",
    "InteractionLine",
    "ServiceLine",
    "actor_profiles",
    "consortium_info",
    "replace_consortium",
    "services_kept",
]


def services_kept(graph: nx.MultiDiGraph, qualite_min: float | None = None,
                  maj_depuis: date | None = None) -> nx.MultiDiGraph:
    """The graph without the services whose score de qualité is unknown or below
    ``qualite_min``, or whose date_maj is unknown or before ``maj_depuis``.

    Returns the graph itself when no filter is asked; else a copy (O(n + m)).
    """
    if qualite_min is None and maj_depuis is None:
        return graph
    since = maj_depuis.isoformat() if maj_depuis else None

    def dropped(data: dict) -> bool:
        score, day = data.get("score_qualite"), data.get("date_maj")
        return (qualite_min is not None and (score is None or score < qualite_min)) or \
            (since is not None and (day is None or str(day) < since))

    kept = graph.copy()
    kept.remove_nodes_from([n for n, d in graph.nodes(data=True)
                            if d.get("label") == "Service" and dropped(d)])
    return kept


@dataclass(frozen=True)
class ServiceLine:
    """A service as the annex lists it: name, thématique labels, moments (codes)."""

    id: str
    nom: str
    thematiques: tuple[str, ...]
    moments: tuple[str, ...]
    codes_thematiques: tuple[str, ...] = ()


@dataclass(frozen=True)
class InteractionLine:
    """One interaction seen from an actor: ``sortante`` (it is the source) or ``entrante``."""

    type: str
    libelle: str
    sens: str
    partenaire: str
    nom_partenaire: str
    description: str | None = None


@dataclass(frozen=True)
class ActorProfile:
    """Everything the annex and the map's tooltips state about one actor."""

    id: str
    key: str
    nom: str
    famille: str
    libelle_famille: str
    groupe: str
    volet: str
    commune: str | None
    territoire: tuple[str, ...]
    missions: str | None
    competences: tuple[str, ...]
    publics: tuple[str, ...]
    site_web: str | None
    services: tuple[ServiceLine, ...]
    interactions: tuple[InteractionLine, ...]
    membre: bool = False
    porteur: bool = False
    role: str | None = None
    lettre_engagement: bool | None = None
    zones: tuple[str, ...] = ()

    def services_par_moment(self, moments: Iterable[str]) -> dict[str, list[ServiceLine]]:
        """Services by moment code (a service reaching two moments is listed twice)."""
        result: dict[str, list[ServiceLine]] = {m: [] for m in moments}
        for service in self.services:
            for moment in service.moments:
                result.setdefault(moment, []).append(service)
        return result

    @property
    def thematiques(self) -> tuple[str, ...]:
        """Thématique codes its services declare, in order, without repeats."""
        seen: dict[str, None] = {}
        for service in self.services:
            seen.update(dict.fromkeys(service.codes_thematiques))
        return tuple(seen)


def consortium_info(graph: nx.MultiDiGraph) -> dict | None:
    """The consortium node's properties, or None when the data set has none."""
    for _, data in graph.nodes(data=True):
        if data["label"] == "Consortium":
            return dict(data)
    return None


def replace_consortium(graph: nx.MultiDiGraph, consortium: Consortium) -> nx.MultiDiGraph:
    """A copy of the graph whose consortium is ``consortium`` (another draft of it).

    The ``Consortium`` node and ``MEMBRE_DE`` relationships are written as
    :func:`spie_graph.graph.build.build_graph` writes them; members must be actors of
    the graph (check them first, e.g. with ``spie_graph.sources.consortium.read_consortium``).
    """
    out = graph.copy()
    out.remove_nodes_from([n for n, d in graph.nodes(data=True) if d["label"] == "Consortium"])
    name = str(graph.graph.get("dataset") or consortium.nom)
    key = node_key("Consortium", name)
    out.add_node(key, label="Consortium", **clean_properties({
        "id": name, "nom": consortium.nom, "porteur": consortium.porteur,
        "accord_cd": consortium.accord_cd, "territoire": consortium.territoire,
        "publics": consortium.publics}))
    for membre in consortium.membres:
        out.add_edge(node_key("Acteur", membre.acteur), key, key="MEMBRE_DE", type="MEMBRE_DE",
                     **clean_properties({"role": membre.role,
                                         "lettre_engagement": membre.lettre_engagement}))
    return out


def actor_profiles(graph: nx.MultiDiGraph,
                   refs: Referentials | None = None) -> dict[str, ActorProfile]:
    """The profile of every actor of a canonical graph, by actor id.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A canonical graph (:func:`spie_graph.graph.build.build_graph` or a store's).

    Returns
    -------
    dict
        Actor id → :class:`ActorProfile`, in the graph's order.

    Notes
    -----
    One pass over the nodes and the actors' out-edges. ``zones`` lists the territory codes an
    actor works on (its own, its seat's and its services'), for filters.
    """
    refs = refs or referentials()
    nodes = graph._node  # the node attributes' own dict (NodeView lookups cost 0.5 s at 100k)
    services: dict[str, list[str]] = {}
    links: dict[str, list[InteractionLine]] = {}
    members: dict[str, dict] = {}
    for source, target, data in actor_edges(graph):
        rel = data["type"]
        if rel == "PROPOSE":
            services.setdefault(source, []).append(target)
        elif rel == "MEMBRE_DE":
            members[source] = data
        elif rel == "INTERAGIT":
            kind = data.get("interaction", "")
            label = refs.interactions.get(kind, kind)
            desc = data.get("description")
            links.setdefault(source, []).append(InteractionLine(
                kind, label, "sortante", nodes[target]["id"], nodes[target]["nom"], desc))
            links.setdefault(target, []).append(InteractionLine(
                kind, label, "entrante", nodes[source]["id"], nodes[source]["nom"], desc))
    consortium = consortium_info(graph)
    porteur = consortium.get("porteur") if consortium else None
    profiles: dict[str, ActorProfile] = {}
    themes: dict[tuple[str, ...], tuple[str, ...]] = {}  # thématique codes → their labels
    for key, data in graph.nodes(data=True):
        if data["label"] != "Acteur":
            continue
        lines = []
        zones: dict[str, None] = dict.fromkeys(data.get("territoire", []))
        if data.get("commune"):
            zones[data["commune"]] = None
        for service_key in services.get(key, []):
            s = nodes[service_key]
            codes = tuple(s.get("thematiques", []))
            labels = themes.get(codes)
            if labels is None:
                labels = themes[codes] = tuple(refs.thematiques[c].libelle
                                               if c in refs.thematiques else c for c in codes)
            lines.append(ServiceLine(s["id"], s["nom"], labels, tuple(s.get("moments", [])),
                                     codes))
            zones.update(dict.fromkeys(s.get("territoire", [])))
        member = members.get(key)
        famille = refs.familles.get(data["famille"])
        profiles[data["id"]] = ActorProfile(
            id=data["id"], key=key, nom=data["nom"], famille=data["famille"],
            libelle_famille=data.get("libelle_famille") or (famille.libelle if famille else
                                                            data["famille"]),
            groupe=data.get("groupe") or (famille.groupe if famille else "autres"),
            volet=data.get("volet") or (famille.volet if famille else ""),
            commune=data.get("commune"), territoire=tuple(data.get("territoire", [])),
            missions=data.get("missions"), competences=tuple(data.get("competences", [])),
            publics=tuple(data.get("publics", [])), site_web=data.get("site_web"),
            services=tuple(lines),
            interactions=tuple(sorted(links.get(key, []),
                                      key=lambda i: (i.sens != "sortante", i.libelle,
                                                     i.nom_partenaire))),
            membre=member is not None, porteur=data["id"] == porteur,
            role=member.get("role") if member else None,
            lettre_engagement=member.get("lettre_engagement", False) if member else None,
            zones=tuple(zones),
        )
    return profiles
