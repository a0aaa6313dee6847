"""Commands that bring outside data in and back: ``import data-inclusion``,
``export-data-inclusion`` and ``template``.

Thin wrappers over :func:`spie_graph.api.import_data_inclusion`,
:func:`spie_graph.api.export_data_inclusion` and :func:`spie_graph.api.template`;
registered by :func:`register`.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from spie_graph import api
from spie_graph.cli.messages import SUBCOMMANDS
from spie_graph.cli.options import ProgressBar, dataset_option
from spie_graph.render.data_inclusion import DEFAULT_SOURCE, DI_FORMATS

__all__ = ["register"]


@click.group("import", subcommand_metavar=SUBCOMMANDS)
def import_group() -> None:
    """Importe des données externes en jeu de données (data·inclusion)."""


@import_group.command("data-inclusion")
@click.argument("structures", type=click.Path(path_type=Path, readable=False))
@click.argument("services", type=click.Path(path_type=Path, readable=False), required=False)
@click.option("--output", "-o", "output", required=True, type=click.Path(path_type=Path),
              metavar="DOSSIER", help="Dossier du jeu de données à écrire (ex. datasets/morbihan).")
@click.option("--departement", metavar="CODE",
              help="Ne garder que ce département (ex. 56, 2A, 974) ; les services nationaux et "
                   "régionaux qui l'atteignent sont gardés et comptés à part.")
@click.option("--region", metavar="CODE",
              help="Ne garder que cette région (code INSEE, ex. 53 ou region:53).")
@click.option("--sans-elargissement", "strict", is_flag=True,
              help="Écarter les correspondances data·inclusion qui rangent un service sous un "
                   "autre besoin que le sien (ex. démarches de santé en ligne → accès aux soins).")
@click.option("--sans-famille-par-nom", "no_name_family", is_flag=True,
              help="Ne pas déduire du nom la famille d'une structure sans typologie utile.")
@click.option("--force", is_flag=True, help="Remplacer entièrement un dossier non vide.")
def data_inclusion(structures: Path, services: Path | None, output: Path,
                   departement: str | None, region: str | None, strict: bool,
                   no_name_family: bool, force: bool) -> None:
    """Convertit les exports data·inclusion STRUCTURES et SERVICES en jeu de données.

    Formats : .json (dont les pages de l'API, un fichier ou un dossier de pages),
    .geojson, .csv, .parquet, .xlsx (export hebdomadaire, schéma v1 ou v0), ou le
    classeur du valideur data·inclusion. SERVICES est facultatif pour le classeur
    (feuille Services) et les pages de l'API (services avec leur structure).
    Chaque enregistrement non repris est listé avec tous ses motifs, le bloquant
    d'abord ; tout est aussi écrit dans import_rejets.csv et import_remarques.csv, et
    la provenance (comptes par source, date de l'export) dans provenance.json.
    """
    with ExitStack() as stack:
        progress = ProgressBar(stack, "Conversion des enregistrements")
        result = api.import_data_inclusion(structures, services, output, departement, force,
                                           region=region, elargir=not strict,
                                           infer_famille=not no_name_family, progress=progress)
    click.echo("\n".join(result.summary()))




@click.command("export-data-inclusion")
@dataset_option
@click.option("--output", "-o", "output", required=True, type=click.Path(path_type=Path),
              metavar="DOSSIER", help="Dossier où écrire structures et services.")
@click.option("--format", "fmt", type=click.Choice(DI_FORMATS), default="json",
              show_default=True, help="JSON (liste d'enregistrements) ou CSV.")
@click.option("--source", default=DEFAULT_SOURCE, show_default=True, metavar="PRODUCTEUR",
              help="Producteur écrit dans « source » pour les acteurs et services saisis à la "
                   "main (ceux importés de data·inclusion gardent le leur).")
@click.option("--force", is_flag=True, help="Remplacer entièrement un dossier non vide.")
def export_data_inclusion(dataset: Path, output: Path, fmt: str, source: str,
                          force: bool) -> None:
    """Exporte le jeu de données au schéma data·inclusion v1 (structures et services).

    Pour publier l'offre d'un territoire dans data·inclusion. Un enregistrement
    importé de data·inclusion revient tel qu'il a été lu, avec les champs modifiés
    depuis dans spie-graph ; un acteur ou un service saisi à la main reçoit les
    champs que spie-graph connaît. Les valeurs que le schéma refuse ne sont pas
    écrites (elles sont comptées).
    """
    result = api.export_data_inclusion(dataset, output, fmt, source=source, force=force)
    click.echo("\n".join(result.summary()))


@click.command("template")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path),
              default=Path("modele.xlsx"), show_default=True, metavar="FICHIER.xlsx",
              help="Classeur à écrire.")
@click.option("--departement", metavar="CODE",
              help="Lister dans la feuille « codes » les communes (avec codes postaux) et les "
                   "EPCI de ce département (ex. 07).")
@click.option("--force", is_flag=True, help="Remplacer un fichier existant.")
def template(output: Path, departement: str | None, force: bool) -> None:
    """Écrit un classeur Excel modèle : feuilles acteurs, services, interactions, consortium.

    Chaque colonne codée a une liste déroulante (feuille « codes » : codes et
    libellés ; avec --departement, ses communes et EPCI). Le classeur rempli se
    vérifie avec « spie-graph validate --dataset modele.xlsx ».
    """
    path = api.template(output, force, departement)
    click.echo(f"Modèle écrit : {path} (feuilles acteurs, services, interactions, consortium, "
               f"codes).\nRemplissez-le, puis : spie-graph validate --dataset {path}")


def register(main: click.Group) -> None:
    """Add ``import``, ``export-data-inclusion`` and ``template`` to ``spie-graph``."""
    main.add_command(import_group)
    main.add_command(export_data_inclusion)
    main.add_command(template)
