"""Small python-docx helpers shared by the page, the detailed sheets and the diagnostic.

Every document starts from :func:`new_document`: fonts set explicitly (Arial,
which LibreOffice renders with the metric-compatible Liberation Sans; no theme
font left to fall back on Calibri), French language, and core properties of
its own (title, subject, author « spie-graph », created and modified now): no
property of python-docx's template is left behind.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from spie_graph.files import xml_text

__all__ = ["FONT", "new_document", "x", "shade", "cell_margins", "borders", "widths",
           "compact", "add_run", "repeat_header", "cant_split", "page_footer", "to_bytes",
           "landscape", "portrait"]

FONT = "Arial"
INK = RGBColor(0x1D, 0x21, 0x25)
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
MUTED = RGBColor(0x4A, 0x55, 0x63)

def x(text: object) -> str:
    """Text Word accepts: XML-invalid control characters removed."""
    return xml_text(str(text))


def _fonts(rpr, name: str = FONT) -> None:
    """Set every script's font on a run-properties element; drop theme fonts."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "fr-FR")


def new_document(title: str, subject: str, body_pt: float = 8.0) -> DocumentObject:
    """A blank document: Arial everywhere, French, core properties set, nothing inherited."""
    doc = Document()
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _fonts(rpr)
    for style in doc.styles:
        element = getattr(style, "element", None)
        if element is not None and style.type in (1, 2, 3):  # paragraph, character, table
            _fonts(element.get_or_add_rPr())
    for fonts in doc.styles.element.iter(qn("w:rFonts")):  # table styles' conditional parts
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{attr}"), None)
        for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{attr}"), FONT)
    _drop_template_parts(doc)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(body_pt)
    normal.font.color.rgb = INK
    fmt = normal.paragraph_format
    fmt.space_after, fmt.space_before, fmt.line_spacing = Pt(0), Pt(0), 1.0
    for name, size in (("Title", 14), ("Heading 1", 12), ("Heading 2", 10), ("Heading 3", 9)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = ACCENT
        style.paragraph_format.space_before = Pt(0 if name == "Title" else 8)
        style.paragraph_format.space_after = Pt(3)
        style.paragraph_format.keep_with_next = True
    _no_title_border(doc)
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    props = doc.core_properties
    props.title = x(title)
    props.subject = x(subject)
    props.author = "spie-graph"
    props.last_modified_by = "spie-graph"
    props.comments = ""
    props.keywords = "AMI SPIE, cartographie des acteurs"
    props.category = ""
    props.content_status = ""
    props.identifier = ""
    props.version = ""
    props.language = "fr-FR"
    props.revision = 1
    props.created = now
    props.modified = now
    return doc


_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    'docPropsVTypes"><Application>spie-graph</Application><DocSecurity>0</DocSecurity>'
    '<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>'
    '<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>')
_TEMPLATE_RELS = ("/thumbnail", "/customXml", "/stylesWithEffects")


def _drop_template_parts(doc: DocumentObject) -> None:
    """Drop what python-docx's template carries and we do not write: its thumbnail, custom
    XML and Word 2010 styles; replace its application properties (« Microsoft Macintosh
    Word », page and word counts of the template) by ours."""
    for rels in (doc.part.package.rels, doc.part.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype.endswith(_TEMPLATE_RELS):
                rels.pop(rid)
            elif rel.reltype.endswith("/extended-properties"):
                rel.target_part._blob = _APP_XML.encode("utf-8")


def _no_title_border(doc: DocumentObject) -> None:
    """python-docx's Title style draws a blue rule under the title: remove it."""
    ppr = doc.styles["Title"].element.find(qn("w:pPr"))
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def landscape(doc: DocumentObject, margin_x: float, margin_y: float) -> None:
    """The first section in A4 landscape with these margins (cm)."""
    from docx.enum.section import WD_ORIENT

    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(margin_x)
    section.top_margin = section.bottom_margin = Cm(margin_y)
    section.header_distance = section.footer_distance = Cm(0.4)


def portrait(doc: DocumentObject, margin_x: float = 1.6, margin_y: float = 1.4) -> None:
    """The first section in A4 portrait with these margins (cm)."""
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(margin_x)
    section.top_margin = section.bottom_margin = Cm(margin_y)
    section.header_distance = section.footer_distance = Cm(0.7)


def add_run(paragraph, text: str, *, bold: bool = False, italic: bool = False,
            size: float | None = None, color: RGBColor | None = None):
    """A run of text with its formatting (control characters removed)."""
    run = paragraph.add_run(x(text))
    run.bold = bold or None
    run.italic = italic or None
    if size is not None:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return run


def compact(paragraph, size: float | None = None, align=None) -> None:
    """No space around a paragraph, single line spacing; optionally a size and alignment."""
    fmt = paragraph.paragraph_format
    fmt.space_after = fmt.space_before = Pt(0)
    fmt.line_spacing = 1.0
    if align is not None:
        paragraph.alignment = align
    if size is not None:
        for run in paragraph.runs:
            run.font.size = Pt(size)


def shade(cell, fill: str) -> None:
    """Fill a cell with a colour (hex, no #)."""
    props = cell._tc.get_or_add_tcPr()
    for old in props.findall(qn("w:shd")):
        props.remove(old)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    props.append(shading)


def _margins_element(parent, tag: str, top: float, left: float, bottom: float,
                     right: float) -> None:
    for old in parent.findall(qn(tag)):
        parent.remove(old)
    margins = OxmlElement(tag)
    for side, value in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(round(value * 567)))  # twips per cm
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    parent.append(margins)


