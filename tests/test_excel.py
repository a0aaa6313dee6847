"""The Excel template, and a data set given as one .xlsx workbook."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from spie_graph import api
from spie_graph.cli import main
from spie_graph.errors import ArgumentError, DatasetError
from spie_graph.reference.referentials import referentials
from spie_graph.sources.readers import cell_text, read_dataset
from spie_graph.sources.template import CODES_SHEET, INLINE_LIMIT, SHEETS, write_template
from spie_graph.sources.validation import COLUMNS, load_dataset

ACTEURS = [
    ["cd01", "Conseil départemental de l'Ain", "cd", None, "22010001300012", "01053"],
    ["ml01", "Mission locale Jeunes Bresse Dombes", "mission-locale", "mission-locale", None,
     "01053"],
]
SERVICES = [
    ["s1", "cd01", "Accompagnement RSA", "trouver-un-emploi|mobilite",
     "beneficiaires-des-minimas-sociaux", None, "01", "en-presentiel"],
    ["s2", "ml01", "Garantie jeunes", "trouver-un-emploi", "jeunes"],
]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("modele") / "modele.xlsx")


def filled(template: Path, folder: Path, acteurs=ACTEURS, services=SERVICES,
           edit=None) -> Path:
    """A copy of the template with rows typed in, as a user would."""
    wb = openpyxl.load_workbook(template)
    for row in acteurs:
        wb["acteurs"].append(row)
    for row in services:
        wb["services"].append(row)
    if edit is not None:
        edit(wb)
    path = folder / "territoire.xlsx"
    wb.save(path)
    return path


def problems_of(path: Path) -> set[tuple[str, int | None, str | None]]:
    dataset, problems = api.validate(path)
    assert dataset is None
    return {(p.file, p.line, p.field) for p in problems}


# -- the template ----------------------------------------------------------------
def test_template_sheets_and_headers(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == ["acteurs", "services", "interactions", "consortium", CODES_SHEET]
    for name in ("acteurs", "services", "interactions"):
        headers = [c.value for c in wb[name][1]]
        assert headers == list(COLUMNS[name]), name
        assert all(c.comment for c in wb[name][1]), f"{name}: every header explains itself"
    consortium = wb["consortium"]
    assert [consortium.cell(r, 1).value for r in range(1, 6)] == \
        ["nom", "porteur", "accord_cd", "territoire", "publics"]
    assert [c.value for c in consortium[7]] == ["acteur", "role", "lettre_engagement"]


def _validations(ws) -> dict[str, object]:
    """Data validations of a sheet, by the column (letter) of their first cell."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        first = str(dv.sqref).split()[0].split(":")[0]
        found[re.sub(r"\d", "", first)] = dv
    return found


def _range_values(wb, formula: str) -> list[str]:
    sheet, cells = formula.split("!")
    ws = wb[sheet.strip("'")]
    return [row[0].value for row in ws[cells.replace("$", "")]]


def test_every_coded_column_has_a_drop_down_fed_from_the_referentials(template):
    wb = openpyxl.load_workbook(template)
    refs = referentials()
    expected = {"famille": refs.familles, "reseau_porteur": refs.reseaux_porteurs,
                "thematiques": refs.thematiques, "publics": refs.publics,
                "moments": refs.moments, "type": refs.interactions,
                "modes_accueil": refs.modes_accueil}
    seen = set()
    for name, columns in SHEETS.items():
        validations = _validations(wb[name])
        for position, column in enumerate(columns, start=1):
            letter = openpyxl.utils.get_column_letter(position)
            if column.codes is None or column.codes in ("commune", "territoire"):
                # Territory lists come with --departement (see the test below).
                assert letter not in validations, (name, column.name)
                continue
            dv = validations[(letter)]
            assert dv.type == "list"
            formula = dv.formula1
            if column.name in expected:
                codes = list(expected[column.name])
                if formula.startswith('"'):
                    assert len(formula) - 2 <= INLINE_LIMIT
                    assert formula.strip('"').split(",") == codes
                else:
                    # Lists longer than 255 characters: a range of the codes sheet.
                    assert len(",".join(codes)) > INLINE_LIMIT
                    assert _range_values(wb, formula) == codes
                seen.add(column.name)
            if column.multi:
                # "a|b" cannot match a list: propose codes, accept any text, say so.
                assert dv.showErrorMessage is False
                assert "|" in wb[name].cell(1, position).comment.text
                assert "ne peut pas vérifier" in wb[name].cell(1, position).comment.text
            else:
                assert dv.showErrorMessage is True
    assert seen == set(expected)
    codes = wb[CODES_SHEET]
    assert codes["A1"].value == "famille" and codes["A2"].value == next(iter(refs.familles))
    assert codes["B2"].value == next(iter(refs.familles.values())).libelle


