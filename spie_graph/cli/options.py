"""Options shared by the commands, and the one place errors become French messages."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from spie_graph import api
from spie_graph.render.tables import FORMATS
from spie_graph.store.connection import DEFAULT_URI, STORES, Neo4jConnection

__all__ = ["ProgressBar", "UserError", "connection_options", "dataset_option", "format_option",
           "quality_options", "show_provenance", "store_options"]


class ProgressBar:
    """A progress callback ``(done, total)`` drawn as a bar on stderr, opened at its
    first call (when the library knows the total) inside ``stack``."""

    def __init__(self, stack: ExitStack, label: str):
        self._stack, self._label = stack, label
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = self._stack.enter_context(
                click.progressbar(length=total, label=self._label, file=sys.stderr))
        self._bar.update(done - self._done)
        self._done = done


def quality_options(func: Callable) -> Callable:
    """``--qualite-min`` and ``--maj-depuis``: only data·inclusion services of enough quality
    and recent enough (those without a score or a date are left out when asked)."""
    func = click.option(
        "--maj-depuis", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="AAAA-MM-JJ",
        help="Ne garder que les services mis à jour depuis cette date (date_maj connue).")(func)
    return click.option(
        "--qualite-min", type=click.FloatRange(0, 1), metavar="SCORE",
        help="Ne garder que les services dont le score de qualité data·inclusion est connu et "
             "au moins égal à SCORE (entre 0 et 1, ex. 0.5).")(func)


def show_provenance(notes: list[str], fmt: str) -> None:
    """What the import of the data set left out: after a table, or on stderr beside CSV
    and JSON (so that they stay readable by programs)."""
    if not notes:
        return
    to_stderr = fmt != "table"
    click.echo("\nProvenance : " + "\n  ".join(notes), err=to_stderr)


class UserError(click.ClickException):
    """A user mistake, printed in French without a traceback (exit status 1)."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


def dataset_option(func: Callable) -> Callable:
    return click.option(
        "--dataset", "dataset", envvar="SPIE_GRAPH_DATASET", required=True,
        type=click.Path(path_type=Path, readable=False), metavar="DOSSIER",
        help="Dossier du jeu de données, ou classeur .xlsx (ou variable SPIE_GRAPH_DATASET).",
    )(func)


def format_option(func: Callable) -> Callable:
    return click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
        help="Format de sortie : tableau lisible, json ou csv.",
    )(func)


def connection_options(func: Callable) -> Callable:
    """``--store`` and the Neo4j connection options; the command gets ``store`` (a name)
    and ``connection`` (a :class:`Neo4jConnection`)."""
    decorators = [
        click.option("--store", type=click.Choice(STORES), default="embedded",
                     envvar="SPIE_GRAPH_STORE", show_default=True,
                     help="Stockage du graphe : embarqué (sans serveur) ou Neo4j."),
        click.option("--neo4j-uri", envvar="NEO4J_URI", default=DEFAULT_URI, show_default=True,
                     help="Adresse du serveur Neo4j (bolt://, neo4j://, neo4j+s://)."),
        click.option("--neo4j-user", envvar="NEO4J_USER", default="neo4j", show_default=True,
                     help="Utilisateur Neo4j."),
        click.option("--neo4j-password", envvar="NEO4J_PASSWORD", default=None,
                     help="Mot de passe Neo4j (ou variable NEO4J_PASSWORD ; jamais affiché). "
                          "Par défaut, celui du serveur local (voir « spie-graph neo4j status »)."),
        click.option("--neo4j-database", envvar="NEO4J_DATABASE", default="neo4j",
                     show_default=True, help="Base Neo4j."),
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, neo4j_uri: str, neo4j_user: str, neo4j_password: str | None,
                neo4j_database: str, **kwargs: Any) -> Any:
        connection = Neo4jConnection(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
        return func(*args, connection=connection, **kwargs)

    for decorator in reversed(decorators):
        wrapper = decorator(wrapper)
    return wrapper


def store_options(func: Callable) -> Callable:
    """The store options; the command gets ``store``: None (embedded) or an open Neo4j store."""

    @connection_options
    @functools.wraps(func)
    def wrapper(*args: Any, store: str, connection: Neo4jConnection, **kwargs: Any) -> Any:
        if store == "embedded":
            return func(*args, store=None, **kwargs)
        with api.neo4j_store(connection) as opened:
            return func(*args, store=opened, **kwargs)

    return wrapper
