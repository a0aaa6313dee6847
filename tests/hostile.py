"""A corpus of hostile inputs: files that once exhausted memory, crashed or broke outputs.

Each :class:`Case` writes its files into an empty folder (large ones are
generated there, never committed), gives the command line to run and the
French message it must print. ``tests/test_hostile.py`` runs every case through
the CLI and checks the message, the exit status and that no traceback shows;
``benchmarks/bench_hostile.py`` runs each in its own process and checks its time
and peak memory against the case's bounds.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

__all__ = ["CASES", "Case"]

ACTEURS = [
    {"id": "cd56", "nom": "Conseil départemental", "famille": "cd", "commune": "56260"},
    {"id": "ft", "nom": "France Travail Vannes", "famille": "france-travail", "commune": "56260"},
]
SERVICES = [{"id": "s1", "acteur": "ft", "nom": "Accompagnement", "thematiques": "mobilite"}]


def _csv(rows: list[dict], delimiter: str = ";") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _dataset(folder: Path, acteurs: str | bytes | bool = True, **others: str | bytes) -> Path:
    """A data set folder ``ds`` in ``folder``: valid tables unless replaced (False: none)."""
    ds = folder / "ds"
    ds.mkdir()
    tables = {"acteurs.csv": _csv(ACTEURS) if acteurs is True else acteurs,
              "services.csv": _csv(SERVICES), **others}
    for name, content in tables.items():
        if content is False:
            continue
        data = content.encode("utf-8") if isinstance(content, str) else content
        (ds / name).write_bytes(data)
    return ds


def _validate(ds: Path) -> list[str]:
    return ["validate", "--dataset", str(ds)]


@dataclass(frozen=True)
class Case:
    """One hostile input: how to make it, the command, what it must say, its bounds."""

    name: str
    build: Callable[[Path], list[str]]  # writes files in an empty folder, returns CLI args
    expect: tuple[str, ...]             # texts the output must hold (French)
    exit_code: int = 1
    seconds: float = 10.0               # bounds, checked by benchmarks/bench_hostile.py
    megabytes: int = 250
    absent: tuple[str, ...] = ()        # texts that must not appear


CASES: list[Case] = []


def case(name: str, *expect: str, **bounds: object) -> Callable:
    def register(build: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        CASES.append(Case(name, build, tuple(expect), **bounds))  # type: ignore[arg-type]
        return build
    return register


# -- YAML ------------------------------------------------------------------------------------
_ROW = "- {id: cd56, nom: CD, famille: cd, commune: '56260'}\n"


@case("yaml-alias-bomb", "YAML refusé", "alias", "acteurs.yaml", absent=("aucune table",))
def _(folder: Path) -> list[str]:
    # Nine levels of nine aliases each: 9**9 (387 million) values once expanded.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    text = "\n".join(lines) + "\nacteurs:\n  - {id: cd56, nom: *a9, famille: cd}\n"
    return _validate(_dataset(folder, acteurs=False, **{"acteurs.yaml": text}))


@case("yaml-many-aliases", "YAML refusé", "plus de 100 alias")
def _(folder: Path) -> list[str]:
    text = "- &n {id: a, nom: A, famille: cd}\n" + "- *n\n" * 150
    return _validate(_dataset(folder, acteurs=False, **{"acteurs.yaml": text}))


@case("yaml-deep-flow-nesting", "YAML refusé", "imbrication de plus de 50 niveaux")
def _(folder: Path) -> list[str]:
    text = "- {id: a, nom: " + "[" * 100_000 + "]" * 100_000 + ", famille: cd}\n"
    return _validate(_dataset(folder, acteurs=False, **{"acteurs.yaml": text}))


@case("yaml-deep-block-nesting", "YAML refusé", "imbrication")
def _(folder: Path) -> list[str]:
    text = "".join("  " * depth + f"k{depth}:\n" for depth in range(200)) + "  " * 200 + "x\n"
    return _validate(_dataset(folder, acteurs=False, **{"acteurs.yaml": text}))


@case("yaml-recursive-alias", "YAML refusé", "structure récursive")
def _(folder: Path) -> list[str]:
    text = "- &r {id: a, nom: A, famille: cd, competences: [*r]}\n"
    return _validate(_dataset(folder, acteurs=False, **{"acteurs.yaml": text}))


@case("yaml-python-object-tag", "acteurs.yaml", "YAML refusé",
      "étiquette « tag:yaml.org,2002:python/object/apply:os.system » non acceptée",
      absent=("uid=",))
def _(folder: Path) -> list[str]:
    text = "- {id: a, nom: !!python/object/apply:os.system ['id'], famille: cd}\n"
    return _validate(_dataset(folder, acteurs=False, **{"acteurs.yaml": text}))


@case("yaml-explicit-tags-on-wrong-values", "valide", exit_code=0)
def _(folder: Path) -> list[str]:
    # PyYAML raised ValueError, KeyError or AttributeError building these: now the text as written.
    text = ("- {id: cd56, nom: !!int abc, famille: cd, commune: '56260', "
            "missions: !!timestamp nope, competences: [!!float x, !!bool peut-être]}\n")
    return _validate(_dataset(folder, acteurs=False, **{"acteurs.yaml": text,
                                                         "services.csv": False}))


@case("yaml-not-utf8", "non lisible en UTF-8")
def _(folder: Path) -> list[str]:
    text = _ROW.replace("CD", "Département é").encode("latin-1")
    return _validate(_dataset(folder, acteurs=False, **{"acteurs.yaml": text}))


@case("yaml-consortium-alias-bomb", "consortium.yaml", "YAML refusé")
def _(folder: Path) -> list[str]:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    text = "\n".join(lines) + "\nnom: *a9\nporteur: cd56\nmembres: [cd56]\n"
    return _validate(_dataset(folder, **{"consortium.yaml": text}))


# -- CSV -------------------------------------------------------------------------------------
@case("csv-5.7-million-columns", "5 700 000 valeurs sur une ligne", "au plus 1 000",
      seconds=15)
def _(folder: Path) -> list[str]:
    return _validate(_dataset(folder, acteurs=";" * 5_699_999 + "\n"))


@case("csv-wide-data-row", "100 000 valeurs sur une ligne")
def _(folder: Path) -> list[str]:
    wide = "cd56;CD;cd;56260" + ";x" * 99_996
    return _validate(_dataset(folder, acteurs="id;nom;famille;commune\n" + wide + "\n"))


@case("csv-field-of-200-000-characters-is-read", "valide", exit_code=0)
def _(folder: Path) -> list[str]:
    rows = [{**ACTEURS[0], "missions": "m" * 200_000}, ACTEURS[1]]
    return _validate(_dataset(folder, acteurs=_csv(rows)))


@case("csv-field-over-the-limit", "ligne 2", "cellule de plus de 1 000 000 caractères")
def _(folder: Path) -> list[str]:
    return _validate(_dataset(folder, acteurs="id;nom;famille\ncd56;\"" + "x" * 1_500_000
                              + "\";cd\n"))


@case("csv-unclosed-quote", "acteurs.csv, ligne 2", "guillemet non fermé",
      "se poursuit jusqu'à la ligne 3")
def _(folder: Path) -> list[str]:
    return _validate(_dataset(folder, acteurs="id;nom;famille\ncd56;\"CD;cd\nft;FT;cd\n"))


@case("csv-utf16-with-bom", "valide", exit_code=0)
def _(folder: Path) -> list[str]:
    return _validate(_dataset(folder, acteurs=_csv(ACTEURS, "\t").encode("utf-16")))


@case("csv-utf16-without-bom", "valide", exit_code=0)
def _(folder: Path) -> list[str]:
    return _validate(_dataset(folder, acteurs=_csv(ACTEURS).encode("utf-16-le")))


@case("csv-windows-1252", "valide", exit_code=0)
def _(folder: Path) -> list[str]:
    return _validate(_dataset(folder, acteurs=_csv(ACTEURS).encode("cp1252")))


@case("csv-binary-file", "fichier binaire", "CSV UTF-8")
def _(folder: Path) -> list[str]:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
    return _validate(_dataset(folder, acteurs=png))


@case("csv-utf16-broken", "texte illisible en UTF-16", "CSV UTF-8")
def _(folder: Path) -> list[str]:
    return _validate(_dataset(folder, acteurs=b"\xff\xfe" + "id;nom".encode("utf-16-le")
                              + b"\x00\xd8"))


@case("csv-two-nom-columns", "colonne en double", "nom (colonne 3)", "colonne 2")
def _(folder: Path) -> list[str]:
    return _validate(_dataset(folder, acteurs="id;nom;nom;famille\ncd56;CD;Autre;cd\n"))


@case("csv-two-id-columns", "colonne en double", "id (colonne 2)",
      absent=("identifiant en double",))
def _(folder: Path) -> list[str]:
    rows = "".join(f"a{n};x;Acteur {n};cd\n" for n in range(500))
    return _validate(_dataset(folder, acteurs="id;id;nom;famille\n" + rows))


@case("csv-control-characters", "caractère de contrôle invisible U+0001", "ligne 2",
      "champ « nom »", "Conseil\\x01")
def _(folder: Path) -> list[str]:
    rows = [{**ACTEURS[0], "nom": "Conseil\x01\x0b\x1f départemental"}, ACTEURS[1]]
    return _validate(_dataset(folder, acteurs=_csv(rows)))


@case("csv-nul-byte-in-an-id", "caractère de contrôle invisible U+0000", "champ « id »")
def _(folder: Path) -> list[str]:
    rows = [{**ACTEURS[0], "id": "cd\x0056"}, ACTEURS[1]]
    return _validate(_dataset(folder, acteurs=_csv(rows)))


@case("csv-control-character-then-report", "caractère de contrôle invisible U+001F")
def _(folder: Path) -> list[str]:
    rows = [ACTEURS[0], {**ACTEURS[1], "nom": "France\x1fTravail"}]
    return ["report", "--dataset", str(_dataset(folder, acteurs=_csv(rows))),
            "--output-dir", str(folder / "exports")]


@case("csv-control-character-then-export", "caractère de contrôle invisible U+000B")
def _(folder: Path) -> list[str]:
    rows = [ACTEURS[0], {**ACTEURS[1], "nom": "France\x0bTravail"}]
    return ["export", "--format", "graphml", "--dataset", str(_dataset(folder, acteurs=_csv(rows))),
            "-o", str(folder / "g.graphml")]


@case("csv-5000-errors-capped", "… et 4 950 autres erreurs du même type",
      "code de famille inconnu", "5 001 erreurs")
def _(folder: Path) -> list[str]:
    rows = "".join(f"a{n};Acteur {n};inconnue\n" for n in range(5000))
    return _validate(_dataset(folder, acteurs="id;nom;famille\n" + rows))


@case("csv-990-unknown-columns", "colonne inconnue", "autres erreurs du même type")
def _(folder: Path) -> list[str]:
    header = "id;nom;famille;" + ";".join(f"x{n}" for n in range(990))
    return _validate(_dataset(folder, acteurs=header + "\ncd56;CD;cd\n"))


@case("csv-over-400-mo", "fichier trop gros", "au plus 400 Mo")
def _(folder: Path) -> list[str]:
    ds = _dataset(folder)
    with open(ds / "acteurs.csv", "r+b") as handle:  # sparse: nothing is really written
        handle.truncate(450 * 1024 * 1024)
    return _validate(ds)


@case("csv-450-000-lines", "plus de 400 000 lignes", "ligne 400001", seconds=30,
      megabytes=1000)
def _(folder: Path) -> list[str]:
    # The largest table read in full (national-size data sets must be read): 400 000 rows,
    # each an error (identifiant en double).
    return _validate(_dataset(folder, acteurs="id;nom;famille\n" + "x;y;cd\n" * 450_000))


@case("csv-500-000-blank-lines", "plus de 400 000 lignes")
def _(folder: Path) -> list[str]:
    return _validate(_dataset(folder, acteurs="id;nom;famille\n" + "\n" * 500_000))


@case("yaml-over-5-mo", "fichier trop gros", "au plus 5 Mo", "enregistrez-les en CSV")
def _(folder: Path) -> list[str]:
    ds = _dataset(folder, acteurs=False, **{"acteurs.yaml": _ROW})
    with open(ds / "acteurs.yaml", "r+b") as handle:
        handle.truncate(6 * 1024 * 1024)
    return _validate(ds)


@case("csv-100-mo-of-long-cells-is-read", "valide", exit_code=0, seconds=20, megabytes=500)
def _(folder: Path) -> list[str]:
    # Long cells: 100 cells of 999 999 characters, all valid (memory about twice the file).
    rows = [{**ACTEURS[0], "id": f"a{n}", "missions": "m" * 999_999} for n in range(100)]
    return _validate(_dataset(folder, acteurs=_csv([*rows, ACTEURS[1]])))


# -- paths -----------------------------------------------------------------------------------
@case("path-fifo-as-table", "n'est pas un fichier ordinaire")
def _(folder: Path) -> list[str]:
    ds = _dataset(folder, acteurs=False)
    os.mkfifo(ds / "acteurs.csv")
    return _validate(ds)


@case("path-folder-as-table", "n'est pas un fichier ordinaire")
def _(folder: Path) -> list[str]:
    ds = _dataset(folder, acteurs=False)
    (ds / "acteurs.csv").mkdir()
    return _validate(ds)


@case("path-symlink-out-of-the-data-set", "lien symbolique qui mène hors du dossier",
      absent=("root:", "aucune table"))
def _(folder: Path) -> list[str]:
    ds = _dataset(folder, acteurs=False)
    (ds / "acteurs.csv").symlink_to("/etc/passwd")
    return _validate(ds)


@case("path-broken-symlink", "lien symbolique cassé ou en boucle")
def _(folder: Path) -> list[str]:
    ds = _dataset(folder, acteurs=False)
    (ds / "acteurs.csv").symlink_to(ds / "absent.csv")
    return _validate(ds)


@case("path-symlink-loop", "lien symbolique cassé ou en boucle")
def _(folder: Path) -> list[str]:
    ds = _dataset(folder, acteurs=False)
    (ds / "acteurs.csv").symlink_to(ds / "acteurs.csv")
    return _validate(ds)


@case("path-data-set-is-a-csv-file", "un dossier ou un classeur .xlsx est attendu")
def _(folder: Path) -> list[str]:
    (folder / "acteurs.csv").write_text(_csv(ACTEURS), "utf-8")
    return _validate(folder / "acteurs.csv")


@case("path-missing-data-set", "dossier introuvable")
def _(folder: Path) -> list[str]:
    return _validate(folder / "absent")


# -- workbooks -------------------------------------------------------------------------------
def _workbook(path: Path, rows: list[list[object]] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "acteurs"
    for row in rows or [list(ACTEURS[0]), *[list(a.values()) for a in ACTEURS]]:
        sheet.append(row)
    book.save(path)
    return path


def _body(xml: bytes) -> bytes:
    """An XML part without its declaration (``<?xml …?>``), if it has one."""
    return _body(xml) if xml.startswith(b"<?xml") else xml


def _rewrite(path: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """Replace one part of a workbook (a zip) by ``change`` of it."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts[member] = change(parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


