"""Options and error handling shared by every command module of the CLI."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import click

from .connection import connection_options
from .errors import SpieGraphError
from .output import FORMATS

__all__ = ["UserError", "handle_errors", "dataset_option", "format_option", "store_options"]


class UserError(click.ClickException):
    """A user mistake, printed in French without a traceback."""

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"Erreur : {self.format_message()}", err=True)


def handle_errors(func: Callable) -> Callable:
    """Turn library errors into :class:`UserError`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SpieGraphError as exc:
            raise UserError(str(exc)) from exc

    return wrapper


def dataset_option(func: Callable) -> Callable:
    return click.option(
        "--dataset", "dataset", envvar="SPIE_GRAPH_DATASET", required=True,
        type=click.Path(path_type=Path), metavar="DOSSIER",
        help="Dossier du jeu de données (ou variable SPIE_GRAPH_DATASET).",
    )(func)


def format_option(func: Callable) -> Callable:
    return click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
        help="Format de sortie : tableau lisible, json ou csv.",
    )(func)


def store_options(func: Callable) -> Callable:
    """``--store`` and the Neo4j connection options; passes ``store`` (None = embedded)."""
    return connection_options(func)
