"""The ``spie-graph`` command line: a thin layer over :mod:`spie_graph.api`.

Each command parses its options, calls one API function and prints the answer.
User-facing text is in French. Errors from the library (:class:`SpieGraphError`)
are caught in one place, :meth:`SpieGroup.invoke`, and printed as
``Erreur : message`` with exit status 1, never as a traceback.

Commands of other concerns live in their own modules: :mod:`.analyses`,
:mod:`.outputs`, :mod:`.store`, :mod:`.imports`, :mod:`.server`; click's own messages
(usage line, help headings, usage errors) are made French by :mod:`.messages`. A module is
imported when one of its commands is asked for (:data:`LAZY`), so that a quick
question (``who-covers`` on a cached data set) does not pay for the renderers,
python-docx or openpyxl.
"""

from __future__ import annotations

import difflib
import gc
import importlib
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from spie_graph import __version__, api, french
from spie_graph.cli import messages
from spie_graph.cli.options import (
    UserError,
    dataset_option,
    format_option,
    quality_options,
    show_provenance,
    store_options,
)
from spie_graph.errors import SpieGraphError
from spie_graph.graph.coverage import CoverageQuery
from spie_graph.render.tables import render, to_table
from spie_graph.render.terminal import coverage_table, show, stats_table
from spie_graph.store import GraphStore

__all__ = ["main", "run"]

messages.install()  # click's own messages (usage, help headings, usage errors) in French

SHOWN = 50  # who-covers: rows of the terminal table (a national answer has 40,000)


# Commands registered by the other modules of this package, imported on first use.
LAZY = {
    "neo4j": "server",
    "load": "store", "cypher": "store",
    "gaps": "analyses", "duplicates": "analyses", "consortium": "analyses",
    "network": "analyses",
    "map": "outputs", "annex": "outputs", "diagnostic": "outputs", "export": "outputs",
    "import": "imports", "export-data-inclusion": "imports", "template": "imports",
}


