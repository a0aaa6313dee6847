"""The ``neo4j`` command group: start, stop and inspect the local Neo4j server.

Registered in the main CLI as ``spie-graph neo4j``; also runnable on its own
(``python -m spie_graph.server_cli start``, see ``scripts/neo4j-server``).
Every :class:`~spie_graph.errors.SpieGraphError` becomes a one-line French
error (exit status 1), never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import click

from spie_graph import neo4j_server
from spie_graph.cli_options import handle_errors
from spie_graph.neo4j_server import ServerConfig, ServerStatus

__all__ = ["neo4j_group"]


_port = click.option("--port", type=click.IntRange(1, 65535), default=None,
                     help="Port Bolt (défaut : 7687 ou SPIE_GRAPH_NEO4J_PORT).")
_home = click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Dossier du serveur : jars, données, journaux "
                          "(défaut : ~/.cache/spie-graph/neo4j-VERSION ou SPIE_GRAPH_NEO4J_HOME).")


def _describe(state: ServerStatus) -> str:
    lines = [
        f"Neo4j {state.version} : " + (f"en marche (processus {state.pid})" if state.running else "arrêté"),
        f"  adresse : {state.uri}",
        f"  dossier : {state.home}",
        f"  données : {state.data_dir}",
        f"  journal : {state.log_file}",
    ]
    return "\n".join(lines)


@click.group(name="neo4j")
def neo4j_group() -> None:
    """Serveur Neo4j local (Community, embarqué) : démarrer, arrêter, état."""


@neo4j_group.command()
@_port
@_home
@click.option("--heap", default=None, help="Mémoire Java du serveur, ex. 1g (défaut : 1g).")
@click.option("--pagecache", default=None, help="Cache de pages de Neo4j, ex. 512m (défaut : 512m).")
@click.option("--timeout", type=click.FloatRange(1), default=120, show_default=True,
              help="Attente maximale du démarrage, en secondes.")
@handle_errors
def start(port, home, heap, pagecache, timeout) -> None:
    """Démarre le serveur (le télécharge au premier lancement) et attend qu'il réponde."""
    config = ServerConfig.from_env(port=port, home=home, heap=heap, pagecache=pagecache)
    state = neo4j_server.start(config, timeout=timeout)
    click.echo(f"Neo4j {state.version} démarré : {state.uri} (journal : {state.log_file})")


@neo4j_group.command()
@_port
@_home
@click.option("--timeout", type=click.FloatRange(1), default=60, show_default=True,
              help="Attente maximale de l'arrêt propre, en secondes, avant SIGKILL.")
@handle_errors
def stop(port, home, timeout) -> None:
    """Arrête le serveur s'il est en marche."""
    config = ServerConfig.from_env(port=port, home=home)
    if neo4j_server.stop(config, timeout=timeout):
        click.echo(f"Neo4j {neo4j_server.NEO4J_VERSION} arrêté.")
    else:
        click.echo("Aucun serveur Neo4j local en marche.")


@neo4j_group.command()
@_port
@_home
@handle_errors
def status(port, home) -> None:
    """Affiche l'état du serveur, son adresse et ses dossiers."""
    config = ServerConfig.from_env(port=port, home=home)
    click.echo(_describe(neo4j_server.status(config)))



def register(main: click.Group) -> None:
    """Add the ``neo4j`` group to the main command."""
    main.add_command(neo4j_group, "neo4j")


if __name__ == "__main__":
    neo4j_group()
