"""Analyses of a data set's canonical graph: gaps, duplicates, consortium check, network.

Each analysis is a function of the canonical :mod:`networkx` graph
(:func:`spie_graph.graph.build.build_graph`, or :func:`spie_graph.api.load_graph` for
either store) that returns pydantic models; its docstring states its cost.

- :func:`gaps`: services per commune (or EPCI) and need; moments of the parcours missing.
- :func:`density`: services per 10,000 inhabitants by commune and EPCI, for each need.
- :func:`duplicates`: services of several actors for the same need, moment, public and area.
- :func:`check_consortium`: the AMI SPIE criteria (``data/criteres_ami.yaml``),
  the missing partner families and the actors who could fill them.
- :func:`network`, :func:`without_actor`: roles in the interaction network;
  what breaks if an actor leaves.

The report parts are in :mod:`spie_graph.report.parts`.
"""

from spie_graph.analyses.consortium import (
    ConsortiumCheck,
    Criteria,
    Criterion,
    check_consortium,
    consortium_of_graph,
    load_criteria,
)
from spie_graph.analyses.density import Density, DensityRow, density
from spie_graph.analyses.duplicates import DuplicateGroup, duplicates
from spie_graph.analyses.gaps import GapRow, Gaps, MomentGap, gaps, territory_units
from spie_graph.analyses.network import (
    ActorRole,
    Network,
    WithoutActor,
    interaction_graph,
    network,
    without_actor,
)

__all__ = [
    "gaps", "Gaps", "GapRow", "MomentGap", "territory_units",
    "density", "Density", "DensityRow",
    "duplicates", "DuplicateGroup",
    "check_consortium", "consortium_of_graph", "load_criteria", "ConsortiumCheck", "Criteria",
    "Criterion",
    "network", "without_actor", "interaction_graph", "Network", "ActorRole", "WithoutActor",
]
