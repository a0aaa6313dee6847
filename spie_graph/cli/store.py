"""Commands that write to or query a store directly: ``load`` and ``cypher``."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from spie_graph import api, french
from spie_graph.cli.options import (
    ProgressBar,
    connection_options,
    dataset_option,
    format_option,
)
from spie_graph.errors import ArgumentError
from spie_graph.render.tables import render
from spie_graph.store.connection import Neo4jConnection

__all__ = ["register"]


_NODES = {"Acteur": ("acteur", "acteurs"), "Consortium": ("consortium", "consortiums"),
          "Public": ("public", "publics"), "Service": ("service", "services"),
          "Territoire": ("territoire", "territoires"),
          "Thematique": ("thématique", "thématiques")}


def register(main: click.Group) -> None:
    """Add ``load`` and ``cypher`` to the ``spie-graph`` group."""

    @main.command()
    @dataset_option
    @click.option("--replace", is_flag=True,
                  help="Supprime aussi du stockage ce que le jeu de données ne contient plus.")
    @click.option("--bulk", is_flag=True,
                  help="Premier chargement dans la base vide du serveur Neo4j local, par "
                       "l'import en bloc de Neo4j (neo4j-admin database import) : bien plus "
                       "rapide pour un jeu national ; le serveur est arrêté le temps de "
                       "l'import. Refusé si la base contient déjà des données.")
    @connection_options
    def load(dataset: Path, replace: bool, bulk: bool, store: str,
             connection: Neo4jConnection) -> None:
        """Valide puis charge un jeu de données dans le stockage (Neo4j pour le partager).

        Le jeu de données est entièrement vérifié avant la première écriture : un jeu
        invalide n'écrit rien. Charger deux fois donne exactement le même graphe ; un
        jeu dont les fichiers n'ont pas changé depuis son dernier chargement complet
        n'est ni relu ni réécrit.
        """
        if bulk and (store != "neo4j" or replace):
            raise ArgumentError("--bulk remplit la base vide du serveur Neo4j local : "
                                "ajoutez --store neo4j, et retirez --replace")
        if bulk:
            with ExitStack() as stack:
                progress = ProgressBar(stack, "Import en bloc dans Neo4j")
                summary = api.bulk_load(dataset, connection, progress=progress)
        elif store == "embedded":
            summary = api.load(dataset, replace=replace)
            click.echo(french.typography(
                "Stockage embarqué : le graphe est construit en mémoire à chaque commande ; "
                "rien n'est conservé. Utilisez --store neo4j pour le partager."))
        else:
            with ExitStack() as stack:
                neo4j = stack.enter_context(api.neo4j_store(connection))
                progress = ProgressBar(stack, "Chargement dans Neo4j")
                summary = api.load(dataset, neo4j, replace=replace, progress=progress)
        nodes_text = ", ".join(french.plural(v, _NODES.get(k, (k, k + "s"))[0],
                                             _NODES.get(k, (k, k + "s"))[1])
                               for k, v in sorted(summary.nodes.items()))
        where = "Neo4j" if summary.store == "neo4j" else "en mémoire"
        click.echo(french.typography(f"Jeu de données « {summary.dataset} » chargé ({where}) : "
                                     f"{nodes_text}."))
        click.echo(french.typography(
            f"Créés : {french.number(summary.created)} ; modifiés : "
            f"{french.number(summary.updated)} ; supprimés : {french.number(summary.removed)}."))

    @main.command()
    @click.argument("requete", metavar="NOM_OU_FICHIER")
    @click.option("--param", "params", multiple=True, metavar="CLE=VALEUR",
                  help="Paramètre de la requête ($cle) ; répétable. Valeurs JSON acceptées.")
    @click.option("--write", is_flag=True, help="Autorise l'écriture (lecture seule sinon).")
    @format_option
    @connection_options
    def cypher(requete: str, params: tuple[str, ...], write: bool, fmt: str, store: str,
               connection: Neo4jConnection) -> None:
        """Exécute une requête Cypher nommée (cypher/queries/) ou un fichier .cypher sur Neo4j.

        Exemple : spie-graph cypher acteurs_par_famille --param dataset=morbihan
        """
        rows = api.cypher(requete, params, write=write, connection=connection)
        click.echo(render(rows, fmt))
