"""Services per 10,000 inhabitants, by commune and by EPCI, for each need.

Beside the zero-coverage gaps (:mod:`spie_graph.analyses.gaps`), the rate of
services shows where the offer is thin rather than absent, as the State's
« trous dans la raquette » prototype does on data·inclusion: for each unit
(commune or EPCI) and need, the services that reach the unit (counted as in
:func:`~spie_graph.analyses.gaps.gaps`: a service whose area meets the unit)
times 10,000, divided by the unit's population (COG 2026).
"""

from __future__ import annotations

from collections.abc import Iterable
from statistics import median

import networkx as nx
from pydantic import BaseModel

from spie_graph.analyses._common import ServiceView, service_views
from spie_graph.analyses.gaps import Gaps, gaps
from spie_graph.reference.referentials import Referentials, referentials

__all__ = ["PER", "DensityRow", "Density", "density", "density_from_gaps"]

PER = 10_000


class DensityRow(BaseModel):
    """Services reaching a commune or an EPCI for a need, per 10,000 inhabitants."""

    niveau: str
    territoire: str
    nom_territoire: str
    thematique: str
    population: int
    nb_services: int
    pour_10000: float | None     # None for a unit without inhabitants


class Density(BaseModel):
    """The rates of a territory, by commune and by EPCI, and their median per need."""

    territoire: str
    thematiques: list[str]
    communes: list[DensityRow]
    epci: list[DensityRow]
    mediane_epci: dict[str, float]

    def lowest(self, count: int = 10) -> list[DensityRow]:
        """The EPCI × need pairs with the fewest services per inhabitant (gaps included)."""
        rows = [r for r in self.epci if r.pour_10000 is not None]
        rows.sort(key=lambda r: (r.pour_10000, -r.population, r.territoire, r.thematique))
        return rows[:count]


def _rows(result: Gaps) -> list[DensityRow]:
    rows = [DensityRow(niveau=result.niveau, territoire=r.territoire,
                       nom_territoire=r.nom_territoire, thematique=r.thematique,
                       population=r.population, nb_services=r.nb_services,
                       pour_10000=round(r.nb_services * PER / r.population, 2)
                       if r.population else None)
            for r in result.lignes]
    rows.sort(key=lambda r: (r.territoire, result.thematiques.index(r.thematique)))
    return rows


def density_from_gaps(by_commune: Gaps, by_epci: Gaps) -> Density:
    """The rates computed from two coverage tables already at hand (the report's)."""
    epci = _rows(by_epci)
    medians = {}
    for theme in by_epci.thematiques:
        rates = [r.pour_10000 for r in epci if r.thematique == theme and r.pour_10000 is not None]
        if rates:
            medians[theme] = round(median(rates), 2)
    return Density(territoire=by_epci.territoire, thematiques=by_epci.thematiques,
                   communes=_rows(by_commune), epci=epci, mediane_epci=medians)


def density(graph: nx.MultiDiGraph, territoire: str | None = None, *,
            thematiques: Iterable[str] | None = None, public: str | None = None,
            views: list[ServiceView] | None = None,
            refs: Referentials | None = None) -> Density:
    """Services per 10,000 inhabitants by commune and by EPCI for each need.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The canonical graph.
    territoire, thematiques, public
        As for :func:`~spie_graph.analyses.gaps.gaps`.

    Returns
    -------
    Density
        One row per commune × need and per EPCI × need, and the median rate of
        the EPCI for each need.

    Notes
    -----
    Two runs of :func:`~spie_graph.analyses.gaps.gaps` (commune, EPCI): O(s·t·c).
    """
    refs = refs or referentials()
    views = views if views is not None else service_views(graph)
    by_commune = gaps(graph, territoire, niveau="commune", thematiques=thematiques,
                      public=public, views=views, refs=refs)
    by_epci = gaps(graph, territoire, niveau="epci", thematiques=thematiques, public=public,
                   views=views, refs=refs)
    return density_from_gaps(by_commune, by_epci)
