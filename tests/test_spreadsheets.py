"""The report's tables open in a spreadsheet: CSV for French Excel, rapport.xlsx, kumu.xlsx.

LibreOffice (headless) opens each file as a French user's spreadsheet does and
saves what it read as XLSX, which the test then reads cell by cell: every CSV
splits into its columns (``;``), keeps its accents (UTF-8, BOM) and its numbers
(decimal comma, French locale); every workbook opens with its sheets, its text
cells as text (``=1+1`` is not computed and shows no apostrophe) and its
numbers as numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from spie_graph.cli import main
from spie_graph.graph.build import build_graph
from spie_graph.render.tables import BOM, csv_bytes, table_of, to_csv
from spie_graph.report.run import run_report
from spie_graph.sources.validation import load_dataset
from tests.clients import CSV_FRENCH, soffice_convert
from tests.data_outputs import ACTEURS, small_dataset

CSV_FILES = ["statistiques.csv", "couverture.csv", "lacunes.csv", "doublons.csv", "reseau.csv",
             "densite_services.csv"]


@pytest.fixture(scope="module")
def report_folder(demo_graph, tmp_path_factory) -> Path:
    return run_report("morbihan", demo_graph, tmp_path_factory.mktemp("rapport"))


@pytest.fixture(scope="module")
def csv_in_libreoffice(report_folder, tmp_path_factory) -> dict[str, list[tuple]]:
    """Each report CSV as LibreOffice reads it with French settings: name → rows of cells."""
    out = tmp_path_factory.mktemp("lo-csv")
    converted = soffice_convert([report_folder / name for name in CSV_FILES], "xlsx", out,
                                infilter=CSV_FRENCH)
    sheets = {}
    for name, path in zip(CSV_FILES, converted, strict=True):
        sheet = load_workbook(path).active
        sheets[name] = [tuple(cell for cell in row) for row in sheet.iter_rows()]
    return sheets


def as_python(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")),
                               delimiter=";"))


@pytest.mark.parametrize("name", CSV_FILES)
def test_report_csv_opens_in_columns_with_accents(name, report_folder, csv_in_libreoffice):
    raw = (report_folder / name).read_bytes()
    assert raw.startswith(BOM.encode("utf-8"))
    rows = csv_in_libreoffice[name]
    expected = as_python(report_folder / name)
    header = [cell.value for cell in rows[0]]
    assert header == list(expected[0]) and len(header) >= 4
    assert header[0] and not header[0].startswith("\ufeff")
    assert len(rows) == len(expected) + 1
    for cells, row in zip(rows[1:], expected, strict=True):
        for cell, (column, text) in zip(cells, row.items(), strict=True):
            if text == "":
                assert cell.value is None, (column, cell.value)
            elif cell.data_type == "n":  # read as a number, with the French decimal comma
                assert float(text.replace(",", ".")) == pytest.approx(cell.value), column
            else:
                assert cell.value == text, (column, cell.value, text)


def test_report_csv_numbers_labels_and_yes_no(csv_in_libreoffice):
    lacunes = csv_in_libreoffice["lacunes.csv"]
    header = [cell.value for cell in lacunes[0]]
    assert header[:4] == ["territoire", "nom_territoire", "thematique", "libelle_thematique"]
    names = {row[1].value for row in lacunes[1:]}
    assert "Hœdic" in names and "Séné" in names
    assert "Logement et hébergement" in {row[3].value for row in lacunes[1:]}
    assert all(row[header.index("population")].data_type == "n" for row in lacunes[1:])
    reseau = csv_in_libreoffice["reseau.csv"]
    header = [cell.value for cell in reseau[0]]
    assert "libelle_famille" in header
    centrality = [row[header.index("centralite_degre")] for row in reseau[1:]]
    assert all(cell.data_type == "n" for cell in centrality)
    assert any(0 < cell.value < 1 for cell in centrality)  # a decimal, read as such
    assert {row[header.index("isole")].value for row in reseau[1:]} <= {"oui", "non"}
    couverture = [cell.value for cell in csv_in_libreoffice["couverture.csv"][0]]
    assert couverture[:3] == ["territoire_analyse", "nom_territoire_analyse", "besoin"]
    assert "zones_du_service" in couverture and "territoire" not in couverture


def test_cli_csv_opens_in_columns(runner, demo_path, tmp_path):
    result = runner.invoke(main, ["duplicates", "--dataset", str(demo_path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "doublons-cli.csv"
    path.write_text(result.stdout, encoding="utf-8")
    (converted,) = soffice_convert([path], "xlsx", tmp_path, infilter=CSV_FRENCH)
    rows = list(load_workbook(converted).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("thematique", "libelle_thematique", "moment", "libelle_moment")
    assert len(rows) > 2 and all(len([c for c in row if c is not None]) > 4 for row in rows[1:])


def test_csv_neutralises_formulas_for_spreadsheets(tmp_path):
    text = to_csv([{"nom": "=1+1", "commune": "-x", "valeur": -2.5, "note": "@SUM(A1)"}])
    path = tmp_path / "formules.csv"
    path.write_text(text, encoding="utf-8")
    (converted,) = soffice_convert([path], "xlsx", tmp_path, infilter=CSV_FRENCH)
    cells = list(load_workbook(converted).active.iter_rows())[1]
    assert [c.data_type for c in cells] == ["s", "s", "n", "s"]
    assert [c.value for c in cells] == ["'=1+1", "'-x", -2.5, "'@SUM(A1)"]


def test_csv_lines_written_whole_are_those_the_csv_writer_writes():
    """to_csv joins a plain line at once: the same text as the csv module cell by cell, for
    every cell that needs quoting, cleaning or neutralising, wherever it is in the line."""
    odd = ["a;b", 'dit "oui"', "deux\nlignes", "retour\r", "=1+1", "+33", "-x", "@SUM(A1)",
           "\tx", "ctrl\x07", "\x01=cmd", "", None, -2.5, 3, 0.5, True, ["=a", "b"],
           ["x;y"], [], "ok", "é « guillemets » à", ("t", "u")]
    rows = [{"a": "début", "b": value, "c": 1} for value in odd]
    rows += [{"a": value, "b": "x", "c": "y"} for value in odd]
    rows += [{"a": "x", "b": "y", "c": value} for value in odd]
    for columns in (["a", "b", "c"], ["b"]):
        assert to_csv(rows, columns, labels=False) == csv_cell_by_cell(rows, columns)


@pytest.mark.parametrize("position", ["a", "b", "c"])
def test_csv_rows_to_quote_are_found_in_each_column_alone(position):
    """to_csv searches each column's cells at once: one odd cell among plain ones (first,
    inside or last of its column; first, inside or last of its line) is found and written
    as the csv module writes it, the other lines as they are."""
    from spie_graph.render.tables import _rows_to_quote

    odd = ["a;b", 'dit "oui"', "deux\nlignes", "retour\r", "=1+1", "+33", "-x", "@SUM(A1)",
           "\tx", "ctrl\x07", "\x01=cmd", "\x85", "\ud800", "\ufffe", "-2,5", -2.5, -3,
           ["=a", "b"], ["x;y"], ["-"], ["a\nb"], "é « guillemets » à"]
    plain = [{"a": f"a{i}", "b": f"b {i}", "c": i} for i in range(4)]
    for value in odd:
        for at in (0, 2, 4):
            rows = [*plain[:at], {**plain[0], position: value}, *plain[at:]]
            columns = ["a", "b", "c"]
            assert to_csv(rows, columns, labels=False) == csv_cell_by_cell(rows, columns)
    assert _rows_to_quote([["x", "y"], ["=", "z"], ["a", "-b"]]) == {0, 1}
    assert _rows_to_quote([["x", "é"], ["y", "z"]]) == set()


def csv_cell_by_cell(rows: list[dict], columns: list[str]) -> str:
    """What to_csv writes, as the csv module writes it cell by cell with _csv_cell: the
    reference of its fast paths."""
    from spie_graph.render.tables import _csv_cell

    expected = io.StringIO()
    writer = csv.writer(expected, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return BOM + expected.getvalue()


# -- workbooks ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workbooks_in_libreoffice(report_folder, tmp_path_factory) -> dict[str, object]:
    """rapport.xlsx and kumu.xlsx opened and saved again by LibreOffice."""
    out = tmp_path_factory.mktemp("lo-xlsx")
    sources = [report_folder / "rapport.xlsx", report_folder / "kumu.xlsx"]
    converted = soffice_convert(sources, "xlsx", out)
    return {p.name: load_workbook(p) for p in converted}


def test_rapport_xlsx_has_a_sheet_per_analysis(report_folder, workbooks_in_libreoffice):
    ours = load_workbook(report_folder / "rapport.xlsx")
    assert ours.sheetnames == ["Chiffres clés", "Couverture", "Lacunes", "Moments sans service",
                               "Services pour 10 000 hab.", "Doublons", "Critères de l'AMI",
                               "Candidats", "Réseau"]
    assert ours.properties.title == "Cartographie des acteurs : morbihan"
    assert ours.properties.creator == "spie-graph" and ours.properties.created is not None
    seen = workbooks_in_libreoffice["rapport.xlsx"]
    assert seen.sheetnames == ours.sheetnames
    for name in ours.sheetnames:
        sheet = ours[name]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref, name
        mine = list(sheet.iter_rows(values_only=True))
        theirs = list(seen[name].iter_rows(values_only=True))
        assert theirs == mine, name
        # Each column has a French title, not a field's code (« explication » was one).
        untitled = [c for c in mine[0] if not (isinstance(c, str) and c[:1].isupper())]
        assert not untitled, (name, untitled)
    lacunes = seen["Lacunes"]
    header = [c.value for c in lacunes[1]]
    assert header[:4] == ["Territoire", "Nom du territoire", "Thématique (code)", "Thématique"]
    assert all(row[header.index("Population")].data_type == "n"
               for row in lacunes.iter_rows(min_row=2))
    widths = [lacunes.column_dimensions[c].width for c in "ABCD"]
    assert all(w and w > 8 for w in widths)
    sheets = [csv for csv in (report_folder / "lacunes.csv",)]
    assert len(as_python(sheets[0])) == lacunes.max_row - 1  # the same rows as lacunes.csv
    # The key figures' sections read as French (accents), as in the stats command.
    sections = {row[1] for row in seen["Chiffres clés"].iter_rows(min_row=2, values_only=True)}
    assert {"Services par catégorie", "Acteurs par famille"} <= sections


def test_workbooks_keep_formula_like_text_as_text(make_dataset, tmp_path):
    acteurs = [dict(ACTEURS[0]), dict(ACTEURS[9])]
    acteurs[0]["nom"] = "=1+1"
    acteurs[1]["nom"] = "Crèche « Élan » @SUM(A1)"
    acteurs.append({"id": "moins", "nom": "-x", "famille": "autre", "commune": "56260"})
    graph = build_graph(load_dataset(make_dataset("formules", acteurs=acteurs)))
    folder = run_report("formules", graph, tmp_path / "rapport")
    out = tmp_path / "lo"
    out.mkdir()
    converted = soffice_convert([folder / "kumu.xlsx", folder / "rapport.xlsx"], "xlsx", out)
    elements = load_workbook(converted[0])["Elements"]
    labels = {row[0].value: row[1] for row in elements.iter_rows(min_row=2)}
    assert labels["Acteur:cd56"].value == "=1+1" and labels["Acteur:cd56"].data_type == "s"
    assert labels["Acteur:moins"].value == "-x"
    assert labels["Acteur:hostile"].value == "Crèche « Élan » @SUM(A1)"
    reseau = load_workbook(converted[1])["Réseau"]
    names = {row[1].value for row in reseau.iter_rows(min_row=2)}
    assert "=1+1" in names and not any(str(n).startswith("'") for n in names)


def test_small_report_csv_in_libreoffice(make_dataset, tmp_path):
    graph = build_graph(load_dataset(small_dataset(make_dataset)))
    folder = run_report("petit", graph, tmp_path / "rapport")
    names = sorted(p.name for p in folder.glob("*.csv"))
    out = tmp_path / "lo"
    out.mkdir()
    for path in soffice_convert([folder / n for n in names], "xlsx", out, infilter=CSV_FRENCH):
        rows = list(load_workbook(path).active.iter_rows(values_only=True))
        assert len(rows[0]) > 3 and all(rows[0]), path.name


def test_codes_keep_their_leading_zero_in_the_workbook(tmp_path):
    """A CSV cell « 01053 » becomes the number 1053 in a spreadsheet (README says so); in
    rapport.xlsx codes are text cells and keep their zero."""
    from spie_graph.render.tables import Sheet, to_xlsx

    path = tmp_path / "codes.xlsx"
    path.write_bytes(to_xlsx([Sheet("Lacunes", [{"territoire": "01053", "population": 41000}])],
                             title="Codes"))
    out = tmp_path / "lo"
    out.mkdir()
    (converted,) = soffice_convert([path], "xlsx", out)
    row = list(load_workbook(converted)["Lacunes"].iter_rows(min_row=2))[0]
    assert (row[0].value, row[0].data_type) == ("01053", "s")
    assert row[1].value == "Bourg-en-Bresse" and row[2].value == 41000


def test_column_letters():
    from openpyxl.utils import get_column_letter

    from spie_graph.render.xlsx import column_letter

    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "ZZ", "AAA"]
    assert [column_letter(i) for i in range(16_384)] == [
        get_column_letter(i + 1) for i in range(16_384)]  # up to XFD, Excel's last column


def test_a_sheet_past_the_spreadsheet_row_limit_says_where_the_rest_is(monkeypatch, tmp_path):
    import importlib

    from openpyxl import load_workbook

    tables = importlib.import_module("spie_graph.render.tables")
    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    path = tmp_path / "t.xlsx"
    path.write_bytes(tables.to_xlsx([tables.Sheet("Doublons", [{"n": i} for i in range(10)])],
                                    title="t"))
    rows = list(load_workbook(path)["Doublons"].iter_rows(values_only=True))
    assert rows[:4] == [("n",), (0,), (1,), (2,)]
    assert rows[4] == ("… et 7 lignes de plus dans le fichier CSV de cette analyse",)


def test_a_cell_keeps_within_excels_32767_characters(tmp_path):
    from openpyxl import load_workbook

    from spie_graph.render.tables import Sheet, to_xlsx
    from spie_graph.render.xlsx import MAX_TEXT

    path = tmp_path / "t.xlsx"
    path.write_bytes(to_xlsx([Sheet("Doublons", [{"territoire": ["56001"] * 8000}])],
                             title="t"))
    value = load_workbook(path)["Doublons"]["A2"].value
    assert len(value) == MAX_TEXT and value.endswith("…") and value.startswith("56001 | 56001")


# -- fast paths against the cell-by-cell writers -------------------------------------------------

ODD = ["a;b", 'dit "oui"', "deux\nlignes", "retour\r", "=1+1", "+33", "-x", "@SUM(A1)", "\tx",
       " espace", "espace ", "\u00a0insécable", "ctrl\x07", "\x01=cmd", "a & b", "<b>", "x > y",
       "", None, "ok", "é « guillemets » à", "long " * 7000, "sans-espace" * 4000]
"""Texts each writer has to quote, clean, escape, neutralise, preserve or cut."""


def _columns_of_one_kind() -> dict[str, list[object]]:
    """Columns of one type each, clean or with one odd cell: what the writers take at once,
    or must not."""
    plain = [f"texte {i}" for i in range(6)]
    columns: dict[str, list[object]] = {
        "textes": plain, "textes_vides": [*plain[:3], None, "", *plain[3:]],
        "entiers": [0, 7, -3, None, 10**12], "decimaux": [0.5, -2.25, 1e-7, 3.0, None],
        "decimaux_speciaux": [float("nan"), float("inf"), -0.0, 2.5],
        "entiers_et_decimaux": [1, 2.5, None, -4], "booleens": [True, False, None, True],
        "listes": [["a", "b"], [], None, ("c",), ["d"]],
        "listes_de_nombres": [[1, 2], ["a"], None],
        "listes_odd": [["a", "<b>"], [" x"]], "melange": ["a", 1, 2.5, True, None, ["b"]],
        # without an empty cell (written by a map)
        "entiers_pleins": [0, 7, -3, 10**12], "decimaux_pleins": [0.5, -2.25, 1e-7, -0.0, 0.0],
        "listes_pleines": [["a", "b"], [], ("c",)],
        # every cell empty (nothing in the rows' template)
        "vides": [None, None, None], "textes_vides_seuls": ["", None, ""],
        "listes_vides": [[], [], ()],
    }
    columns.update({f"odd_{i}": [*plain, odd, *plain] for i, odd in enumerate(ODD)})
    return columns


def test_sheet_columns_written_at_once_are_those_written_cell_by_cell(monkeypatch):
    """Workbook.add_columns writes a column of one usual type in one go: the same XML as
    xlsx._cell writes cell by cell, for every column of tests' odd values."""
    from spie_graph.render import xlsx

    columns = list(_columns_of_one_kind().values())
    size = max(map(len, columns))
    header = [f"c{i}" for i in range(len(columns))]

    def sheet() -> str:
        book = xlsx.Workbook()
        book.add_columns("Feuille", header, columns, size)
        for column in columns:  # alone, each fills its sheet (every cell written)
            book.add_columns("Colonne", ["c"], [column], len(column))
        book.add_sheet("Lignes", header[:3], [[1, "a"], ["b", None, 2.5, "de trop"], []])
        return b"".join(xml for _, xml, _ in book._sheets).decode()  # type: ignore[misc]

    fast = sheet()
    monkeypatch.setattr(xlsx, "_column_cells", xlsx._cells_one_by_one)
    assert fast == sheet()
    assert "t=\"inlineStr\"><is><t xml:space=\"preserve\"> espace</t>" in fast
    assert "<t>a &amp; b</t>" in fast and "texte 0" in fast


