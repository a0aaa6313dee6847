"""Coverage gaps: where no service covers a need, and where a moment of the parcours is missing.

For every commune (or EPCI) of a territory and every checked thématique, the
number of services that cover it; a gap is zero. A service counts when it
treats the thématique (a category stands for its sub-themes, as in
:mod:`spie_graph.graph.coverage`), serves the public asked (or every public) and its
area reaches the commune (for an EPCI: at least one of its communes in the
territory). Rows are sorted by the population affected (COG 2026).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx
import numpy as np
from pydantic import BaseModel

from spie_graph.analyses._common import (
    ServiceView,
    check_public,
    check_territoire,
    check_thematiques,
    reaching,
    service_views,
)
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import default_territory
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.reference.territories import Territories

__all__ = ["NIVEAUX", "GapRow", "MomentGap", "Gaps", "territory_units", "gaps"]

NIVEAUX = ("commune", "epci")


class GapRow(BaseModel):
    """How many services cover a thématique on a commune or an EPCI (0: a gap)."""

    territoire: str
    nom_territoire: str
    thematique: str
    population: int
    nb_services: int


class MomentGap(BaseModel):
    """A moment of the parcours that no service reaches on a commune or an EPCI."""

    territoire: str
    nom_territoire: str
    moment: str
    population: int


class Gaps(BaseModel):
    """The coverage table of a territory and its gaps."""

    territoire: str
    niveau: str
    thematiques: list[str]
    public: str | None = None
    sans: list[str] = []
    lignes: list[GapRow]
    moments_sans_service: list[MomentGap]

    @property
    def lacunes(self) -> list[GapRow]:
        """The rows with no service, most populated first."""
        return [row for row in self.lignes if row.nb_services == 0]


Unit = tuple[str, frozenset[str]]


def territory_units(territoire: str, niveau: str = "commune",
                    refs: Referentials | None = None) -> list[Unit]:
    """The communes, or the EPCI, of a territory, each with its communes in the territory.

    An EPCI that crosses the territory's border keeps only its communes inside
    it; a commune that belongs to no EPCI stands as its own unit.

    Raises
    ------
    ArgumentError
        When ``niveau`` is neither ``commune`` nor ``epci``.
    """
    if niveau not in NIVEAUX:
        raise ArgumentError(f"niveau inconnu : « {niveau} » (--niveau). Niveaux possibles : "
                            f"{', '.join(NIVEAUX)}")
    terr = (refs or referentials()).territoires
    communes = terr.communes(territoire)
    if niveau == "commune":
        return [(code, frozenset((code,))) for code in sorted(communes)]
    groups: dict[str, set[str]] = {}
    for code in communes:
        groups.setdefault(terr.epci_of(code) or code, set()).add(code)
    return [(code, frozenset(members)) for code, members in sorted(groups.items())]


def _area_indices(view: ServiceView, terr: Territories) -> np.ndarray:
    """The commune indices of a service's area."""
    index = terr.index
    if view.areas:
        return index.of_all(view.areas)
    return np.array(sorted(index.position[c] for c in view.communes), dtype=np.int64)


def _count(views: Iterable[ServiceView], units: list[Unit], keys: list[str],
           keys_of: Callable[[ServiceView], Iterable[str]], terr: Territories) -> np.ndarray:
    """Services per unit and key (a units × keys matrix).

    Services are grouped by area first: each distinct area is mapped to the units
    it reaches once, and adds its services' counts to those units' rows.
    """
    index = terr.index
    unit_of = np.full(len(index), -1, dtype=np.int64)
    for number, (_, members) in enumerate(units):
        for commune in members:
            unit_of[index.position[commune]] = number
    column = {key: i for i, key in enumerate(keys)}
    by_area: dict[object, tuple[ServiceView, np.ndarray]] = {}
    for view in views:
        found = [column[key] for key in keys_of(view)]
        if not found:
            continue
        area = view.areas or view.communes
        entry = by_area.get(area)
        if entry is None:
            entry = by_area[area] = (view, np.zeros(len(keys), dtype=np.int64))
        entry[1][found] += 1
    counts = np.zeros((len(units), len(keys)), dtype=np.int64)
    for view, added in by_area.values():
        reached = unit_of[_area_indices(view, terr)]
        reached = np.unique(reached[reached >= 0])
        if reached.size:
            counts[reached] += added
    return counts


def gaps(graph: nx.MultiDiGraph, territoire: str | None = None, *, niveau: str = "commune",
         thematiques: Iterable[str] | None = None, public: str | None = None,
         sans: Iterable[str] = (), views: list[ServiceView] | None = None,
         refs: Referentials | None = None) -> Gaps:
    """The coverage table of a territory: services per commune (or EPCI) and thématique.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The canonical graph (:func:`spie_graph.graph.build.build_graph`).
    territoire : str, optional
        A COG code; default: the consortium's territory, else the main département.
    niveau : {"commune", "epci"}
        The unit of the table.
    thematiques : iterable of str, optional
        Codes to check; default: the needs the SPIE names (``besoins_spie``).
    public : str, optional
        Count only the services that serve this public (or every public).
    sans : iterable of str
        Actor ids whose services are left out (what if they left?).
    views : list of ServiceView, optional
        The graph's services, when the caller already read them.

    Returns
    -------
    Gaps
        ``lignes``: one row per unit and thématique, gaps first by population
        affected, then by number of services; ``moments_sans_service``: the
        units no service reaches at a moment (any thématique), by population.

    Raises
    ------
    ArgumentError
        For an unknown territory, thématique, public or level, with the closest codes.

    Notes
    -----
    O(s·t) to group the s services reaching the territory (:func:`reaching`) by
    area, then O(c) array work per distinct area (c communes), plus O(u·t) rows
    for u units: an area covered by many services is expanded once. No pair of
    services is compared.
    """
    refs = refs or referentials()
    terr = refs.territoires
    code = check_territoire(territoire or default_territory(graph), refs)
    checked = check_thematiques(list(thematiques or refs.besoins_spie), refs)
    check_public(public, refs)
    units = territory_units(code, niveau, refs)
    left_out = set(sans)
    kept = [v for v in reaching(views if views is not None else service_views(graph), code, refs)
            if v.acteur not in left_out and v.serves(public)]
    match = {t: refs.matching_thematiques(t) for t in checked}
    moments = list(refs.moments)
    by_theme = _count(kept, units, checked,
                      lambda v: [t for t in checked if v.thematiques & match[t]], terr).tolist()
    by_moment = _count(kept, units, moments,
                       lambda v: [m for m in moments if m in v.moments], terr).tolist()
    people = [terr.population_of(members) for _, members in units]
    names = [terr.name(unit) for unit, _ in units]
    rows = [GapRow(territoire=unit, nom_territoire=names[i], thematique=theme,
                   population=people[i], nb_services=by_theme[i][j])
            for i, (unit, _) in enumerate(units) for j, theme in enumerate(checked)]
    order = {theme: i for i, theme in enumerate(checked)}
    rows.sort(key=lambda r: (r.nb_services > 0, r.nb_services, -r.population, r.territoire,
                             order[r.thematique]))
    missing = [MomentGap(territoire=unit, nom_territoire=names[i], moment=moment,
                         population=people[i])
               for i, (unit, _) in enumerate(units) for j, moment in enumerate(moments)
               if by_moment[i][j] == 0]
    missing.sort(key=lambda m: (-m.population, m.territoire, moments.index(m.moment)))
    return Gaps(territoire=code, niveau=niveau, thematiques=checked, public=public,
                sans=sorted(left_out), lignes=rows, moments_sans_service=missing)
