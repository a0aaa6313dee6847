"""The embedded store: the canonical graph in process, with NetworkX. No server."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from spie_graph.errors import StoreError
from spie_graph.graph.coverage import CoverageIndex, CoverageQuery, CoverageRow, who_covers
from spie_graph.sources.model import Dataset
from spie_graph.store.base import GraphStore, LoadSummary, Progress

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["EmbeddedStore"]


class EmbeddedStore(GraphStore):
    """Holds graphs in memory, one per data set."""

    name = "embedded"

    def __init__(self) -> None:
        self._graphs: dict[str, nx.MultiDiGraph] = {}
        self._indexes: dict[str, CoverageIndex] = {}

    def add_graph(self, graph: nx.MultiDiGraph, index: CoverageIndex | None = None) -> None:
        """Hold a canonical graph already built (from the cache), named by its data set."""
        name = graph.graph["dataset"]
        self._graphs[name] = graph
        self._indexes.pop(name, None)
        if index is not None:
            self._indexes[name] = index

    def coverage_index(self, dataset: str) -> CoverageIndex:
        """The who-covers index of a data set, built on first use."""
        found = self._indexes.get(dataset)
        if found is None:
            found = self._indexes[dataset] = CoverageIndex.of_graph(self.graph(dataset))
        return found

    def load(self, dataset: Dataset, *, replace: bool = False,
             progress: Progress | None = None) -> LoadSummary:
        from spie_graph.graph.build import build_graph  # NetworkX: not for a cached answer

        graph = build_graph(dataset)
        previous = self._graphs.get(dataset.nom)
        self._graphs[dataset.nom] = graph
        self._indexes.pop(dataset.nom, None)
        nodes = Counter(label for _, label in graph.nodes(data="label"))
        rels = Counter(rel for _, _, rel in graph.edges(data="type"))
        before = set(previous.nodes) if previous is not None else set()
        if progress is not None:
            size = graph.number_of_nodes() + graph.number_of_edges()
            progress(size, size)
        return LoadSummary(
            dataset=dataset.nom, store=self.name, nodes=dict(nodes), relationships=dict(rels),
            created=len(set(graph.nodes) - before), updated=len(set(graph.nodes) & before),
            removed=len(before - set(graph.nodes)),
        )

    def graph(self, dataset: str) -> nx.MultiDiGraph:
        try:
            return self._graphs[dataset]
        except KeyError:
            raise StoreError(f"le jeu de données « {dataset} » n'est pas chargé") from None

    def who_covers(self, dataset: str, query: CoverageQuery) -> list[CoverageRow]:
        return who_covers(self.graph(dataset), query, self.coverage_index(dataset))

    def datasets(self) -> list[str]:
        return sorted(self._graphs)
