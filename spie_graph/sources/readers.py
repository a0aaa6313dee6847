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

Hostile or broken files get a located French problem, in bounded time and
memory, never a crash: tables over :data:`MAX_FILE_BYTES`, CSV fields over
:data:`MAX_FIELD_CHARS` characters or rows over :data:`MAX_COLUMNS` cells, YAML
with more than :data:`YAML_MAX_ALIASES` aliases, an expansion over
:data:`YAML_MAX_NODES` nodes or nesting deeper than :data:`YAML_MAX_DEPTH`,
workbooks over :data:`XLSX_MAX_BYTES` once uncompressed or sheets over
:data:`XLSX_MAX_CELLS` cells (both checked before loading), XML with a DTD or
entities (refused; openpyxl parses with defusedxml), text that is neither
UTF-8, UTF-16 (with its BOM) nor Windows-1252, duplicated columns, unreadable
files and links leading out of the data set.
"""

from __future__ import annotations

import csv
import os
import re
import stat
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

import defusedxml
import yaml

if TYPE_CHECKING:
    import openpyxl

from spie_graph.errors import Problem
from spie_graph.french import number

__all__ = [
    "CONTROL_CHARACTERS",
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "XLSX_MAX_BYTES",
    "XLSX_MAX_CELLS",
    "XLSX_MAX_FILLED",
    "YAML_MAX_ALIASES",
    "YAML_MAX_BYTES",
    "YAML_MAX_DEPTH",
    "YAML_MAX_NODES",
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
    "read_bytes",
    "read_workbook",
]

TABLES = ("acteurs", "services", "interactions")
CONSORTIUM = "consortium"
_YAML_SUFFIXES = (".yaml", ".yml")

# Bounds on what a data set file may hold: generous for real data sets (a
# département has a few thousand actors and services; the whole national
# data·inclusion export imported, 100 000 structures and 140 000 services, about
# 150 Mo), small enough that a hostile file is refused in seconds without
# exhausting memory.
MAX_FILE_BYTES = 400 * 1024 * 1024   # a CSV table
MAX_ROWS = 400_000                   # lines of a CSV table
MAX_FIELD_CHARS = 1_000_000          # one CSV cell
MAX_COLUMNS = 1_000                  # cells of one CSV row
YAML_MAX_BYTES = 5 * 1024 * 1024     # a YAML file (written by hand; PyYAML reads ~1 Mo/s)
YAML_MAX_ALIASES = 100               # data sets need none (``*alias``)
YAML_MAX_NODES = 2_000_000           # values once aliases are expanded
YAML_MAX_DEPTH = 50                  # nesting; a data set needs 4
XLSX_MAX_BYTES = 300 * 1024 * 1024   # a workbook once uncompressed
XLSX_MAX_CELLS = 5_000_000           # rows × columns of one sheet
XLSX_MAX_FILLED = 200_000            # cells written in the workbook (openpyxl: ~40 µs, 1 Ko each)
XLSX_MAX_MEMBERS = 10_000            # files inside the workbook

csv.field_size_limit(MAX_FIELD_CHARS)

# Characters no output format accepts (XML 1.0) or that hide in a value: validation
# refuses them (U+0000 to U+001F but tabs and line breaks, U+007F to U+009F, U+FFFE,
# U+FFFF, lone surrogates).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def _size(n_bytes: int) -> str:
    return f"{number(n_bytes / 1024 / 1024)} Mo"


def _os_problem(path: Path, exc: OSError, what: str = "fichier") -> Problem:
    """A French problem for an OS error on ``path`` (permission, missing, loop…)."""
    if isinstance(exc, PermissionError):
        return Problem(str(path), None, None, None, f"{what} illisible : permission refusée",
                       "donnez-vous le droit de le lire (chmod u+r) ou copiez-le ailleurs")
    if isinstance(exc, IsADirectoryError):
        return Problem(str(path), None, None, None, f"{what} attendu, dossier trouvé",
                       "renommez ce dossier ou remplacez-le par le fichier")
    if isinstance(exc, FileNotFoundError):
        return Problem(str(path), None, None, None, f"{what} introuvable (lien cassé ?)",
                       "vérifiez le chemin ou remplacez le lien par le fichier")
    reason = exc.strerror or str(exc)
    return Problem(str(path), None, None, None, f"{what} illisible : {reason}",
                   "vérifiez le fichier, le disque et les droits, puis relancez")


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> tuple[bytes | None, list[Problem]]:
    """The bytes of a regular file of at most ``limit`` bytes, or the problem that prevents it.

    A pipe, device or folder is refused before it is opened (reading a pipe
    would wait forever); a file over ``limit`` before it is read.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, [Problem(str(path), None, None, None,
                                  "ce n'est pas un fichier ordinaire "
                                  "(dossier, tube ou périphérique)",
                                  "remplacez-le par un fichier CSV, YAML ou .xlsx")]
        if info.st_size > limit:
            return None, [Problem(path.name, None, None, None,
                                  f"fichier trop gros : {_size(info.st_size)}, au plus "
                                  f"{_size(limit)}", "découpez-le ou retirez ce qui n'est pas "
                                  "des données (images, lignes vides, colonnes inutiles)")]
        with open(path, "rb") as handle:
            return handle.read(limit + 1), []
    except OSError as exc:
        return None, [_os_problem(path, exc)]


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
    # True when read from a text holding no invisible control character
    # (:data:`CONTROL_CHARACTERS`): validation need not search cell by cell.
    clean: bool = False


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


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"), (b"\xfe\xff", "utf-16-be", "UTF-16"),
)
ENCODING_FIX = ("enregistrez le fichier en « CSV UTF-8 » (Excel : Fichier > Enregistrer sous > "
                "CSV UTF-8 ; LibreOffice : jeu de caractères Unicode (UTF-8))")


