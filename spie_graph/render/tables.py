"""Render answers as a terminal table, JSON, CSV for French Excel, or an XLSX workbook.

- :func:`to_table`: the terminal's table, for people: French numbers and
  typography (:mod:`spie_graph.french`), fitted to the terminal's width
  (:func:`terminal_width`), cells wrapped between words;
- :func:`to_json`: the machine format (UTF-8, codes, plain numbers, ``true``/``false``);
- :func:`to_csv`: a table for people, in the convention French Excel and
  LibreOffice open with a double click: ``;`` between cells, UTF-8 with a byte
  order mark (BOM), decimal comma (:func:`spie_graph.french.sheet_number`),
  « oui »/« non », a label column beside each code column
  (:func:`with_labels`: ``famille`` then ``libelle_famille``...), list cells
  joined with ``|``, text that a spreadsheet would run as a formula prefixed with
  ``'`` (:func:`spie_graph.files.neutralize`);
- :func:`to_xlsx`: a workbook, one sheet per table: bold frozen header, filters,
  column widths, document properties (title, date, creator « spie-graph »);
  numbers typed as numbers, text typed as text (a cell ``=1+1`` shows
  ``=1+1``, with no visible apostrophe and no formula).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import textwrap
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, repeat
from json.encoder import c_make_encoder as _c_make_encoder  # type: ignore[attr-defined]
from json.encoder import encode_basestring as _encode_string
from operator import itemgetter

from pydantic import BaseModel

from spie_graph import french
from spie_graph.files import FORMULA_START, NOT_XML, NOT_XML_CHARS, neutralize, utf8, xml_text
from spie_graph.french import sheet_number, yes_no
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.render import xlsx
from spie_graph.render.xlsx import MAX_ROWS, Workbook, holds_none

__all__ = ["BOM", "FORMATS", "MAX_LINES", "TITLES", "Sheet", "SheetXml", "csv_bytes",
           "json_encoder", "model_rows", "models_json", "render", "sheet_xml", "Table", "table_of",
           "terminal_width", "to_csv", "to_json", "to_table", "to_xlsx", "with_labels"]

FORMATS = ("table", "json", "csv")
MAX_LINES = 3
"""Lines a cell may take in a terminal table before it is cut with « … »."""
_GAP = "  "
BOM = "\ufeff"
"""UTF-8 byte order mark: how Excel knows a CSV file is UTF-8 (else it reads accents as cp1252)."""

TITLES = {
    "identifiant": "Identifiant", "type_noeud": "Nature", "famille": "Famille (code)",
    "libelle_famille": "Famille", "groupe": "Groupe", "volet": "Volet",
    "reseau_porteur": "Réseau porteur", "siret": "SIRET", "commune": "Commune",
    "territoire": "Territoire", "nom_territoire": "Nom du territoire",
    "competences": "Compétences", "publics": "Publics (codes)", "libelle_publics": "Publics",
    "public": "Public (code)", "libelle_public": "Public",
    "site_web": "Site web", "acteur": "Acteur", "nom_acteur": "Nom de l'acteur",
    "acteurs": "Acteurs", "thematiques": "Thématiques (codes)",
    "libelle_thematiques": "Thématiques", "thematique": "Thématique (code)",
    "libelle_thematique": "Thématique", "besoin": "Besoin (code)", "libelle_besoin": "Besoin",
    "moments": "Moments (codes)", "libelle_moments": "Moments", "moment": "Moment (code)",
    "libelle_moment": "Moment", "moments_deduits": "Moments déduits",
    "modes_accueil": "Modes d'accueil", "code": "Code", "niveau": "Niveau",
    "population": "Population", "libelle": "Libellé", "categorie": "Catégorie",
    "porteur": "Porteur", "accord_cd": "Accord du CD", "nom": "Nom",
    "relation": "Relation", "interaction": "Interaction (code)",
    "libelle_interaction": "Interaction", "depuis": "Depuis",
    "jusqu_a": "Jusqu'à", "role": "Rôle", "lettre_engagement": "Lettre d'engagement",
    "description": "Description", "missions": "Missions",
    "service": "Service", "nom_service": "Nom du service", "services": "Services",
    "couverture": "Couverture", "communes_couvertes": "Communes couvertes",
    "population_couverte": "Population couverte", "nb_services": "Nombre de services",
    "nb_communes": "Nombre de communes", "score": "Recouvrement",
    "territoire_analyse": "Territoire analysé (code)",
    "nom_territoire_analyse": "Territoire analysé",
    "zones_du_service": "Zones du service (codes)",
    "libelle_zones_du_service": "Zones du service",
    "rubrique": "Rubrique (code)", "libelle_rubrique": "Rubrique", "valeur": "Valeur",
    "degre": "Degré",
    "centralite_degre": "Centralité de degré", "intermediarite": "Intermédiarité",
    "taille_effective": "Taille effective", "communaute": "Communauté",
    "communautes_reliees": "Communautés reliées", "courtier": "Intermédiaire",
    "point_articulation": "Point d'articulation", "isole": "Isolé",
    "critere": "Critère (code)", "ok": "Rempli", "detail": "Détail",
    "besoin_manquant": "Manque", "rang": "Rang",
    "pour_10000": "Services pour 10 000 habitants", "frais": "Frais",
    "modes_mobilisation": "Modes de mobilisation", "mobilisable_par": "Mobilisable par",
    "conditions_acces": "Conditions d'accès", "score_qualite": "Score de qualité",
    "date_maj": "Mise à jour", "explication": "Explication",
}
"""French column titles of the workbooks (rapport.xlsx, kumu.xlsx) and of Gephi's columns."""


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list | tuple):
        return " | ".join(_cell(v) for v in value)
    return str(value)


