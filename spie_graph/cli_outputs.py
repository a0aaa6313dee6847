"""Commands that write files for people and other tools: ``map``, ``annex``, ``export``.

Each is a thin wrapper over one library function (:func:`spie_graph.map.build_map`,
:func:`spie_graph.annex.collect_annex` and its renderers,
:func:`spie_graph.exports.export_graph`); files are written whole or not at all
(:func:`spie_graph.output.write_atomic`).
"""

from __future__ import annotations

from pathlib import Path

import click

from . import api
from .annex import ANNEX_FORMATS, collect_annex, render_annex
from .cli_options import dataset_option, handle_errors, store_options
from .errors import ArgumentError
from .exports import EXPORT_FORMATS, EXTENSIONS, PERIMETRES, export_graph, select
from .map import SIZES, build_map
from .output import write_atomic
from .profiles import analyses_findings, replace_consortium

__all__ = ["register"]

_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".docx": "docx"}


def _output_option(help_text: str, required: bool = False):
    return click.option("--output", "-o", "output", required=required, metavar="FICHIER",
                        type=click.Path(path_type=Path, dir_okay=False), help=help_text)


def _territoire_option(help_text: str):
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
    @handle_errors
    def map_command(dataset: Path, territoire: str | None, thematique: str | None, taille: str,
                    gaps: bool, doublons: bool, output: Path | None, store) -> None:
        """Carte interactive des acteurs : un fichier HTML autonome, sans connexion.

        Couleur par famille, taille par nombre de services, trait par type
        d'interaction ; recherche, filtres par famille, thématique et territoire.
        """
        if output is not None and output.suffix.lower() not in (".html", ".htm"):
            raise ArgumentError(f"la carte s'écrit en HTML : « {output} » (-o). "
                                "Donnez un nom de fichier en .html")
        graph = api.load_graph(dataset, store)
        findings = analyses_findings(graph, territoire, gaps=gaps, doublons=doublons,
                                     consortium=False, required=True)
        result = build_map(graph, territoire=territoire, thematique=thematique,
                           findings=findings, taille=taille)
        path = output or Path(f"carte-{graph.graph.get('dataset') or dataset.name}.html")
        write_atomic(path, result.html)
        mode = "" if result.physics else " ; disposition calculée, physique désactivée"
        extra = result.edges - result.interactions
        doublons = f" et {extra} liens de doublons" if extra else ""
        click.echo(f"Carte écrite dans {path} : {result.nodes} acteurs, {result.interactions} "
                   f"interactions{doublons}{mode}. Ouvrez-la dans un navigateur.")

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
    @handle_errors
    def annex_command(dataset: Path, consortium_file: Path | None, territoire: str | None,
                      output: Path, store) -> None:
        """Annexe « cartographie des acteurs » du dossier de candidature à l'AMI SPIE.

        Pour chaque membre du consortium (ou chaque acteur sans consortium) :
        famille, missions, compétences, services par moment du parcours et
        interactions ; avec la couverture des besoins et l'image du réseau.
        """
        fmt = _SUFFIXES.get(output.suffix.lower())
        if fmt is None:
            raise ArgumentError(f"extension inconnue pour l'annexe : « {output.name} » (-o). "
                                f"Formats possibles : {', '.join(ANNEX_FORMATS)} "
                                "(ex. annexe.docx)")
        graph = api.load_graph(dataset, store)
        if consortium_file is not None:
            from .consortium_file import read_consortium

            actors = [d["id"] for _, d in graph.nodes(data=True) if d["label"] == "Acteur"]
            graph = replace_consortium(graph, read_consortium(consortium_file, actors))
        findings = analyses_findings(graph, territoire)
        annex = collect_annex(graph, territoire=territoire, findings=findings)
        picture = output.with_suffix(".png")
        write_atomic(output, render_annex(annex, fmt, picture_name=picture.name))
        written = [str(output)]
        if fmt == "md":
            write_atomic(picture, annex.picture)
            written.append(str(picture))
        who = "membres du consortium" if annex.avec_consortium else "acteurs"
        click.echo(f"Annexe écrite : {', '.join(written)} ({len(annex.membres)} {who}).")

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
    @handle_errors
    def export_command(dataset: Path, fmt: str, perimetre: str, output: Path | None,
                       store) -> None:
        """Exporte le graphe pour Gephi (GraphML, GEXF), en JSON ou pour Kumu (XLSX)."""
        graph = select(api.load_graph(dataset, store), perimetre)
        content = export_graph(graph, fmt)
        name = graph.graph.get("dataset") or dataset.name
        path = output or Path(f"{name}.{EXTENSIONS[fmt]}")
        write_atomic(path, content)
        click.echo(f"Export {fmt} écrit dans {path} : {graph.number_of_nodes()} nœuds, "
                   f"{graph.number_of_edges()} liens (périmètre {perimetre}).")
