"""Import data·inclusion exports (structures and services) as a project data set.

data·inclusion, the State's open referential of the insertion offer, publishes
weekly ``structures-inclusion-AAAA-MM-JJ`` and ``services-inclusion-AAAA-MM-JJ``
files (data.gouv.fr, dataset ``6233723c2c1e4a54af2f6b2d``).
:func:`import_data_inclusion` reads them (:mod:`.readers`) in JSON (a list of
records as pandas writes them, dates in epoch milliseconds; ``{"items": [...]}``;
GeoJSON), CSV (``,`` or ``;``; lists written ``['a', 'b']``, ``{a,b}``,
``["a","b"]`` or ``a, b``), Parquet (pyarrow) or .xlsx, schema v1 or the older v0
(told apart by their fields); pages of the data·inclusion API (services with
their structure inside, one file or a folder of pages); or the producer workbook
of the data·inclusion *valideur* (sheets ``Structures``, ``Services`` and
``Services - Thématiques``; rows marked ``__ignore__`` are help and examples).
It writes a project data set that ``spie-graph validate`` accepts, with its
provenance (:mod:`.provenance`).

How records become the project's tables (mapping tables in ``spie_graph/reference/data``):

- a structure becomes an actor. ``famille``: the first réseau porteur (v1)
  mapped by ``familles.yaml``; in v0 the typologie, else the labels nationaux
  through ``v0_labels_vers_v1_reseaux.csv``; none mapped, or a generic typologie
  (``Autre``, ``BIB``): inferred from the name (``familles_par_nom.csv``), else
  ``autre``, with a remark either way. ``reseau_porteur``: that réseau (v0:
  ``v0_typologies_vers_v1_reseaux.csv``). ``commune`` from ``code_insee``;
  ``missions`` from ``description`` (v0 ``presentation_resume``).
- a service becomes a service. Thématiques: v1 codes are kept; v0 codes go
  through ``v0_thematiques_vers_v1.csv`` (a v0 category spread over every
  sub-theme of a v1 category becomes that category; a row that files the
  service under another need than its own is a remark, and dropped with
  ``elargir=False``). Publics: v1 ``publics``; v0 ``profils`` through
  ``v0_profils_vers_v1_publics.csv``. Area: v1 ``zone_eligibilite``, v0
  ``zone_diffusion_type``/``zone_diffusion_code``, else the service's own
  ``code_insee``, else its structure's commune. Moments:
  :meth:`~spie_graph.reference.referentials.Referentials.infer_moments` from the
  thématiques and the service type (``data/parcours.yaml``). Kept too: frais,
  modes de mobilisation, mobilisable par, conditions d'accès, score de qualité,
  date_maj (v0 fields mapped to v1).
- ``departement`` or ``region``: a service is kept when its area meets the
  territory (national and regional services included); a structure when its
  commune is in the territory or it carries a service kept. Both counted apart.

Nothing is dropped silently: a record not taken is a *rejet* (with every
reason, the blocking one first), a value dropped or changed is a *remarque*; both are printed and
written to ``import_rejets.csv`` and ``import_remarques.csv``. Deviations of
a record from the data·inclusion schema that spie-graph does not need (e-mail,
postal code, date_maj...) are remarks too. The output folder is written whole
or not at all.

Sources of the mapping tables (each row names its own): the data·inclusion
pipeline, github.com/gip-inclusion/data-inclusion (MIT),
``pipeline/dbt/models/intermediate/v1/001_mappings/dora/_map_thematiques.sql``
at 49357fc, ``_map_publics.sql`` at 951bfc5,
``_map_dora__reseaux_porteurs__typologie.sql`` and ``…__labels_nationaux.sql``
at d4969e3; rows marked ``spie-graph`` are this project's additions (v0
codes the pipeline omits) or its one deliberate deviation (``sortants-de-detention``).
"""


from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from spie_graph.errors import SourceError
from spie_graph.files import check_new_folder, neutralize, write_folder
from spie_graph.sources.data_inclusion.mapping import ImportResult, convert
from spie_graph.sources.data_inclusion.provenance import (
    ORIGINALS_FILE,
    PROVENANCE_FILE,
    Provenance,
    build_provenance,
    read_originals,
    read_provenance,
)
from spie_graph.sources.data_inclusion.readers import holds_services, read_export
from spie_graph.sources.data_inclusion.records import (
    ISSUE_COLUMNS,
    REJECTS_FILE,
    REJET,
    REMARKS_FILE,
    REMARQUE,
    SERVICES,
    STRUCTURES,
    Export,
    Issue,
    Record,
    _mapping,
    items,
    text,
)
from spie_graph.sources.readers import read_dataset
from spie_graph.sources.validation import COLUMNS, LIST_SEPARATOR, check_dataset

__all__ = [
    "REJECTS_FILE",
    "REJET",
    "REMARKS_FILE",
    "REMARQUE",
    "Export",
    "ImportResult",
    "Issue",
    "ORIGINALS_FILE",
    "PROVENANCE_FILE",
    "Provenance",
    "Record",
    "read_originals",
    "read_provenance",
    "convert",
    "import_data_inclusion",
    "items",
    "read_export",
    "text",
    "write_import",
    "_mapping",
]


# -- writing ----------------------------------------------------------------


