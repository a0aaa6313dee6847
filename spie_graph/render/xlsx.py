"""Workbooks (XLSX) for the report's tables, written as a stream of text.

:class:`Workbook` writes what the project's workbooks need and nothing more:
sheets of rows under a bold header, the header frozen, filters on, column
widths fitted to the content, numbers as numbers, every text as an *inline
string* (``t="inlineStr"``: a text starting with ``=`` is shown, never run as
a formula; a code ``01053`` keeps its leading zero), and the document's
properties (title, subject, creator « spie-graph », dates, language).

Why not openpyxl: it builds a cell object per value (about 5 µs each, even in
its write-only mode); a report at 100,000 actors writes millions of cells.
Here a cell is one formatted string: 5 to 10 times faster, for the same file
as LibreOffice and Excel read it (tests/test_spreadsheets.py opens them in
LibreOffice). Office Open XML, ECMA-376 part 1: §18.3 (worksheet), §18.2
(workbook), §18.8 (styles); part 2 (packaging, core properties).
"""

from __future__ import annotations

import io
import math
import operator
import re
import struct
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import chain, zip_longest
from typing import Any

from isal import isal_zlib

from spie_graph.files import (
    NOT_XML,
    XML_ATTRIBUTE_ESCAPES,
    XML_ATTRIBUTE_MARKUP,
    XML_TEXT_ESCAPES,
    XML_TEXT_MARKUP,
    XML_TEXT_SPECIAL,
    utf8,
    xml_text,
)
from spie_graph.french import yes_no

__all__ = ["MAX_ROWS", "MAX_TEXT", "XML_ATTRIBUTE_ALSO", "XML_TEXT_ALSO", "Workbook",
           "column_letter", "holds_none", "package", "sheet_xml"]

# NOT_XML_CHARS (spie_graph.files) as bytes: its ASCII characters, to delete, and its
# characters past ASCII but for the surrogates, which UTF-8 cannot encode: the C1 controls
# but U+0085, U+FFFE and U+FFFF.
_NOT_XML_ASCII = bytes(code for code in range(0x80) if NOT_XML.match(chr(code)))
_NOT_XML_WIDE = re.compile(rb"\xc2[\x80-\x84\x86-\x9f]|\xef\xbf[\xbe\xbf]")
XML_TEXT_ALSO = XML_TEXT_MARKUP.encode("ascii")
"""What :data:`~spie_graph.files.XML_TEXT_SPECIAL` finds besides NOT_XML_CHARS, for
:func:`holds_none`."""
XML_ATTRIBUTE_ALSO = XML_ATTRIBUTE_MARKUP.encode("ascii")
"""What :data:`~spie_graph.files.XML_ATTRIBUTE_SPECIAL` finds besides NOT_XML_CHARS."""


def holds_none(text: str, also: bytes = b"") -> bool:
    """Whether ``text`` holds no character of :data:`~spie_graph.files.NOT_XML_CHARS` nor of
    ``also`` (ASCII characters): ``re.search(f"[{NOT_XML_CHARS}{also}]", text) is None``.

    The writers ask it of a column's texts joined, megabytes that hold none most often:
    a regular expression reads them at about 5 ns a character, this in a few tenths
    (the text encoded, then ``bytes.translate`` deleting the characters looked for, and
    the length compared; past ASCII, a search for the C1 controls and U+FFFE/U+FFFF
    only when their first byte is there; a surrogate does not encode).
    """
    if text.isascii():
        data = text.encode("ascii")
    else:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a surrogate
            return False
        if ((b"\xc2" in data or b"\xef\xbf" in data)
                and _NOT_XML_WIDE.search(data) is not None):
            return False
    return len(data.translate(None, _NOT_XML_ASCII + also)) == len(data)


MAX_ROWS = 1_048_576
"""Rows of a sheet in Excel and LibreOffice, the header included."""

