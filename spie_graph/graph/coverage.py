"""Who covers a need on a territory: the ``who-covers`` question.

A service answers when it treats the thématique asked (a category stands for
its sub-themes), serves the public asked (or every public), reaches the moment
asked, and its area shares at least one commune with the territory asked. It is
``total`` when its area contains the whole territory, else ``partiel``.

The embedded implementation walks the canonical graph; the Neo4j store runs
``cypher/queries/who_covers.cypher`` with the same parameters
(:func:`coverage_parameters`), and both go through :func:`finish_rows`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import networkx as nx
from pydantic import BaseModel

from spie_graph.graph.build import node_key
from spie_graph.reference.checks import check_code, check_territoire
from spie_graph.reference.referentials import Referentials, referentials

__all__ = ["CoverageQuery", "CoverageRow", "coverage_parameters", "who_covers", "finish_rows"]


class CoverageQuery(BaseModel):
    """A who-covers question; ``qualite_min`` and ``maj_depuis`` keep only the services
    whose data·inclusion score de qualité, or date of update, is known and high enough."""

    thematique: str
    territoire: str
    public: str | None = None
    moment: str | None = None
    qualite_min: float | None = None
    maj_depuis: date | None = None


class CoverageRow(BaseModel):
    """A service that covers the need, with its actor and how much it covers."""

    acteur: str
    nom_acteur: str
    famille: str
    service: str
    nom_service: str
    thematiques: list[str]
    publics: list[str]
    moments: list[str]
    territoire: list[str]
    couverture: str
    communes_couvertes: int
    population_couverte: int
    frais: str | None = None
    modes_mobilisation: list[str] = []
    mobilisable_par: list[str] = []
    conditions_acces: str | None = None
    score_qualite: float | None = None
    date_maj: str | None = None


def coverage_parameters(query: CoverageQuery, refs: Referentials | None = None) -> dict:
    """Check the question's codes and return the query parameters both stores use.

    Raises
    ------
    ArgumentError
        When a code is unknown; the message gives the closest valid ones.
    """
    refs = refs or referentials()
    terr = refs.territoires
    check_code(query.thematique, list(refs.thematiques), "thématique", "THEMATIQUE",
               "thematiques")
    check_code(query.public, refs.publics, "public", "--public", "publics")
    check_code(query.moment, refs.moments, "moment", "--moment", "moments")
    code = check_territoire(query.territoire, refs)
    communes = sorted(terr.communes(code))
    return {
        "territoire": code,
        "thematiques": sorted(refs.matching_thematiques(query.thematique)),
        "publics": None if query.public is None else ["tous-publics", query.public],
        "moment": query.moment,
        "communes": communes,
        "nb_communes": len(communes),
        "qualite_min": query.qualite_min,
        "maj_depuis": query.maj_depuis.isoformat() if query.maj_depuis else None,
    }


def _ancestors(graph: nx.MultiDiGraph, start: str) -> set[str]:
    """The territory and every territory it is part of."""
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
    """The services of the graph that cover a need on a territory.

    Examples
    --------
    >>> rows = who_covers(graph, CoverageQuery(thematique="mobilite", territoire="56260"))
    ... # doctest: +SKIP

    Notes
    -----
    O(c·(h + s)) for c communes of the territory present in the graph, a
    hierarchy of depth h ≤ 4 and s services per territory node.
    """
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


def finish_rows(raw: list[dict], params: dict) -> list[CoverageRow]:
    """Keep the rows of enough quality and freshness, mark each total or partial and sort:
    total first, then by family and name."""
    quality, since = params.get("qualite_min"), params.get("maj_depuis")
    rows = [
        CoverageRow(**row, couverture="total" if row["communes_couvertes"] == params["nb_communes"]
                    else "partiel")
        for row in raw
        if (quality is None or (row.get("score_qualite") is not None
                                and row["score_qualite"] >= quality))
        and (since is None or (row.get("date_maj") is not None and row["date_maj"] >= since))
    ]
    rows.sort(key=lambda r: (r.couverture != "total", r.famille, r.nom_acteur, r.service))
    return rows