def _csv(rows: list[dict], columns: Iterable[str], neutral: Iterable[str] = ()) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    columns = list(columns)
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, list | tuple):
                value = LIST_SEPARATOR.join(value)
            value = "" if value is None else str(value)
            cells.append(neutralize(value) if column in neutral else value)
        writer.writerow(cells)
    return out.getvalue()


def _json_bytes(value: object) -> bytes:
    """Compact JSON in UTF-8, encoded piece by piece (``json.dumps`` of a national export
    holds every piece at once: five times the output)."""
    out = io.BytesIO()
    for chunk in json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).iterencode(value):
        out.write(chunk.encode("utf-8"))
    out.write(b"\n")
    return out.getvalue()


def _filled(row: dict[str, object] | None) -> dict[str, object]:
    """A row without its empty values (what ``data_inclusion.json`` stores)."""
    return {k: v for k, v in (row or {}).items() if v not in (None, "", [])}


def write_import(result: ImportResult, output: Path | str, force: bool = False,
                 provenance: dict[str, object] | None = None) -> Path:
    """Write the data set folder: ``acteurs.csv``, ``services.csv``, the two issue files,
    ``provenance.json`` and ``data_inclusion.json`` (see :mod:`.provenance`).

    The folder is built beside its final place, checked with
    :func:`spie_graph.sources.validation.check_dataset`, then moved into place: on
    any error nothing is left half-written.

    Raises
    ------
    ArgumentError : ``output`` exists and is not empty (without ``force``).
    ExportError : the folder cannot be written.
    SourceError : the data set written does not validate (a bug of the import).
    """
    output = Path(output)
    check_new_folder(output, force)
    rows = {STRUCTURES: {str(r["id"]): r for r in result.acteurs},
            SERVICES: {str(r["id"]): r for r in result.services}}
    originals = {table: {key: {"origine": record, "import": _filled(rows[table].get(key))}
                         for key, record in result.originals.get(table, {}).items()}
                 for table in (STRUCTURES, SERVICES)}
    files: dict[str, str | bytes] = {
        # The data set's tables keep the data as it is (a leading quote would change
        # it); only the issue lists, read in a spreadsheet, are neutralised.
        "acteurs.csv": _csv(result.acteurs, COLUMNS["acteurs"]),
        "services.csv": _csv(result.services, COLUMNS["services"]),
        REJECTS_FILE: _csv([i.as_dict() for i in result.rejets], ISSUE_COLUMNS, ISSUE_COLUMNS),
        REMARKS_FILE: _csv([i.as_dict() for i in result.remarques], ISSUE_COLUMNS,
                           ISSUE_COLUMNS),
    }
    if provenance is not None:
        files[PROVENANCE_FILE] = (json.dumps(provenance, ensure_ascii=False, indent=2)
                                  + "\n").encode("utf-8")     # JSON: no byte order mark
    if any(originals.values()):
        files[ORIGINALS_FILE] = _json_bytes(originals)
    write_folder(output, files, encoding="utf-8-sig",
                 check=lambda staging: _check_written(staging, output.name))
    result.output = output
    return output


def _check_written(folder: Path, name: str) -> None:
    raw = read_dataset(folder)
    raw = replace(raw, name=name)
    dataset, problems = check_dataset(raw, allow_empty=True)  # the summary says 0 written
    if dataset is None:
        listed = "\n".join(f"  - {p}" for p in problems[:20])
        raise SourceError(f"le jeu de données produit par l'import ne passe pas la validation "
                          f"(anomalie de spie-graph, à signaler) :\n{listed}")


def import_data_inclusion(structures: Path | str, services: Path | str | None,
                          output: Path | str, departement: str | None = None,
                          force: bool = False, *, region: str | None = None,
                          elargir: bool = True, infer_famille: bool = True,
                          progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Read data·inclusion exports and write them as a project data set folder.

    Parameters
    ----------
    structures : export of the structures (.json, .geojson, .csv, .parquet, .xlsx, the
        producer workbook), or pages of the API (a .json page or a folder of pages).
    services : export of the services; ``None`` reads the ``Services`` sheet of
        the producer workbook or the services of API pages, or imports structures only.
    output : the data set folder to write.
    departement, region : keep only the actors and services of this territory
        (national and regional services included, counted apart).
    force : replace an existing, non-empty ``output`` folder.
    elargir : keep crosswalk choices that widen a need (always reported).
    infer_famille : infer a missing or generic family from the structure's name.
    progress : told ``(records converted, records in all)`` (a progress bar).

    Returns
    -------
    ImportResult : counts, rows written, rejects and remarks; ``output`` set.

    Examples
    --------
    >>> result = import_data_inclusion("structures.json", "services.json",
    ...                                "datasets/morbihan", departement="56")  # doctest: +SKIP
    >>> print("\\n".join(result.summary()))  # doctest: +SKIP
    """
    structures_path = Path(structures)
    structures_export = read_export(structures_path, STRUCTURES)
    if services is None and holds_services(structures_path):
        services = structures
    services_path = Path(services) if services is not None else None
    services_export = read_export(services_path, SERVICES) if services_path is not None else None
    result = convert(structures_export, services_export, departement, region=region,
                     elargir=elargir, infer_famille=infer_famille, progress=progress)
    del structures_export, services_export     # the records read: not needed to write
    provenance = build_provenance(result, structures_path, services_path)
    write_import(result, output, force, provenance)
    return result
