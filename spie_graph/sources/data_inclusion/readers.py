"""Read data·inclusion exports, whatever their shape, as :class:`~.records.Export`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from spie_graph.errors import Problem, SourceError
from spie_graph.sources.data_inclusion.records import (
    _IGNORE_COLUMN,
    _TRUE,
    FIELDS,
    SERVICES,
    Export,
    Record,
)
from spie_graph.sources.readers import (
    RawTable,
    _decode,
    is_workbook,
    normalize_header,
    open_workbook,
    read_sheet,
    read_table,
)


def _version(columns: Iterable[str], table: str) -> str:
    """``v1`` or ``v0``: the schema whose own fields the columns name most (ties: v1)."""
    names = set(columns)
    v1, v0 = FIELDS[("v1", table)], FIELDS[("v0", table)]
    return "v0" if len(names & (v0 - v1)) > len(names & (v1 - v0)) else "v1"


def _records_of_json(data: object, table: str) -> list[object] | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("features"), list):  # GeoJSON
            return [f.get("properties") if isinstance(f, dict) else f for f in data["features"]]
        for key in ("items", "data", "results", table):
            if isinstance(data.get(key), list):
                return data[key]
    return None


def _read_json(path: Path, table: str) -> Export:
    try:
        data = json.loads(_decode(path.read_bytes()))
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path.name}, ligne {exc.lineno}, colonne {exc.colno} : JSON invalide "
                          f"({exc.msg}). Téléchargez à nouveau l'export (fichier tronqué ?)") \
            from exc
    elements = _records_of_json(data, table)
    if elements is None:
        raise SourceError(f"{path.name} : une liste d'enregistrements {table} est attendue "
                          "(tableau JSON, ou objet avec « items »)")
    records, unreadable = [], []
    for index, element in enumerate(elements, start=1):
        where = f"{path.name}, élément {index}"
        if isinstance(element, dict):
            values = {normalize_header(k): v for k, v in element.items()}
            records.append(Record(where, None, values))
        else:
            unreadable.append(Problem(where, None, None, str(element)[:80],
                                      "élément qui n'est pas un enregistrement (objet JSON)",
                                      "vérifiez l'export"))
    columns = {k for r in records for k in r.values}
    export = Export(path, table, _version(columns, table), records, unreadable=unreadable)
    return export


def _from_table(path: Path, table: str, raw: RawTable, problems: list[Problem],
                letters: dict[str, str] | None = None) -> Export:
    records, skipped = [], 0
    for row in raw.rows:
        if str(row.values.get(_IGNORE_COLUMN) or "").strip().lower() in _TRUE:
            skipped += 1
            continue
        row.values.pop(_IGNORE_COLUMN, None)
        records.append(Record(raw.source, row.line, row.values))
    export = Export(path, table, _version(raw.columns, table), records, notes=list(problems),
                    skipped=skipped, header_lines={raw.source: raw.header_line})
    if letters:
        export.letters[raw.source] = letters
    return export


def _read_csv(path: Path, table: str) -> Export:
    raw, problems = read_table(path, table)
    assert raw is not None  # a CSV always reads as a table
    return _from_table(path, table, raw, problems)


def _sheet(workbook, path: Path, table: str, required: bool = True):
    by_name = {normalize_header(ws.title): ws for ws in workbook.worksheets}
    if table in by_name:
        return by_name[table]
    if len(workbook.worksheets) == 1 and required:
        return workbook.worksheets[0]
    if not required:
        return None
    names = ", ".join(f"« {ws.title} »" for ws in workbook.worksheets)
    raise SourceError(f"{path.name} : aucune feuille « {table.capitalize()} » (feuilles : "
                      f"{names}). Nommez la feuille des {table} « {table.capitalize()} »")


def _read_xlsx(path: Path, table: str) -> Export:
    workbook, problems = open_workbook(path)
    if workbook is None:
        raise SourceError(str(problems[0]))
    ws = _sheet(workbook, path, table)
    source = f"{path.name}, feuille {ws.title}"
    raw, letters, sheet_problems = read_sheet(ws, source, table,
                                              FIELDS[("v1", table)] | FIELDS[("v0", table)])
    export = _from_table(path, table, raw, sheet_problems, letters)
    links = _sheet(workbook, path, "services_thematiques", required=False)
    if table == SERVICES and links is not None:
        link_source = f"{path.name}, feuille {links.title}"
        link_table, link_letters, link_problems = read_sheet(
            links, link_source, "services_thematiques", ("service_id", "thematique"))
        linked = _from_table(path, table, link_table, link_problems, link_letters)
        export.links = linked.records
        export.notes += linked.notes
        export.skipped += linked.skipped
        export.letters.update(linked.letters)
        export.header_lines.update(linked.header_lines)
    return export


def _has_sheet(path: Path, table: str) -> bool:
    """Whether a file is a workbook with a sheet named after ``table``."""
    if not is_workbook(path):
        return False
    workbook, _ = open_workbook(path)
    return workbook is not None and _sheet(workbook, path, table, required=False) is not None


def read_export(path: Path | str, table: str) -> Export:
    """Read one data·inclusion export of ``structures`` or ``services``.

    Raises
    ------
    SourceError : the file is missing, of an unknown format, or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path} : fichier introuvable. Indiquez l'export des {table} "
                          "(.json, .csv ou .xlsx)")
    suffix = path.suffix.lower()
    try:
        if suffix in (".json", ".geojson"):
            return _read_json(path, table)
        if suffix == ".csv":
            return _read_csv(path, table)
        if is_workbook(path):
            return _read_xlsx(path, table)
    except OSError as exc:
        raise SourceError(f"{path} : lecture impossible ({exc.strerror or exc})") from exc
    raise SourceError(f"{path.name} : format non reconnu. Formats lus : .json, .geojson, .csv "
                      "et .xlsx (export data·inclusion, schéma v0 ou v1)")