_SHEET = "xl/worksheets/sheet1.xml"


@case("xlsx-zip-bomb", "classeur trop gros une fois décompressé", "au plus 300 Mo",
      seconds=20)
def _(folder: Path) -> list[str]:
    path = _workbook(folder / "bombe.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/media/padding.xml", "w", force_zip64=True) as handle:
        block = b" " * (1024 * 1024)
        for _ in range(400):
            handle.write(block)
    return _validate(path)


@case("xlsx-cell-at-xfd1048576", "feuille acteurs", "feuille trop grande",
      "1 048 576 lignes × 16 384 colonnes", "XFD1048576")
def _(folder: Path) -> list[str]:
    book = openpyxl.Workbook()
    book.active.title = "acteurs"
    book.active["A1"] = "id"
    book.active["XFD1048576"] = "x"
    book.save(folder / "loin.xlsx")
    return _validate(folder / "loin.xlsx")


@case("xlsx-forged-small-dimension", "feuille trop grande", "XFD1048576")
def _(folder: Path) -> list[str]:
    book = openpyxl.Workbook()
    book.active.title = "acteurs"
    book.active["A1"] = "id"
    book.active["XFD1048576"] = "x"
    path = folder / "cache.xlsx"
    book.save(path)
    return _validate(_rewrite(path, _SHEET, lambda xml: xml.replace(
        b'<dimension ref="A1:XFD1048576"', b'<dimension ref="A1:A1"')))


