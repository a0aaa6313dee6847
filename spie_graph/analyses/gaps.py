"""Coverage gaps: where no service covers a need, and where a moment of the parcours is missing.

For every commune (or EPCI) of a territory and every checked thématique, the
number of services that cover it; a gap is zero. A service counts when it
treats the thématique (a category stands for its sub-themes, as in
:mod:`spie_graph.graph.coverage`), serves the public asked (or every public) and its
area reaches the commune (for an EPCI: at least one of its communes in the
territory). Rows are sorted by the population affected (COG 2026).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

import networkx as nx
from pydantic import BaseModel

from spie_graph.analyses._common import (
    ServiceView,
    check_public,
    check_territoire,
    check_thematiques,
    service_views,
)
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import default_territory
from spie_graph.reference.referentials import Referentials, referentials

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


def _count(views: Iterable[ServiceView], units: list[Unit],
           keys_of: Callable[[ServiceView], Iterable[str]]) -> Counter[tuple[int, str]]:
    """Services per (unit index, key): each service adds one to every unit it reaches."""
    unit_of = {commune: index for index, (_, members) in enumerate(units) for commune in members}
    inside = frozenset(unit_of)
    counts: Counter[tuple[int, str]] = Counter()
    for view in views:
        keys = list(keys_of(view))
        if not keys:
            continue
        for index in {unit_of[c] for c in view.communes & inside}:
            for key in keys:
                counts[index, key] += 1
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
    O(s·t·c) for s services, t thématiques and c communes of a service's area
    inside the territory, plus O(u·t) rows for u units. No pair of services
    is compared.
    """
    refs = refs or referentials()
    terr = refs.territoires
    code = check_territoire(territoire or default_territory(graph), refs)
    checked = check_thematiques(list(thematiques or refs.besoins_spie), refs)
    check_public(public, refs)
    units = territory_units(code, niveau, refs)
    left_out = set(sans)
    kept = [v for v in (views if views is not None else service_views(graph))
            if v.acteur not in left_out and v.serves(public)]
    match = {t: refs.matching_thematiques(t) for t in checked}
    by_theme = _count(kept, units, lambda v: [t for t in checked if v.thematiques & match[t]])
    by_moment = _count(kept, units, lambda v: [m for m in refs.moments if m in v.moments])
    people = [sum(terr.population(c) for c in members) for _, members in units]
    rows = [GapRow(territoire=unit, nom_territoire=terr.name(unit), thematique=theme,
                   population=people[i], nb_services=by_theme[i, theme])
            for i, (unit, _) in enumerate(units) for theme in checked]
    rows.sort(key=lambda r: (r.nb_services > 0, r.nb_services, -r.population, r.territoire,
                             checked.index(r.thematique)))
    moments = [MomentGap(territoire=unit, nom_territoire=terr.name(unit), moment=moment,
                         population=people[i])
               for i, (unit, _) in enumerate(units) for moment in refs.moments
               if by_moment[i, moment] == 0]
    moments.sort(key=lambda m: (-m.population, m.territoire, list(refs.moments).index(m.moment)))
    return Gaps(territoire=code, niveau=niveau, thematiques=checked, public=public,
                sans=sorted(left_out), lignes=rows, moments_sans_service=moments)
