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

__all__ = ["CoverageQuery", "CoverageRow", "CoverageIndex", "coverage_parameters",
           "who_covers", "finish_rows"]


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


class CoverageIndex:
    """The services of a graph indexed by the territory codes they cover, for who-covers.

    Built once per graph (:meth:`of_graph`, O(s) for s services); each question
    then reads only the services whose area meets the territory asked and which
    treat a matching thématique. Picklable: the data set cache keeps one.
    """

    def __init__(self, rows: list[dict], by_code: dict[str, dict[str, list[int]]],
                 themes: list[frozenset[str]], publics: list[frozenset[str]]):
        self.rows = rows
        self.by_code = by_code  # territory code → thématique code → services
        self.themes = themes
        self.publics = publics

    @classmethod
    def of_graph(cls, graph: nx.MultiDiGraph) -> CoverageIndex:
        """Index the services of a canonical graph (areas, thématiques and publics read from
        the service's properties, which its ``COUVRE``, ``TRAITE``, ``CIBLE`` edges mirror)."""
        rows: list[dict] = []
        by_code: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        themes: list[frozenset[str]] = []
        publics: list[frozenset[str]] = []
        nodes = graph.nodes
        for _, s in graph.nodes(data=True):
            if s["label"] != "Service":
                continue
            index = len(rows)
            # The service's properties name what its COUVRE, TRAITE and CIBLE edges reach
            # (build_graph writes both from the same fields): read once, not edge by edge.
            areas = sorted(set(s.get("territoire", ())))
            treated = frozenset(s.get("thematiques", ()))
            for code in areas:
                for theme in treated:
                    by_code[code][theme].append(index)
            themes.append(treated)
            publics.append(frozenset(s.get("publics") or ("tous-publics",)))
            a = nodes[node_key("Acteur", s["acteur"])]
            rows.append({
                "acteur": a["id"], "nom_acteur": a["nom"], "famille": a["famille"],
                "service": s["id"], "nom_service": s["nom"], "thematiques": s["thematiques"],
                "publics": s.get("publics", []), "moments": s.get("moments", []),
                "territoire": s["territoire"], "_areas": tuple(areas),
                "frais": s.get("frais"), "modes_mobilisation": s.get("modes_mobilisation", []),
                "mobilisable_par": s.get("mobilisable_par", []),
                "conditions_acces": s.get("conditions_acces"),
                "score_qualite": s.get("score_qualite"), "date_maj": s.get("date_maj"),
            })
        return cls(rows, {code: dict(found) for code, found in by_code.items()}, themes,
                   publics)

    def answer(self, query: CoverageQuery, refs: Referentials | None = None) -> list[CoverageRow]:
        """The rows of :func:`who_covers` for a question."""
        refs = refs or referentials()
        terr = refs.territoires
        params = coverage_parameters(query, refs)
        asked = terr.communes(params["territoire"])
        wanted = params["thematiques"]
        publics = params["publics"]
        moment = params["moment"]
        inside: dict[str, frozenset[str]] = {}
        people: dict[str, tuple[int, int]] = {}
        candidates: set[int] = set()
        # The areas that meet the territory: its communes and every territory above one.
        meeting = set(asked)
        for commune in asked:
            meeting.update(terr.parents(commune))
        for code in meeting:
            by_theme = self.by_code.get(code)
            if not by_theme:
                continue
            inside[code] = terr.communes(code) & asked
            for theme in wanted:
                candidates.update(by_theme.get(theme, ()))
        raw = []
        for index in sorted(candidates):
            if self.themes[index].isdisjoint(wanted):
                continue
            if publics is not None and self.publics[index].isdisjoint(publics):
                continue
            row = self.rows[index]
            if moment is not None and moment not in row["moments"]:
                continue
            codes = [code for code in row["_areas"] if code in inside]
            found = {k: v for k, v in row.items() if k != "_areas"}
            if len(codes) == 1:  # most services: one area, its figures computed once
                figures = people.get(codes[0])
                if figures is None:
                    met = inside[codes[0]]
                    figures = people[codes[0]] = (len(met), terr.population_of(met))
            else:
                communes = frozenset().union(*(inside[code] for code in codes))
                figures = (len(communes), terr.population_of(communes))
            found["communes_couvertes"], found["population_couverte"] = figures
            raw.append(found)
        return finish_rows(raw, params)


def who_covers(graph: nx.MultiDiGraph, query: CoverageQuery,
               index: CoverageIndex | None = None) -> list[CoverageRow]:
    """The services of the graph that cover a need on a territory.

    Examples
    --------
    >>> rows = who_covers(graph, CoverageQuery(thematique="mobilite", territoire="56260"))
    ... # doctest: +SKIP

    Notes
    -----
    O(s) to index the s services (skipped when ``index`` is given), then
    O(a + r·c) per question for a distinct areas and r services that answer,
    each area intersected once with the c communes asked.
    """
    return (index or CoverageIndex.of_graph(graph)).answer(query)


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