@case("xlsx-declared-huge-dimension", "dimension.xlsx, feuille acteurs : feuille trop grande")
def _(folder: Path) -> list[str]:
    path = _workbook(folder / "dimension.xlsx")
    return _validate(_rewrite(path, _SHEET, lambda xml: xml.replace(
        b'<dimension ref="A1:D3"', b'<dimension ref="A1:ZZ999999"')))


_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;")
                                                    * 10) for n in range(1, 10))
           + b"]>\n")


def _cells(folder: Path, rows: int) -> list[str]:
    """A workbook of ``2 × rows`` small cells under a forged one-cell dimension."""
    path = _workbook(folder / "cellules.xlsx")
    data = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d"><v>2</v></c></row>'
                    % (n, n, n) for n in range(1, rows + 1))
    return _validate(_rewrite(path, _SHEET, lambda xml: xml.split(b"<sheetData>")[0].replace(
        b'<dimension ref="A1:D3"', b'<dimension ref="A1"') + b"<sheetData>" + data
        + b"</sheetData></worksheet>"))


@case("xlsx-600-000-cells", "classeur trop grand", "plus de 200 000 cellules")
def _(folder: Path) -> list[str]:
    return _cells(folder, 300_000)  # counted before openpyxl loads them


@case("xlsx-190-000-cells-are-read", "colonne obligatoire absente", "colonne inconnue",
      seconds=20, megabytes=300)  # a missing column is named once, not once per row
