"""Who covers a need on a territory: the ``who-covers`` question.

A service answers when it treats the thématique asked (a category stands for
its sub-themes), serves the public asked (or every public), reaches the moment
asked, and its area shares at least one commune with the territory asked. It is
``total`` when its area contains the whole territory, else ``partiel``.

The embedded implementation answers from the columns of a :class:`CoverageIndex`
of the canonical graph, and makes only the rows it is asked to show; the Neo4j
store runs ``cypher/queries/who_covers.cypher`` with the same parameters
(:func:`coverage_parameters`) and goes through :func:`finish_rows`, which keeps,
marks and orders the rows as the index does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from spie_graph.graph.keys import collector_paused, node_key
from spie_graph.reference.checks import check_code, check_territoire
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.reference.territories import CommuneIndex
from spie_graph.sources.model import checked

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["CoverageQuery", "CoverageRow", "CoverageAnswer", "CoverageIndex", "coverage_parameters",
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


class CoverageAnswer(BaseModel):
    """The rows shown of a who-covers answer (:attr:`rows`), and the answer's size:
    :attr:`nombre` services, :attr:`total` of which cover the whole territory."""

    rows: list[CoverageRow]
    nombre: int
    total: int

    @classmethod
    def of_rows(cls, rows: list[CoverageRow], limit: int | None) -> CoverageAnswer:
        """The answer of the complete rows (in order), the first ``limit`` kept."""
        return cls(rows=rows if limit is None else rows[:limit], nombre=len(rows),
                   total=sum(row.couverture == "total" for row in rows))


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


_LISTS = ("thematiques", "publics", "moments", "territoire", "modes_mobilisation",
          "mobilisable_par")
# The fields of a CoverageRow read from the service and its actor (unpacked in this order).
_COLUMNS = ("acteur", "nom_acteur", "famille", "service", "nom_service", *_LISTS, "frais",
            "conditions_acces", "score_qualite", "date_maj")

_ORDER = ("famille", "nom_acteur", "service")  # after total first, the rows' sort keys


def _ranks(values: list[str]) -> np.ndarray:
    """Each value's rank in the sorted values (ranks compare as the strings do)."""
    rank = np.empty(len(values), dtype=np.int32)
    rank[sorted(range(len(values)), key=values.__getitem__)] = np.arange(len(values))
    return rank