def test_csv_columns_of_one_kind_are_those_the_csv_writer_writes():
    """to_csv makes a column of one type texts at once: the same file as the csv module
    writes cell by cell with _csv_cell."""
    columns = _columns_of_one_kind()
    size = max(map(len, columns.values()))
    rows = [{name: values[i] if i < len(values) else None for name, values in columns.items()}
            for i in range(size)]
    for names in (list(columns), ["decimaux"], ["odd_0", "listes"]):
        expected = csv_cell_by_cell(rows, names)
        assert to_csv(rows, names, labels=False) == expected
        # the report's files: the same text in UTF-8, encoded a thousand lines at a time
        table = table_of(rows * 300, names, labels=False)
        assert csv_bytes(table) == csv_cell_by_cell(rows * 300, names).encode("utf-8")


def test_a_table_is_labelled_as_with_labels_labels_rows(demo_graph):
    """table_of labels each column once: the columns and cells of with_labels' rows."""
    from spie_graph.analyses.findings import compute_findings
    from spie_graph.render.tables import model_rows, table_of, with_labels

    found = compute_findings(demo_graph, "56")
    tables = [model_rows(found.duplicates or [], exclude={"recouvrements"}),
              [r.model_dump() for r in found.gaps.lignes] if found.gaps else [],
              [{"territoire": ["56", "nulle-part"], "famille": None, "moment": ""},
               {"territoire": "56", "thematiques": [["pas", "un code"]], "public": 3},
               {"zones_du_service": ("56031",), "libelle_famille": "déjà là", "famille": "x"}],
              [{"publics": [], "moment": "accueil"}, {"publics": ["jeunes"], "moment": None},
               {"publics": None, "moment": ""}, {"publics": ["jeunes", "x"], "moment": "x"}]]
    assert all(tables)
    for rows in tables:
        labelled, columns = with_labels(rows)
        table = table_of(rows)
        assert table.columns == columns and table.size == len(rows)
        assert table.values == [[row.get(c) for row in labelled] for c in columns]