def _(folder: Path) -> list[str]:
    return _cells(folder, 95_000)  # the largest workbook read in full


@case("xlsx-entity-expansion", "classeur refusé", "entités XML", "sheet1.xml")
def _(folder: Path) -> list[str]:
    path = _workbook(folder / "rires.xlsx")
    return _validate(_rewrite(path, _SHEET, lambda xml: _LAUGHS + _body(xml)
                              .replace(b">cd56<", b">&lol9;<")))


@case("xlsx-external-entity", "classeur refusé", "entités XML", absent=("root:",))
def _(folder: Path) -> list[str]:
    path = _workbook(folder / "externe.xlsx")
    doctype = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    return _validate(_rewrite(path, _SHEET, lambda xml: doctype + _body(xml)))


@case("xlsx-entity-after-a-long-comment", "classeur refusé", "entités XML")
def _(folder: Path) -> list[str]:
    # The declaration comes after 100 KB: only defusedxml, inside openpyxl, sees it.
    path = _workbook(folder / "tardif.xlsx")
    head = (b'<?xml version="1.0"?>\n<!--' + b" " * 100_000 + b'-->\n'
            + _LAUGHS.split(b"\n", 1)[1])
    return _validate(_rewrite(path, _SHEET, lambda xml: head + _body(xml)
                              .replace(b">cd56<", b">&lol9;<")))