def test_template_refuses_to_overwrite_a_workbook(tmp_path):
    path = write_template(tmp_path / "modele.xlsx")
    path.write_bytes(b"rempli")
    with pytest.raises(ArgumentError, match="existe déjà"):
        write_template(path)
    assert path.read_bytes() == b"rempli"
    write_template(path, overwrite=True)
    assert openpyxl.load_workbook(path).sheetnames[0] == "acteurs"
    with pytest.raises(ArgumentError, match=".xlsx"):
        write_template(tmp_path / "modele.csv")


def test_cli_template_then_validate(runner, tmp_path):
    path = tmp_path / "modele.xlsx"
    result = runner.invoke(main, ["template", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert "spie-graph validate --dataset" in result.output
    again = runner.invoke(main, ["template", "-o", str(path)])
    assert again.exit_code == 1 and "Erreur :" in again.output
    empty = runner.invoke(main, ["validate", "--dataset", str(path)])
    # An empty template is not a data set: the error says what to fill in.
    assert empty.exit_code == 1
    assert "aucun acteur\u00a0: le jeu de données est vide" in empty.output
    assert "remplissez la feuille «\u00a0acteurs\u00a0»" in empty.output


# -- a workbook as a data set --------------------------------------------------
def test_filled_template_is_a_data_set(template, tmp_path):
    def consortium(wb):
        ws = wb["consortium"]
        ws["B1"], ws["B2"], ws["B3"], ws["B4"] = "SPIE de l'Ain", "cd01", "oui", "01"
        ws.append(["cd01", "porteur", "oui"])
        ws.append(["ml01", None, True])        # a real boolean cell
        wb["interactions"].append(["cd01", "ml01", "convention", None,
                                   datetime(2024, 1, 15), None])

    path = filled(template, tmp_path, edit=consortium)
    dataset = load_dataset(path)
    assert dataset.nom == "territoire"
    assert [a.id for a in dataset.acteurs] == ["cd01", "ml01"]
    assert dataset.acteur("cd01").siret == "22010001300012"
    assert dataset.services[0].thematiques == ["trouver-un-emploi", "mobilite"]
    assert dataset.interactions[0].depuis.isoformat() == "2024-01-15"
    assert dataset.consortium.porteur == "cd01" and dataset.consortium.accord_cd
    assert [(m.acteur, m.lettre_engagement) for m in dataset.consortium.membres] == \
        [("cd01", True), ("ml01", True)]


def test_problems_name_sheet_row_and_column(template, tmp_path):
    acteurs = [*ACTEURS, ["x", "Bad", "cdd", None, None, "99999"]]
    services = [*SERVICES, ["s3", "inconnu", "Service", "mobilite"]]
    path = filled(template, tmp_path, acteurs, services)
    assert problems_of(path) == {
        ("territoire.xlsx, feuille acteurs", 4, "famille (colonne C)"),
        ("territoire.xlsx, feuille acteurs", 4, "commune (colonne F)"),
        ("territoire.xlsx, feuille services", 4, "acteur (colonne B)"),
    }
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    assert "territoire.xlsx, feuille acteurs, ligne 4, champ « famille (colonne C) »" in \
        str(caught.value)


def test_numbers_typed_as_numbers_become_codes_again(template, tmp_path):
    acteurs = [
        ["cd01", "CD de l'Ain", "cd", None, 22010001300012.0, 1053],   # float SIRET, int INSEE
        ["ml01", "Mission locale", "mission-locale", None, "22010001300012", "1053"],  # as text
        [42, "Identifiant numérique", "cd", None, None, 1053.0],
    ]
    path = filled(template, tmp_path, acteurs, [["s1", 42, "Service", "mobilite"]])
    dataset = load_dataset(path)
    assert [(a.id, a.siret, a.commune) for a in dataset.acteurs] == [
        ("cd01", "22010001300012", "01053"), ("ml01", "22010001300012", "01053"),
        ("42", None, "01053")]
    assert dataset.services[0].acteur == "42"


def test_siret_that_lost_its_digits_is_reported(template, tmp_path):
    # Text pasted from a CSV Excel had shown in scientific notation: digits are gone.
    acteurs = [["cd01", "CD", "cd", None, "2,20100E+13", "01053"]]
    path = filled(template, tmp_path, acteurs, [])
    assert problems_of(path) == {("territoire.xlsx, feuille acteurs", 2, "siret (colonne E)")}


@pytest.mark.parametrize("value,column,expected", [
    (1001, "commune", "01001"), (1001.0, "commune", "01001"), (59350.0, "code_insee", "59350"),
    (82454114801871.0, "siret", "82454114801871"), (5520135000011, "siret", "05520135000011"),
    (56, "territoire", "56"), (10.5, "", "10.5"), (datetime(2024, 1, 15), "", "2024-01-15"),
    ("  texte  ", "", "texte"), ("   ", "", None), (True, "", True), (None, "", None),
])
def test_cell_text(value, column, expected):
    assert cell_text(value, column) == expected


def test_merged_cells_trailing_rows_title_and_extra_sheets(template, tmp_path):
    def layout(wb):
        services = wb["services"]
        services.append(["s3", None, "Atelier mobilité", "mobilite"])
        services.merge_cells("B3:B4")              # s2 and s3 belong to ml01
        for row in range(5, 300):                  # formatted but empty rows
            services.cell(row, 1).number_format = "@"
        wb.create_sheet("notes")["A1"] = "feuille ignorée"
        acteurs = wb["acteurs"]
        acteurs.insert_rows(1)
        acteurs["A1"] = "Acteurs du territoire"    # a title above the header
        acteurs.merge_cells("A1:F1")

    dataset, problems = api.validate(filled(template, tmp_path, edit=layout))
    assert problems == []
    assert [(s.id, s.acteur) for s in dataset.services] == \
        [("s1", "cd01"), ("s2", "ml01"), ("s3", "ml01")]


def test_a_value_merged_across_columns_is_not_copied(template, tmp_path):
    def layout(wb):
        wb["acteurs"]["G2"] = "01"
        wb["acteurs"].merge_cells("G2:H2")     # territoire spread over missions
    dataset = load_dataset(filled(template, tmp_path, edit=layout))
    assert dataset.acteur("cd01").territoire == ["01"]
    assert dataset.acteur("cd01").missions is None


def test_sheet_problems(template, tmp_path):
    def layout(wb):
        wb["acteurs"]["L1"] = "nom"               # a second "nom" column
        wb["acteurs"]["N2"] = "orpheline"         # a value under no header
    raw = read_dataset(filled(template, tmp_path, edit=layout))
    assert {(p.line, p.field, p.message) for p in raw.problems} == {
        (1, "nom (colonne L)", "colonne en double"),
        (2, "colonne N", "valeur dans une colonne sans en-tête (ligne 2)"),
    }

    def twice(wb):
        wb.create_sheet("Acteurs ")               # the same table twice
    raw = read_dataset(filled(template, tmp_path, edit=twice))
    assert any("plusieurs feuilles" in p.message for p in raw.problems)


def test_unreadable_or_old_workbooks_are_problems_not_crashes(tmp_path):
    broken = tmp_path / "casse.xlsx"
    broken.write_bytes(b"pas un zip")
    assert "classeur illisible" in api.validate(broken)[1][0].message
    old = tmp_path / "ancien.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    problem = api.validate(old)[1][0]
    assert "format .xls" in problem.message and ".xlsx" in problem.fix
    missing = api.validate(tmp_path / "absent.xlsx")[1][0]
    assert "introuvable" in missing.message
    no_table = tmp_path / "vide.xlsx"
    openpyxl.Workbook().save(no_table)
    assert "absente du classeur" in api.validate(no_table)[1][0].message


def test_template_lists_the_communes_and_epci_of_a_departement(tmp_path, runner):
    path = tmp_path / "ardeche.xlsx"
    result = runner.invoke(main, ["template", "-o", str(path), "--departement", "07"])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)
    codes = wb[CODES_SHEET]
    headers = {cell.value: cell.column_letter for cell in codes[1] if cell.value}
    column = headers["territoire"]
    listed = {codes[f"{column}{row}"].value: codes.cell(row, codes[f"{column}1"].column + 1).value
              for row in range(2, codes.max_row + 1) if codes[f"{column}{row}"].value}
    terr = referentials().territoires
    # The département, its 19 EPCI... (every EPCI touching it) and its 335 communes.
    assert listed["07"] == "Département · Ardèche"
    assert set(terr.epcis_in("07")) <= set(listed)
    assert terr.communes("07") <= set(listed)
    assert listed["07129"] == "Commune · Lamastre (07270) · CC du Pays de Lamastre"
    assert listed["200016905"] == "EPCI · CC du Pays de Lamastre"
    # The commune and territoire columns offer these codes.
    validations = _validations(wb["acteurs"])
    assert validations["F"].formula1.endswith(f"${len(terr.communes('07')) + 1}")
    assert "territoire" in {c.name for c in SHEETS["acteurs"] if c.codes == "territoire"}
    bad = runner.invoke(main, ["template", "-o", str(tmp_path / "x.xlsx"),
                               "--departement", "200016905"])
    assert bad.exit_code == 1 and "n'est pas un département" in bad.output