def _shown(value: object) -> str:
    """A value as a person reads it: French numbers, oui/non, lists joined by commas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return french.yes_no(value)
    if isinstance(value, int):
        return french.number(value)
    if isinstance(value, float):
        return french.decimal(value, 3)
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    return french.typography(str(value))


def _columns(rows: Sequence[dict], columns: Sequence[str] | None) -> list[str]:
    if columns:
        return list(columns)
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def terminal_width() -> int:
    """The terminal's width in columns (``COLUMNS`` first; 100 when not a terminal)."""
    return shutil.get_terminal_size((100, 24)).columns


def _fit(natural: list[int], floors: list[int], available: int) -> list[int]:
    """Column widths within ``available``: the widest columns give way first, down to a floor."""
    widths = list(natural)
    while sum(widths) > available:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        # Take from the widest down to the next widest (at least one character).
        others = [widths[i] for i in shrinkable if i != widest]
        target = max(floors[widest], max(others, default=0), widths[widest] - (
            sum(widths) - available))
        widths[widest] = target if target < widths[widest] else widths[widest] - 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    """A cell's lines: wrapped on spaces and hyphens, at most :data:`MAX_LINES`, then « … »."""
    if len(text) <= width:
        return [text]
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=True) or [""]
    # A word longer than the column is cut with « … » rather than split across lines.
    lines = [line if len(line) <= width else line[: width - 1] + "…" for line in lines]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        last = lines[-1]
        lines[-1] = (last if len(last) < width else last[: width - 1]) + "…"
    return lines


def to_table(rows: Sequence[dict], columns: Sequence[str] | None = None,
             headers: Mapping[str, str] | None = None, width: int | None = None) -> str:
    """An aligned text table that fits the terminal (:func:`terminal_width`).

    Values are shown the French way (``3 449 370``, ``0,143``, ``oui``). When
    the table is wider than ``width``, the widest columns are narrowed first
    (down to their longest word, then further if needed) and their cells
    wrap on spaces and hyphens, up to :data:`MAX_LINES` lines ending with « … »;
    a row on several lines is set apart by blank lines so that it reads as one. Headers
    come from ``headers`` (``{"nom_acteur": "Acteur"}``), else the column name
    with spaces.
    """
    cols = _columns(rows, columns)
    if not rows:
        return "(aucun résultat)"
    headers = headers or {}
    titles = [headers.get(c, c.replace("_", " ")) for c in cols]
    cells = [[_shown(row.get(c)) for c in cols] for row in rows]
    # A header wraps on its words rather than widening a column of short values.
    natural = [max(*(len(w) for w in t.split() or [""]), *(len(r[i]) for r in cells))
               for i, t in enumerate(titles)]
    # A column keeps room for its longest word (up to 16 characters) and its header's words,
    # so cells wrap between words; only when that does not fit either are words cut.
    floors = [min(n, max(6, *(len(w) for w in t.split()),
                         *(min(len(w), 16) for r in cells for w in r[i].split())))
              for i, (n, t) in enumerate(zip(natural, titles, strict=True))]
    available = (width or terminal_width()) - len(_GAP) * (len(cols) - 1)
    widths = _fit(natural, floors, available)
    if sum(widths) > available:
        widths = _fit(widths, [min(w, 6) for w in widths], available)

    def block(values: list[str]) -> list[str]:
        parts = [_wrap(v, w) for v, w in zip(values, widths, strict=True)]
        height = max(len(p) for p in parts)
        return [_GAP.join((p[k] if k < len(p) else "").ljust(w)
                          for p, w in zip(parts, widths, strict=True)).rstrip()
                for k in range(height)]

    out = [*block(titles), _GAP.join("-" * w for w in widths)]
    previous = 1
    for index, values in enumerate(cells):
        lines = block(values)
        if index and (len(lines) > 1 or previous > 1):
            out.append("")  # a row on several lines stands apart from its neighbours
        out += lines
        previous = len(lines)
    return "\n".join(out)