MAX_TEXT = 32_767
"""Characters of a cell in Excel (a longer one makes Excel « repair » the file): longer
texts are cut, ending with « … » (the CSV files keep them whole)."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="2">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_BOLD = 1
"""Index of the bold cell format in :data:`_STYLES`."""


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``: 0-based, the letters of openpyxl's
    ``get_column_letter`` (the tests compare them over every column Excel has), written
    here so that a report on CSV files does not import openpyxl (0.1 s) for them."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    return value.translate(XML_TEXT_ESCAPES)


def _string_cell(ref: str, value: str, style: str = "") -> str:
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'


def _cell(ref: str, value: object) -> tuple[str, int]:
    """A cell's XML (``""`` for an empty cell) and its width: the reference every cell
    of a sheet is written as (:meth:`Workbook.add_columns`)."""
    kind = value.__class__
    text: str
    if kind is str:
        text = value  # type: ignore[assignment]
    elif value is None:
        return "", 0
    elif kind is list or kind is tuple:
        try:
            text = " | ".join(value)  # type: ignore[arg-type]  # codes, at C speed
        except TypeError:
            text = " | ".join(str(v) for v in value)  # type: ignore[attr-defined]
    elif isinstance(value, bool):
        text = yes_no(value)
    elif isinstance(value, int | float):
        if not math.isfinite(value):
            return "", 0
        text = repr(int(value) if isinstance(value, int) else float(value))
        return f'<c r="{ref}"><v>{text}</v></c>', len(text)
    elif isinstance(value, str):
        text = str.__str__(value)  # an enumeration's value, as before
    elif isinstance(value, list | tuple):
        text = " | ".join(str(v) for v in value)
    else:
        text = str(value)
    if not text:
        return "", 0  # an empty cell, as spreadsheets keep it
    marked = XML_TEXT_SPECIAL.search(text) is not None
    if marked:
        text = xml_text(text)
        if not text:
            return "", 0
    size = len(text)
    if size > MAX_TEXT:
        text = text[:MAX_TEXT - 1] + "…"
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    if marked:
        text = text.translate(XML_TEXT_ESCAPES)
    return (f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>', min(size, 80))




Column = tuple[str, list[list[str]], int]
"""A column as :func:`sheet_xml` writes it in its rows: its piece of the rows' template
(a ``%s`` for each text it takes), the lists of those texts (one per ``%s``, a text per
row) and its width. A column whose every cell is written takes its rows' numbers and
values (``<c r="B%s"><v>%s</v></c>``); any other, its cells made whole (``%s``, ``""`` for
an empty cell)."""


def _column_cells(letter: str, column: list[object], numbers: list[str]) -> Column:
    """A column's cells (``numbers``: the rows' numbers), each cell what :func:`_cell`
    writes: a column of one usual type at once, any other cell by cell
    (:func:`_cells_one_by_one`)."""
    types = set(map(type, column))
    kinds = types - {type(None)}
    if kinds and kinds <= {list, tuple}:
        try:  # lists of texts joined at C speed (one by one around empty cells)
            column = (list(map(" | ".join, column)) if kinds == types  # type: ignore[arg-type]
                      else [None if v is None else " | ".join(v)  # type: ignore[arg-type]
                            for v in column])
            kinds = {str}
        except TypeError:
            kinds = {object}
    elif kinds == {bool}:
        column, kinds = [None if v is None else yes_no(bool(v)) for v in column], {str}
    if kinds <= {str}:
        # At once when no text holds a character to clean or escape (searched in the texts
        # joined by a line break, which XML_TEXT_SPECIAL does not look for), none starts or
        # ends with a space (str.strip gives the text itself back), none is too long.
        texts: list[str] = list(filter(None, column))  # type: ignore[arg-type]  # no None, no ""
        if not texts:  # every cell empty: nothing in the rows' template
            return "", [], 0
        longest = max(map(len, texts), default=0)
        if (longest <= MAX_TEXT and all(map(operator.is_, texts, map(str.strip, texts)))
                and holds_none("\n".join(texts), XML_TEXT_ALSO)):
            if len(texts) == len(column) == len(numbers):  # every cell written
                return (f'<c r="{letter}%s" t="inlineStr"><is><t>%s</t></is></c>',
                        [numbers, texts], min(longest, 80))
            return ("%s", [[f'<c r="{letter}{n}" t="inlineStr"><is><t>{v}</t></is></c>'
                            if v else "" for v, n in zip(column, numbers, strict=False)]],
                    min(longest, 80))
    elif kinds <= {int, float}:
        # repr(int(v)) and repr(float(v)) of _cell (the types are exact); NaN and infinities
        # empty
        shown = (list(map(repr, column)) if kinds == types and (  # no empty cell, all finite
                    kinds == {int} or all(map(math.isfinite, column)))  # type: ignore[arg-type]
                 else [None if v is None or not math.isfinite(v)  # type: ignore[arg-type]
                       else repr(v) for v in column])
        width = max((len(v) for v in shown if v is not None), default=0)
        if kinds == types and len(shown) == len(numbers) and None not in shown:
            return f'<c r="{letter}%s"><v>%s</v></c>', [numbers, shown], width  # type: ignore[list-item]
        cells = [f'<c r="{letter}{n}"><v>{v}</v></c>' if v is not None else ""
                 for v, n in zip(shown, numbers, strict=False)]
        return "%s", [cells], width
    return _cells_one_by_one(letter, column, numbers)


def _cells_one_by_one(letter: str, column: list[object], numbers: list[str]) -> Column:
    """:func:`_column_cells` for any column: :func:`_cell` for each cell."""
    made = [_cell(f"{letter}{n}", v) for v, n in zip(column, numbers, strict=False)]
    return "%s", [[cell for cell, _ in made]], max((width for _, width in made), default=0)


class Workbook:
    """A workbook being written: :meth:`add_sheet` for each sheet, then :meth:`to_bytes`.

    Values are typed by :meth:`add_sheet`.
    """

    def __init__(self) -> None:
        self._sheets: list[tuple[str, str | bytes, str | None]] = []  # name, XML, filter

    def add_sheet(self, name: str, header: Sequence[str],
                  rows: Iterable[Sequence[object]]) -> None:
        """A sheet: bold frozen header, filters, widths from the content (8 to 60).

        Values: ``None`` or ``""`` (an empty cell), ``int`` and ``float`` (numbers;
        NaN and infinities empty), ``bool`` (« oui »/« non »), lists (joined with
        `` | ``), anything else as text, cleaned of what XML cannot hold
        (:func:`spie_graph.files.xml_text`). A row may be shorter than the others.
        """
        rows = list(rows)
        self.add_columns(name, header, [list(c) for c in zip_longest(*rows)], len(rows))

    def add_columns(self, name: str, header: Sequence[str], columns: Sequence[list[object]],
                    size: int) -> None:
        """The sheet of :meth:`add_sheet` from its columns of values (``size`` rows; a
        column may be shorter: its missing cells are empty)."""
        self.add_xml(name, *sheet_xml(header, columns, size))

    def add_xml(self, name: str, xml: str | bytes, filtered: str | None) -> None:
        """A sheet already written by :func:`sheet_xml` (its XML, in UTF-8 when bytes, and
        its filter range)."""
        self._sheets.append((name, xml, filtered))

    def to_bytes(self, title: str, subject: str | None = None) -> bytes:
        """The XLSX file, with its properties."""
        sheets = self._sheets or [("Feuille", _empty_sheet(), None)]
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        members: list[tuple[str, str | bytes]] = [
            ("[Content_Types].xml", _content_types(len(sheets))),
            ("_rels/.rels", _relationships(
                _PACKAGE_REL, [(f"{_REL}/officeDocument", "xl/workbook.xml"),
                               (f"{_PACKAGE_REL}/metadata/core-properties",
                                "docProps/core.xml"),
                               (f"{_REL}/extended-properties", "docProps/app.xml")])),
            ("docProps/core.xml", _core(title, subject, now)),
            ("docProps/app.xml", _app()),
            ("xl/workbook.xml", _workbook(sheets)),
            ("xl/_rels/workbook.xml.rels", _relationships(
                _PACKAGE_REL,
                [*((f"{_REL}/worksheet", f"worksheets/sheet{i}.xml")
                   for i in range(1, len(sheets) + 1)),
                 (f"{_REL}/styles", "styles.xml")])),
            ("xl/styles.xml", _STYLES),
            *((f"xl/worksheets/sheet{index}.xml", xml)
              for index, (_, xml, _) in enumerate(sheets, start=1))]
        return package(members)


def package(members: Sequence[tuple[str, str | bytes]], deflate: Callable[[], Any] | None = None,
            when: tuple[int, int, int, int, int, int] | None = None) -> bytes:
    """A ZIP package (ECMA-376 part 2, the container of XLSX files) of ``members``
    (name, content; texts in UTF-8), each deflated, dated ``when`` (local time, now by
    default).

    ``deflate``: a raw deflate compressor's factory, by default ISA-L's at its level 1
    (:mod:`isal.isal_zlib`): four times as fast as zlib's level 1, for a file a little
    smaller (a département's rapport.xlsx: 62 MB of XML in 0.04 s instead of 0.16 s,
    7.8 MB instead of 8.0 MB). The package is the one :mod:`zipfile` writes, byte for byte,
    given the same compressor: same headers and central directory (ASCII names,
    permissions 0600, no data descriptor). Past what a ZIP without its 64-bit extensions
    holds (2 GB, as :mod:`zipfile` counts), :mod:`zipfile` itself writes the package,
    with zlib.
    """
    if deflate is None:
        deflate = _isal_deflate
    stamp = when or time.localtime()[:6]
    dostime = stamp[3] << 11 | stamp[4] << 5 | stamp[5] // 2
    dosdate = (stamp[0] - 1980) << 9 | stamp[1] << 5 | stamp[2]
    parts: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for name, content in members:
        data = content.encode("utf-8") if isinstance(content, str) else content
        encoded = name.encode("ascii")
        if len(data) * 1.05 > _ZIP64_LIMIT:
            return _zipfile_package(members, stamp)
        packer = deflate()
        packed = packer.compress(data) + packer.flush()
        crc = isal_zlib.crc32(data)  # zlib's CRC-32, four times as fast
        fields = (20, 0, 0, 8, dostime, dosdate, crc, len(packed), len(data), len(encoded))
        parts += [struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", *fields, 0), encoded, packed]
        directory.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, *fields,
                                     0, 0, 0, 0, 0o600 << 16, offset) + encoded)
        offset += 30 + len(encoded) + len(packed)
        if offset > _ZIP64_LIMIT:
            return _zipfile_package(members, stamp)
    size = sum(map(len, directory))
    parts += directory
    parts.append(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(directory),
                             len(directory), size, offset, 0))
    return b"".join(parts)


_ZIP64_LIMIT = (1 << 31) - 1
"""Past this size (of a member, of the members before the directory), :mod:`zipfile`
writes its 64-bit extensions."""


def _isal_deflate() -> Any:
    return isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)


def _zipfile_package(members: Sequence[tuple[str, str | bytes]],
                     stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """:func:`package` by :mod:`zipfile` (zlib level 1), for packages of gigabytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, content, compresslevel=1)
    return out.getvalue()


