"""What the analyses found on a territory, computed once and handed to every output.

The report, the map and the annex show the same gaps, duplicates and consortium
check: :func:`compute_findings` runs each analysis once, at one stated level
(:func:`gap_level`), and :class:`Findings` carries the analyses' own models to
every part (``rapport.md``, ``lacunes.csv``, ``carte.html``, the annex).
"""

from __future__ import annotations

import networkx as nx
from pydantic import BaseModel, ConfigDict

from spie_graph.analyses._common import ServiceView, check_territoire, service_views
from spie_graph.analyses.consortium import (
    ConsortiumCheck,
    Criteria,
    check_consortium,
    consortium_of_graph,
    load_criteria,
)
from spie_graph.analyses.density import Density, density_from_gaps
from spie_graph.analyses.duplicates import DuplicateCount, DuplicateGroup, find_duplicates
from spie_graph.analyses.gaps import Gaps, gaps
from spie_graph.analyses.network import Network, network
from spie_graph.graph.build import default_territory
from spie_graph.reference.referentials import Referentials, referentials

__all__ = ["Findings", "compute_findings", "gap_level"]

_WIDE = ("region", "france")


def gap_level(territoire: str, refs: Referentials | None = None) -> str:
    """The unit gaps are counted by on a territory.

    Commune by commune up to a département (where a need is missing, to the
    commune); EPCI by EPCI for a région or France, where communes would be
    thousands of rows.
    """
    refs = refs or referentials()
    return "epci" if refs.territoires.kind(territoire) in _WIDE else "commune"


class Findings(BaseModel):
    """The analyses of one territory, each None when not asked for.

    ``gaps`` (:class:`Gaps`, counted at ``gaps.niveau``), ``duplicates``
    (:class:`DuplicateGroup`, inside the territory), ``consortium``
    (:class:`ConsortiumCheck`, None without a consortium), ``network``
    (:class:`Network`); ``density`` (:class:`Density`, services per 10,000
    inhabitants by commune and EPCI, with the gaps); ``family_labels`` names
    the recommended family groups of the AMI criteria the consortium check
    refers to.
    """

    model_config = ConfigDict(frozen=True)

    territoire: str
    gaps: Gaps | None = None
    density: Density | None = None
    duplicates: list[DuplicateGroup] | None = None
    duplicates_count: DuplicateCount | None = None
    """How many duplicate findings in all: beyond a département, ``duplicates`` holds the
    most populated only (:func:`~spie_graph.analyses.duplicates.find_duplicates`)."""
    consortium: ConsortiumCheck | None = None
    network: Network | None = None
    family_labels: dict[str, str] = {}
    criteria: Criteria | None = None
    """The AMI criteria the consortium was checked against (thresholds included)."""


def compute_findings(graph: nx.MultiDiGraph, territoire: str | None = None, *,
                     with_gaps: bool = True, with_duplicates: bool = True,
                     with_consortium: bool = True, with_network: bool = True,
                     criteria: Criteria | None = None,
                     views: list[ServiceView] | None = None,
                     refs: Referentials | None = None) -> Findings:
    """Run the analyses asked for, once each, on a territory.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The canonical graph.
    territoire : str, optional
        A COG code; default: the consortium's territory, else the main département.
    criteria : Criteria, optional
        The AMI criteria (default: the package's ``criteres_ami.yaml``), e.g. with
        another population threshold (:meth:`Criteria.with_population_share`).
    views : list of ServiceView, optional
        The graph's services (:func:`service_views`), when the caller has read them.

    Returns
    -------
    Findings
        Gaps at :func:`gap_level`; duplicates inside the territory; the
        consortium check when the graph has a consortium; the network.

    Raises
    ------
    ArgumentError
        For an unknown territory, with the closest codes.

    Notes
    -----
    The services are read once (:func:`service_views`) for gaps and
    duplicates; each analysis' cost is in its docstring.
    """
    refs = refs or referentials()
    code = check_territoire(territoire or default_territory(graph), refs)
    if views is None:
        views = service_views(graph) if (with_gaps or with_duplicates) else []
    found: dict[str, object] = {"territoire": code}
    if with_gaps:
        level = gap_level(code, refs)
        found["gaps"] = table = gaps(graph, code, niveau=level, views=views, refs=refs)
        # Communes of a whole région or of France would be thousands of rows: EPCI only then.
        by_commune = table if level == "commune" else table.model_copy(update={"lignes": []})
        by_epci = table if level == "epci" else gaps(graph, code, niveau="epci", views=views,
                                                     refs=refs)
        found["density"] = density_from_gaps(by_commune, by_epci)
    if with_duplicates:
        result = find_duplicates(graph, territoire=code, views=views, refs=refs)
        found["duplicates"], found["duplicates_count"] = result.constats, result.count()
    if with_consortium and consortium_of_graph(graph) is not None:
        criteria = criteria or load_criteria(refs=refs)
        found["consortium"] = check_consortium(graph, criteria=criteria, refs=refs)
        found["family_labels"] = {g.code: g.libelle for g in criteria.familles_recommandees}
        found["criteria"] = criteria
    if with_network:
        found["network"] = network(graph)
    return Findings.model_validate(found)