@case("xlsx-not-a-zip", "classeur illisible", "enregistrez-le à nouveau")
def _(folder: Path) -> list[str]:
    (folder / "faux.xlsx").write_text("id;nom;famille\n", "utf-8")
    return _validate(folder / "faux.xlsx")


@case("xlsx-truncated", "classeur illisible")
def _(folder: Path) -> list[str]:
    path = _workbook(folder / "coupe.xlsx")
    path.write_bytes(path.read_bytes()[:2000])
    return _validate(path)


@case("xlsx-two-nom-columns", "colonne en double", "nom (colonne C)", "colonne B")
def _(folder: Path) -> list[str]:
    path = _workbook(folder / "double.xlsx", [["id", "nom", "nom", "famille"],
                                              ["cd56", "CD", "Autre", "cd"]])
    return _validate(path)


@case("xlsx-invalid-character-reference", "classeur illisible : XML invalide",
      "enregistrez-le à nouveau")
def _(folder: Path) -> list[str]:
    path = _workbook(folder / "controle.xlsx", [["id", "nom", "famille"],
                                                ["cd56", "CD", "cd"]])
    return _validate(_rewrite(path, _SHEET, lambda xml: xml.replace(
        b">CD<", b">C&#1;D<") if b">CD<" in xml else xml))


