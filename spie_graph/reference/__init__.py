"""Reference data shipped in the package: referentials and the COG 2026.

The lowest layer after :mod:`spie_graph.errors`: it reads only its own files
(``spie_graph/reference/data``, sources and licences in ``SOURCES.md``).
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["data_file", "read_text"]


def data_file(name: str) -> Traversable:
    """A file of the shipped reference data (``spie_graph/reference/data/NAME``)."""
    return resources.files(__package__) / "data" / name


def read_text(name: str) -> str:
    """The text of a shipped reference file."""
    return data_file(name).read_text(encoding="utf-8")
