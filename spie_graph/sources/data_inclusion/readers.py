"""Read data·inclusion exports, whatever their shape, as :class:`~.records.Export`."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from spie_graph.errors import Problem, SourceError
from spie_graph.sources.data_inclusion.records import (
    _IGNORE_COLUMN,
    _TRUE,
    FIELDS,
    SERVICES,
    STRUCTURES,
    Export,
    Record,
)
from spie_graph.sources.readers import (
    RawTable,
    _decode,
    is_workbook,
    normalize_header,
    open_workbook,
    read_bytes,
    read_sheet,
    read_table,
)

FORMATS = ".json, .geojson, .csv, .parquet, .xlsx"


def _version(columns: Iterable[str], table: str) -> str:
    """``v1`` or ``v0``: the schema whose own fields the columns name most (ties: v1)."""
    names = set(columns)
    v1, v0 = FIELDS[("v1", table)], FIELDS[("v0", table)]
    return "v0" if len(names & (v0 - v1)) > len(names & (v1 - v0)) else "v1"


_DATE_FIELDS = frozenset(("date_maj", "date_creation", "date_suspension"))
_EPOCH_MS_MIN = 10**11      # 1973-03-03 in milliseconds: smaller integers are not pandas dates


def _plain(name: str, value: object) -> object:
    """A value as the schema writes it: pandas' quirks undone.

    ``DataFrame.to_json`` writes dates as epoch milliseconds and missing values
    as ``NaN``; Parquet gives ``date``/``datetime`` objects and numpy arrays.
    """
    if isinstance(value, float) and math.isnan(value):
        return None
    if name in _DATE_FIELDS:
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and abs(value) >= _EPOCH_MS_MIN:
            return datetime.fromtimestamp(value / 1000, tz=UTC).date().isoformat()
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return value.tolist()   # numpy arrays and scalars of a Parquet list column
    return value


_header = cache(normalize_header)    # an export repeats the same few dozen keys


def _values(element: dict) -> dict[str, object]:
    result = {}
    for key, value in element.items():
        name = _header(key)
        result[name] = _plain(name, value)
    return result


def _is_api_item(element: object) -> bool:
    """An element of a page of the data·inclusion API's search: ``{service: {…}, distance}``."""
    return isinstance(element, dict) and isinstance(element.get("service"), dict)


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


def _api_element(element: dict, table: str) -> object:
    """The structure or the service of an API item (the service names its structure)."""
    service = dict(element["service"])
    structure = service.pop("structure", None)
    if table == STRUCTURES:
        return structure
    if isinstance(structure, dict) and not service.get("structure_id"):
        service["structure_id"] = structure.get("id")
    return service


_MAX_EXPORT_BYTES = 1024 * 1024 * 1024  # the national exports weigh a few hundred Mo
_MAX_EXPORT_ROWS = 2_000_000


def _json_elements(path: Path, table: str) -> Iterator[tuple[str, object]]:
    """The elements of one JSON file, each with where it was read."""
    content, problems = read_bytes(path, limit=_MAX_EXPORT_BYTES)
    if content is None:
        raise SourceError(str(problems[0]))
    try:
        data = json.loads(_decode(content))
    except RecursionError:
        raise SourceError(f"{path.name} : JSON refusé, imbriqué trop profondément. Téléchargez "
                          "à nouveau l'export depuis data.inclusion.beta.gouv.fr") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path.name}, ligne {exc.lineno}, colonne {exc.colno} : JSON invalide "
                          f"({exc.msg}). Téléchargez à nouveau l'export (fichier tronqué ?)") \
            from exc
    elements = _records_of_json(data, table)
    if elements is None:
        raise SourceError(f"{path.name} : une liste d'enregistrements {table} est attendue "
                          "(tableau JSON, ou objet avec « items »)")
    seen: set[object] = set()
    for index in range(len(elements)):
        element, elements[index] = elements[index], None    # freed as it is converted
        where = f"{path.name}, élément {index + 1}"
        if _is_api_item(element):
            assert isinstance(element, dict)
            element = _api_element(element, table)
            if table == STRUCTURES:
                if element is None:
                    continue    # counted with the service, rejected for its structure
                key = element.get("id") if isinstance(element, dict) else None
                if key is not None and key in seen:
                    continue    # a structure comes once per service: keep the first
                seen.add(key)
        yield where, element


