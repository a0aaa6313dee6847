"""Commands that write files for people and other tools: ``map``, ``annex``,
``diagnostic``, ``export``.

Each is a thin wrapper over one API function (:func:`spie_graph.api.map`,
:func:`spie_graph.api.annex`, :func:`spie_graph.api.diagnostic`,
:func:`spie_graph.api.export`), which writes its file whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from spie_graph import api, french
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


_consortium_option = click.option(
    "--consortium", "consortium_file", metavar="FICHIER",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Fichier YAML du consortium à utiliser à la place de celui du jeu de données.")


def register(main: click.Group) -> None:
    """Add ``map``, ``annex``, ``diagnostic`` and ``export`` to the ``spie-graph`` group."""

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
        links = (f" et {french.plural(extra, 'lien de doublon', 'liens de doublons')}"
                 if extra else "")
        cut = (f" sur {french.number(result.total_actors)} (les plus reliés ; --territoire "
               "pour ceux d'un territoire)" if result.total_actors > result.nodes else "")
        click.echo(french.typography(
            f"Carte écrite dans {path} : {french.plural(result.nodes, 'acteur')}{cut}, "
            f"{french.plural(result.interactions, 'interaction')}{links}{mode}. "
            "Ouvrez-la dans un navigateur."))

    @main.command("annex")
    @dataset_option
    @_consortium_option
    @_territoire_option("Territoire nommé sur la page (par défaut : celui du consortium, sinon "
                        "le département principal).")
    @click.option("--fiches", is_flag=True,
                  help="Écrire les fiches détaillées des membres (textes complets, services "
                       "par moment, sens des interactions) au lieu de la page à joindre.")
    @_output_option("Fichier à écrire : .docx (Word, LibreOffice), .html (imprimable), .pdf "
                    "(par LibreOffice) ou .md.", required=True)
    @store_options
    def annex_command(dataset: Path, consortium_file: Path | None, territoire: str | None,
                      fiches: bool, output: Path, store: GraphStore | None) -> None:
        """Annexe « cartographie des acteurs » à joindre au dossier de candidature à l'AMI SPIE.

        Une page A4 paysage : pour chaque membre du consortium, famille, rôle,
        lettre d'engagement, missions et compétences (en forme courte), moments
        du parcours et besoins couverts, interactions avec les autres membres.
        Avec --fiches : les fiches détaillées des membres. Le diagnostic du
        consortium (à ne pas joindre) s'écrit avec « spie-graph diagnostic ».
        """
        written = api.annex(dataset, output, consortium=consortium_file, territoire=territoire,
                            fiches=fiches, store=store)
        annex = written.annex
        who = (french.plural(len(annex.membres), "membre du consortium",
                             "membres du consortium") if annex.avec_consortium
               else french.plural(len(annex.membres), "acteur"))
        paths = ", ".join(str(path) for path in written.paths)
        if fiches:
            click.echo(french.typography(f"Fiches détaillées écrites : {paths} ({who})."))
            return
        if annex.fit.tient:
            click.echo(french.typography(f"Annexe écrite : {paths} ({who}, une page A4 "
                                         "paysage, texte de 7 pt au moins)."))
        else:
            click.echo(french.typography(f"Annexe écrite : {paths} ({who})."))
            click.echo(french.typography(f"Attention : {annex.fit.message}"), err=True)

    @main.command("diagnostic")
    @dataset_option
    @_consortium_option
    @_territoire_option("Territoire étudié (par défaut : celui du consortium, sinon le "
                        "département principal).")
    @click.option("--seuil-population", type=click.FloatRange(0, 1), metavar="PART",
                  help="Part de la population que les services des membres doivent couvrir "
                       "(logement, santé, mobilité, moments du parcours), entre 0 et 1. Choix "
                       "du projet, pas de l'AMI : 0.8 par défaut.")
    @click.option("--criteres", "criteres", metavar="FICHIER",
                  type=click.Path(path_type=Path, dir_okay=False),
                  help="Fichier de critères à utiliser (copie modifiée de criteres_ami.yaml).")
    @_output_option("Fichier à écrire : .docx, .html (imprimable), .pdf (par LibreOffice) ou "
                    ".md (l'image du réseau est écrite à côté, en .png).", required=True)
    @store_options
    def diagnostic_command(dataset: Path, consortium_file: Path | None, territoire: str | None,
                           seuil_population: float | None, criteres: Path | None,
                           output: Path, store: GraphStore | None) -> None:
        """Diagnostic du consortium pour son équipe et l'instructeur (à ne pas joindre).

        Critères de recevabilité de l'AMI SPIE et leurs preuves, seuils choisis
        par le projet (réglables), couverture des besoins par moment du
        parcours, lacunes, doublons, partenaires manquants et candidats.
        """
        written = api.diagnostic(dataset, output, consortium=consortium_file,
                                 territoire=territoire, criteres=criteres,
                                 seuil_population=seuil_population, store=store)
        d = written.diagnostic
        paths = ", ".join(str(path) for path in written.paths)
        verdict = f" ; candidature {d.verdict}" if d.criteres is not None else ""
        click.echo(f"Diagnostic écrit : {paths}{verdict}. Document de travail : il ne se "
                   "joint pas au dossier.")

    @main.command("export")
    @dataset_option
    @click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="graphml",
                  show_default=True,
                  help="graphml ou gexf (Gephi), json (node-link), kumu (classeur XLSX pour "
                       "l'import Kumu).")
    @click.option("--perimetre", type=click.Choice(PERIMETRES), default="complet",
                  show_default=True,
                  help="complet : tout le graphe (services, territoires, thématiques) ; "
                       "territoire : le même, sans les communes hors du territoire "
                       "(--territoire), comme les fichiers graphe.* du rapport ; "
                       "acteurs : acteurs, consortium et interactions seulement.")
    @_territoire_option("Territoire du périmètre « territoire » (par défaut : celui du "
                        "consortium, sinon le département principal).")
    @_output_option("Fichier à écrire (par défaut : <jeu de données>.<extension>).")
    @store_options
    def export_command(dataset: Path, fmt: str, perimetre: str, territoire: str | None,
                       output: Path | None, store: GraphStore | None) -> None:
        """Exporte le graphe pour Gephi (GraphML, GEXF), en JSON ou pour Kumu (XLSX)."""
        written = api.export(dataset, fmt, perimetre=perimetre, territoire=territoire,
                             output=output, store=store)
        click.echo(french.typography(
            f"Export {fmt} écrit dans {written.path} : {french.plural(written.nodes, 'nœud')}, "
            f"{french.plural(written.edges, 'lien')} (périmètre {perimetre})."))
