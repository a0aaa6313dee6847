"""Read the tables of a data set (folder of CSV/YAML, or one workbook) into located raw rows.

A data set is a folder holding ``acteurs``, ``services`` and ``interactions``
tables, each as ``.csv`` or ``.yaml``, and an optional ``consortium.yaml``.
CSV files are read as Excel writes them: ``;``, ``,`` or tab separated, UTF-8
with or without BOM, or Windows-1252. Every row keeps the line it starts on, so
validation can say exactly where a problem is. Nothing here checks codes: that
is :mod:`spie_graph.sources.validation`.

A data set may also be one ``.xlsx`` workbook with the sheets ``acteurs``,
``services``, ``interactions`` and ``consortium`` (the layout written by
``spie-graph template``); other sheets are ignored. A problem in a workbook
names the sheet as its file (``modele.xlsx, feuille acteurs``), the row as its
line, and the column with its letter (see :func:`locate_columns`). Cells are read
as a person typed them: numbers that Excel stored as numbers become text again
(``1001`` in a commune column is ``01001``, a SIRET stored as ``8.2e13`` keeps
its 14 digits), a value merged over several rows applies to each of them, and
empty rows are skipped.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import yaml
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from spie_graph.errors import Problem

__all__ = [
    "WORKBOOK_SUFFIXES",
    "RawDataset",
    "RawRow",
    "RawTable",
    "cell_text",
    "is_workbook",
    "line_ranges",
    "locate_columns",
    "normalize_header",
    "open_workbook",
    "read_dataset",
    "read_sheet",
    "read_table",
    "read_workbook",
]

TABLES = ("acteurs", "services", "interactions")
CONSORTIUM = "consortium"
_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class RawRow:
    """One row as read: its line, its values by normalised column name."""

    line: int
    values: dict[str, object]
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, name: str) -> int:
        """The line of one field (YAML keeps one per field), else the row's."""
        return self.lines.get(name, self.line)


@dataclass
class RawTable:
    """A table as read from one file."""

    name: str
    source: str
    columns: list[str]
    rows: list[RawRow]
    header_line: int = 1


@dataclass
class RawDataset:
    """Everything read from a data set folder, and the problems met reading it."""

    name: str
    path: Path
    tables: dict[str, RawTable]
    consortium: RawRow | None
    consortium_source: str | None
    problems: list[Problem]
    # For a workbook: the letter of each column, by source then field name.
    column_letters: dict[str, dict[str, str]] = field(default_factory=dict)
    # False when the workbook itself could not be opened: ``problems`` says why.
    opened: bool = True


def normalize_header(name: object) -> str:
    """``Jusqu'à`` → ``jusqu_a``: lower case, no accents, ``_`` for separators."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text.strip().lower())
    return text.strip("_")


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimiter(text: str) -> str:
    """The separator of a CSV text, read from its header line."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _read_csv(path: Path, name: str) -> tuple[RawTable, list[Problem]]:
    text = _decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    problems: list[Problem] = []
    columns: list[str] = []
    header_line = 1
    rows: list[RawRow] = []
    previous_end = 0
    for cells in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if not columns:
            columns, header_line = [normalize_header(c) for c in cells], start
            continue
        extra = [c for c in cells[len(columns):] if c.strip()]
        if extra:
            problems.append(
                Problem(
                    path.name, start, None, None,
                    f"{len(cells)} valeurs pour {len(columns)} colonnes",
                    "entourez de guillemets les cellules qui contiennent le séparateur",
                )
            )
        values: dict[str, object] = {
            col: (cell.strip() or None)
            # a short row leaves the last columns empty; extra cells are reported above
            for col, cell in zip(columns, cells, strict=False)
            if col
        }
        rows.append(RawRow(start, values))
    return RawTable(name, path.name, columns, rows, header_line), problems