# -- labels beside codes --------------------------------------------------------------------

def _label_lookups(refs: Referentials) -> dict[str, tuple[str, Callable[[str], str]]]:
    """Code column → (label column, code → label)."""
    terr = refs.territoires

    def famille(code: str) -> str:
        return refs.familles[code].libelle if code in refs.familles else code

    def thematique(code: str) -> str:
        return refs.thematiques[code].libelle if code in refs.thematiques else code

    def territoire(code: str) -> str:
        return terr.name(code) if code in terr else code

    return {
        "famille": ("libelle_famille", famille),
        "thematique": ("libelle_thematique", thematique),
        "thematiques": ("libelle_thematiques", thematique),
        "besoin": ("libelle_besoin", thematique),
        "moment": ("libelle_moment", lambda c: refs.moments.get(c, c)),
        "moments": ("libelle_moments", lambda c: refs.moments.get(c, c)),
        "public": ("libelle_public", lambda c: refs.publics.get(c, c)),
        "publics": ("libelle_publics", lambda c: refs.publics.get(c, c)),
        "interaction": ("libelle_interaction", lambda c: refs.interactions.get(c, c)),
        "territoire": ("nom_territoire", territoire),
        "zones_du_service": ("libelle_zones_du_service", territoire),
    }


def with_labels(rows: Sequence[dict], columns: Sequence[str] | None = None,
                refs: Referentials | None = None) -> tuple[list[dict], list[str]]:
    """Rows and columns with a label column beside each known code column.

    ``famille`` gets ``libelle_famille``, ``thematiques`` gets
    ``libelle_thematiques`` (labels joined with `` | ``), ``territoire`` gets
    ``nom_territoire``... A label column the rows already have is left as it is.
    """
    cols = _columns(rows, columns)
    lookups = _label_lookups(refs or referentials())
    added: list[tuple[str, str, Callable[[str], str]]] = []
    out_cols: list[str] = []
    for col in cols:
        out_cols.append(col)
        if col in lookups and lookups[col][0] not in cols:
            label_col, label = lookups[col]
            out_cols.append(label_col)
            added.append((col, label_col, label))
    if not added:
        return list(rows), cols
    # Each distinct code, or list of codes, is labelled once per column (they repeat).
    memos: list[dict[object, str]] = [{} for _ in added]
    out_rows = []
    for row in rows:
        row = dict(row)
        for (col, label_col, label), memo in zip(added, memos, strict=True):
            value = row.get(col)
            if value is None or value == "":
                continue
            listed = isinstance(value, list | tuple)
            key = tuple(value) if listed else value
            try:
                text = memo.get(key)
            except TypeError:  # not a code nor a list of codes: labelled as it is
                key, text = None, None
            if text is None:
                text = (" | ".join(label(str(v)) for v in value) if listed
                        else label(str(value)))
                if key is not None:
                    memo[key] = text
            row[label_col] = text
        out_rows.append(row)
    return out_rows, out_cols


@dataclass(frozen=True)
class Table:
    """A table as columns of values, labelled once (:func:`table_of`): what a part writes
    as a CSV file (:func:`to_csv`) and as a sheet (:class:`Sheet`) without reading its
    rows a second time.

    ``values`` holds one list per column, in the order of ``columns``; ``size``
    is the number of rows.
    """

    columns: list[str]
    values: list[list[object]]
    size: int


