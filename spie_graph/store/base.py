"""The interface every graph store implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel

from spie_graph.graph.coverage import CoverageQuery, CoverageRow
from spie_graph.sources.model import Dataset

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["GraphStore", "LoadSummary", "Progress"]

Progress = Callable[[int, int], None]
"""Called as a load goes: ``progress(rows written so far, rows in all)``."""


class LoadSummary(BaseModel):
    """What a load did, by node label and relationship type."""

    dataset: str
    store: str
    nodes: dict[str, int] = {}
    relationships: dict[str, int] = {}
    created: int = 0
    updated: int = 0
    removed: int = 0


class GraphStore(ABC):
    """Where a data set's canonical graph lives and is queried."""

    name: str

    @abstractmethod
    def load(self, dataset: Dataset, *, replace: bool = False,
             progress: Progress | None = None) -> LoadSummary:
        """Write the data set's graph (built once); ``replace`` also removes what it no
        longer has; ``progress`` is told how many rows are written."""

    @abstractmethod
    def graph(self, dataset: str) -> nx.MultiDiGraph:
        """The canonical graph of a loaded data set."""

    @abstractmethod
    def who_covers(self, dataset: str, query: CoverageQuery) -> list[CoverageRow]:
        """Services covering a need on a territory (see :mod:`spie_graph.graph.coverage`)."""

    def datasets(self) -> list[str]:
        """Names of the data sets held."""
        return []

    def close(self) -> None:  # noqa: B027 - optional hook, not abstract: no-op by default
        """Release connections."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