class _StringLoader(yaml.SafeLoader):
    """YAML loader that keeps numbers as text: ``01001`` stays ``01001``."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith((":int", ":float"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml_nodes(path: Path) -> tuple[yaml.Node | None, list[Problem]]:
    try:
        return yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=_StringLoader), []
    except UnicodeDecodeError:
        return None, [Problem(path.name, None, None, None, "fichier YAML non lisible en UTF-8",
                              "enregistrez le fichier en UTF-8")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(path.name, line, None, None, f"YAML invalide : {reason}",
                              "vérifiez l'indentation, les deux-points et les guillemets")]


def _construct(node: yaml.Node) -> object:
    loader = _StringLoader("")
    return loader.construct_object(node, deep=True)


def _mapping_row(node: yaml.MappingNode) -> RawRow:
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = normalize_header(key_node.value)
        values[key] = _construct(value_node)
        lines[key] = key_node.start_mark.line + 1
    return RawRow(node.start_mark.line + 1, values, lines)


def _read_yaml(path: Path, name: str) -> tuple[RawTable | None, list[Problem]]:
    root, problems = _yaml_nodes(path)
    if root is None:
        return None, problems or [Problem(path.name, None, None, None, "fichier vide",
                                          f"listez les lignes de la table « {name} »")]
    if isinstance(root, yaml.MappingNode):
        # Also accept ``acteurs: [...]`` at the top level.
        inner = [v for k, v in root.value if normalize_header(k.value) == name]
        root = inner[0] if inner else root
    if not isinstance(root, yaml.SequenceNode):
        return None, [Problem(path.name, root.start_mark.line + 1, None, None,
                              "une liste d'éléments est attendue",
                              f"écrivez chaque ligne de « {name} » comme un élément « - id: ... »")]
    rows: list[RawRow] = []
    for item in root.value:
        if isinstance(item, yaml.MappingNode):
            rows.append(_mapping_row(item))
        else:
            problems.append(Problem(path.name, item.start_mark.line + 1, None, None,
                                    "élément qui n'est pas une table clé: valeur",
                                    "écrivez « - id: ... » puis les autres champs, indentés"))
    columns = sorted({key for row in rows for key in row.values})
    return RawTable(name, path.name, columns, rows), problems


def read_table(path: Path, name: str) -> tuple[RawTable | None, list[Problem]]:
    """Read one table file (``.csv``, ``.yaml`` or ``.yml``)."""
    if path.suffix.lower() == ".csv":
        return _read_csv(path, name)
    return _read_yaml(path, name)


def _find(folder: Path, name: str) -> tuple[Path | None, list[Problem]]:
    found = [p for p in sorted(folder.iterdir()) if p.stem.lower() == name
             and p.suffix.lower() in (".csv", *_YAML_SUFFIXES)]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        return None, [Problem(names, None, None, None,
                              f"la table « {name} » est présente en plusieurs fichiers",
                              "gardez un seul fichier par table (CSV ou YAML)")]
    return (found[0] if found else None), []


def _read_consortium(folder: Path) -> tuple[RawRow | None, str | None, list[Problem]]:
    path, problems = _find(folder, CONSORTIUM)
    if path is None:
        return None, None, problems
    if path.suffix.lower() == ".csv":
        return None, path.name, [Problem(path.name, None, None, None,
                                         "le consortium s'écrit en YAML",
                                         "renommez-le consortium.yaml (voir le README)")]
    root, problems = _yaml_nodes(path)
    if root is None:
        return None, path.name, problems
    if not isinstance(root, yaml.MappingNode):
        expected = "une table « nom: ..., porteur: ..., membres: ... » est attendue"
        return None, path.name, [Problem(path.name, root.start_mark.line + 1, None, None,
                                         expected, "voir l'exemple du README")]
    row = _mapping_row(root)
    # Keep one located row per member, so problems point at the member's line.
    for key_node, value_node in root.value:
        if (normalize_header(key_node.value) == "membres"
                and isinstance(value_node, yaml.SequenceNode)):
            row.values["membres"] = [
                _mapping_row(item) if isinstance(item, yaml.MappingNode)
                else RawRow(item.start_mark.line + 1, {"acteur": _construct(item)})
                for item in value_node.value
            ]
    return row, path.name, problems


def read_dataset(path: Path | str) -> RawDataset:
    """Read every table of a data set folder or workbook; problems are collected, not raised."""
    folder = Path(path)
    if is_workbook(folder):
        return read_workbook(folder)
    problems: list[Problem] = []
    tables: dict[str, RawTable] = {}
    for name in TABLES:
        file, found_problems = _find(folder, name)
        problems += found_problems
        if file is None:
            continue
        table, table_problems = read_table(file, name)
        problems += table_problems
        if table is not None:
            tables[name] = table
    consortium, consortium_source, consortium_problems = _read_consortium(folder)
    problems += consortium_problems
    return RawDataset(folder.name, folder, tables, consortium, consortium_source, problems)


# -- workbooks ------------------------------------------------------------
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_OLD_EXCEL = (".xls", ".ods")
# Columns whose numbers are codes: the width to pad them back to with zeros.
_CODE_WIDTHS = {"commune": 5, "code_insee": 5, "code_postal": 5, "siret": 14}
_CONSORTIUM_MEMBER_HEADER = "acteur"
# Names that mark the header row of a data set sheet (a title row above it is skipped).
_HEADER_HINTS = ("id", "nom", "famille", "acteur", "thematiques", "source", "cible", "type")


def is_workbook(path: Path) -> bool:
    """Whether a path names a workbook (``.xlsx``, ``.xlsm``; ``.xls`` is refused later)."""
    return path.suffix.lower() in WORKBOOK_SUFFIXES + _OLD_EXCEL and not path.is_dir()


def open_workbook(path: Path) -> tuple[openpyxl.Workbook | None, list[Problem]]:
    """Open a workbook for its values (cached results of formulas); problems if it cannot be."""
    if path.suffix.lower() in _OLD_EXCEL:
        return None, [Problem(path.name, None, None, None,
                              f"format {path.suffix.lower()} non pris en charge",
                              "enregistrez le classeur au format .xlsx "
                              "(Fichier > Enregistrer sous)")]
    if not path.is_file():
        return None, [Problem(str(path), None, None, None, "classeur introuvable",
                              "vérifiez le chemin du fichier .xlsx")]
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel extensions it drops (slicers, extended validation).
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(path, data_only=True), []
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        return None, [Problem(path.name, None, None, None, f"classeur illisible ({exc})",
                              "ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau "
                              "au format .xlsx")]


def cell_text(value: object, column: str = "") -> object:
    """A cell's value as the CSV reader would give it: text, or ``None`` when empty.

    Numbers become text without a spurious ``.0``; in a code column
    (commune, code_insee, code_postal, siret) they get their leading zeros back.
    Dates become ``AAAA-MM-JJ``. Booleans stay booleans (``oui``/``non`` cells).
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        width = _CODE_WIDTHS.get(column)
        return text.zfill(width) if width and len(text) < width else text
    if isinstance(value, float):
        return repr(value)
    text = str(value).strip()
    return text or None


