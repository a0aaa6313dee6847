"""The canonical graph of a data set, shared by every store.

Nodes (``label`` attribute, key ``"<Label>:<id>"``):

- ``Acteur`` (id, nom, famille, libelle_famille, groupe, volet, reseau_porteur,
  siret, commune, territoire, missions, competences, publics, site_web)
- ``Service`` (id, acteur, nom, thematiques, publics, moments, moments_deduits,
  territoire, modes_accueil, description)
- ``Territoire`` (code, nom, niveau: commune|epci|departement|region|france, population)
- ``Thematique`` (code, libelle, categorie)
- ``Public`` (code, libelle)
- ``Consortium`` (id, nom, porteur, accord_cd, territoire, publics)

Relationships (``type`` attribute; at most one of each type between two nodes,
except ``INTERAGIT`` which is keyed by its ``interaction`` type):

- ``PROPOSE`` Acteur → Service
- ``COUVRE`` Service → Territoire (the service's area)
- ``TRAITE`` Service → Thematique
- ``CIBLE`` Service → Public (``tous-publics`` when the service serves everyone)
- ``SIEGE_A`` Acteur → Territoire (commune of the seat)
- ``FAIT_PARTIE_DE`` Territoire → Territoire: commune → EPCI, commune → département,
  département → région, région → France
- ``INTERAGIT`` Acteur → Acteur (interaction, description, depuis, jusqu_a)
- ``MEMBRE_DE`` Acteur → Consortium (role, lettre_engagement)

Territories in the graph: every territory the data set names, every commune of
those, and their parents. Properties are Neo4j-storable: strings, integers,
booleans and lists of strings; absent values are left out (Neo4j stores no null).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date

import networkx as nx

from spie_graph.graph.keys import actor_edges, collector_paused, node_key
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.sources.model import Dataset

__all__ = ["build_graph", "build_stages", "collector_paused", "default_territory",
           "node_key", "NODE_LABELS", "REL_TYPES", "SharedAttributes", "clean_properties"]

NODE_LABELS = ("Acteur", "Service", "Territoire", "Thematique", "Public", "Consortium")
REL_TYPES = ("PROPOSE", "COUVRE", "TRAITE", "CIBLE", "SIEGE_A", "FAIT_PARTIE_DE",
             "INTERAGIT", "MEMBRE_DE")
ID_PROPERTY = {"Acteur": "id", "Service": "id", "Territoire": "code", "Thematique": "code",
               "Public": "code", "Consortium": "id"}


def clean_properties(values: dict[str, object]) -> dict[str, object]:
    """Drop absent values, turn dates into ISO text: what Neo4j stores as-is."""
    result: dict[str, object] = {}
    for key, value in values.items():
        kind = value.__class__
        if kind is str:  # most values: no other test (called for every node)
            if value:
                result[key] = value
            continue
        if kind is list or kind is bool or kind is int or kind is float:
            result[key] = value
            continue
        if value is None or value == "":
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        result[key] = value
    return result


class SharedAttributes(dict):
    """The attributes of every edge of one type that carries nothing else (``{"type":
    "COUVRE"}``): one read-only dict for all of them, not 1.6 million copies.

    Changing one would change them all, so it refuses: copy it first
    (``dict(data)``); ``graph.copy()`` and the exports give every edge its own dict.
    """

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("attributs d'arête partagés par toutes les arêtes de ce type : "
                        "copiez-les (dict(...)) avant de les modifier")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict]]:
        return SharedAttributes, (dict(self),)


_SHARED = {rel: SharedAttributes(type=rel) for rel in REL_TYPES}


def _add_node(graph: nx.MultiDiGraph, label: str, **props: object) -> str:
    key = node_key(label, str(props[ID_PROPERTY[label]]))
    graph.add_node(key, label=label, **clean_properties(props))
    return key


def _add_edge(graph: nx.MultiDiGraph, source: str, target: str, rel: str,
              key: str | None = None, **props: object) -> None:
    graph.add_edge(source, target, key=key or rel, type=rel, **clean_properties(props))


def _insert_nodes(graph: nx.MultiDiGraph, nodes: Iterable[tuple[str, dict]]) -> None:
    """``graph.add_nodes_from(nodes)`` for new nodes, each keeping the dict given."""
    succ, pred, node = graph._succ, graph._pred, graph._node
    for key, data in nodes:
        if key in node:
            node[key].update(data)
        else:
            succ[key], pred[key], node[key] = {}, {}, data


def _insert_edges(graph: nx.MultiDiGraph, edges: Iterable[tuple[str, str, str, dict]]) -> None:
    """``graph.add_edges_from(edges)`` (``(source, target, key, data)``), each new edge
    keeping the dict given (a :class:`SharedAttributes` is shared, never copied).

    The same graph as networkx makes (nodes, adjacency and their order), without
    its per-edge checks and copies: the build adds about 18 edges per actor.
    """
    succ, pred, node = graph._succ, graph._pred, graph._node
    for source, target, key, data in edges:
        out = succ.get(source)
        if out is None:
            out = succ[source] = {}
            pred[source], node[source] = {}, {}
        into = pred.get(target)
        if into is None:
            succ[target], into, node[target] = {}, {}, {}
            pred[target] = into
        keys = out.get(target)
        if keys is None:
            out[target] = into[source] = {key: data}
        else:
            keys[key] = {**keys[key], **data} if key in keys else data
    clear = getattr(nx, "_clear_cache", None)  # networkx ≥ 3.3 caches backend conversions
    if clear is not None:
        clear(graph)


def _territory_codes(dataset: Dataset) -> set[str]:
    codes: set[str] = set()
    for acteur in dataset.acteurs:
        codes.update(acteur.territoire)
        if acteur.commune:
            codes.add(acteur.commune)
    for service in dataset.services:
        codes.update(service.territoire)
    if dataset.consortium is not None:
        codes.update(dataset.consortium.territoire)
    return codes


def _add_territories(graph: nx.MultiDiGraph, codes: Iterable[str], refs: Referentials) -> None:
    terr = refs.territoires
    named = set(codes)
    communes = sorted(terr.communes_of_all(sorted(named)))
    # Each commune's parents once: EPCI (if any), département, région (if any), France.
    parents = {commune: terr.parents(commune) for commune in communes}
    all_codes = set(named) | set(communes)
    for above in parents.values():
        all_codes.update(above)
    nodes = []
    for code in sorted(all_codes):
        kind = terr.kind(code)
        if kind is None:
            raise KeyError(code)
        # What clean_properties keeps of code, nom, niveau and population (a name may be
        # empty, never the others), without its tests: 36,000 communes for one France-wide
        # service.
        data = {"label": "Territoire", "code": code, "nom": terr.name(code), "niveau": kind,
                "population": terr.population(code)}
        if not data["nom"]:
            del data["nom"]
        nodes.append((f"Territoire:{code}", data))
    _insert_nodes(graph, nodes)
    part_of = _SHARED["FAIT_PARTIE_DE"]
    edges: list[tuple[str, str, str, dict]] = []
    for commune in communes:
        key = node_key("Territoire", commune)
        # Its EPCI and département (not its région nor France, reached through the
        # département).
        edges += [(key, node_key("Territoire", parent), "FAIT_PARTIE_DE", part_of)
                  for parent in parents[commune][:-1] if not parent.startswith("region:")]
    for code in sorted(c for c in all_codes if terr.kind(c) == "departement"):
        commune = next(iter(terr.communes(code)))
        region, country = terr.parents(commune)[-2:]
        if region.startswith("region:"):
            edges.append((node_key("Territoire", code), node_key("Territoire", region),
                          "FAIT_PARTIE_DE", part_of))
            edges.append((node_key("Territoire", region), node_key("Territoire", country),
                          "FAIT_PARTIE_DE", part_of))
        else:
            edges.append((node_key("Territoire", code), node_key("Territoire", country),
                          "FAIT_PARTIE_DE", part_of))
    _insert_edges(graph, edges)


def _fields(model: object) -> dict[str, object]:
    """A model's fields as :func:`clean_properties` keeps them, lists not copied
    (``model_dump`` would copy every list of 400,000 models)."""
    return clean_properties(vars(model))


def _add_actors(graph: nx.MultiDiGraph, dataset: Dataset, refs: Referentials) -> dict[str, str]:
    """Add the actors and their seats; return the node key of each actor id."""
    keys: dict[str, str] = {}
    seat = _SHARED["SIEGE_A"]
    nodes: list[tuple[str, dict]] = []
    edges: list[tuple[str, str, str, dict]] = []
    for acteur in dataset.acteurs:
        famille = refs.familles[acteur.famille]
        key = keys[acteur.id] = node_key("Acteur", acteur.id)
        nodes.append((key, {"label": "Acteur", **_fields(acteur), **clean_properties({
            "libelle_famille": famille.libelle, "groupe": famille.groupe,
            "volet": famille.volet})}))
        if acteur.commune:
            edges.append((key, node_key("Territoire", acteur.commune), "SIEGE_A", seat))
    _insert_nodes(graph, nodes)
    _insert_edges(graph, edges)
    return keys


def _add_service_nodes(graph: nx.MultiDiGraph, dataset: Dataset, refs: Referentials) -> None:
    """The thématiques and publics the services name, then the services."""
    themes: set[str] = set()
    for service in dataset.services:
        themes.update(service.thematiques)
        themes.update(refs.thematiques[t].categorie for t in service.thematiques)
    for code in sorted(themes):
        theme = refs.thematiques[code]
        _add_node(graph, "Thematique", code=code, libelle=theme.libelle, categorie=theme.categorie)
    publics = {p for s in dataset.services for p in (s.publics or ["tous-publics"])}
    for code in sorted(publics):
        _add_node(graph, "Public", code=code, libelle=refs.publics[code])
    _insert_nodes(graph, ((node_key("Service", service.id), {"label": "Service",
                                                            **_fields(service)})
                          for service in dataset.services))


def _add_service_edges(graph: nx.MultiDiGraph, dataset: Dataset,
                       actor_keys: dict[str, str]) -> None:
    # One string per node key, shared by all the edges that reach it.
    keys: dict[str, str] = {key: key for key in graph._node}
    # Made as they are inserted: a list would hold 1.6 million tuples at 100,000 actors.
    _insert_edges(graph, _service_edges(dataset, actor_keys, keys))


def _service_edges(dataset: Dataset, actor_keys: dict[str, str],
                   keys: dict[str, str]) -> Iterator[tuple[str, str, str, dict]]:
    """The PROPOSE, COUVRE, TRAITE and CIBLE edges of every service, in order."""
    propose, covers = _SHARED["PROPOSE"], _SHARED["COUVRE"]
    treats, targets = _SHARED["TRAITE"], _SHARED["CIBLE"]
    for service in dataset.services:
        key = f"Service:{service.id}"
        key = keys.setdefault(key, key)
        yield actor_keys.get(service.acteur) or node_key("Acteur", service.acteur), key, \
            "PROPOSE", propose
        for code in service.territoire:
            target = f"Territoire:{code}"
            yield key, keys.setdefault(target, target), "COUVRE", covers
        for code in service.thematiques:
            target = f"Thematique:{code}"
            yield key, keys.setdefault(target, target), "TRAITE", treats
        for code in service.publics or ["tous-publics"]:
            target = f"Public:{code}"
            yield key, keys.setdefault(target, target), "CIBLE", targets


def _add_links(graph: nx.MultiDiGraph, dataset: Dataset, actor_keys: dict[str, str]) -> None:
    edges: list[tuple[str, str, str, dict]] = []
    for link in dataset.interactions:
        source = actor_keys.get(link.source) or node_key("Acteur", link.source)
        target = actor_keys.get(link.cible) or node_key("Acteur", link.cible)
        edges.append((source, target, f"INTERAGIT:{link.type}", {"type": "INTERAGIT", **(
            clean_properties({"interaction": link.type, "description": link.description,
                              "depuis": link.depuis, "jusqu_a": link.jusqu_a}))}))
    _insert_edges(graph, edges)
    consortium = dataset.consortium
    if consortium is None:
        return
    key = _add_node(graph, "Consortium", id=dataset.nom, nom=consortium.nom,
                    porteur=consortium.porteur, accord_cd=consortium.accord_cd,
                    territoire=consortium.territoire, publics=consortium.publics)
    for membre in consortium.membres:
        _add_edge(graph, node_key("Acteur", membre.acteur), key, "MEMBRE_DE",
                  role=membre.role, lettre_engagement=membre.lettre_engagement)


def build_graph(dataset: Dataset, refs: Referentials | None = None) -> nx.MultiDiGraph:
    """Build the canonical graph of a validated data set.

    Parameters
    ----------
    dataset : Dataset
        A data set returned by :func:`spie_graph.sources.validation.load_dataset`.

    Returns
    -------
    networkx.MultiDiGraph
        Graph attribute ``dataset`` holds the data set's name.

    Notes
    -----
    Linear in the number of actors, services and interactions, plus the communes
    of the territories named (35,000 when a service covers ``france``).
    """
    *_, graph = build_stages(dataset, refs)  # the same graph, complete at its last stage
    return graph


def build_stages(dataset: Dataset, refs: Referentials | None = None
                 ) -> Iterator[nx.MultiDiGraph]:
    """The graph of :func:`build_graph`, yielded after each stage of its build: the
    territories, the actors, the services' nodes (with the thématiques and publics
    they name), the services' relationships, then the interactions and the
    consortium. A stage only adds nodes and relationships after those already there,
    and never changes them: a store can write the nodes of a stage while the next
    stages are built. The last graph yielded is the complete one."""
    refs = refs or referentials()
    graph = nx.MultiDiGraph(dataset=dataset.nom)
    with collector_paused():
        _add_territories(graph, _territory_codes(dataset), refs)
        yield graph
        actor_keys = _add_actors(graph, dataset, refs)
        yield graph
        _add_service_nodes(graph, dataset, refs)
        yield graph
        _add_service_edges(graph, dataset, actor_keys)
        yield graph
        _add_links(graph, dataset, actor_keys)
        yield graph


def default_territory(graph: nx.MultiDiGraph) -> str:
    """The territory a data set is about: its consortium's, else the main département.

    The main département is the one where most actors have their seat (ties go
    to the smallest code); ``france`` when no actor has a seat.
    """
    for _, data in graph.nodes(data=True):
        if data["label"] == "Consortium" and data.get("territoire"):
            return data["territoire"][0]
    seats = Counter(target.split(":", 1)[1] for _, target, edge in actor_edges(graph)
                    if edge["type"] == "SIEGE_A")
    terr = referentials().territoires
    deps: Counter[str] = Counter()
    for commune, count in seats.items():
        deps[terr.departement_of(commune)] += count
    if not deps:
        return "france"
    return sorted(deps.items(), key=lambda item: (-item[1], item[0]))[0][0]