def _zipfile_package(members, stamp) -> bytes:
    """What zipfile writes for members (level 1, as Workbook wrote its packages)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content, compresslevel=1)
    return out.getvalue()


def test_workbook_packages_are_those_zipfile_writes(monkeypatch):
    """xlsx.package writes the ZIP container itself, to deflate with ISA-L: with zlib's
    compressor it is zipfile's package byte for byte (headers, central directory, end
    record); with ISA-L's, zipfile reads every member back, CRC checked; past the size
    zipfile writes with its 64-bit extensions, zipfile writes it."""
    import random
    import zipfile
    import zlib

    from spie_graph.render import xlsx

    noise = random.Random(7)
    members = [
        ("[Content_Types].xml", '<?xml version="1.0"?><Types/>'),
        ("vide.xml", ""), ("rien", b""),
        ("xl/worksheets/sheet1.xml", "<t>Crèche « Élan » \u2028 \U0001f600 &amp;</t>" * 5000),
        ("octets.bin", bytes(noise.randrange(256) for _ in range(300_000))),
        ("xl/worksheets/sheet2.xml", "".join(noise.choice("abc<>é ") for _ in range(200_000))),
    ]
    stamp = (2026, 12, 1, 18, 33, 58)  # ZIP's times count in 2 seconds

    def zlib_deflate():
        return zlib.compressobj(1, zlib.DEFLATED, -15)

    expected = _zipfile_package(members, stamp)
    assert xlsx.package(members, zlib_deflate, stamp) == expected
    fast = xlsx.package(members, when=stamp)
    with zipfile.ZipFile(io.BytesIO(fast)) as archive:
        assert archive.testzip() is None
        assert [(i.filename, i.date_time, archive.read(i)) for i in archive.infolist()] == [
            (name, stamp, content.encode() if isinstance(content, str) else content)
            for name, content in members]
    monkeypatch.setattr(xlsx, "_ZIP64_LIMIT", 100_000)
    assert xlsx.package(members, when=stamp) == expected
    assert xlsx.package(members[:3], zlib_deflate, stamp) == _zipfile_package(members[:3],
                                                                              stamp)


@pytest.mark.parametrize("also", [b"", b"&<>\r", b'";\r', b'&<>"\n\r\t', b"\n"])
def test_holds_none_answers_as_the_regular_expression(also):
    """xlsx.holds_none reads encoded bytes instead of running a regular expression: the same
    answer on texts of every kind (ASCII, Latin-1, two- and four-byte characters) holding
    each character XML cannot hold, its neighbours that it can, and the ASCII ones asked."""
    import random
    import re

    from spie_graph.files import NOT_XML_CHARS
    from spie_graph.render.xlsx import holds_none

    pattern = re.compile(f"[{NOT_XML_CHARS}{re.escape(also.decode())}]")
    odd = [*map(chr, [*range(0x00, 0x21), *range(0x7E, 0xA1)]), "\xab", "\xbb", "é", "’",
           "\u202f", "\ud7ff", "\ud800", "\udbff", "\udc00", "\udfff", "\ue000", "\ufffd",
           "\ufffe", "\uffff", "\U00010000", "\U0010ffff", "&", "<", ">", '"', ";", "|"]
    bases = ["texte simple", "é à « ’ »", "ascii ; et |", "\U0001f600 emoji", ""]
    draw = random.Random(15)
    for base in bases:
        assert holds_none(base, also) is (pattern.search(base) is None), (base, also)
        for char in odd:
            for text in (char, base + char, char + base, base[:3] + char + base[3:]):
                assert holds_none(text, also) is (pattern.search(text) is None), (text, also)
    for _ in range(2000):
        text = "".join(draw.choice([*odd, "a", "é", " "]) for _ in range(draw.randrange(1, 6)))
        assert holds_none(text, also) is (pattern.search(text) is None), (text, also)


def test_holds_none_knows_what_each_xml_search_finds():
    """XML_TEXT_ALSO and XML_ATTRIBUTE_ALSO with holds_none find, on every code point, what
    the writers' regular expressions XML_TEXT_SPECIAL and XML_ATTRIBUTE_SPECIAL find."""
    from spie_graph.files import XML_ATTRIBUTE_SPECIAL, XML_TEXT_SPECIAL
    from spie_graph.render.xlsx import XML_ATTRIBUTE_ALSO, XML_TEXT_ALSO, holds_none

    for pattern, also in ((XML_TEXT_SPECIAL, XML_TEXT_ALSO),
                          (XML_ATTRIBUTE_SPECIAL, XML_ATTRIBUTE_ALSO)):
        found = [code for code in range(0x110000) if pattern.search(chr(code)) is not None]
        assert [code for code in range(0x110000) if not holds_none(chr(code), also)] == found
