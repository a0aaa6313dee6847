"""Figures of a data set's graph: actors, services, interactions, coverage."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from spie_graph.graph.build import default_territory
from spie_graph.graph.keys import actor_edges
from spie_graph.reference.referentials import Referentials, referentials

__all__ = ["graph_stats", "stats_rows"]


def graph_stats(graph: nx.MultiDiGraph, refs: Referentials | None = None,
                territoire: str | None = None) -> dict:
    """Counts by family, thématique category, moment, interaction type; coverage.

    Coverage counts the communes of ``territoire`` (default: the data set's,
    :func:`spie_graph.graph.build.default_territory`) that at least one service
    covers: a regional service covers the whole région, but a report on the
    Morbihan counts only the Morbihan's communes and inhabitants.

    Notes
    -----
    Linear in the nodes and the actors' out-edges, plus the communes of the areas covered.
    """
    refs = refs or referentials()
    terr = refs.territoires
    territoire = territoire or default_territory(graph)
    scope = terr.communes(territoire)
    by_label: dict[str, list[dict]] = {"Acteur": [], "Service": [], "Consortium": []}
    for data in graph._node.values():
        found = by_label.get(data["label"])
        if found is not None:
            found.append(data)
    acteurs, services = by_label["Acteur"], by_label["Service"]
    links, members = [], []
    for _, _, edge in actor_edges(graph):  # interactions and memberships leave from actors
        if edge["type"] == "INTERAGIT":
            links.append(edge)
        elif edge["type"] == "MEMBRE_DE":
            members.append(edge)
    # Services declare few distinct sets of thématiques and moments: each set read once.
    themes = Counter(tuple(s["thematiques"]) for s in services)
    categories: Counter[str] = Counter()
    for declared, count in themes.items():
        for cat in {refs.thematiques[t].categorie for t in declared}:
            categories[cat] += count
    moments: Counter[str] = Counter()
    for declared, count in Counter(tuple(s.get("moments", ())) for s in services).items():
        for moment in set(declared):
            moments[moment] += count
    areas = {code for s in services for code in s["territoire"]}
    communes = terr.communes_of_all(sorted(a for a in areas if a in terr)) & scope
    consortium = by_label["Consortium"]
    return {
        "jeu_de_donnees": graph.graph.get("dataset"),
        "acteurs": {
            "total": len(acteurs),
            "par_famille": dict(Counter(a["famille"] for a in acteurs).most_common()),
            "par_groupe": dict(Counter(a["groupe"] for a in acteurs).most_common()),
        },
        "services": {
            "total": len(services),
            "par_categorie": dict(categories.most_common()),
            "par_moment": {m: moments[m] for m in refs.moments},
            "moments_deduits": sum(bool(s.get("moments_deduits")) for s in services),
        },
        "interactions": {
            "total": len(links),
            "par_type": dict(Counter(d["interaction"] for d in links).most_common()),
        },
        "territoire": {
            "code": territoire,
            "nom": terr.name(territoire),
            "communes": len(scope),
            "population": terr.population(territoire),
            "communes_couvertes": len(communes),
            "population_couverte": sum(terr.population(c) for c in communes),
        },
        "consortium": {
            "nom": consortium[0]["nom"] if consortium else None,
            "membres": len(members),
            "lettres_engagement": sum(bool(m.get("lettre_engagement")) for m in members),
        },
    }


_LABELS = {
    "par_famille": lambda r, c: r.familles[c].libelle if c in r.familles else c,
    "par_groupe": lambda r, c: r.groupes.get(c, c),
    "par_categorie": lambda r, c: r.thematiques[c].libelle,
    "par_moment": lambda r, c: r.moments[c],
    "par_type": lambda r, c: r.interactions.get(c, c),
}


_FIGURES = {
    "moments_deduits": "services dont les moments sont déduits des thématiques",
    "lettres_engagement": "lettres d'engagement",
    "communes_couvertes": "communes couvertes par au moins un service",
    "population_couverte": "habitants de ces communes",
    "communes": "communes du territoire",
    "population": "habitants du territoire",
    "code": "code du territoire",
    "nom": "nom",
    "total": "total",
    "membres": "membres",
}


def stats_rows(stats: dict, refs: Referentials | None = None) -> list[dict]:
    """Flatten :func:`graph_stats` into rows (rubrique, code, libelle, valeur)."""
    refs = refs or referentials()
    rows = []
    for section, content in stats.items():
        if not isinstance(content, dict):
            continue
        for key, value in content.items():
            if isinstance(value, dict):
                label = _LABELS[key]
                rows += [{"rubrique": f"{section}.{key}", "code": code,
                          "libelle": label(refs, code), "valeur": count}
                         for code, count in value.items()]
            else:
                rows.append({"rubrique": section, "code": key,
                             "libelle": _FIGURES.get(key, key.replace("_", " ")),
                             "valeur": value})
    return rows