def table_of(rows: Sequence[dict], columns: Sequence[str] | None = None, *,
             labels: bool = True, refs: Referentials | None = None) -> Table:
    """The rows as a :class:`Table`; ``labels``: with a label column beside each known
    code column, the columns and labels of :func:`with_labels`.

    Notes
    -----
    Each column is read from the rows once, and each distinct code (or list of codes)
    labelled once per column: no row is copied (:func:`with_labels` copies every row
    to add its labels).
    """
    cols = _columns(rows, columns)
    values = _column_values(rows, cols)
    if not labels:
        return Table(cols, values, len(rows))
    lookups = _label_lookups(refs or referentials())
    out_cols: list[str] = []
    out_values: list[list[object]] = []
    for col, column in zip(cols, values, strict=True):
        out_cols.append(col)
        out_values.append(column)
        if col in lookups and lookups[col][0] not in cols:
            label_col, label = lookups[col]
            out_cols.append(label_col)
            out_values.append(_labelled(column, label))
    return Table(out_cols, out_values, len(rows))


def _column_values(rows: Sequence[dict], cols: list[str]) -> list[list[object]]:
    """Each column's values, None where a row lacks the column: the rows read at C speed
    (:func:`operator.itemgetter` of every column, the tuples transposed by :func:`zip`),
    unless a row lacks a column (then row by row)."""
    if len(cols) > 1 and rows:
        try:
            return list(map(list, zip(*map(itemgetter(*cols), rows), strict=True)))
        except KeyError:  # a row without every column: None in its empty cells
            pass
    return [[row.get(c) for row in rows] for c in cols]


def _labelled(column: list[object], label: Callable[[str], str]) -> list[object]:
    """The labels of a column of codes, as :func:`with_labels` writes them: None for an
    empty cell, each distinct code or list of codes labelled once."""
    kinds = set(map(type, column)) - {type(None)}
    if kinds == {str}:  # codes: the distinct ones labelled, then looked up
        names = {code: label(code) for code in set(column) if code}  # type: ignore[arg-type]
        return [names.get(code) for code in column]
    if kinds and kinds <= {list, tuple}:
        try:
            keys: list[tuple | None] = [None if v is None else tuple(v)  # type: ignore[arg-type]
                                        for v in column]
            joined = {key: " | ".join(label(str(v)) for v in key)
                      for key in set(keys) if key is not None}
        except TypeError:  # not lists of codes: each as it comes
            pass
        else:
            return [None if key is None else joined[key] for key in keys]
    memo: dict[object, str] = {}
    out: list[object] = []
    for value in column:
        if value is None or value == "":
            out.append(None)
            continue
        listed = isinstance(value, list | tuple)
        key = tuple(value) if listed else value  # type: ignore[arg-type]
        try:
            text = memo.get(key)
        except TypeError:  # not a code nor a list of codes: labelled as it is
            key, text = None, None
        if text is None:
            text = (" | ".join(label(str(v)) for v in value)  # type: ignore[attr-defined]
                    if listed else label(str(value)))
            if key is not None:
                memo[key] = text
        out.append(text)
    return out


# -- CSV for French Excel ---------------------------------------------------------------------

