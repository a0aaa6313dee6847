"""Graph stores: one interface, an embedded (NetworkX) and a Neo4j implementation."""

from .base import GraphStore, LoadSummary
from .embedded import EmbeddedStore

__all__ = ["GraphStore", "LoadSummary", "EmbeddedStore"]