def sheet_xml(header: Sequence[str], columns: Sequence[list[object]],
              size: int) -> tuple[bytes, str | None]:
    """A sheet's XML (in UTF-8) and its filter range (None without a header): bold frozen header,
    filters, widths from the content (8 to 60); ``columns`` of values, ``size`` rows (a
    column may be shorter: its missing cells are empty). Values as :meth:`Workbook.add_sheet`
    takes them.

    Notes
    -----
    Each column is written at once when its values are of one usual type and its
    texts hold nothing to clean, escape or cut (:func:`_column_cells`), else
    cell by cell (:func:`_cell`): the same XML as :func:`_cell` for every cell.
    The rows are encoded a thousand at a time (:func:`spie_graph.files.utf8`): the XML goes
    to the package, or to the process writing it, as these bytes (a text would be
    encoded to be sent, decoded, and encoded again).
    """
    count = max(len(header), len(columns))
    letters = [column_letter(i) for i in range(count)]
    widths = [len(str(h)) for h in header] + [0] * (count - len(header))
    numbers = [str(n) for n in range(2, size + 2)]
    # Each row is its template filled in at C speed: one formatting a row, not a text a cell.
    pieces: list[str] = []
    texts: list[list[str]] = [numbers]
    for index, column in enumerate(columns):
        piece, taken, width = _column_cells(letters[index], column, numbers)
        widths[index] = max(widths[index], width)
        pieces.append(piece)
        texts += [found if len(found) == size else [*found, *[""] * (size - len(found))]
                  for found in taken]  # a shorter column's missing cells are empty
    template = '<row r="%s">' + "".join(pieces) + "</row>"
    last = f"{letters[-1]}{size + 1}" if letters else "A1"
    parts = [_HEAD, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">',
             f'<dimension ref="A1:{last}"/>' if letters else '<dimension ref="A1"/>',
             '<sheetViews><sheetView workbookViewId="0">'
             '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
             '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
             '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>']
    if letters:
        parts.append("<cols>" + "".join(
            f'<col min="{i}" max="{i}" width="{min(max(w, 8) + 2, 60)}" customWidth="1"/>'
            for i, w in enumerate(widths, start=1)) + "</cols>")
    parts.append("<sheetData>")
    if header:
        parts.append('<row r="1">' + "".join(
            _string_cell(f"{letters[i]}1", xml_text(str(h)), f' s="{_BOLD}"')
            for i, h in enumerate(header)) + "</row>")
    filtered = f"A1:{last}" if header else None
    tail = ["</sheetData>", f'<autoFilter ref="{filtered}"/>' if filtered else "", "</worksheet>"]
    # The rows made as files.utf8 encodes them, a piece at a time: the rows of a large
    # sheet are never all held as texts (tens of megabytes of memory the system would
    # hand over again, page by page).
    rows = (template % row for row in zip(*texts, strict=True))
    return utf8(chain(parts, rows, tail)), filtered