def _csv_cell(value: object) -> str:
    """A CSV cell: numbers in the French convention; text a spreadsheet would run as a
    formula (``=``, ``+``, ``-``, ``@``...) neutralised, numbers never."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | float):
        return sheet_number(value)
    if isinstance(value, list | tuple):
        try:
            joined = "|".join(value)  # a list of codes: joined at C speed
        except TypeError:
            joined = "|".join(_cell(v) for v in value)
        return neutralize(xml_text(joined))
    return neutralize(xml_text(str(value)))


def _csv_plain(value: object) -> str:
    """A cell that is not a text, as :func:`_csv_cell` writes it, but a list of texts is
    joined only: :func:`to_csv` checks texts line by line."""
    kind = value.__class__
    if value is None:
        return ""
    if kind is int:
        return str(value)  # sheet_number of an int
    if kind is list or kind is tuple:
        try:
            return "|".join(value)  # type: ignore[arg-type]
        except TypeError:
            pass
    return _csv_cell(value)


# A line is written as it is when none of its cells holds a character XML cannot hold, a
# quote or a line break (this search), nor a ``;``, nor starts like a formula.
_CSV_LINE_SPECIAL = re.compile(f'[{NOT_XML_CHARS}"\r\n]')
# A column's cells joined by line feeds (:func:`_rows_to_quote`): a cell to quote or clean
# (but for a line feed, counted), and a cell after the first that starts like a formula.
_CSV_CELL_SPECIAL = re.compile(f'[{NOT_XML_CHARS}";\r]')
_CSV_CELL_START = re.compile("\n[=+\\-@\t\r]")


def _csv_texts(column: list[object]) -> list[str]:
    """A column's cells as :func:`to_csv` joins them in a line (:func:`_csv_plain`): a
    column of one usual type at once, a mixed one cell by cell."""
    kinds = set(map(type, column))
    if kinds == {str}:
        return column  # type: ignore[return-value]
    if kinds <= {str, type(None)}:
        return ["" if v is None else v for v in column]  # type: ignore[misc]
    # Without an empty cell, each cell made by a map at C speed.
    if kinds == {int}:
        return list(map(str, column))  # sheet_number of an int
    if kinds <= {int, type(None)}:
        return ["" if v is None else str(v) for v in column]
    if kinds <= {float, type(None)}:  # equal floats, one text (-0.0 and 0.0 both « 0 »)
        said: dict[object, str] = {v: sheet_number(v)  # type: ignore[arg-type]
                                   for v in set(column) if v is not None}
        said[None] = ""
        return list(map(said.__getitem__, column))
    if kinds <= {int, float, type(None)}:
        return ["" if v is None else sheet_number(v) for v in column]  # type: ignore[arg-type]
    if kinds <= {bool, type(None)}:
        return [yes_no(v) for v in column]  # type: ignore[arg-type]
    if kinds <= {list, tuple, type(None)}:
        try:
            return (list(map("|".join, column)) if type(None) not in kinds  # type: ignore[arg-type]
                    else ["" if v is None else "|".join(v) for v in column])  # type: ignore[arg-type]
        except TypeError:  # not only texts: each cell as _csv_plain writes it
            pass
    return [v if v.__class__ is str else "" if v is None else _csv_plain(v)
            for v in column]


def to_csv(rows: Sequence[dict] | Table, columns: Sequence[str] | None = None, *,
           labels: bool = True, refs: Referentials | None = None) -> str:
    """A CSV table for French Excel: ``;``, BOM, decimal comma, oui/non, labels beside codes.

    The text starts with the BOM (U+FEFF), so a file written in UTF-8 opens with
    its accents in Excel; lines end with CRLF. ``labels=False`` leaves the
    columns as given. ``rows`` may be a :class:`Table` (already labelled: ``columns``,
    ``labels`` and ``refs`` are then not read).

    Notes
    -----
    Each column's cells are first made texts at once (:func:`_csv_texts`), and
    searched at once (:func:`_rows_to_quote`), each row joined as it is; only a
    line with a cell to quote, clean or neutralise goes through :func:`_csv_cell`
    and :mod:`csv`'s writer, cell by cell. The same text, several times faster on
    a report's tables.
    """
    table = rows if isinstance(rows, Table) else table_of(rows, columns, labels=labels,
                                                               refs=refs)
    return "".join(_csv_pieces(table))


def csv_bytes(table: Table) -> bytes:
    """:func:`to_csv` of a table in UTF-8, its lines encoded a thousand at a time
    (:func:`spie_graph.files.utf8`): what a report writes, without the text of the whole
    file (tens of megabytes widened to two bytes a character by one « ’ »)."""
    return utf8(_csv_pieces(table))


def _csv_pieces(table: Table) -> list[str]:
    """The texts of :func:`to_csv`, in order: the BOM, then a line and its line break after
    another (a line written by :mod:`csv`'s writer holds its line break)."""
    out = _Lines([BOM])
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.columns)
    if not table.columns:  # rows without a cell: an empty line each, as the writer makes them
        out.append("\r\n" * table.size)
        return out
    texts = [_csv_texts(column) for column in table.values]
    lines = list(map(";".join, zip(*texts, strict=True)))
    # A single column: csv quotes an empty cell, every line goes through the writer.
    quoted = (_rows_to_quote(texts) if len(table.columns) > 1 else range(table.size))
    start = len(out)
    out += chain.from_iterable(zip(lines, repeat("\r\n")))
    if quoted:
        written = _Lines()
        row_writer = csv.writer(written, delimiter=";", lineterminator="\r\n")
        for row in quoted:
            # A cell with nothing to clean or neutralise is its text (what _csv_cell makes
            # of its value), the writer quoting it if need be; the others, _csv_cell's.
            row_writer.writerow([
                text if NOT_XML.search(text) is None and not text.startswith(FORMULA_START)
                else _csv_cell(column[row])
                for text, column in zip([cells[row] for cells in texts], table.values,
                                        strict=True)])
            out[start + 2 * row] = written.pop()
            out[start + 2 * row + 1] = ""
    return out


