"""Which store a command uses, and how to reach Neo4j.

``--store embedded`` (the default) builds the graph in process from the data
set folder. ``--store neo4j`` queries a Neo4j server reached with
``--neo4j-uri/--neo4j-user/--neo4j-password/--neo4j-database`` or the
``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE`` variables.
The password is never printed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import click

__all__ = ["Neo4jConnection", "connection_options", "neo4j_options", "STORES"]

STORES = ("embedded", "neo4j")
DEFAULT_URI = "bolt://127.0.0.1:7687"


@dataclass(frozen=True)
class Neo4jConnection:
    """Where and how to reach a Neo4j server. ``repr`` hides the password."""

    uri: str = DEFAULT_URI
    user: str = "neo4j"
    password: str = field(default="spie-graph-local", repr=False)
    database: str = "neo4j"


def neo4j_options(func: Callable) -> Callable:
    """Add ``--store`` and the Neo4j connection options as they are."""
    decorators = [
        click.option("--store", type=click.Choice(STORES), default="embedded",
                     envvar="SPIE_GRAPH_STORE", show_default=True,
                     help="Stockage du graphe : embarqué (sans serveur) ou Neo4j."),
        click.option("--neo4j-uri", envvar="NEO4J_URI", default=DEFAULT_URI, show_default=True,
                     help="Adresse du serveur Neo4j (bolt://, neo4j://, neo4j+s://)."),
        click.option("--neo4j-user", envvar="NEO4J_USER", default="neo4j", show_default=True,
                     help="Utilisateur Neo4j."),
        click.option("--neo4j-password", envvar="NEO4J_PASSWORD", default="spie-graph-local",
                     show_default=False,
                     help="Mot de passe Neo4j (ou variable NEO4J_PASSWORD ; jamais affiché)."),
        click.option("--neo4j-database", envvar="NEO4J_DATABASE", default="neo4j",
                     show_default=True, help="Base Neo4j."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def connection_options(func: Callable) -> Callable:
    """Add the store options; the command receives ``store`` (None for embedded)."""

    @neo4j_options
    @functools.wraps(func)
    def wrapper(*args, store: str, neo4j_uri: str, neo4j_user: str, neo4j_password: str,
                neo4j_database: str, **kwargs):
        if store == "embedded":
            return func(*args, store=None, **kwargs)
        from .stores.neo4j import Neo4jStore

        connection = Neo4jConnection(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
        with Neo4jStore(connection) as opened:
            return func(*args, store=opened, **kwargs)

    return wrapper