def _pages(folder: Path) -> list[Path]:
    """The JSON pages of a folder, in the order of their page numbers."""
    def number(path: Path) -> tuple[int, str]:
        digits = re.findall(r"\d+", path.stem)
        return (int(digits[-1]) if digits else 0, path.name)
    pages = sorted((p for p in folder.iterdir() if p.suffix.lower() in (".json", ".geojson")),
                   key=number)
    if not pages:
        raise SourceError(f"{folder} : dossier sans fichier .json. Indiquez un export, ou un "
                          "dossier de pages de l'API data·inclusion (page-1.json, page-2.json…)")
    return pages


def _read_json(path: Path, table: str) -> Export:
    files = _pages(path) if path.is_dir() else [path]
    records, unreadable = [], []
    for file in files:
        for where, element in _json_elements(file, table):
            if isinstance(element, dict):
                records.append(Record(where, None, _values(element)))
            else:
                unreadable.append(Problem(where, None, None, str(element)[:80],
                                          "élément qui n'est pas un enregistrement (objet JSON)",
                                          "vérifiez l'export"))
    columns = {k for r in records for k in r.values}
    return Export(path, table, _version(columns, table), records, unreadable=unreadable)


PARQUET_HINT = ("installez la bibliothèque de lecture Parquet : "
                "pip install \".[parquet]\" dans le dossier de spie-graph "
                "(ou pip install pyarrow), ou importez l'export .json ou .csv du même jour")


def _read_parquet(path: Path, table: str) -> Export:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise SourceError(f"{path.name} : lecture Parquet impossible, pyarrow n'est pas "
                          f"installé. {PARQUET_HINT}") from exc
    records: list[Record] = []
    try:
        parquet = pq.ParquetFile(path)
        names = list(parquet.schema_arrow.names)
        # Batch by batch: one copy of the export in memory, not two.
        for batch in parquet.iter_batches(batch_size=20_000):
            for row in batch.to_pylist():
                records.append(Record(f"{path.name}, ligne {len(records) + 1}", None,
                                      _values(row)))
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError... for a bad file
        raise SourceError(f"{path.name} : fichier Parquet illisible ({exc}). Téléchargez à "
                          "nouveau l'export (fichier tronqué ?)") from exc
    return Export(path, table, _version(map(_header, names), table), records)


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
    raw, problems = read_table(path, table, limit=_MAX_EXPORT_BYTES, max_rows=_MAX_EXPORT_ROWS)
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


def holds_services(path: Path) -> bool:
    """Whether a file holds services beside its structures: the producer workbook (a
    ``Services`` sheet) or pages of the API (services with their structure)."""
    if path.is_dir() or path.suffix.lower() == ".json":
        files = _pages(path)[:1] if path.is_dir() else [path]
        try:
            return any(_is_api_item(e) for e in _records_of_json(
                json.loads(_decode(files[0].read_bytes())), SERVICES) or [])
        except (OSError, ValueError, RecursionError):
            return False    # read_export says what is wrong with it
    return _has_sheet(path, SERVICES)


def _has_sheet(path: Path, table: str) -> bool:
    """Whether a file is a workbook with a sheet named after ``table``."""
    if not path.is_file() or not is_workbook(path):
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
    if path.is_dir():
        return _read_json(path, table)
    if not path.is_file():
        raise SourceError(f"{path} : fichier introuvable. Indiquez l'export des {table} "
                          f"({FORMATS})")
    suffix = path.suffix.lower()
    try:
        if suffix in (".json", ".geojson"):
            return _read_json(path, table)
        if suffix == ".parquet":
            return _read_parquet(path, table)
        if suffix == ".csv":
            return _read_csv(path, table)
        if is_workbook(path):
            return _read_xlsx(path, table)
    except OSError as exc:
        raise SourceError(f"{path} : lecture impossible ({exc.strerror or exc})") from exc
    raise SourceError(f"{path.name} : format non reconnu. Formats lus : {FORMATS} "
                      "(export data·inclusion, schéma v0 ou v1), ou un dossier de pages de l'API")
