"""Commands that bring outside data in: ``import data-inclusion`` and ``template``.

Thin wrappers over :func:`spie_graph.api.import_data_inclusion` and
:func:`spie_graph.api.template`; registered by :func:`register`.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

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
        progress = _ProgressBar(stack, "Conversion des enregistrements")
        result = api.import_data_inclusion(structures, services, output, departement, force,
                                           region=region, elargir=not strict,
                                           infer_famille=not no_name_family, progress=progress)
    click.echo("\n".join(result.summary()))


class _ProgressBar:
    """A progress bar on stderr, opened at the first news of the conversion."""

    def __init__(self, stack: ExitStack, label: str):
        self._stack, self._label = stack, label
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = self._stack.enter_context(
                click.progressbar(length=total, label=self._label, file=sys.stderr))
        self._bar.update(done - self._done)
        self._done = done


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
