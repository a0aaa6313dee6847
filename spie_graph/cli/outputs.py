"""Commands that write files for people and other tools: ``map``, ``annex``, ``export``.

Each is a thin wrapper over one API function (:func:`spie_graph.api.map`,
:func:`spie_graph.api.annex`, :func:`spie_graph.api.export`), which writes its
file whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from spie_graph import api
from spie_graph.cli.options import dataset_option, store_options
from spie_graph.render.exports import EXPORT_FORMATS, PERIMETRES
from spie_graph.render.map import SIZES
from spie_graph.store import GraphStore

__all__ = ["register"]


def _output_option(help_text: str, required: bool = False) -> Callable:
    return click.option("--output", "-o", "output", required=required, metavar="FICHIER",
                        type=click.Path(path_type=Path, dir_okay=False), help=help_text)


def _territoire_option(help_text: str) -> Callable:
    return click.option("--territoire", metavar="CODE", help=help_text)


def register(main: click.Group) -> None:
    """Add ``map``, ``annex`` and ``export`` to the ``spie-graph`` command group."""

    @main.command("map")
    @dataset_option
    @_territoire_option("Ne garder que les acteurs de ce territoire : commune (56260), EPCI "
                        "(SIREN), département (56), région (region:53) ou france.")
    @click.option("--thematique", metavar="CODE",
                  help="Ne garder que les acteurs qui proposent cette thématique (une catégorie "
                       "vaut pour ses sous-thématiques), ex. mobilite.")
    @click.option("--taille", type=click.Choice(SIZES), default="services", show_default=True,
                  help="Taille des points : nombre de services, ou d'interactions (degre).")
    @click.option("--gaps", "gaps", is_flag=True,
                  help="Montrer les besoins non couverts (analyse des manques).")
    @click.option("--doublons", is_flag=True,
                  help="Montrer les doublons de services (analyse des doublons).")
    @_output_option("Fichier HTML à écrire (par défaut : carte-<jeu de données>.html).")
    @store_options
    def map_command(dataset: Path, territoire: str | None, thematique: str | None, taille: str,
                    gaps: bool, doublons: bool, output: Path | None,
                    store: GraphStore | None) -> None:
        """Carte interactive des acteurs : un fichier HTML autonome, sans connexion.

        Couleur par famille, taille par nombre de services, trait par type
        d'interaction ; recherche, filtres par famille, thématique et territoire.
        """
        path, result = api.map(dataset, output, territoire=territoire, thematique=thematique,
                               taille=taille, gaps=gaps, doublons=doublons, store=store)
        mode = "" if result.physics else " ; disposition calculée, physique désactivée"
        extra = result.edges - result.interactions
        links = f" et {extra} liens de doublons" if extra else ""
        click.echo(f"Carte écrite dans {path} : {result.nodes} acteurs, {result.interactions} "
                   f"interactions{links}{mode}. Ouvrez-la dans un navigateur.")

    @main.command("annex")
    @dataset_option
    @click.option("--consortium", "consortium_file", metavar="FICHIER",
                  type=click.Path(path_type=Path, dir_okay=False),
                  help="Fichier YAML du consortium à utiliser à la place de celui du jeu de "
                       "données.")
    @_territoire_option("Territoire de la synthèse (par défaut : celui du consortium, sinon "
                        "le département principal).")
    @_output_option("Fichier à écrire : .docx (Word, LibreOffice), .html (imprimable) ou .md "
                    "(l'image du réseau est écrite à côté, en .png).", required=True)
    @store_options
    def annex_command(dataset: Path, consortium_file: Path | None, territoire: str | None,
                      output: Path, store: GraphStore | None) -> None:
        """Annexe « cartographie des acteurs » du dossier de candidature à l'AMI SPIE.

        Pour chaque membre du consortium (ou chaque acteur sans consortium) :
        famille, missions, compétences, services par moment du parcours et
        interactions ; avec la couverture des besoins et l'image du réseau.
        """
        written = api.annex(dataset, output, consortium=consortium_file, territoire=territoire,
                            store=store)
        annex = written.annex
        who = "membres du consortium" if annex.avec_consortium else "acteurs"
        paths = ", ".join(str(path) for path in written.paths)
        click.echo(f"Annexe écrite : {paths} ({len(annex.membres)} {who}).")

    @main.command("export")
    @dataset_option
    @click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="graphml",
                  show_default=True,
                  help="graphml ou gexf (Gephi), json (node-link), kumu (classeur XLSX pour "
                       "l'import Kumu).")
    @click.option("--perimetre", type=click.Choice(PERIMETRES), default="complet",
                  show_default=True,
                  help="complet : tout le graphe (services, territoires, thématiques) ; "
                       "acteurs : acteurs, consortium et interactions seulement.")
    @_output_option("Fichier à écrire (par défaut : <jeu de données>.<extension>).")
    @store_options
    def export_command(dataset: Path, fmt: str, perimetre: str, output: Path | None,
                       store: GraphStore | None) -> None:
        """Exporte le graphe pour Gephi (GraphML, GEXF), en JSON ou pour Kumu (XLSX)."""
        written = api.export(dataset, fmt, perimetre=perimetre, output=output, store=store)
        click.echo(f"Export {fmt} écrit dans {written.path} : {written.nodes} nœuds, "
                   f"{written.edges} liens (périmètre {perimetre}).")
