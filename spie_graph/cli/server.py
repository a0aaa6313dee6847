"""The ``neo4j`` command group: start, stop and inspect the local Neo4j server.

Registered in the main CLI as ``spie-graph neo4j`` (``scripts/neo4j-server``
runs it from a checkout). The server code (:mod:`spie_graph.store.server`) is
imported by the API functions these commands call, not when the CLI loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from spie_graph import api
from spie_graph.cli.messages import SUBCOMMANDS

if TYPE_CHECKING:
    from spie_graph.store.server import ServerStatus

__all__ = ["neo4j_group"]


_port = click.option("--port", type=click.IntRange(1, 65535), default=None,
                     help="Port Bolt (défaut : 7687 ou SPIE_GRAPH_NEO4J_PORT).")
_home = click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Dossier du serveur : jars, données, journaux "
                          "(défaut : ~/.cache/spie-graph/neo4j-VERSION ou SPIE_GRAPH_NEO4J_HOME).")


def _describe(state: ServerStatus) -> str:
    lines = [
        f"Neo4j {state.version} : "
        + (f"en marche (processus {state.pid})" if state.running else "arrêté"),
        f"  adresse : {state.uri}",
        f"  dossier : {state.home}",
        f"  données : {state.data_dir}",
        f"  journal : {state.log_file}",
        "  mot de passe : " + _password_line(state),
        "  LOAD CSV : " + (f"fichiers du dossier {state.import_dir} seulement"
                           if state.import_dir else "aucun fichier ni adresse web"),
    ]
    return "\n".join(lines)


def _password_line(state: ServerStatus) -> str:
    """Where the password is: never the password itself."""
    if state.password_file is None:
        return "donné par NEO4J_PASSWORD"
    if not state.password_file.exists():
        return (f"fichier {state.password_file}, créé au premier démarrage "
                "(lisible par vous seul)")
    return (f"fichier {state.password_file} (lisible par vous seul ; les commandes le lisent "
            "pour ce serveur)")


@click.group(name="neo4j", subcommand_metavar=SUBCOMMANDS)
def neo4j_group() -> None:
    """Serveur Neo4j local (Community, embarqué) : démarrer, arrêter, état."""


@neo4j_group.command()
@_port
@_home
@click.option("--heap", default=None, help="Mémoire Java du serveur, ex. 1g (défaut : 1g).")
@click.option("--pagecache", default=None,
              help="Cache de pages de Neo4j, ex. 512m (défaut : 512m).")
@click.option("--timeout", type=click.FloatRange(1), default=120, show_default=True,
              help="Attente maximale du démarrage, en secondes.")
@click.option("--import-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier que LOAD CSV FROM 'file:///…' peut lire (aucun par défaut ; "
                   "ou SPIE_GRAPH_NEO4J_IMPORT).")
def start(port: int | None, home: Path | None, heap: str | None, pagecache: str | None,
          timeout: float, import_dir: Path | None) -> None:
    """Démarre le serveur (le télécharge au premier lancement) et attend qu'il réponde.

    Au premier démarrage, un mot de passe aléatoire est créé dans le dossier du
    serveur, lisible par vous seul ; « spie-graph neo4j status » dit où.
    """
    state = api.server_start(timeout, port=port, home=home, heap=heap, pagecache=pagecache,
                             import_dir=import_dir)
    click.echo(f"Neo4j {state.version} démarré : {state.uri} (journal : {state.log_file})")


@neo4j_group.command()
@_port
@_home
@click.option("--timeout", type=click.FloatRange(1), default=60, show_default=True,
              help="Attente maximale de l'arrêt propre, en secondes, avant SIGKILL.")
def stop(port: int | None, home: Path | None, timeout: float) -> None:
    """Arrête le serveur s'il est en marche."""
    if api.server_stop(timeout, port=port, home=home):
        click.echo("Serveur Neo4j local arrêté.")
    else:
        click.echo("Aucun serveur Neo4j local en marche.")


@neo4j_group.command()
@_port
@_home
def status(port: int | None, home: Path | None) -> None:
    """Affiche l'état du serveur, son adresse et ses dossiers."""
    click.echo(_describe(api.server_status(port=port, home=home)))



def register(main: click.Group) -> None:
    """Add the ``neo4j`` group to the main command."""
    main.add_command(neo4j_group, "neo4j")

