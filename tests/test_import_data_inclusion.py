"""Import of data·inclusion exports: v1 and v0, JSON, CSV and the producer workbook.

The fixtures in ``fixtures/data_inclusion/`` were written for these tests: the
same records in JSON and CSV for each schema version, each record carrying one
case (a reject, a remark, a mapping). The producer workbook comes from the
data·inclusion API tests (``api/tests/fixtures/dataset.xlsx``); its expected
errors are those of the data·inclusion valideur's own snapshot
(``api/tests/e2e/valideur/__snapshots__/test_valideur.ambr``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from spie_graph import api
from spie_graph.cli import main
from spie_graph.errors import ArgumentError, ExportError, SourceError
from spie_graph.reference import read_text
from spie_graph.reference.referentials import referentials
from spie_graph.sources import data_inclusion as di
from spie_graph.sources.data_inclusion import import_data_inclusion, mapping, read_export
from tests.conftest import REFERENCE

FIXTURES = Path(__file__).parent / "fixtures" / "data_inclusion"
VALIDEUR = REFERENCE / "data-inclusion" / "samples" / "di_valideur_fixture_dataset.xlsx"

def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in rows}


def run(tmp_path: Path, version: str, fmt: str, departement: str | None = None,
        name: str = "out") -> tuple[di.ImportResult, Path]:
    out = tmp_path / name
    result = import_data_inclusion(FIXTURES / f"structures-{version}.{fmt}",
                                   FIXTURES / f"services-{version}.{fmt}", out, departement)
    return result, out


def reasons(issues: list[di.Issue]) -> dict[str | None, str]:
    """The blocking (first) reason of each record."""
    result: dict[str | None, str] = {}
    for issue in issues:
        result.setdefault(issue.record, issue.problem.message)
    return result


# -- mapping tables ----------------------------------------------------------
def test_mapping_targets_are_codes_of_the_v1_referentials():
    refs = referentials()
    for name, codes in (("v0_thematiques_vers_v1.csv", refs.thematiques),
                        ("v0_profils_vers_v1_publics.csv", refs.publics),
                        ("v0_typologies_vers_v1_reseaux.csv", refs.reseaux_porteurs),
                        ("v0_labels_vers_v1_reseaux.csv", refs.reseaux_porteurs)):
        rows = list(csv.DictReader(read_text(name).splitlines()))
        assert rows, name
        assert all(row["source"] for row in rows), f"{name}: every row names its source"
        assert {row["v1"] for row in rows if row["v1"]} <= set(codes), name


@pytest.mark.parametrize("reference,mapping", [
    ("v0_thematiques.csv", "v0_thematiques_vers_v1.csv"),
    ("v0_profils.csv", "v0_profils_vers_v1_publics.csv"),
])
def test_every_v0_code_has_a_row(reference, mapping):
    with (REFERENCE / "data-inclusion" / reference).open(encoding="utf-8") as handle:
        v0 = {row["code"] for row in csv.DictReader(handle)}
    assert v0 <= set(di._mapping(mapping))


@pytest.mark.parametrize("value,expected", [
    ("['a', 'b']", ["a", "b"]),          # pandas writing Python lists (data.gouv CSV)
    ('["a","b"]', ["a", "b"]),           # JSON text
    ("{a,b}", ["a", "b"]),               # PostgreSQL arrays
    ("a, b", ["a", "b"]),                # the producer workbook
    ("a|b", ["a", "b"]),
    (["a", None, " b "], ["a", "b"]),
    ("[]", []),
    ("", []),
    (None, []),
])
def test_list_fields_in_every_spelling(value, expected):
    assert di.items(value) == expected


def test_v0_category_spread_over_all_sub_themes_becomes_the_category():
    converter = mapping._Converter(referentials())
    report = mapping._Report(di.SERVICES, di.Record("f", 1, {}), {})
    assert converter.thematiques(report, "v0", ["numerique", "famille--garde-denfants"]) == \
        ["numerique", "famille--garde-denfants"]
    assert report.issues == []


# -- v1 ----------------------------------------------------------------------
def test_v1_json_end_to_end_and_validate(tmp_path):
    result, out = run(tmp_path, "v1", "json")
    assert result.versions == {"structures": "v1", "services": "v1"}
    assert result.counts["structures"] == {"lus": 8, "ignores": 0, "hors_territoire": 0,
                                           "rejetes": 2, "ecrits": 6,
                                           "hors_territoire_gardees": 0, "zone_large": 0}
    assert result.counts["services"] == {"lus": 11, "ignores": 0, "hors_territoire": 0,
                                         "rejetes": 3, "ecrits": 8,
                                         "hors_territoire_gardees": 0, "zone_large": 0}
    assert reasons(result.rejets) == {
        "dora--sans-nom": "nom absent",
        "dora--ml-vannes": "identifiant en double",
        "dora--svc-orphelin": "structure absente de l'export des structures",
        "dora--svc-sans-thematique": "aucune thématique",
        "dora--svc-structure-rejetee": "sa structure est rejetée",
    }
    # Every reject is located: file, element, field.
    rejet = next(i for i in result.rejets if i.record == "dora--svc-orphelin")
    assert (rejet.problem.file, rejet.problem.field) == ("services-v1.json, élément 7",
                                                         "structure_id")
    dataset, problems = api.validate(out)
    assert problems == []
    assert len(dataset.acteurs) == 6 and len(dataset.services) == 8

    acteurs = by_id(read_rows(out / "acteurs.csv"))
    assert acteurs["dora--ml-vannes"]["famille"] == "mission-locale"
    assert acteurs["dora--ml-vannes"]["nom"] == "Mission locale du Pays de Vannes"  # first kept
    assert acteurs["dora--wimoov-56"]["famille"] == "mobilite"
    assert acteurs["dora--wimoov-56"]["site_web"] == "https://www.exemple-wimoov.org"
    assert acteurs["dora--atelier-velo"]["famille"] == "autre"
    assert acteurs["dora--atelier-velo"]["siret"] == ""
    # A former commune (La Chapelle-Caro, 56037) becomes the current one (Val d'Oust, 56197).
    assert acteurs["dora--ft-la-chapelle"]["commune"] == "56197"

    services = by_id(read_rows(out / "services.csv"))
    wimoov = services["dora--svc-wimoov-diagnostic"]
    assert wimoov["thematiques"] == ("mobilite--etre-accompagne-dans-son-parcours-mobilite|"
                                     "mobilite--mobilite-douce-partagee-collective")
    assert wimoov["moments"] == "suivi"                       # type accompagnement
    assert services["dora--svc-ccas-demarches"]["publics"] == "beneficiaires-des-minimas-sociaux"
    assert services["dora--svc-ccas-demarches"]["territoire"] == "56121"  # structure's commune
    assert services["dora--svc-ccas-demarches"]["moments"] == "entree"    # type information
    assert services["dora--svc-ft-national"]["territoire"] == "france"    # 99100
    assert services["dora--svc-atelier-velo"]["territoire"] == "56260"    # 99134 dropped
    assert services["dora--svc-mauvais-type"]["moments"] == "offre"       # from se-former


def test_v1_remarks_name_field_value_and_fix(tmp_path):
    result, _ = run(tmp_path, "v1", "json")
    found = {(i.record, i.problem.field, i.problem.value) for i in result.remarques}
    assert {
        ("dora--atelier-velo", "reseaux_porteurs", None),
        ("dora--atelier-velo", "siret", "1234"),
        ("dora--ft-la-chapelle", "courriel", "pas-un-courriel"),
        ("dora--ft-la-chapelle", "reseaux_porteurs", "reseau-inconnu"),
        ("dora--ft-la-chapelle", "code_insee", "56037"),
        ("dora--svc-atelier-velo", "thematiques", "mobilite--reparer-des-trucs"),
        ("dora--svc-atelier-velo", "zone_eligibilite", "99134"),
        ("dora--svc-atelier-velo", "mobilisable_par", "autres"),
        ("dora--svc-ft-national", "modes_accueil", "par-pigeon"),
        ("dora--svc-mauvais-type", "type", "conseil"),
        ("dora--svc-mauvais-type", "publics", "jeunes-16-26"),
        ("dora--svc-mauvais-type", "description", None),
    } <= found
    assert all(i.problem.fix for i in result.remarques + result.rejets)


def test_json_and_csv_exports_give_the_same_data_set(tmp_path):
    for version in ("v1", "v0"):
        _, from_json = run(tmp_path, version, "json", name=f"{version}-json")
        _, from_csv = run(tmp_path, version, "csv", name=f"{version}-csv")
        for name in ("acteurs.csv", "services.csv"):
            assert read_rows(from_json / name) == read_rows(from_csv / name), (version, name)


def test_csv_rejects_are_located_by_line(tmp_path):
    result, _ = run(tmp_path, "v1", "csv")
    rejet = next(i for i in result.rejets if i.record == "dora--sans-nom")
    assert (rejet.problem.file, rejet.problem.line) == ("structures-v1.csv", 7)


# -- v0 ----------------------------------------------------------------------
def test_v0_mappings(tmp_path):
    result, out = run(tmp_path, "v0", "json")
    assert result.versions == {"structures": "v0", "services": "v0"}
    acteurs = by_id(read_rows(out / "acteurs.csv"))
    assert {k: (v["famille"], v["reseau_porteur"]) for k, v in acteurs.items()} == {
        "ml-vannes": ("mission-locale", "mission-locale"),          # typologie ML
        "ccas-lorient": ("ccas-cias", "ccas-cias"),                 # typologie CCAS
        "france-services-pontivy": ("acces-droits", "france-service"),  # label national
        "asso-mobilite": ("association", ""),                       # ASSO: no v1 réseau
        "structure-xyz": ("autre", ""),
    }
    assert acteurs["asso-mobilite"]["commune"] == "01053"         # "1053" lost its zero
    assert acteurs["ml-vannes"]["missions"] == "Accompagnement des 16-25 ans."
    services = by_id(read_rows(out / "services.csv"))
    ml = services["svc-ml"]
    # numerique (v0 category) covers every v1 sub-theme of numerique: written as the category.
    assert ml["thematiques"] == "choisir-un-metier--confirmer-son-choix-de-metier|numerique"
    assert ml["publics"] == "jeunes|beneficiaires-des-minimas-sociaux"
    assert ml["moments"] == "suivi|offre"                          # accompagnement + atelier
    assert ml["territoire"] == "200067932"                         # zone_diffusion epci
    assert services["svc-ccas"]["publics"] == ""                   # adultes: no v1 public
    assert services["svc-asso"]["publics"] == "personnes-en-situation-juridique-specifique"
    assert services["svc-region"]["territoire"] == "region:53"
    assert reasons(result.rejets) == {"svc-fs": "aucune thématique reconnue"}
    assert api.validate(out)[1] == []


# -- département ---------------------------------------------------------------
def test_departement_filter(tmp_path):
    result, out = run(tmp_path, "v1", "json", departement="56")
    assert result.departement == "56"
    assert result.counts["services"]["hors_territoire"] == 1
    services = by_id(read_rows(out / "services.csv"))
    # The CCAS of Quimper (29) is kept for its service in Lorient, not for the one in 29.
    assert "dora--svc-quimper-lorient" in services
    assert "dora--svc-quimper-local" not in services

    result, out = run(tmp_path, "v1", "json", departement="29", name="finistere")
    # France Travail's national service (zone « france ») reaches the Finistère too: it is
    # kept with its structure, which sits in the Morbihan, and both are counted apart.
    assert set(by_id(read_rows(out / "acteurs.csv"))) == {"dora--ccas-quimper",
                                                          "dora--ft-la-chapelle"}
    assert set(by_id(read_rows(out / "services.csv"))) == {"dora--svc-quimper-local",
                                                           "dora--svc-ft-national"}
    assert result.counts["structures"]["hors_territoire"] == 6
    assert result.counts["structures"]["hors_territoire_gardees"] == 1
    assert result.counts["services"]["zone_large"] == 1
    summary = "\n".join(result.summary())
    assert "dont 1 situé(s) hors du territoire, gardé(s) pour leurs services" in summary
    assert "dont 1 national(aux) ou régional(aux)" in summary
    # Records out of the département are counted, not reported one by one.
    assert result.rejets == []

    result, _ = run(tmp_path, "v0", "csv", departement="1", name="ain")   # 1 → 01
    assert result.counts["structures"]["ecrits"] == 1


def test_unknown_departement_is_an_argument_error(tmp_path):
    with pytest.raises(ArgumentError, match="n'est pas un code de département"):
        run(tmp_path, "v1", "json", departement="56260")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("version,fmt,departement", [
    ("v1", "json", None), ("v1", "csv", "56"), ("v0", "json", None), ("v0", "csv", "56"),
])
def test_nothing_is_dropped_silently(tmp_path, version, fmt, departement):
    result, out = run(tmp_path, version, fmt, departement)
    for table in ("structures", "services"):
        c = result.counts[table]
        assert c["lus"] == c["ecrits"] + c["rejetes"] + c["hors_territoire"], table
    rejets = read_rows(out / di.REJECTS_FILE)
    assert len(rejets) == len(result.rejets)
    assert len(read_rows(out / di.REMARKS_FILE)) == len(result.remarques)
    assert all(r["motif"] and r["correction"] and r["fichier"] for r in rejets)


# -- the producer workbook of the data·inclusion valideur ----------------------
def test_valideur_workbook_reports_every_deliberate_error(tmp_path):
    out = tmp_path / "valideur"
    result = import_data_inclusion(VALIDEUR, None, out)
    issues = result.rejets + result.remarques
    located = {(i.problem.file.split(", feuille ")[-1], i.problem.line,
                (i.problem.field or "").split(" (")[0], i.problem.value) for i in issues}
    # The 13 errors of the data·inclusion valideur's snapshot, lines as it numbers them.
    expected = {
        ("Structures", 4, "code_postal", "750121"),
        ("Structures", 4, "courriel", "pas une adresse"),
        ("Structures", 4, "date_maj", None),
        ("Structures", 4, "nom", "AGENCE ACTION LOGEMENT."),
        ("Structures", 4, "site_web", "pas une url !"),
        ("Services", 4, "thematiques", "logement-hebergement--louer-un-appartement"),
        ("Services", 4, "date_maj", None),
        ("Services", 5, "date_maj", None),
        ("Services", 4, "mobilisable_par", "autres"),
        ("Services", 5, "mobilisable_par", "autres"),
        ("Services", 4, "nombre_semaines", "beaucoup"),
        ("Services", 5, "nombre_semaines", "beaucoup"),
        ("Services", 5, "code_insee", "59999"),
    }
    assert expected <= located
    # The extra and duplicated columns the README lists, and the overwritten date_maj headers.
    columns = {(i.problem.file.split(", feuille ")[-1], i.problem.field, i.problem.message)
               for i in issues if i.record is None}
    assert ("Structures", "colonne_en_trop (colonne R)",
            "colonne inconnue du schéma data·inclusion v1") in columns
    assert ("Structures", "colonne_en_double (colonne S)",
            "colonne inconnue du schéma data·inclusion v1") in columns
    assert ("Services", "lien_source (colonne J)", "colonne en double") in columns
    assert any(f == "2026_02_23 (colonne C)" and "date" in m for _, f, m in columns)
    thematique = next(i for i in issues if i.problem.value ==
                      "logement-hebergement--louer-un-appartement")
    assert "logement-hebergement--louer-un-logement" in thematique.problem.fix
    # Help and example rows (__ignore__) are skipped and counted.
    assert result.counts["structures"]["ignores"] == 2
    # The service in 59999 has no area left: rejected, with its reason; the other one is taken.
    assert reasons(result.rejets) == {"53669028-8862-4f42-a80c-d3f269456ed2":
                                      "zone du service inconnue : ni zone d'éligibilité, ni code "
                                      "INSEE du service ou de sa structure"}
    acteur = read_rows(out / "acteurs.csv")[0]
    assert (acteur["famille"], acteur["siret"], acteur["site_web"]) == \
        ("logement-hebergement", "82454114801871", "")          # SIRET stored as a float
    service = read_rows(out / "services.csv")[0]
    assert (service["thematiques"], service["territoire"]) == \
        ("logement-hebergement--louer-un-logement", "59350")
    assert api.validate(out)[1] == []


def test_data_gouv_xlsx_export_with_its_index_column(tmp_path):
    # The weekly export is also published as .xlsx, written by pandas: one sheet, an
    # unnamed index column, lists written as Python lists.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([None, "source", "id", "nom", "code_insee", "reseaux_porteurs", "date_maj"])
    ws.append([0, "dora", "dora--ml", "Mission locale", 56260, "['mission-locale']",
               "2026-03-02"])
    ws.append([1, "dora", "dora--caf", "CAF du Morbihan", "56260", "['caf']", "2026-03-02"])
    path = tmp_path / "structures-inclusion-2026-03-02.xlsx"
    wb.save(path)
    result = import_data_inclusion(path, None, tmp_path / "out")
    assert result.counts["services"]["lus"] == 0       # no Services sheet: structures only
    assert {k: v["famille"] for k, v in by_id(read_rows(tmp_path / "out" / "acteurs.csv"))
            .items()} == {"dora--ml": "mission-locale", "dora--caf": "caf"}
    index = [i for i in result.remarques if i.problem.field == "colonne A"]
    assert len(index) == 1 and "ligne 2-3" in index[0].problem.message


# -- reading errors and atomic output ------------------------------------------
def test_unreadable_sources(tmp_path):
    with pytest.raises(SourceError, match="introuvable"):
        read_export(tmp_path / "absent.json", "structures")
    bad = tmp_path / "structures.json"
    bad.write_text('[{"id": "a",\n "nom": }]', encoding="utf-8")
    with pytest.raises(SourceError, match="ligne 2"):
        read_export(bad, "structures")
    other = tmp_path / "structures.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(SourceError, match="format non reconnu"):
        read_export(other, "structures")
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"items": [{"id": "a", "nom": "A"}, "pas un objet"]}),
                   encoding="utf-8")
    export = read_export(odd, "structures")
    assert len(export.records) == 1 and export.unreadable[0].file == "odd.json, élément 2"


def test_output_folder_is_never_half_written(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("à garder", encoding="utf-8")
    with pytest.raises(ArgumentError, match="n'est pas vide"):
        run(tmp_path, "v1", "json")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]

    def broken(folder, name):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(di, "_check_written", broken)
    with pytest.raises(ExportError, match="impossible d'écrire"):
        import_data_inclusion(FIXTURES / "structures-v1.json", FIXTURES / "services-v1.json",
                              out, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]   # no staging folder left
    monkeypatch.undo()
    import_data_inclusion(FIXTURES / "structures-v1.json", FIXTURES / "services-v1.json",
                          out, force=True)
    assert sorted(p.name for p in out.iterdir()) == [
        "acteurs.csv", "data_inclusion.json", "import_rejets.csv", "import_remarques.csv",
        "provenance.json", "services.csv"]


# -- command line ----------------------------------------------------------------
def test_cli_import_prints_counts_and_every_reject(runner, tmp_path):
    out = tmp_path / "morbihan"
    result = runner.invoke(main, ["import", "data-inclusion",
                                  str(FIXTURES / "structures-v1.csv"),
                                  str(FIXTURES / "services-v1.csv"),
                                  "-o", str(out), "--departement", "56"])
    assert result.exit_code == 0, result.output
    assert "structures : 8 lu(s), 0 hors territoire, 2 rejeté(s), 6 acteur(s) écrit(s)" \
        in result.output
    assert "rejets : 5 enregistrement(s)" in result.output
    assert "dora--svc-orphelin" in result.output
    assert runner.invoke(main, ["validate", "--dataset", str(out)]).exit_code == 0


def test_cli_import_errors_are_french_without_traceback(runner, tmp_path):
    result = runner.invoke(main, ["import", "data-inclusion", str(tmp_path / "absent.json"),
                                  "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "Erreur :" in result.output and "introuvable" in result.output
    assert "Traceback" not in result.output