class CoverageIndex:
    """The services of a graph as columns, for who-covers.

    Built once per graph (:meth:`of_graph`, O(s) for s services). Each field of
    the rows who-covers returns is a column: its distinct values (lists as tuples)
    and, per service, the number of its value (a numpy array). A question tests
    each distinct thématique set, public set, moment set and area once, then picks
    the services with numpy; below France, only the services whose area names a
    commune of the territory or a territory above one are looked at. Picklable and
    compact (the data set cache keeps one: about 40 bytes a service beside its
    names), so a process that only asks who-covers loads it in a fraction of the
    graph's time.
    """

    def __init__(self, values: dict[str, list], codes: dict[str, np.ndarray],
                 areas: list[tuple[str, ...]], area_of: np.ndarray, commune: np.ndarray):
        self.values = values    # field → distinct values
        self.codes = codes      # field → the number of each service's value (int32)
        self.areas = areas      # distinct areas: the sorted codes of a service's territory
        self.area_of = area_of  # service → its area's number
        self.commune = commune  # area → its commune's number (CommuneIndex) if just one, or −1
        # The services of area a: by_area[starts[a]:starts[a + 1]]; the areas naming a code.
        self.by_area = np.argsort(area_of, kind="stable").astype(np.int32)
        self.starts = np.searchsorted(area_of[self.by_area], np.arange(len(areas) + 1))
        self.naming: dict[str, list[int]] = {}
        for number, area in enumerate(areas):
            for code in area:
                self.naming.setdefault(code, []).append(number)
        self._unions: dict[int, np.ndarray] = {}  # area → its communes (several codes)
        self._themes: dict[frozenset[str], np.ndarray] = {}  # thématiques asked → verdicts
        # The rows' order (finish_rows): each distinct value's rank among the sorted values.
        self.ranks = {field: _ranks(values[field]) for field in _ORDER}

    def __len__(self) -> int:
        return len(self.area_of)

    def __getstate__(self) -> dict:
        return {k: v for k, v in vars(self).items() if k not in ("_unions", "_themes")}

    def __setstate__(self, state: dict) -> None:
        vars(self).update(state, _unions={}, _themes={})

    @classmethod
    def of_graph(cls, graph: nx.MultiDiGraph) -> CoverageIndex:
        """Index the services of a canonical graph (areas, thématiques and publics read from
        the service's properties, which its ``COUVRE``, ``TRAITE``, ``CIBLE`` edges mirror)."""
        with collector_paused():  # beside a national graph, collections would walk it
            return cls._of_graph(graph)

    @classmethod
    def _of_graph(cls, graph: nx.MultiDiGraph) -> CoverageIndex:
        services = [s for _, s in graph.nodes(data=True) if s["label"] == "Service"]
        node = graph._node
        actors = [node[node_key("Acteur", s["acteur"])] for s in services]
        raw: dict[str, list] = {
            "acteur": [a["id"] for a in actors], "nom_acteur": [a["nom"] for a in actors],
            "famille": [a["famille"] for a in actors],
            "service": [s["id"] for s in services], "nom_service": [s["nom"] for s in services]}
        for field in _LISTS:
            raw[field] = [tuple(s.get(field, ())) for s in services]
        for field in ("frais", "conditions_acces", "score_qualite", "date_maj"):
            raw[field] = [s.get(field) for s in services]
        values, codes = {}, {}
        for field in _COLUMNS:  # distinct values in the order first met, each row's number
            values[field] = list(dict.fromkeys(raw[field]))
            number = {value: i for i, value in enumerate(values[field])}
            codes[field] = np.fromiter(map(number.__getitem__, raw.pop(field)),
                                       dtype=np.int32, count=len(services))
        areas = [tuple(sorted(set(s.get("territoire", ())))) for s in services]
        distinct = list(dict.fromkeys(areas))
        number = {area: i for i, area in enumerate(distinct)}
        area_of = np.fromiter(map(number.__getitem__, areas), dtype=np.int32,
                              count=len(services))
        position = referentials().territoires.index.position
        commune = [position.get(area[0], -1) if len(area) == 1 else -1 for area in distinct]
        return cls(values, codes, distinct, area_of, np.array(commune, dtype=np.int32))

    def _passing(self, field: str, test: Callable[[tuple[str, ...]], bool],
                 services: np.ndarray) -> np.ndarray:
        """For each service given, whether its value of ``field`` passes ``test`` (tested
        once a value)."""
        verdicts = np.fromiter((test(value) for value in self.values[field]), dtype=bool,
                               count=len(self.values[field]))
        return verdicts[self.codes[field][services]]

    def _treating(self, wanted: frozenset[str]) -> np.ndarray:
        """For each distinct set of thématiques, whether it names one ``wanted``: tested once
        per set of thématiques asked (a report asks each need on every EPCI)."""
        found = self._themes.get(wanted)
        if found is None:
            values = self.values["thematiques"]
            found = self._themes[wanted] = np.fromiter(
                (not wanted.isdisjoint(themes) for themes in values), dtype=bool,
                count=len(values))
        return found

    def _services_meeting(self, code: str, refs: Referentials) -> np.ndarray:
        """The services whose area names a commune of the territory or a territory above
        one (every other area misses it), in order."""
        if code == "france":
            return np.arange(len(self.area_of), dtype=np.int32)
        meeting = refs.territoires.index.meeting(code)
        areas = sorted({area for place in meeting for area in self.naming.get(place, ())})
        if not areas:
            return np.zeros(0, dtype=np.int32)
        return np.sort(np.concatenate([self.by_area[self.starts[area]:self.starts[area + 1]]
                                       for area in areas]))

    def _communes(self, area: int, index: CommuneIndex) -> np.ndarray:
        codes = self.areas[area]
        if len(codes) == 1:
            return index.of(codes[0])
        found = self._unions.get(area)
        if found is None:
            found = self._unions[area] = index.of_all(codes)
        return found

    def answer(self, query: CoverageQuery, refs: Referentials | None = None) -> list[CoverageRow]:
        """The rows of :func:`who_covers` for a question."""
        return self.head(query, None, refs).rows

    def head(self, query: CoverageQuery, limit: int | None,
             refs: Referentials | None = None) -> CoverageAnswer:
        """The first ``limit`` rows of a question in :func:`finish_rows`' order (all when
        None) and how many there are: only the rows shown are made."""
        with collector_paused():  # tens of thousands of rows beside a national index
            return self._answer(query, refs or referentials(), limit)

    def _answer(self, query: CoverageQuery, refs: Referentials,
                limit: int | None) -> CoverageAnswer:
        params = coverage_parameters(query, refs)
        services = self._services_meeting(params["territoire"], refs)
        chosen = self._treating(frozenset(params["thematiques"]))[
            self.codes["thematiques"][services]]
        if params["publics"] is not None:
            publics = frozenset(params["publics"])
            chosen &= self._passing("publics", lambda found: not publics.isdisjoint(
                found or ("tous-publics",)), services)
        if params["moment"] is not None:
            moment = params["moment"]
            chosen &= self._passing("moments", lambda found: moment in found, services)
        # Each area met by a chosen service is intersected once with the territory asked.
        index = refs.territoires.index
        asked = np.zeros(len(index), dtype=bool)
        asked[index.of(params["territoire"])] = True
        area_of = self.area_of[services]
        needed = np.zeros(len(self.areas), dtype=bool)
        needed[area_of[chosen]] = True
        count = np.zeros(len(self.areas), dtype=np.int64)
        people = np.zeros(len(self.areas), dtype=np.int64)
        # Areas of one commune (most of them) at once; the others one by one.
        single = np.flatnonzero(needed & (self.commune >= 0))
        where = self.commune[single]
        count[single] = asked[where]
        people[single] = np.where(asked[where], index.population[where], 0)
        for area in np.flatnonzero(needed & (self.commune < 0)).tolist():
            communes = self._communes(area, index)
            inside = communes[asked[communes]]
            count[area] = len(inside)
            people[area] = index.population[inside].sum()
        kept = chosen & (count > 0)[area_of]
        kept &= self._fresh_enough(params, services)
        picked, areas = services[kept], area_of[kept]
        total = count[areas] == params["nb_communes"]
        order = self._order(picked, total)
        shown = order if limit is None else order[:limit]
        rows = self._rows(picked[shown], count[areas[shown]], people[areas[shown]],
                          total[shown])
        return CoverageAnswer(rows=rows, nombre=len(picked), total=int(total.sum()))

    def _fresh_enough(self, params: dict, services: np.ndarray) -> np.ndarray:
        """Whether each service given has the data·inclusion quality and freshness asked
        (as :func:`finish_rows` decides it for the Neo4j rows)."""
        passing = np.ones(len(services), dtype=bool)
        quality, since = params.get("qualite_min"), params.get("maj_depuis")
        if quality is not None:
            passing &= self._passing("score_qualite", lambda score: score is not None
                                     and score >= quality, services)
        if since is not None:
            passing &= self._passing("date_maj", lambda day: day is not None and day >= since,
                                     services)
        return passing

    def _order(self, picked: np.ndarray, total: np.ndarray) -> np.ndarray:
        """The rows' order of :func:`finish_rows` (total first, then by family, actor's
        name and service), from the ranks of the distinct values."""
        keys = [self.ranks[field][self.codes[field][picked]] for field in reversed(_ORDER)]
        return np.lexsort((*keys, ~total))

    def _rows(self, picked: np.ndarray, counts: np.ndarray, people: np.ndarray,
              total: np.ndarray) -> list[CoverageRow]:
        columns = [[self.values[field][n] for n in self.codes[field][picked].tolist()]
                   for field in _COLUMNS]
        rows = []  # each row's dict in CoverageRow's field order, made straight from columns
        for (whole, communes, population, acteur, nom_acteur, famille, service, nom_service,
             thematiques, publics, moments, territoire, modes_mobilisation, mobilisable_par,
             frais, conditions_acces, score_qualite, date_maj) in zip(
                total.tolist(), counts.tolist(), people.tolist(), *columns, strict=True):
            rows.append(checked(CoverageRow, {
                "acteur": acteur, "nom_acteur": nom_acteur, "famille": famille,
                "service": service, "nom_service": nom_service,
                "thematiques": list(thematiques), "publics": list(publics),
                "moments": list(moments), "territoire": list(territoire),
                "couverture": "total" if whole else "partiel",
                "communes_couvertes": communes, "population_couverte": population,
                "frais": frais, "modes_mobilisation": list(modes_mobilisation),
                "mobilisable_par": list(mobilisable_par), "conditions_acces": conditions_acces,
                "score_qualite": score_qualite, "date_maj": date_maj}))
        return rows


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
    total first, then by family, actor's name and service."""
    quality, since = params.get("qualite_min"), params.get("maj_depuis")
    wanted = params["nb_communes"]
    rows = []
    for row in raw:
        if quality is not None and (row.get("score_qualite") is None
                                    or row["score_qualite"] < quality):
            continue
        if since is not None and (row.get("date_maj") is None or row["date_maj"] < since):
            continue
        couverture = "total" if row["communes_couvertes"] == wanted else "partiel"
        rows.append(CoverageRow(**row, couverture=couverture))
    rows.sort(key=lambda r: (r.couverture != "total", r.famille, r.nom_acteur, r.service))
    return rows