def _rows_to_quote(texts: list[list[str]]) -> set[int]:
    """The rows with a cell that holds a character XML cannot hold, a quote, a line break
    or a ``;``, or that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
    return): :func:`to_csv` writes them cell by cell.

    A column's cells are searched at once, joined by line feeds: two searches in the
    joined text, whose finds are mapped back to their rows; a column with a line feed
    in a cell is looked at cell by cell. When the text holds no character to clean,
    quote or CR (:func:`~spie_graph.render.xlsx.holds_none`, most columns), its « ; » are
    found by :meth:`str.find` rather than by the regular expression.
    """
    found: set[int] = set()
    for column in texts:
        joined = "\n".join(column)
        if joined.count("\n") != len(column) - 1:  # a cell holds a line feed
            found.update(row for row, text in enumerate(column)
                         if _CSV_CELL_SPECIAL.search(text) is not None or "\n" in text
                         or text.startswith(FORMULA_START))
            continue
        if holds_none(joined, b'"\r'):  # then only a « ; » can be found: looked for alone
            at = []
            semicolon = joined.find(";")
            while semicolon >= 0:
                at.append(semicolon)
                semicolon = joined.find(";", semicolon + 1)
        else:
            at = [m.start() for m in _CSV_CELL_SPECIAL.finditer(joined)]
        at += [m.start() + 1 for m in _CSV_CELL_START.finditer(joined)]
        if joined.startswith(FORMULA_START):
            at.append(0)
        if at:
            starts = list(accumulate([len(text) + 1 for text in column]))
            found.update(bisect_right(starts, position) for position in at)
    return found


class _Lines(list[str]):
    """The texts a :mod:`csv` writer writes, kept in a list (joined once: a
    :class:`io.StringIO` of hundreds of megabytes grows slowly)."""

    write = list.append


def json_encoder(separators: tuple[str, str] = (", ", ": ")) -> Callable[[object], str]:
    """``json.JSONEncoder(ensure_ascii=False, default=str, separators=separators).encode``:
    the same text, for a writer that encodes tens of thousands of rows one by one.

    ``JSONEncoder.encode`` makes a new C encoder at each call (and a closure, a dict):
    about 1 µs a row, as much as encoding a row of a table. Here the C encoder of
    :mod:`json` is made once and called for each value (without the check for circular
    references, which data read from a graph or a table never have: a cycle would end
    in a ``RecursionError``). Without :mod:`json`'s C accelerator, ``encode`` itself.
    """
    item, key = separators
    if _c_make_encoder is None:  # pragma: no cover (CPython always has it)
        return json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False,
                                separators=separators).encode
    made = _c_make_encoder(None, str, _encode_string, None, key, item, False, False, True)

    def encode(value: object) -> str:
        return "".join(made(value, 0))

    return encode


_COMPACT = json_encoder((",", ":"))


