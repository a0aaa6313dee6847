"""The library API the CLI is a thin layer over.

Every function takes a data set folder (or, for a Neo4j store, the name of a
data set already loaded) and returns plain data or pydantic models.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from .coverage import CoverageQuery, CoverageRow
from .errors import DatasetError, Problem
from .model import Dataset
from .readers import is_workbook, locate_columns, read_dataset
from .report import run_report
from .stats import graph_stats
from .stores import EmbeddedStore, GraphStore
from .validation import check_dataset, load_dataset

__all__ = ["validate", "open_store", "load_graph", "who_covers", "stats", "report"]


def validate(path: Path | str) -> tuple[Dataset | None, list[Problem]]:
    """Check a data set folder or workbook: the data set when valid, and every problem found."""
    folder = Path(path)
    try:
        if not folder.is_dir() and not is_workbook(folder):
            load_dataset(folder)  # raises the located "folder not found" error
        raw = read_dataset(folder)
        if not raw.opened:  # an unreadable workbook: nothing else to check
            return None, raw.problems
        dataset, problems = check_dataset(raw)
        return dataset, locate_columns(problems, raw)
    except DatasetError as exc:
        return None, exc.problems


def open_store(path: Path | str, store: GraphStore | None = None) -> tuple[GraphStore, str]:
    """A store holding the data set, and the data set's name.

    With no store, the data set folder is validated and loaded into a new
    embedded store. A given store (Neo4j) is queried as it is: the data set must
    have been loaded into it (``spie-graph load``).
    """
    if store is None:
        dataset = load_dataset(path)
        embedded = EmbeddedStore()
        embedded.load(dataset)
        return embedded, dataset.nom
    return store, Path(path).name


def load_graph(path: Path | str, store: GraphStore | None = None) -> nx.MultiDiGraph:
    """The canonical graph of a data set."""
    opened, name = open_store(path, store)
    return opened.graph(name)


def who_covers(path: Path | str, query: CoverageQuery,
               store: GraphStore | None = None) -> list[CoverageRow]:
    """The services that cover a need on a territory (see :mod:`spie_graph.coverage`)."""
    opened, name = open_store(path, store)
    return opened.who_covers(name, query)


def stats(path: Path | str, store: GraphStore | None = None) -> dict:
    """Figures of a data set (see :func:`spie_graph.stats.graph_stats`)."""
    return graph_stats(load_graph(path, store))


def report(path: Path | str, out_root: Path | str = "exports",
           store: GraphStore | None = None, territoire: str | None = None) -> Path:
    """Run the main job and return the folder written (``exports/<data set>``)."""
    opened, name = open_store(path, store)
    return run_report(name, opened.graph(name), out_root, territoire)