def decode_text(data: bytes) -> tuple[str | None, str]:
    """Decode a text file: its text (None if undecodable) and the encoding read or guessed.

    A BOM says UTF-8, UTF-16 or UTF-32; UTF-16 without BOM is recognised by its
    zero bytes; otherwise UTF-8, else Windows-1252 (what Excel writes in
    France). Binary data (zero bytes in no UTF-16 pattern) gives None.
    """
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec.removesuffix("-sig")), label
            except UnicodeDecodeError:
                return None, label
    sample = data[:4096]
    if b"\x00" in sample:
        half = max(len(sample) // 2, 1)
        even, odd = sample[0::2].count(0) / half, sample[1::2].count(0) / half
        guess = ("utf-16-le" if odd > 0.3 and even < 0.05 else
                 "utf-16-be" if even > 0.3 and odd < 0.05 else None)
        if guess is not None and len(data) % 2 == 0:
            try:
                return data.decode(guess), "UTF-16 sans BOM"
            except UnicodeDecodeError:
                return None, "UTF-16 sans BOM"
    try:  # a stray zero byte in UTF-8 text is left to validation, which locates it
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if data.count(0) > len(data) // 100 or b"\x00" in sample:
        return None, "binaire"
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16, else Windows-1252, else Latin-1."""
    text, _ = decode_text(data)
    return data.decode("latin-1") if text is None else text


def _undecodable(path: Path, encoding: str) -> Problem:
    what = ("fichier binaire, pas du texte" if encoding == "binaire"
            else f"texte illisible en {encoding}")
    return Problem(path.name, None, None, None,
                   f"{what} : encodage non reconnu (lus : UTF-8, UTF-16, Windows-1252)",
                   ENCODING_FIX)


def _delimiter(text: str) -> str:
    """The separator of a CSV text, read from its header line."""
    header = next((line for line in text[:65536].splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _lines(text: str) -> Iterator[str]:
    """The lines of a text with their ends, made one at a time.

    What ``io.StringIO(text, newline="")`` gives the csv module, without its
    copy of the whole text (four bytes a character).
    """
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start:end + 1]
        start = end + 1
    if start < len(text):
        yield text[start:]


def _csv_error(path: Path, line: int, exc: csv.Error) -> Problem:
    if "field larger than field limit" in str(exc):
        return Problem(path.name, line, None, None,
                       f"cellule de plus de {number(MAX_FIELD_CHARS)} caractères",
                       "raccourcissez ce texte ; si la cellule ne devait pas être si longue, "
                       "fermez le guillemet ouvert avant elle")
    return Problem(path.name, line, None, None, f"ligne CSV illisible ({exc})",
                   "vérifiez les guillemets de cette ligne, ou réenregistrez le fichier en CSV "
                   "depuis Excel ou LibreOffice")


def _csv_header(path: Path, cells: list[str], line: int,
                problems: list[Problem]) -> list[str]:
    """The normalised column names; a repeated name is reported and its column ignored."""
    columns: list[str] = []
    first: dict[str, int] = {}
    for position, cell in enumerate(cells, start=1):
        column = normalize_header(cell)
        if column and column in first:
            problems.append(Problem(
                path.name, line, f"{column} (colonne {position})", None, "colonne en double",
                f"la colonne {first[column]} porte déjà ce nom : gardez-en une seule"))
            column = ""
        elif column:
            first[column] = position
        columns.append(column)
    return columns


def _read_csv(path: Path, name: str, limit: int = MAX_FILE_BYTES,
              max_rows: int = MAX_ROWS) -> tuple[RawTable, list[Problem]]:
    empty = RawTable(name, path.name, [], [], 1)
    data, problems = read_bytes(path, limit)
    if data is None:
        return empty, problems
    text, encoding = decode_text(data)
    if text is None:
        return empty, [_undecodable(path, encoding)]
    del data
    reader = csv.reader(_lines(text), delimiter=_delimiter(text))
    columns: list[str] = []
    header_line = 1
    rows: list[RawRow] = []
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(_csv_error(path, previous_end + 1, exc))
            break
        start, previous_end = previous_end + 1, reader.line_num
        if start > max_rows:
            problems.append(Problem(
                path.name, start, None, None, f"plus de {number(max_rows)} lignes",
                "découpez le fichier, ou supprimez les lignes vides ou inutiles à la fin"))
            break
        if len(cells) > MAX_COLUMNS:
            problems.append(Problem(
                path.name, start, None, None,
                f"{number(len(cells))} valeurs sur une ligne : au plus {number(MAX_COLUMNS)}",
                "vérifiez le séparateur (« ; » ou « , ») et les guillemets de cette ligne"))
            if not columns:
                break  # no usable header: nothing else can be read
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if not columns:
            columns, header_line = _csv_header(path, cells, start, problems), start
            continue
        if previous_end > start and len(cells) < len(columns):
            problems.append(Problem(
                path.name, start, None, None,
                f"guillemet non fermé : la ligne {start} se poursuit jusqu'à la ligne "
                f"{previous_end} et n'a que {len(cells)} valeurs pour {len(columns)} colonnes",
                "fermez le guillemet « \" » ouvert dans cette ligne, ou retirez-le"))
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
    return RawTable(name, path.name, columns, rows, header_line,
                    clean=CONTROL_CHARACTERS.search(text) is None), problems


class _TooComplex(yaml.YAMLError):
    """A YAML file beyond the bounds a data set needs (aliases, nesting)."""

    def __init__(self, node_or_mark: object, message: str, fix: str):
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        self.line = mark.line + 1 if isinstance(mark, yaml.Mark) else None
        self.message, self.fix = message, fix
        super().__init__(message)


class _StringLoader(yaml.SafeLoader):
    """YAML loader that keeps numbers as text (``01001`` stays ``01001``), within bounds.

    Composing counts aliases (:data:`YAML_MAX_ALIASES`) and nesting
    (:data:`YAML_MAX_DEPTH`) as it goes, before any value is built.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > YAML_MAX_ALIASES:
                raise _TooComplex(self.peek_event(),
                                  f"plus de {YAML_MAX_ALIASES} alias (*nom) dans le fichier",
                                  "écrivez chaque valeur en entier, sans ancre (&) ni alias (*)")
        self._depth += 1
        try:
            if self._depth > YAML_MAX_DEPTH:
                raise _TooComplex(self.peek_event(),
                                  f"imbrication de plus de {YAML_MAX_DEPTH} niveaux",
                                  "un jeu de données n'a que des listes de champs simples : "
                                  "vérifiez les crochets et l'indentation")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith((":int", ":float"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_YAML_TAGS = {f"tag:yaml.org,2002:{name}" for name in (
    "str", "seq", "map", "null", "bool", "int", "float", "timestamp", "merge")}


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document holds once every alias is expanded (each node counted once).

    Also refuses tags of no data set (``!!python/object``…) and recursive structures.
    """
    sizes: dict[int, int] = {}
    visiting: set[int] = set()  # nodes whose subtree is being counted: met again, a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if node.tag not in _YAML_TAGS:
            raise _TooComplex(node, f"étiquette « {node.tag} » non acceptée",
                              "retirez l'étiquette (!!…) : écrivez la valeur seule")
        if not done and id(node) in visiting:
            raise _TooComplex(node, "structure récursive (un alias *nom renvoie à l'élément "
                              "qui le contient)", "écrivez chaque valeur en entier, "
                              "sans ancre (&) ni alias (*)")
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        if done:
            visiting.discard(id(node))
            sizes[id(node)] = min(1 + sum(sizes[id(c)] for c in children), YAML_MAX_NODES + 1)
        else:
            visiting.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _yaml_nodes(path: Path) -> tuple[yaml.Node | None, list[Problem]]:
    data, problems = read_bytes(path, YAML_MAX_BYTES)
    if problems and "trop gros" in problems[0].message:
        problems = [replace(problems[0], fix="un fichier YAML s'écrit à la main : pour de "
                            "grandes tables, enregistrez-les en CSV")]
    if data is None:
        return None, problems
    text, encoding = decode_text(data)
    if text is None or encoding not in ("UTF-8", "UTF-16", "UTF-32"):
        return None, [Problem(path.name, None, None, None, "fichier YAML non lisible en UTF-8",
                              "enregistrez le fichier en UTF-8")]
    try:
        root = yaml.compose(text, Loader=_StringLoader)
        if root is not None and _expanded_size(root) > YAML_MAX_NODES:
            raise _TooComplex(root, f"plus de {number(YAML_MAX_NODES)} valeurs une fois les "
                              "alias (*nom) développés", "écrivez chaque valeur en entier, "
                              "sans ancre (&) ni alias (*)")
        return root, []
    except _TooComplex as exc:
        return None, [Problem(path.name, exc.line, None, None, f"YAML refusé : {exc.message}",
                              exc.fix)]
    except RecursionError:
        return None, [Problem(path.name, None, None, None, "YAML refusé : imbrication trop "
                              "profonde", "vérifiez les crochets et l'indentation")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(path.name, line, None, None, f"YAML invalide : {reason}",
                              "vérifiez l'indentation, les deux-points et les guillemets")]


def _construct(node: yaml.Node) -> object:
    loader = _StringLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, KeyError, AttributeError, TypeError):
        # An explicit tag on a value it does not fit (``!!int abc``): the text as written.
        return node.value if isinstance(node, yaml.ScalarNode) else None


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


def read_table(path: Path, name: str, limit: int = MAX_FILE_BYTES,
               max_rows: int = MAX_ROWS) -> tuple[RawTable | None, list[Problem]]:
    """Read one table file (``.csv``, ``.yaml`` or ``.yml``) within bounds (CSV: ``limit``
    bytes, ``max_rows`` lines)."""
    if path.suffix.lower() == ".csv":
        return _read_csv(path, name, limit, max_rows)
    return _read_yaml(path, name)


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, links followed, stays in ``folder``."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return False


def _find(folder: Path, name: str) -> tuple[Path | None, list[Problem]]:
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        return None, [_os_problem(folder, exc, "dossier")]
    found = [p for p in entries if p.stem.lower() == name
             and p.suffix.lower() in (".csv", *_YAML_SUFFIXES)]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        return None, [Problem(names, None, None, None,
                              f"la table « {name} » est présente en plusieurs fichiers",
                              "gardez un seul fichier par table (CSV ou YAML)")]
    if found and found[0].is_symlink():
        if not found[0].exists():
            return None, [Problem(found[0].name, None, None, None,
                                  "lien symbolique cassé ou en boucle : il ne mène à aucun fichier",
                                  "remplacez le lien par le fichier lui-même")]
        if not _inside(found[0], folder):
            return None, [Problem(found[0].name, None, None, None,
                                  "lien symbolique qui mène hors du dossier du jeu de données",
                                  "copiez le fichier lui-même dans le dossier à la place du lien")]
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
    try:
        with os.scandir(folder):
            pass
    except OSError as exc:
        return RawDataset(folder.name, folder, {}, None, None,
                          [_os_problem(folder, exc, "dossier")], opened=False)
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


# openpyxl is imported when a workbook is read: a command on a folder of CSV files (or
# answered from the cache) does not pay for it.
def get_column_letter(index: int) -> str:
    """Excel's letters for a 1-based column index (openpyxl's)."""
    from openpyxl.utils import get_column_letter as letters

    return letters(index)


def column_index_from_string(letters: str) -> int:
    """The 1-based column index of Excel's letters (openpyxl's)."""
    from openpyxl.utils import column_index_from_string as index

    return index(letters)


def is_workbook(path: Path) -> bool:
    """Whether a path names a workbook (``.xlsx``, ``.xlsm``; ``.xls`` is refused later)."""
    return path.suffix.lower() in WORKBOOK_SUFFIXES + _OLD_EXCEL and not path.is_dir()


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d{1,7})"
                        rb"(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?\"")


def _xml_declarations(path: Path, member: str) -> Problem:
    where = f" (partie {member})" if member else ""
    return Problem(path.name, None, None, None,
                   f"classeur refusé : il déclare des entités XML (<!DOCTYPE>, <!ENTITY>){where}, "
                   "ce qu'Excel et LibreOffice n'écrivent jamais",
                   "ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau au format "
                   ".xlsx, ou recopiez ses données dans « spie-graph template »")


def _too_many_cells(source: str, rows: int, columns: int) -> Problem:
    return Problem(source, None, None, None,
                   f"feuille trop grande : {number(rows)} lignes × {number(columns)} colonnes "
                   f"(dernière cellule {get_column_letter(columns)}{rows}), au plus "
                   f"{number(XLSX_MAX_CELLS)} cellules",
                   "supprimez les lignes et les colonnes vides ou inutiles après vos données "
                   "(sélectionnez-les, clic droit, Supprimer), puis enregistrez")


_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """The title of each sheet by its part's name (``xl/worksheets/sheet1.xml`` → ``acteurs``)."""
    from defusedxml import ElementTree

    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, SyntaxError, ValueError, zipfile.BadZipFile):
        return {}
    targets = {link.get("Id"): link.get("Target", "") for link in links}
    titles = {}
    for sheet in book.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"):
        relation = sheet.get(
            "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        target = targets.get(relation, "").lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        titles[part] = sheet.get("name", "")
    return titles


def _count_cells(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """Cells (``<c …>``) in a sheet's XML, counted while decompressing it in blocks."""
    count, tail = 0, b""
    with archive.open(member) as handle:
        while block := handle.read(1024 * 1024):
            data = tail + block
            count += len(_CELL.findall(data))
            tail = data[-8:]
            count -= len(_CELL.findall(tail))  # counted again with the next block
    return count + len(_CELL.findall(tail))


def _check_archive(path: Path) -> list[Problem]:
    """Bounds checked before openpyxl loads a workbook: what it holds once uncompressed,
    declared sheet dimensions, and no XML entity declaration at the start of a part.
    A broken archive is left to openpyxl, which says it in its own error."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if len(members) > XLSX_MAX_MEMBERS or total > XLSX_MAX_BYTES:
                return [Problem(path.name, None, None, None,
                                f"classeur trop gros une fois décompressé : {_size(total)} en "
                                f"{number(len(members))} parties, au plus {_size(XLSX_MAX_BYTES)}",
                                "retirez les images et les feuilles inutiles, ou enregistrez les "
                                "tables en CSV")]
            filled = 0
            for member in members:
                if not member.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(member) as handle:
                    head = handle.read(64 * 1024)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    return [_xml_declarations(path, member.filename)]
                if "worksheets/" in member.filename:
                    filled += _count_cells(archive, member)
                    if filled > XLSX_MAX_FILLED:
                        return [Problem(path.name, None, None, None,
                                        f"classeur trop grand : plus de {number(XLSX_MAX_FILLED)} "
                                        "cellules remplies ou mises en forme",
                                        "supprimez les lignes, colonnes et feuilles inutiles, ou "
                                        "enregistrez les tables en CSV")]
                match = _DIMENSION.search(head) if "worksheets/" in member.filename else None
                if match and match.group(3):
                    rows = int(match.group(4))
                    columns = column_index_from_string(match.group(3).decode())
                    if rows * columns > XLSX_MAX_CELLS:
                        sheet = _sheet_titles(archive).get(member.filename, member.filename)
                        return [_too_many_cells(f"{path.name}, feuille {sheet}", rows, columns)]
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError):
        return []
    except OSError as exc:
        return [_os_problem(path, exc, "classeur")]
    return []


def _sheet_size(ws, source: str) -> Problem | None:
    """The sheet's real extent (cells present, once loaded) against :data:`XLSX_MAX_CELLS`."""
    if ws.max_row * ws.max_column > XLSX_MAX_CELLS:
        return _too_many_cells(source, ws.max_row, ws.max_column)
    return None


def open_workbook(path: Path) -> tuple[openpyxl.Workbook | None, list[Problem]]:
    """Open a workbook for its values (cached results of formulas); problems if it cannot be."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if path.suffix.lower() in _OLD_EXCEL:
        return None, [Problem(path.name, None, None, None,
                              f"format {path.suffix.lower()} non pris en charge",
                              "enregistrez le classeur au format .xlsx "
                              "(Fichier > Enregistrer sous)")]
    if not path.is_file():
        return None, [Problem(str(path), None, None, None, "classeur introuvable",
                              "vérifiez le chemin du fichier .xlsx")]
    problems = _check_archive(path)
    if problems:
        return None, problems
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel extensions it drops (slicers, extended validation).
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(path, data_only=True), []
    except defusedxml.DefusedXmlException:
        return None, [_xml_declarations(path, "")]
    except OSError as exc:
        return None, [_os_problem(path, exc, "classeur")]
    except SyntaxError as exc:  # XML ParseError
        return None, [Problem(path.name, None, None, None,
                              f"classeur illisible : XML invalide dans une de ses parties ({exc})",
                              "ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau "
                              "au format .xlsx")]
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, EOFError,
            zlib.error) as exc:
        if isinstance(exc.__cause__, defusedxml.DefusedXmlException):  # wrapped by openpyxl
            return None, [_xml_declarations(path, "")]
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
    too_big = _sheet_size(ws, source)
    if too_big is not None:
        return RawTable(name, source, [], [], 1), {}, [too_big]
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
    for line in sorted(set(numbers)):
        if parts and parts[-1][1] == line - 1:
            parts[-1][1] = line
        else:
            parts.append([line, line])
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
            too_big = _sheet_size(ws, source)
            if too_big is not None:
                problems.append(too_big)
                continue
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