def cell_margins(table, top: float, left: float, bottom: float, right: float) -> None:
    """Default cell margins of a table, in cm."""
    _margins_element(table._tbl.tblPr, "w:tblCellMar", top, left, bottom, right)


def cell_margin(cell, top: float, left: float, bottom: float, right: float) -> None:
    """Margins of one cell, in cm."""
    _margins_element(cell._tc.get_or_add_tcPr(), "w:tcMar", top, left, bottom, right)


def borders(table, color: str = "9AA5B1", size_eighths: int = 4) -> None:
    """Thin single borders around and inside a table."""
    props = table._tbl.tblPr
    for old in props.findall(qn("w:tblBorders")):
        props.remove(old)
    element = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{side}")
        border.set(qn("w:val"), "single")
        border.set(qn("w:sz"), str(size_eighths))
        border.set(qn("w:space"), "0")
        border.set(qn("w:color"), color)
        element.append(border)
    props.append(element)


def widths(table, widths_cm: list[float]) -> None:
    """Fixed column widths that both Word (cell widths) and LibreOffice (grid) follow."""
    table.autofit = False  # python-docx writes <w:tblLayout w:type="fixed"/>
    total = OxmlElement("w:tblW")
    total.set(qn("w:w"), str(round(sum(widths_cm) * 567)))
    total.set(qn("w:type"), "dxa")
    for old in table._tbl.tblPr.findall(qn("w:tblW")):
        table._tbl.tblPr.remove(old)
    table._tbl.tblPr.append(total)
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        cells = row.cells  # once per row: python-docx walks the row's cells at each access
        for index, width in enumerate(widths_cm):
            cells[index].width = Cm(width)


def repeat_header(row) -> None:
    """Repeat the row at the top of each page."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)
    cant_split(row)


def cant_split(row) -> None:
    """Never split the row across pages."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def vertical_center(cell) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def page_footer(section, text: str, size: float = 7, numbered: bool = True) -> None:
    """A small footer line, with « page n / N » when ``numbered``."""
    para = section.footer.paragraphs[0]
    add_run(para, text, size=size, color=MUTED)
    if not numbered:
        return
    for instr, lead in (("PAGE", " · page "), ("NUMPAGES", " / ")):
        add_run(para, lead, size=size, color=MUTED)
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), instr)
        inner = OxmlElement("w:r")
        props = OxmlElement("w:rPr")
        size_el = OxmlElement("w:sz")
        size_el.set(qn("w:val"), str(round(size * 2)))
        props.append(size_el)
        inner.append(props)
        value = OxmlElement("w:t")
        value.text = "1"
        inner.append(value)
        field.append(inner)
        para._p.append(field)


# Children of table, row and cell properties in the order the OOXML schema requires
# (ECMA-376 §17.4): Word refuses a file whose properties are out of order.
_SCHEMA_ORDER = {
    "tblPr": ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
              "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders",
              "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"),
    "trPr": ("cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit",
             "trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden", "ins", "del",
             "trPrChange"),
    "tcPr": ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap",
             "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers",
             "cellIns", "cellDel", "cellMerge", "tcPrChange"),
}


def schema_order(doc: DocumentObject) -> None:
    """Put the children of every table, row and cell properties in schema order."""
    for name, order in _SCHEMA_ORDER.items():
        rank = {qn(f"w:{tag}"): index for index, tag in enumerate(order)}
        for props in doc.element.body.iter(qn(f"w:{name}")):
            children = list(props)
            children.sort(key=lambda child: rank.get(child.tag, len(rank)))
            for child in children:
                props.append(child)  # re-appending moves it: the sorted order


def to_bytes(doc: DocumentObject) -> bytes:
    """The document's bytes, its properties in schema order."""
    schema_order(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
