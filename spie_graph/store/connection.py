"""How to reach a Neo4j server: address, user, password (never printed), database.

The command line fills a :class:`Neo4jConnection` from ``--neo4j-uri``,
``--neo4j-user``, ``--neo4j-password``, ``--neo4j-database`` or the
``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``
variables (:mod:`spie_graph.cli.options`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_URI", "STORES", "Neo4jConnection"]

STORES = ("embedded", "neo4j")
DEFAULT_URI = "bolt://127.0.0.1:7687"
DEFAULT_PASSWORD = "spie-graph-local"


@dataclass(frozen=True)
class Neo4jConnection:
    """Where and how to reach a Neo4j server. ``repr`` hides the password."""

    uri: str = DEFAULT_URI
    user: str = "neo4j"
    password: str = field(default=DEFAULT_PASSWORD, repr=False)
    database: str = "neo4j"