# -- Neo4j addresses (no server needed: the address answers nothing) -------------------------
@case("uri-with-a-password-is-redacted", "impossible de joindre Neo4j sur bolt://127.0.0.1:9",
      absent=("s3cr3t-uri",))
def _(folder: Path) -> list[str]:
    ds = _dataset(folder)
    return ["stats", "--dataset", str(ds), "--store", "neo4j",
            "--neo4j-uri", "bolt://neo4j:s3cr3t-uri@127.0.0.1:9"]


@case("uri-with-a-password-and-a-bad-scheme", "adresse Neo4j invalide", "http://127.0.0.1",
      absent=("s3cr3t-uri",))
def _(folder: Path) -> list[str]:
    ds = _dataset(folder)
    return ["stats", "--dataset", str(ds), "--store", "neo4j",
            "--neo4j-uri", "http://neo4j:s3cr3t-uri@127.0.0.1:7474"]


@case("remote-uri-without-a-password", "mot de passe manquant",
      "ne sert qu'à une adresse de cette machine")
def _(folder: Path) -> list[str]:
    ds = _dataset(folder)
    return ["stats", "--dataset", str(ds), "--store", "neo4j",
            "--neo4j-uri", "bolt://neo4j.example.org:7687"]


# -- imports and other entry points --------------------------------------------------------
@case("import-json-nested-100000-deep", "JSON refusé, imbriqué trop profondément")
def _(folder: Path) -> list[str]:
    (folder / "structures.json").write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    return ["import", "data-inclusion", str(folder / "structures.json"), "-o", str(folder / "o")]


@case("import-json-over-1-go", "fichier trop gros", "au plus 1 024 Mo")
def _(folder: Path) -> list[str]:
    with open(folder / "structures.json", "wb") as handle:  # sparse
        handle.truncate(1100 * 1024 * 1024)
    return ["import", "data-inclusion", str(folder / "structures.json"), "-o", str(folder / "o")]


@case("import-csv-field-over-the-limit", "cellule de plus de 1 000 000 caractères",
      "0 acteur(s) écrit(s)", exit_code=0)  # the import lists unreadable rows as remarks
def _(folder: Path) -> list[str]:
    (folder / "structures.csv").write_text("source,id,nom\ndora,\"" + "x" * 1_200_000
                                           + "\",A\n", "utf-8")
    return ["import", "data-inclusion", str(folder / "structures.csv"), "-o", str(folder / "o")]


@case("consortium-draft-alias-bomb", "YAML refusé", "brouillon.yaml")
def _(folder: Path) -> list[str]:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    (folder / "brouillon.yaml").write_text("\n".join(lines) + "\nnom: *a9\nporteur: cd56\n",
                                           "utf-8")
    return ["consortium", "check", "--dataset", str(_dataset(folder)),
            "--consortium", str(folder / "brouillon.yaml")]
