"""Readers: CSV as Excel writes it (separators, encodings, BOM, quoting) and YAML."""

import pytest

from spie_graph.sources.readers import normalize_header, read_dataset, read_table

HEADER = "id;nom;famille;commune\n"
ROW = "cd56;Conseil départemental du Morbihan;cd;56260\n"


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"),
                                          ("cp1252", b"")])
@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_csv_variants(tmp_path, encoding, bom, sep):
    path = tmp_path / "acteurs.csv"
    path.write_bytes(bom + (HEADER + ROW).replace(";", sep).encode(encoding))
    table, problems = read_table(path, "acteurs")
    assert problems == []
    assert table.columns == ["id", "nom", "famille", "commune"]
    assert table.rows[0].values["nom"] == "Conseil départemental du Morbihan"
    assert table.rows[0].line == 2


def test_quoted_cells_and_multiline_keep_line_numbers(tmp_path):
    path = tmp_path / "acteurs.csv"
    path.write_text('id;nom;missions\na;"A; B";"ligne 1\nligne 2"\nb;B;x\n', encoding="utf-8")
    table, _ = read_table(path, "acteurs")
    assert table.rows[0].values["nom"] == "A; B"
    assert table.rows[0].values["missions"] == "ligne 1\nligne 2"
    assert [r.line for r in table.rows] == [2, 4]


def test_empty_trailing_rows_are_ignored_and_extra_cells_reported(tmp_path):
    path = tmp_path / "acteurs.csv"
    path.write_text("id;nom\na;A\nb;B;en trop\n;;\n;;\n", encoding="utf-8")
    table, problems = read_table(path, "acteurs")
    assert len(table.rows) == 2
    assert problems[0].line == 3 and "3 valeurs pour 2 colonnes" in problems[0].message


def test_headers_are_normalised():
    assert normalize_header(" Jusqu'à ") == "jusqu_a"
    assert normalize_header("Modes d'accueil") == "modes_d_accueil"
    assert normalize_header("Thématiques") == "thematiques"


def test_yaml_keeps_codes_as_text_and_lines(tmp_path):
    path = tmp_path / "acteurs.yaml"
    path.write_text("- id: a\n  nom: A\n  commune: 01001\n  territoire: [56, '2A']\n"
                    "- id: b\n  nom: B\n", encoding="utf-8")
    table, problems = read_table(path, "acteurs")
    assert problems == []
    assert table.rows[0].values["commune"] == "01001"
    assert table.rows[0].values["territoire"] == ["56", "2A"]
    assert [r.line for r in table.rows] == [1, 5]
    assert table.rows[0].line_of("commune") == 3


def test_yaml_syntax_error_is_located(tmp_path):
    path = tmp_path / "acteurs.yaml"
    path.write_text("- id: a\n  nom: [unclosed\n- id: b\n", encoding="utf-8")
    table, problems = read_table(path, "acteurs")
    assert table is None
    assert problems[0].line is not None and "YAML invalide" in problems[0].message


def test_same_table_twice_is_a_problem(tmp_path):
    (tmp_path / "acteurs.csv").write_text("id;nom;famille\n", encoding="utf-8")
    (tmp_path / "acteurs.yaml").write_text("[]\n", encoding="utf-8")
    raw = read_dataset(tmp_path)
    assert any("plusieurs fichiers" in p.message for p in raw.problems)
