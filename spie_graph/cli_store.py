"""Commands that write to or query a store directly: ``load`` and ``cypher``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .connection import Neo4jConnection, neo4j_options
from .cypher_files import named_query
from .errors import ArgumentError
from .output import render
from .stores import EmbeddedStore
from .validation import load_dataset

__all__ = ["register"]


def _parse_params(pairs: tuple[str, ...]) -> dict[str, object]:
    """``key=value`` pairs; values read as JSON when they are (numbers, lists), else text."""
    params: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ArgumentError(f"paramètre illisible : « {pair} » (--param). "
                                "Écrivez --param cle=valeur, par exemple --param dataset=morbihan")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


def register(main: click.Group) -> None:
    from .cli_options import dataset_option, format_option, handle_errors

    @main.command()
    @dataset_option
    @click.option("--replace", is_flag=True,
                  help="Supprime aussi du stockage ce que le jeu de données ne contient plus.")
    @neo4j_options
    @handle_errors
    def load(dataset: Path, replace: bool, store: str, neo4j_uri: str, neo4j_user: str,
             neo4j_password: str, neo4j_database: str) -> None:
        """Valide puis charge un jeu de données dans le stockage (Neo4j pour le partager).

        Le jeu de données est entièrement vérifié avant la première écriture : un jeu
        invalide n'écrit rien. Charger deux fois donne exactement le même graphe.
        """
        data = load_dataset(dataset)
        if store == "embedded":
            summary = EmbeddedStore().load(data)
            click.echo("Stockage embarqué : le graphe est construit en mémoire à chaque "
                       "commande ; rien n'est conservé. Utilisez --store neo4j pour le partager.")
        else:
            from .graph import build_graph
            from .stores.neo4j import Neo4jStore

            connection = Neo4jConnection(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
            nodes, rels = Neo4jStore.rows_of(build_graph(data))
            with Neo4jStore(connection) as neo4j, click.progressbar(
                    length=len(nodes) + len(rels), label="Chargement dans Neo4j",
                    file=sys.stderr) as bar:
                summary = neo4j.load(data, replace=replace, progress=bar.update)
        nodes_text = ", ".join(f"{v} {k}" for k, v in sorted(summary.nodes.items()))
        click.echo(f"Jeu de données « {summary.dataset} » chargé ({summary.store}) : "
                   f"{nodes_text}.")
        click.echo(f"Créés : {summary.created} ; modifiés : {summary.updated} ; "
                   f"supprimés : {summary.removed}.")

    @main.command()
    @click.argument("requete", metavar="NOM_OU_FICHIER")
    @click.option("--param", "params", multiple=True, metavar="CLE=VALEUR",
                  help="Paramètre de la requête ($cle) ; répétable. Valeurs JSON acceptées.")
    @click.option("--write", is_flag=True, help="Autorise l'écriture (lecture seule sinon).")
    @format_option
    @neo4j_options
    @handle_errors
    def cypher(requete: str, params: tuple[str, ...], write: bool, fmt: str, store: str,
               neo4j_uri: str, neo4j_user: str, neo4j_password: str,
               neo4j_database: str) -> None:
        """Exécute une requête Cypher nommée (cypher/queries/) ou un fichier .cypher sur Neo4j.

        Exemple : spie-graph cypher acteurs_par_famille --param dataset=morbihan
        """
        from .stores.neo4j import Neo4jStore

        text = named_query(requete)
        values = _parse_params(params)
        connection = Neo4jConnection(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
        with Neo4jStore(connection) as neo4j:
            rows = neo4j.run(text, values) if write else neo4j.run_read_only(text, values)
        click.echo(render(rows, fmt))
