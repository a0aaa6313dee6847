"""Commands that bring outside data in: ``import data-inclusion`` and ``template``.

Thin wrappers over :func:`spie_graph.api.import_data_inclusion` and
:func:`spie_graph.api.template`; registered by :func:`register`.
"""

from __future__ import annotations

from pathlib import Path

import click

from spie_graph import api

__all__ = ["register"]


@click.group("import")
def import_group() -> None:
    """Importe des données externes en jeu de données (data·inclusion)."""


@import_group.command("data-inclusion")
@click.argument("structures", type=click.Path(path_type=Path))
@click.argument("services", type=click.Path(path_type=Path), required=False)
@click.option("--output", "-o", "output", required=True, type=click.Path(path_type=Path),
              metavar="DOSSIER", help="Dossier du jeu de données à écrire (ex. datasets/morbihan).")
@click.option("--departement", metavar="CODE",
              help="Ne garder que ce département (ex. 56, 2A, 974).")
@click.option("--force", is_flag=True, help="Remplacer entièrement un dossier non vide.")
def data_inclusion(structures: Path, services: Path | None, output: Path,
                   departement: str | None, force: bool) -> None:
    """Convertit les exports data·inclusion STRUCTURES et SERVICES en jeu de données.

    Formats : JSON, CSV (schéma v1 ou v0), ou le classeur .xlsx du valideur
    data·inclusion (SERVICES est alors facultatif : la feuille Services est lue).
    Chaque enregistrement non repris est listé avec sa raison ; tout est aussi
    écrit dans import_rejets.csv et import_remarques.csv.
    """
    result = api.import_data_inclusion(structures, services, output, departement, force)
    click.echo("\n".join(result.summary()))


@click.command("template")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path),
              default=Path("modele.xlsx"), show_default=True, metavar="FICHIER.xlsx",
              help="Classeur à écrire.")
@click.option("--force", is_flag=True, help="Remplacer un fichier existant.")
def template(output: Path, force: bool) -> None:
    """Écrit un classeur Excel modèle : feuilles acteurs, services, interactions, consortium.

    Chaque colonne codée a une liste déroulante (feuille « codes » : codes et
    libellés). Le classeur rempli se vérifie avec « spie-graph validate --dataset
    modele.xlsx ».
    """
    path = api.template(output, force)
    click.echo(f"Modèle écrit : {path} (feuilles acteurs, services, interactions, consortium, "
               f"codes).\nRemplissez-le, puis : spie-graph validate --dataset {path}")


def register(main: click.Group) -> None:
    """Add ``import`` and ``template`` to the ``spie-graph`` command."""
    main.add_command(import_group)
    main.add_command(template)