class SpieGroup(click.Group):
    """Catches the library's root error for every command, options' work included, and an
    interruption (Ctrl-C: a French message, exit status 130), and imports a command's
    module when the command is asked for (:data:`LAZY`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(LAZY))

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        """click's, but a mistyped command is told the commands it resembles among all of
        them: click suggests among those imported so far, which leaves out most of
        :data:`LAZY` (« exprot » would get no « export »)."""
        name = args[0] if args else ""
        known = self.list_commands(ctx)
        if name and not name.startswith("-") and name not in known:
            for close in difflib.get_close_matches(name, known):
                self.get_command(ctx, close)  # imports its module
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY:
            register_module(self, LAZY[cmd_name])
        return super().get_command(ctx, cmd_name)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """click's entry point; Ctrl-C's handler as it was when it returns (a program that
        calls it in process keeps its Ctrl-C after an interrupted command)."""
        if threading.current_thread() is not threading.main_thread():
            return super().main(*args, **kwargs)
        handler = signal.getsignal(signal.SIGINT)
        try:
            return super().main(*args, **kwargs)
        finally:
            signal.signal(signal.SIGINT, handler)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SpieGraphError as exc:
            raise UserError(str(exc)) from exc
        except KeyboardInterrupt:  # click would say « Aborted! »
            # A second Ctrl-C must not cut short the clean-up that follows (the lanes' pipes
            # and processes are finalised as the error goes up): held until main returns.
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            click.echo("Commande interrompue (Ctrl-C) : aucun fichier n'est laissé à moitié "
                       "écrit, les fichiers déjà là restent tels quels.", err=True)
            raise click.exceptions.Exit(130) from None


@click.group(cls=SpieGroup, context_settings={"help_option_names": ["-h", "--help"]},
             subcommand_metavar=messages.SUBCOMMANDS)
@click.version_option(__version__, prog_name="spie-graph", message="%(prog)s %(version)s")
def main() -> None:
    """Cartographie des acteurs du service public de l'insertion et de l'emploi (SPIE).

    Décrivez les acteurs d'un territoire dans un dossier (acteurs, services,
    interactions, consortium), vérifiez-le avec « validate », puis interrogez-le.
    """


@main.command()
@dataset_option
@format_option
def validate(dataset: Path, fmt: str) -> None:
    """Vérifie un jeu de données et signale toutes les erreurs à la fois."""
    result, problems = api.validate(dataset)
    if result is None:
        rows = [p.as_dict() for p in problems]
        count = french.plural(sum(p.count for p in problems), "erreur")
        if fmt == "table":
            click.echo(french.typography(f"{count} dans « {dataset.name} » :"))
            for problem in problems:
                click.echo(f"  - {french.typography(str(problem))}")
        else:
            click.echo(render(rows, fmt))
        click.echo(french.typography(f"Jeu de données invalide : {count}. Corrigez-les puis "
                                     "relancez « spie-graph validate »."), err=True)
        sys.exit(1)
    summary: dict[str, object] = {
        "jeu_de_donnees": result.nom, "valide": True, "acteurs": len(result.acteurs),
        "services": len(result.services), "interactions": len(result.interactions),
        "membres_consortium": len(result.consortium.membres) if result.consortium else 0,
    }
    if fmt == "table":
        members = len(result.consortium.membres) if result.consortium else 0
        consortium = (f", consortium de {french.plural(members, 'membre')}"
                      if result.consortium else ", sans consortium")
        click.echo(french.typography(
            f"Jeu de données « {result.nom} » valide : "
            f"{french.plural(len(result.acteurs), 'acteur')}, "
            f"{french.plural(len(result.services), 'service')}, "
            f"{french.plural(len(result.interactions), 'interaction')}{consortium}."))
    else:
        click.echo(render([summary], fmt, data=summary))


@main.command()
@click.option("--territoire", metavar="CODE",
              help="Territoire dont on compte les communes couvertes (par défaut : celui du "
                   "consortium, sinon le département principal).")
@dataset_option
@format_option
@store_options
def stats(territoire: str | None, dataset: Path, fmt: str, store: GraphStore | None) -> None:
    """Chiffres clés : acteurs par famille, services par thématique et moment, interactions.

    La couverture compte les communes du territoire étudié qu'au moins un service couvre.
    """
    from spie_graph.analyses.stats import stats_rows  # NetworkX: not for a quick question

    figures = api.stats(dataset, store, territoire)
    rows = stats_rows(figures)
    if fmt == "table":
        click.echo(show(stats_table(rows)))
    else:
        click.echo(render(rows, fmt, data=figures))


@main.command("who-covers")
@click.argument("thematique")
@click.option("--territoire", required=True, metavar="CODE",
              help="Commune (56260), EPCI (SIREN), département (56), région (region:53) ou france.")
@click.option("--public", "public", metavar="PUBLIC",
              help="Public visé (ex. beneficiaires-des-minimas-sociaux, jeunes).")
@click.option("--moment", type=click.Choice(["entree", "suivi", "offre"]),
              help="Moment du parcours.")
@quality_options
@click.option("--limite", type=click.IntRange(min=0), default=SHOWN, show_default=True,
              metavar="N", help="Tableau : n'afficher que les N premiers services (0 : tous). "
                                "Le JSON et le CSV donnent toujours la liste complète.")
@dataset_option
@format_option
@store_options
def who_covers(thematique: str, territoire: str, public: str | None, moment: str | None,
               qualite_min: float | None, maj_depuis: datetime | None, limite: int,
               dataset: Path, fmt: str, store: GraphStore | None) -> None:
    """Qui couvre une THEMATIQUE sur un territoire (ex. mobilite, logement-hebergement) ?

    Chaque service trouvé est marqué « total » quand sa zone contient tout le
    territoire demandé, « partiel » sinon. En CSV et JSON : frais, modes de
    mobilisation, mobilisable par, conditions d'accès, score de qualité et date de
    mise à jour de chaque service. Pour un jeu importé de data·inclusion, dit aussi
    ce que l'import a laissé de côté.
    """
    query = CoverageQuery(thematique=thematique, territoire=territoire, public=public,
                          moment=moment, qualite_min=qualite_min,
                          maj_depuis=maj_depuis.date() if maj_depuis else None)
    if fmt == "table":
        answer = api.who_covers_head(dataset, query, limite or None, store)
        notes = api.provenance(dataset)
        click.echo(show(coverage_table(answer.rows)))
        click.echo(f"\n{french.plural(answer.nombre, 'service')} ; {french.number(answer.total)} "
                   f"{'couvre' if answer.total < 2 else 'couvrent'} tout le territoire.")
        if len(answer.rows) < answer.nombre:
            click.echo(french.typography(
                f"Seuls les {french.number(len(answer.rows))} premiers sont affichés (ceux qui "
                "couvrent tout le territoire d'abord). La liste complète : ajoutez "
                "« --format csv > services.csv » (à ouvrir dans un tableur) ou « --limite 0 »."))
    else:
        found = api.who_covers(dataset, query, store)
        notes = api.provenance(dataset)
        click.echo(render([r.model_dump() for r in found], fmt))
    show_provenance(notes, fmt)


@main.command()
@dataset_option
@click.option("--output-dir", "-o", type=click.Path(path_type=Path), default=Path("exports"),
              show_default=True, help="Dossier où écrire « <jeu de données>/ ».")
@click.option("--territoire", metavar="CODE",
              help="Territoire étudié (par défaut : celui du consortium, sinon le département "
                   "principal).")
@quality_options
@store_options
def report(dataset: Path, output_dir: Path, territoire: str | None, qualite_min: float | None,
           maj_depuis: datetime | None, store: GraphStore | None) -> None:
    """Tâche principale : toutes les analyses d'un jeu de données, écrites dans exports/."""
    folder = api.report(dataset, output_dir, store, territoire, qualite_min=qualite_min,
                        maj_depuis=maj_depuis.date() if maj_depuis else None)
    files = sorted(p.name for p in folder.iterdir())
    click.echo(f"Rapport écrit dans {folder} : {', '.join(files)}")


@main.command()
@click.argument("nom", type=click.Choice(api.REFERENTIELS))
@click.argument("recherche", required=False)
@format_option
def referentiel(nom: str, recherche: str | None, fmt: str) -> None:
    """Liste les codes d'un référentiel et leurs libellés ; RECHERCHE filtre la liste.

    « territoires » cherche une commune, un EPCI, un département ou une région
    par son nom, son code ou un code postal (accents et majuscules ignorés) :
    spie-graph referentiel territoires Lamastre
    """
    rows = api.referential(nom, recherche)
    click.echo(to_table(rows) if fmt == "table" else render(rows, fmt))


def register_module(group: click.Group, name: str) -> None:
    """Import ``spie_graph.cli.<name>`` and add its commands to ``group``."""
    importlib.import_module(f"spie_graph.cli.{name}").register(group)


def run() -> None:
    """The ``spie-graph`` program: :data:`main`, then an exit that leaves the memory to
    the system.

    A national data set leaves millions of objects in reference cycles (a NetworkX graph
    and the views of itself it keeps), which only the cyclic collector frees: at exit it
    walked and freed them one by one, 4.8 s after a national load into Neo4j (2.0 s at
    30,000 actors), the user waiting with nothing left to do. Frozen, they are left to
    the system, which takes the process's memory back at once. Nothing is lost: every
    file a command writes is closed before it returns. (Tests call :data:`main`, in a
    process that goes on.)"""
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    run()
