"""The map as a pyvis network, for people who work in Jupyter notebooks.

:func:`to_pyvis` returns a real :class:`pyvis.network.Network` holding the
map's nodes, edges and options (:func:`spie_graph.render.map.map_elements`):
the same colours, sizes, shapes and interaction styles as ``carte.html``.
pyvis then does what it is good at: showing the network inline in a notebook
(``net.show("carte.html", notebook=True)`` or ``net.generate_html()``),
letting the user tune its physics (``net.show_buttons()``), add nodes or
export it. The offline map of the report stays on our own template.

pyvis is an optional extra: ``pip install "spie-graph[notebook]"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from spie_graph.analyses.findings import Findings
from spie_graph.errors import ArgumentError
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render.map import map_elements

if TYPE_CHECKING:
    from pyvis.network import Network

__all__ = ["to_pyvis"]

# Keys of our node and edge dicts that are ours, not vis-network's.
_OWN_NODE_KEYS = ("id", "label", "famille", "thematiques", "membre")
_OWN_EDGE_KEYS = ("from", "to", "type")


def _title(node: dict, refs: Referentials) -> str:
    """A plain-text tooltip: name, family, membership (vis-network shows it as text)."""
    famille = refs.familles.get(node["famille"])
    lines = [node["label"], famille.libelle if famille else node["famille"]]
    if node.get("membre"):
        lines.append("Membre du consortium")
    return "\n".join(lines)


def to_pyvis(graph: nx.MultiDiGraph, *, territoire: str | None = None,
             thematique: str | None = None, findings: Findings | None = None,
             taille: str = "services", height: str = "650px", notebook: bool = True,
             refs: Referentials | None = None) -> Network:
    """A pyvis network of a data set's actors, styled as the interactive map.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A canonical graph (``spie_graph.api.load_graph``, either store).
    territoire, thematique, findings, taille
        As for :func:`spie_graph.render.map.map_elements`; with ``findings``
        (duplicates), duplicated services are linked by dashed red edges.
    height : str
        Height of the network in the page or notebook cell.
    notebook : bool
        Prepare the network to be shown inline in Jupyter.

    Returns
    -------
    pyvis.network.Network
        Directed; one node per actor (id: its graph key), one edge per
        interaction (``title``: the interaction type), the map's options.

    Raises
    ------
    ArgumentError
        When pyvis is not installed, or for an unknown territory or thématique.
    """
    try:
        from pyvis.network import Network
    except ModuleNotFoundError as exc:
        raise ArgumentError("pyvis n'est pas installé : pip install \"spie-graph[notebook]\""
                            ) from exc
    refs = refs or referentials()
    found = map_elements(graph, territoire=territoire, thematique=thematique,
                         findings=findings, taille=taille, restreindre=territoire is not None,
                         refs=refs)
    net = Network(height=height, width="100%", directed=True, notebook=notebook,
                  cdn_resources="in_line" if notebook else "local")
    for node in found.nodes:
        options = {k: v for k, v in node.items() if k not in _OWN_NODE_KEYS}
        net.add_node(node["id"], label=node["label"], title=_title(node, refs), **options)
    for edge in found.edges:
        options = {k: v for k, v in edge.items() if k not in _OWN_EDGE_KEYS}
        label = refs.interactions.get(edge["type"], edge["type"])
        net.add_edge(edge["from"], edge["to"], title=label, **options)
    net.options = found.options
    return net