def _json(value: object, depth: int) -> str:
    """``value`` as JSON: objects opened down to ``depth`` 1, lists of objects or lists one
    item per line, each item compact (one line: a row of a table)."""
    pad = "  " * depth
    if isinstance(value, dict) and value and depth < 2:
        items = [f"{pad}  {_COMPACT(str(key))}: {_json(item, depth + 1)}"
                 for key, item in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if (isinstance(value, list | tuple) and value and depth < 2
            and any(isinstance(item, dict | list | tuple) for item in value)):
        rows = list(map(_COMPACT, value))  # one join: the brackets go with the first and last
        rows[0] = f"[\n{pad}  {rows[0]}"
        rows[-1] += f"\n{pad}]"
        return f",\n{pad}  ".join(rows)
    return _COMPACT(value)


def model_rows(models: Iterable[BaseModel], exclude: Collection[str] = ()) -> list[dict]:
    """Rows of flat pydantic models (fields of plain values): their fields as they are.

    What ``model_dump`` gives for such models, without copying and re-serialising
    every value (three to five times slower on a national report's 100,000 rows).
    """
    return [{k: v for k, v in model.__dict__.items() if k not in exclude} for model in models]


def models_json(models: Sequence[BaseModel]) -> bytes:
    """A list of pydantic models as :func:`to_json` writes a list of rows, in UTF-8: one
    per line, each serialised by pydantic's own (compiled) JSON writer.

    What ``model_dump_json`` writes, through the model's serializer itself (its
    keyword arguments cost a third of the time on 20,000 duplicate findings), joined
    as bytes: the file's bytes, never decoded (a national report's doublons.json
    holds hundreds of megabytes).
    """
    if not models:
        return b"[]"
    # One join makes the file's bytes: the brackets go with the first and last rows
    # (adding them around the joined rows copied the hundreds of megabytes twice more).
    rows = [model.__pydantic_serializer__.to_json(model) for model in models]
    rows[0] = b"[\n  " + rows[0]
    rows[-1] += b"\n]"
    return b",\n  ".join(rows)


def to_json(data: object) -> str:
    """UTF-8 JSON for machines that people can still read: the top objects indented, each
    row of a list on one line.

    A row is written by the C encoder of :mod:`json` in one call (``indent``
    would take its pure-Python encoder: ten times slower on 20,000 duplicate
    findings, and twice the size).
    """
    return _json(data, 0)


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None,
           data: object = None, headers: Mapping[str, str] | None = None) -> str:
    """Render rows in ``fmt``; JSON renders ``data`` instead when given."""
    if fmt == "json":
        return to_json(rows if data is None else data)
    if fmt == "csv":
        return to_csv(rows, columns).rstrip("\r\n")
    return to_table(rows, columns, headers)


# -- XLSX ---------------------------------------------------------------------------------------

@dataclass
class Sheet:
    """One sheet of a workbook: a title (31 characters at most) and its rows.

    ``rows`` may be a :class:`Table` (labelled once for a CSV file and its sheet:
    ``columns`` is then not read, nor labels added again).
    """

    title: str
    rows: list[dict] | Table
    columns: list[str] | None = None
    titles: dict[str, str] = field(default_factory=dict)


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class SheetXml:
    """A sheet of a workbook already written (:func:`sheet_xml`): its title, its XML (in
    UTF-8) and its filter range. A process that made a table may write its sheet and hand
    over the bytes, which :func:`to_xlsx` puts in the workbook as they are."""

    title: str
    xml: bytes
    filtered: str | None


def sheet_xml(spec: Sheet, *, labels: bool = True,
              refs: Referentials | None = None) -> SheetXml:
    """The sheet :func:`to_xlsx` writes for ``spec``, as text (see there)."""
    table = (spec.rows if isinstance(spec.rows, Table)
             else table_of(spec.rows, spec.columns, labels=labels, refs=refs))
    cols, values, size = table.columns, table.values, table.size
    header = [spec.titles.get(c) or TITLES.get(c) or c for c in cols]
    if not cols:
        header, values, size = ["Résultat"], [["Aucune ligne"]], 1
    elif size > MAX_ROWS - 2:  # a spreadsheet holds no more: the CSV files do
        more = (f"… et {french.plural(size - MAX_ROWS + 2, 'ligne')} de plus "
                "dans le fichier CSV de cette analyse")
        values = [[*values[0][:MAX_ROWS - 2], more],
                  *(column[:MAX_ROWS - 2] for column in values[1:])]
        size = MAX_ROWS - 1
    return SheetXml(spec.title, *xlsx.sheet_xml(header, values, size))


def to_xlsx(sheets: Sequence[Sheet | SheetXml], *, title: str, subject: str | None = None,
            labels: bool = True, refs: Referentials | None = None) -> bytes:
    """A workbook (XLSX bytes) with one sheet per :class:`Sheet` (or :class:`SheetXml`,
    written already), titled in French.

    Column titles come from the sheet's ``titles``, then :data:`TITLES`, then
    the column name; ``labels`` adds a label column beside each code column
    (:func:`with_labels`).
    """
    book = Workbook()
    used: set[str] = set()
    for spec in sheets:
        name = _SHEET_FORBIDDEN.sub(" ", spec.title)[:31] or "Feuille"
        while name in used:
            name = name[:28] + f" {len(used)}"
        used.add(name)
        made = spec if isinstance(spec, SheetXml) else sheet_xml(spec, labels=labels, refs=refs)
        book.add_xml(name, made.xml, made.filtered)
    return book.to_bytes(title, subject)
