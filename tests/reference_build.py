"""The previous release's graph build (networkx ``add_node``/``add_edge`` per element),
kept to check that the bulk build makes the very same graph (tests/test_build_parity.py).
"""

import gc
from collections.abc import Iterable
from datetime import date

import networkx as nx

from spie_graph.graph.build import ID_PROPERTY, node_key
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.sources.model import Dataset


def clean_properties(values: dict[str, object]) -> dict[str, object]:
    """Drop absent values, turn dates into ISO text: what Neo4j stores as-is."""
    result: dict[str, object] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        result[key] = value
    return result


def _add_node(graph: nx.MultiDiGraph, label: str, **props: object) -> str:
    key = node_key(label, str(props[ID_PROPERTY[label]]))
    graph.add_node(key, label=label, **clean_properties(props))
    return key


def _add_edge(graph: nx.MultiDiGraph, source: str, target: str, rel: str,
              key: str | None = None, **props: object) -> None:
    graph.add_edge(source, target, key=key or rel, type=rel, **clean_properties(props))


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
    communes = terr.communes_of_all(sorted(named))
    all_codes = set(named) | set(communes)
    for commune in communes:
        all_codes.update(terr.parents(commune))
    for code in sorted(all_codes):
        place = terr.get(code)
        _add_node(graph, "Territoire", code=code, nom=place.name, niveau=place.kind,
                  population=place.population)
    for commune in sorted(communes):
        for parent in terr.parents(commune)[:-1]:
            if terr.kind(parent) in ("epci", "departement"):
                _add_edge(graph, node_key("Territoire", commune), node_key("Territoire", parent),
                          "FAIT_PARTIE_DE")
    for code in sorted(c for c in all_codes if terr.kind(c) == "departement"):
        commune = next(iter(terr.communes(code)))
        region, country = terr.parents(commune)[-2:]
        if region.startswith("region:"):
            _add_edge(graph, node_key("Territoire", code), node_key("Territoire", region),
                      "FAIT_PARTIE_DE")
            _add_edge(graph, node_key("Territoire", region), node_key("Territoire", country),
                      "FAIT_PARTIE_DE")
        else:
            _add_edge(graph, node_key("Territoire", code), node_key("Territoire", country),
                      "FAIT_PARTIE_DE")


def _add_actors(graph: nx.MultiDiGraph, dataset: Dataset, refs: Referentials) -> None:
    for acteur in dataset.acteurs:
        famille = refs.familles[acteur.famille]
        key = _add_node(graph, "Acteur", **acteur.model_dump(), libelle_famille=famille.libelle,
                        groupe=famille.groupe, volet=famille.volet)
        if acteur.commune:
            _add_edge(graph, key, node_key("Territoire", acteur.commune), "SIEGE_A")


def _add_services(graph: nx.MultiDiGraph, dataset: Dataset, refs: Referentials) -> None:
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
    nodes = []
    edges: list[tuple[str, str, str, dict]] = []
    for service in dataset.services:
        props = clean_properties(service.model_dump())
        key = node_key("Service", service.id)
        nodes.append((key, {"label": "Service", **props}))
        edges.append((f"Acteur:{service.acteur}", key, "PROPOSE", {"type": "PROPOSE"}))
        edges += [(key, f"Territoire:{code}", "COUVRE", {"type": "COUVRE"})
                  for code in service.territoire]
        edges += [(key, f"Thematique:{code}", "TRAITE", {"type": "TRAITE"})
                  for code in service.thematiques]
        edges += [(key, f"Public:{code}", "CIBLE", {"type": "CIBLE"})
                  for code in service.publics or ["tous-publics"]]
    # In bulk: the same nodes and edges, in the same order, as one call each.
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)


def _add_links(graph: nx.MultiDiGraph, dataset: Dataset) -> None:
    for link in dataset.interactions:
        _add_edge(graph, node_key("Acteur", link.source), node_key("Acteur", link.cible),
                  "INTERAGIT", key=f"INTERAGIT:{link.type}", interaction=link.type,
                  description=link.description, depuis=link.depuis, jusqu_a=link.jusqu_a)
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
    refs = refs or referentials()
    graph = nx.MultiDiGraph(dataset=dataset.nom)
    # Millions of small dicts and no cycle among them: the cyclic collector would
    # walk them again and again while they are made (15 to 40 % of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _add_territories(graph, _territory_codes(dataset), refs)
        _add_actors(graph, dataset, refs)
        _add_services(graph, dataset, refs)
        _add_links(graph, dataset)
    finally:
        if collecting:
            gc.enable()
    return graph