def _grid(ws) -> list[list[object]]:
    """The sheet's values, a value merged over several rows copied down each of them.

    Only the first column of a merged range gets the value: a merge across
    columns is a layout choice, not a value for the neighbouring columns.
    """
    grid = [list(row) for row in ws.iter_rows(values_only=True)]
    for merged in ws.merged_cells.ranges:
        top = merged.min_row - 1
        column = merged.min_col - 1
        if top >= len(grid) or column >= len(grid[top]):
            continue
        value = grid[top][column]
        for index in range(merged.min_row, min(merged.max_row, len(grid))):
            if column < len(grid[index]):
                grid[index][column] = value
    return grid


def _is_blank(cells: Iterable[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _header_index(grid: list[list[object]], known: set[str]) -> int | None:
    """The header row: the first non-empty row naming a known column (else the first one)."""
    non_empty = [i for i, cells in enumerate(grid) if not _is_blank(cells)]
    for index in non_empty[:10]:
        if known & {normalize_header(c) for c in grid[index] if c is not None}:
            return index
    return non_empty[0] if non_empty else None


def read_sheet(ws, source: str, name: str,
               known: Iterable[str] = ()) -> tuple[RawTable, dict[str, str], list[Problem]]:
    """Read one worksheet as a table: the rows, the letter of each column, the problems.

    The header is the first row that names a ``known`` column (rows above it,
    such as a title, are skipped), else the first non-empty row. Line numbers
    are the sheet's row numbers.
    """
    grid = _grid(ws)
    header_index = _header_index(grid, set(known))
    problems: list[Problem] = []
    if header_index is None:
        return RawTable(name, source, [], [], 1), {}, problems
    header_line = header_index + 1
    columns: list[str] = []
    letters: dict[str, str] = {}
    positions: dict[int, str] = {}
    for position, cell in enumerate(grid[header_index]):
        column = normalize_header(cell_text(cell)) if cell is not None else ""
        columns.append(column)
        if not column:
            continue
        letter = get_column_letter(position + 1)
        if column in letters:
            problems.append(Problem(
                source, header_line, f"{column} (colonne {letter})", None, "colonne en double",
                f"la colonne {letters[column]} porte déjà ce nom : gardez-en une seule"))
            continue
        letters[column] = letter
        positions[position] = column
    rows: list[RawRow] = []
    unnamed: dict[int, list[int]] = {}
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        if _is_blank(cells):
            continue
        values: dict[str, object] = {}
        for position, cell in enumerate(cells):
            header = positions.get(position)
            if header is not None:
                values[header] = cell_text(cell, header)
            elif not _is_blank([cell]) and (position >= len(columns) or not columns[position]):
                unnamed.setdefault(position, []).append(index + 1)
        rows.append(RawRow(index + 1, values))
    for position, lines in unnamed.items():
        problems.append(Problem(
            source, lines[0], f"colonne {get_column_letter(position + 1)}", None,
            f"valeur dans une colonne sans en-tête (ligne {line_ranges(lines)})",
            "donnez un nom à la colonne (ligne d'en-tête) ou videz ses cellules"))
    named = list(dict.fromkeys(c for c in columns if c))
    return RawTable(name, source, named, rows, header_line), letters, problems


def line_ranges(numbers: Iterable[int]) -> str:
    """Line numbers written short: ``[5, 6, 7, 9]`` → ``5-7, 9``."""
    parts: list[list[int]] = []
    for number in sorted(set(numbers)):
        if parts and parts[-1][1] == number - 1:
            parts[-1][1] = number
        else:
            parts.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in parts)


def _read_consortium_sheet(ws) -> tuple[RawRow | None, dict[str, str]]:
    """The ``consortium`` sheet: ``champ | valeur`` rows, then a table of members.

    The members' table starts at a row whose first cell is ``acteur``; its
    columns are ``acteur``, ``role`` and ``lettre_engagement``.
    """
    grid = _grid(ws)
    row = RawRow(0, {})
    letters: dict[str, str] = {}
    members: list[RawRow] = []
    member_columns: dict[int, str] | None = None
    for index, cells in enumerate(grid):
        if _is_blank(cells):
            continue
        first = normalize_header(cell_text(cells[0])) if cells and cells[0] is not None else ""
        if member_columns is None and first == _CONSORTIUM_MEMBER_HEADER:
            member_columns = {p: normalize_header(cell_text(c)) for p, c in enumerate(cells)
                              if c is not None and normalize_header(cell_text(c))}
            letters.update({c: get_column_letter(p + 1) for p, c in member_columns.items()})
            continue
        if member_columns is not None:
            values = {column: cell_text(cells[p], column) for p, column in member_columns.items()
                      if p < len(cells)}
            if not _is_blank(values.values()):
                members.append(RawRow(index + 1, values))
            continue
        value = cell_text(cells[1], first) if len(cells) > 1 else None
        if first and value is not None:
            row.values[first] = value
            row.lines[first] = index + 1
            letters.setdefault(first, "B")
    if not row.values and not members:
        return None, letters
    row.line = min(row.lines.values(), default=members[0].line if members else 1)
    if members:
        row.values["membres"] = members
    return row, letters


def read_workbook(path: Path | str) -> RawDataset:
    """Read a data set workbook: one sheet per table, other sheets ignored."""
    path = Path(path)
    workbook, problems = open_workbook(path)
    raw = RawDataset(path.stem, path, {}, None, None, problems, opened=workbook is not None)
    if workbook is None:
        return raw
    sheets: dict[str, list] = {}
    for ws in workbook.worksheets:
        sheets.setdefault(normalize_header(ws.title), []).append(ws)
    for name in (*TABLES, CONSORTIUM):
        found = sheets.get(name, [])
        if len(found) > 1:
            titles = ", ".join(f"« {ws.title} »" for ws in found)
            problems.append(Problem(path.name, None, None, None,
                                    f"la table « {name} » est présente en plusieurs feuilles "
                                    f"({titles})", "gardez une seule feuille par table"))
            continue
        if not found:
            continue
        ws = found[0]
        source = f"{path.name}, feuille {ws.title}"
        if name == CONSORTIUM:
            raw.consortium, letters = _read_consortium_sheet(ws)
            raw.consortium_source = source
        else:
            table, letters, sheet_problems = read_sheet(ws, source, name, _HEADER_HINTS)
            problems += sheet_problems
            raw.tables[name] = table
        raw.column_letters[source] = letters
    if "acteurs" not in sheets:
        problems.append(Problem(path.name, None, None, None,
                                "la table « acteurs » est absente du classeur",
                                "ajoutez une feuille « acteurs » (voir « spie-graph template »)"))
    return raw


def locate_columns(problems: list[Problem], raw: RawDataset) -> list[Problem]:
    """Problems of a workbook, each field named with its column letter: ``famille (colonne C)``."""
    if not raw.column_letters:
        return problems
    located = []
    for problem in problems:
        letter = raw.column_letters.get(problem.file, {}).get(problem.field or "")
        located.append(replace(problem, field=f"{problem.field} (colonne {letter})")
                       if letter else problem)
    return located
