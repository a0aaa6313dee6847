"""Read the tables of a data set folder (CSV or YAML) into located raw rows.

A data set is a folder holding ``acteurs``, ``services`` and ``interactions``
tables, each as ``.csv`` or ``.yaml``, and an optional ``consortium.yaml``.
CSV files are read as Excel writes them: ``;``, ``,`` or tab separated, UTF-8
with or without BOM, or Windows-1252. Every row keeps the line it starts on, so
validation can say exactly where a problem is. Nothing here checks codes: that
is :mod:`spie_graph.validation`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import Problem

__all__ = ["RawRow", "RawTable", "RawDataset", "read_dataset", "read_table", "normalize_header"]

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
        values = {
            col: (cell.strip() or None)
            for col, cell in zip(columns, cells)
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
        return None, path.name, [Problem(path.name, root.start_mark.line + 1, None, None,
                                         "une table « nom: ..., porteur: ..., membres: ... » est attendue",
                                         "voir l'exemple du README")]
    row = _mapping_row(root)
    # Keep one located row per member, so problems point at the member's line.
    for key_node, value_node in root.value:
        if normalize_header(key_node.value) == "membres" and isinstance(value_node, yaml.SequenceNode):
            row.values["membres"] = [
                _mapping_row(item) if isinstance(item, yaml.MappingNode)
                else RawRow(item.start_mark.line + 1, {"acteur": _construct(item)})
                for item in value_node.value
            ]
    return row, path.name, problems


def read_dataset(path: Path | str) -> RawDataset:
    """Read every table of a data set folder; problems are collected, not raised."""
    folder = Path(path)
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