def _empty_sheet() -> str:
    return (_HEAD + f'<worksheet xmlns="{_MAIN}"><dimension ref="A1"/><sheetData/>'
            "</worksheet>")


def _relationships(namespace: str, targets: Iterable[tuple[str, str]]) -> str:
    return (_HEAD + f'<Relationships xmlns="{namespace}">' + "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, start=1)) + "</Relationships>")


def _content_types(count: int) -> str:
    kind = "application/vnd.openxmlformats-officedocument"
    return (_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" '
            f'ContentType="{kind}.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      f'ContentType="{kind}.spreadsheetml.worksheet+xml"/>'
                      for i in range(1, count + 1))
            + f'<Override PartName="/xl/styles.xml" ContentType="{kind}.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/app.xml" '
            f'ContentType="{kind}.extended-properties+xml"/></Types>')


def _core(title: str, subject: str | None, now: str) -> str:
    return (_HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_text(title)}</dc:title>"
            + (f"<dc:subject>{_text(subject)}</dc:subject>" if subject else "")
            + "<dc:creator>spie-graph</dc:creator><cp:lastModifiedBy>spie-graph"
            "</cp:lastModifiedBy><dc:language>fr-FR</dc:language>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
            "</cp:coreProperties>")


def _app() -> str:
    return (_HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>spie-graph</Application></Properties>')


def _workbook(sheets: list[tuple[str, str | bytes, str | None]]) -> str:
    names = "".join(f'<sheet name="{name.translate(XML_ATTRIBUTE_ESCAPES)}" sheetId="{i}" '
                    f'r:id="rId{i}"/>' for i, (name, _, _) in enumerate(sheets, start=1))
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{_text(_quoted(name))}!{_absolute(ref)}</definedName>"
        for i, (name, _, ref) in enumerate(sheets) if ref)
    return (_HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{names}</sheets>"
            + (f"<definedNames>{filters}</definedNames>" if filters else "") + "</workbook>")


def _quoted(name: str) -> str:
    """A sheet's name in a formula: ``'Lacunes'``, quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """``A1:D10`` → ``$A$1:$D$10``."""
    def fixed(cell: str) -> str:
        letters = cell.rstrip("0123456789")
        return f"${letters}${cell[len(letters):]}"

    return ":".join(fixed(part) for part in ref.split(":"))
