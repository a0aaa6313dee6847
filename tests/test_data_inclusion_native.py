"""data·inclusion spoken natively: every export shape in, provenance kept, v1 back out.

Exports are written here with pandas, as data·inclusion's pipeline writes its
weekly files (``tests/data_inclusion_export.py``); the schema the export back is
checked against is data·inclusion's own JSON Schema v1
(``tests/reference/data-inclusion/schema``, copied from
gip-inclusion/data-inclusion-schema at v1.0.8).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import jsonschema
import pytest

from spie_graph import api
from spie_graph.cli import main
from spie_graph.errors import SourceError
from spie_graph.sources.data_inclusion import import_data_inclusion, read_export
from spie_graph.sources.data_inclusion.records import FIELDS, v1_record
from tests.conftest import REFERENCE
from tests.data_inclusion_export import FORMATS, api_pages, generate, write_export

FIXTURES = Path(__file__).parent / "fixtures" / "data_inclusion"
SCHEMA = REFERENCE / "data-inclusion" / "schema"


def rows_of(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle, delimiter=";")}


@pytest.fixture(scope="module")
def clean_export() -> tuple[list[dict], list[dict]]:
    return generate(12, 30, seed=3)


# -- every shape of the weekly export -----------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_weekly_export_written_by_pandas_in_each_format(tmp_path, clean_export, fmt):
    structures, services = clean_export
    s_path = write_export(structures, tmp_path, "structures", fmt)
    v_path = write_export(services, tmp_path, "services", fmt)
    result = import_data_inclusion(s_path, v_path, tmp_path / "out")
    assert result.rejets == []
    assert result.counts["structures"]["ecrits"] == 12
    assert result.counts["services"]["ecrits"] == 30
    # No remark on dates (epoch milliseconds in JSON, datetimes in Parquet).
    assert not [i for i in result.remarques if i.problem.field == "date_maj"]
    written = rows_of(tmp_path / "out" / "services.csv")
    first = services[1]
    row = written[first["id"]]
    assert row["thematiques"].split("|") == first["thematiques"]
    assert row["date_maj"] == "2026-02-27"
    assert row["frais"] == first["frais"]
    assert row["mobilisable_par"] == "professionnels|usagers"
    assert float(row["score_qualite"]) == first["score_qualite"]
    provenance = json.loads((tmp_path / "out" / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["date_export"] == "2026-03-02"          # from the file names
    assert {f["format"] for f in provenance["fichiers"]} == {fmt}
    dataset, problems = api.validate(tmp_path / "out")
    assert problems == [] and dataset.services[0].date_maj is not None


def test_cli_import_shows_a_progress_bar_on_stderr(runner, tmp_path):
    result = runner.invoke(main, ["import", "data-inclusion",
                                  str(FIXTURES / "structures-v1.json"),
                                  str(FIXTURES / "services-v1.json"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "Conversion des enregistrements" in result.stderr
    assert "Conversion des enregistrements" not in result.stdout


def test_new_service_columns_are_checked_in_a_hand_made_data_set(tmp_path, runner):
    from tests.conftest import write_table

    write_table(tmp_path / "acteurs.csv", [{"id": "a", "nom": "A", "famille": "caf",
                                            "commune": "56260"}])
    write_table(tmp_path / "services.csv", [{
        "id": "s", "acteur": "a", "nom": "S", "thematiques": "mobilite", "frais": "cher",
        "modes_mobilisation": "telephoner|pigeon", "mobilisable_par": "usagers",
        "score_qualite": "2", "date_maj": "2026-13-45"}])
    dataset, problems = api.validate(tmp_path)
    assert dataset is None
    assert {(p.field, p.value) for p in problems} == {
        ("frais", "cher"), ("modes_mobilisation", "pigeon"), ("score_qualite", "2"),
        ("date_maj", "2026-13-45")}
    result = runner.invoke(main, ["referentiel", "modes-mobilisation"])
    assert "utiliser-lien-mobilisation" in result.output


def test_v0_and_v1_fixtures_in_json_and_csv_still_agree(tmp_path):
    for version in ("v0", "v1"):
        a = import_data_inclusion(FIXTURES / f"structures-{version}.json",
                                  FIXTURES / f"services-{version}.json", tmp_path / f"{version}j")
        b = import_data_inclusion(FIXTURES / f"structures-{version}.csv",
                                  FIXTURES / f"services-{version}.csv", tmp_path / f"{version}c")
        assert a.services == b.services and a.acteurs == b.acteurs


def test_v0_service_attributes_are_mapped_to_v1(tmp_path):
    result = import_data_inclusion(FIXTURES / "structures-v0.json",
                                   FIXTURES / "services-v0.json", tmp_path / "out")
    values = {r["id"]: r for r in result.services}
    raw = {r["id"]: r for r in json.loads((FIXTURES / "services-v0.json").read_text("utf-8"))}
    for sid, row in values.items():
        frais = raw[sid].get("frais") or []
        if "payant" in frais:
            assert row["frais"] == "payant"
        elif frais:
            assert row["frais"] == "gratuit"


def test_parquet_needs_pyarrow_and_says_how_to_install(tmp_path, clean_export, monkeypatch):
    path = write_export(clean_export[0], tmp_path, "structures", "parquet")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(SourceError, match=r"pip install \"\.\[parquet\]\""):
        read_export(path, "structures")


def test_truncated_parquet_is_a_french_error(tmp_path, clean_export):
    path = write_export(clean_export[0], tmp_path, "structures", "parquet")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(SourceError, match="Parquet illisible"):
        read_export(path, "structures")


# -- the API's pages ------------------------------------------------------------------------
def test_api_page_of_services_with_their_structure(tmp_path, clean_export):
    structures, services = clean_export
    page = api_pages(structures, services, size=10)[0]
    del page["items"][0]["service"]["structure_id"]      # named by its structure only
    path = tmp_path / "page-1.json"
    path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    result = import_data_inclusion(path, None, tmp_path / "out")
    assert result.rejets == []
    assert result.counts["services"]["lus"] == 10 == result.counts["services"]["ecrits"]
    expected = {s["structure_id"] for s in services[:10]}
    assert {a["id"] for a in result.acteurs} == expected
    assert result.counts["structures"]["lus"] == len(expected)   # each structure once


def test_folder_of_api_pages(tmp_path, clean_export):
    structures, services = clean_export
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in api_pages(structures, services, size=7):
        (folder / f"page-{page['page']}.json").write_text(json.dumps(page), encoding="utf-8")
    assert len(list(folder.iterdir())) == 5                       # 10 sorts after 2
    result = import_data_inclusion(folder, None, tmp_path / "out")
    assert result.counts["services"]["ecrits"] == 30
    assert [r["id"] for r in result.services] == [s["id"] for s in services]
    empty = tmp_path / "vide"
    empty.mkdir()
    with pytest.raises(SourceError, match="dossier sans fichier .json"):
        read_export(empty, "services")


# -- rejects: every reason, the blocking one first --------------------------------------------
def test_every_reject_lists_all_its_reasons_blocking_first(tmp_path, clean_export):
    structures, services = clean_export
    extract = [dict(s) for s in services[:6]]
    for service in extract[:3]:      # the extract lacks their structures; no zone of their own
        service["structure_id"] = "absente"
        service["zone_eligibilite"] = None
        service["code_insee"] = None
    extract[1]["thematiques"] = ["pas-une-thematique"]
    s_path = tmp_path / "structures.json"
    v_path = tmp_path / "services.json"
    s_path.write_text(json.dumps(structures), encoding="utf-8")
    v_path.write_text(json.dumps(extract), encoding="utf-8")
    result = import_data_inclusion(s_path, v_path, tmp_path / "out")
    groups = {g[0].record: g for g in result.rejected_records()}
    assert set(groups) == {"v0", "v1", "v2"}
    for group in groups.values():
        assert group[0].problem.message == "structure absente de l'export des structures"
        assert any("zone du service inconnue" in i.problem.message for i in group[1:])
    assert "aucune thématique reconnue" in [i.problem.message for i in groups["v1"]][1:]
    assert result.blocking_reasons()["services"] == {
        "structure absente de l'export des structures": 3}
    assert result.counts["services"]["rejetes"] == 3
    summary = "\n".join(result.summary())
    assert "rejets : 3 enregistrement(s)" in summary
    assert "motif bloquant : 3 « structure absente de l'export des structures »" in summary
    assert "autres motifs : zone du service inconnue" in summary
    # The rejects file holds every reason, the blocking one on the first line of each record.
    with (tmp_path / "out" / "import_rejets.csv").open(encoding="utf-8-sig") as handle:
        rejets = list(csv.DictReader(handle, delimiter=";"))
    assert len(rejets) == len(result.rejets) == 7
    assert rejets[0]["motif"] == "structure absente de l'export des structures"
    # The source is incomplete: half of its services are gone.
    provenance = json.loads((tmp_path / "out" / "provenance.json").read_text("utf-8"))
    assert provenance["motifs_bloquants"]["services"] == {
        "structure absente de l'export des structures": 3}
    assert provenance["sources_incompletes"]


# -- territory filter: national and regional services kept --------------------------------------
def test_national_and_regional_services_kept_for_a_departement(tmp_path, clean_export):
    structures, services = clean_export
    services = [dict(s) for s in services]
    in_56 = next(s for s in structures if s["code_insee"].startswith("56"))
    services[0].update(structure_id=in_56["id"], zone_eligibilite=["france"])
    services[1].update(structure_id=in_56["id"], zone_eligibilite=["974"])
    services[2].update(structure_id=in_56["id"], zone_eligibilite=["22", "29", "35", "56"])
    s_path, v_path = tmp_path / "s.json", tmp_path / "v.json"
    s_path.write_text(json.dumps(structures), encoding="utf-8")
    v_path.write_text(json.dumps(services), encoding="utf-8")
    result = import_data_inclusion(s_path, v_path, tmp_path / "reunion", departement="974")
    kept = {r["id"] for r in result.services}
    assert "v0" in kept and "v1" in kept and "v2" not in kept
    assert in_56["id"] in {a["id"] for a in result.acteurs}
    national = sum(1 for s in services if s["zone_eligibilite"] == ["france"])
    assert result.counts["services"]["zone_large"] == national
    result = import_data_inclusion(s_path, v_path, tmp_path / "bretagne", region="53")
    assert {"v0", "v2"} <= {r["id"] for r in result.services}
    assert result.territoire == "region:53"
    with pytest.raises(Exception, match="n'est pas un code de région"):
        import_data_inclusion(s_path, v_path, tmp_path / "x", region="99")


# -- families, crosswalks --------------------------------------------------------------------------
def test_family_inferred_from_the_name_as_a_remark(tmp_path):
    structures = [
        {"source": "dora", "id": "a", "nom": "MISSION LOCALE NORD", "date_maj": "2026-03-02",
         "code_insee": "97411"},
        {"source": "dora", "id": "b", "nom": "CCAS de Saint-Denis", "typologie": "Autre",
         "date_maj": "2026-03-02"},
        {"source": "dora", "id": "c", "nom": "Médiathèque", "typologie": "BIB",
         "date_maj": "2026-03-02"},
    ]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(structures), encoding="utf-8")
    result = import_data_inclusion(path, None, tmp_path / "out")
    familles = {a["id"]: a["famille"] for a in result.acteurs}
    assert familles == {"a": "mission-locale", "b": "ccas-cias", "c": "autre"}
    remarks = {i.record: i.problem for i in result.remarques}
    assert "déduite du nom" in remarks["a"].message and remarks["a"].field == "nom"
    assert "typologie générique « Autre »" in remarks["b"].message
    assert "typologie générique « BIB »" in remarks["c"].message   # no longer silent
    off = import_data_inclusion(path, None, tmp_path / "off", infer_famille=False)
    assert {a["famille"] for a in off.acteurs} == {"autre"}


def test_crosswalk_that_widens_a_need_is_a_remark_and_can_be_turned_off(tmp_path):
    structures = [{"id": "s", "nom": "Espace numérique", "code_insee": "56260",
                   "typologie": "ASSO", "date_maj": "2026-03-02"}]
    services = [{"id": "v", "structure_id": "s", "nom": "Démarches de santé en ligne",
                 "thematiques": ["numerique--accompagner-les-demarches-de-sante",
                                 "numerique--prendre-en-main-un-ordinateur"],
                 "types": ["accompagnement"], "date_maj": "2026-03-02"}]
    s_path, v_path = tmp_path / "s.json", tmp_path / "v.json"
    s_path.write_text(json.dumps(structures), encoding="utf-8")
    v_path.write_text(json.dumps(services), encoding="utf-8")
    wide = import_data_inclusion(s_path, v_path, tmp_path / "wide")
    assert "sante--acces-aux-soins" in wide.services[0]["thematiques"]
    remark = next(i for i in wide.remarques if "élargit" in i.problem.message)
    assert "sante" in remark.problem.message and "--sans-elargissement" in remark.problem.fix
    assert wide.widened == {"sante": 1}
    strict = import_data_inclusion(s_path, v_path, tmp_path / "strict", elargir=False)
    assert not any(t.startswith("sante") for t in strict.services[0]["thematiques"])
    assert strict.widened == {}
    notes = api.provenance(tmp_path / "wide")
    assert any("Besoins élargis" in n and "sante (1 service)" in n for n in notes)


# -- provenance shown by who-covers, gaps and the report ------------------------------------------
@pytest.fixture
def imported_reunion(tmp_path) -> Path:
    """A Réunion data set whose import lost a third of the services (structures absent)."""
    structures, services = generate(20, 60, seed=11, departements=("974",))
    services = [dict(s) for s in services]
    for service in services[:20]:
        service["structure_id"] = "hors-extrait"
    s_path, v_path = tmp_path / "s.json", tmp_path / "services-inclusion-2026-03-02.json"
    s_path.write_text(json.dumps(structures), encoding="utf-8")
    v_path.write_text(json.dumps(services), encoding="utf-8")
    out = tmp_path / "reunion"
    import_data_inclusion(s_path, v_path, out, departement="974")
    return out


def test_who_covers_and_gaps_say_what_the_import_left_out(runner, imported_reunion):
    result = runner.invoke(main, ["who-covers", "mobilite", "--territoire", "974",
                                  "--dataset", str(imported_reunion)])
    assert result.exit_code == 0, result.output
    assert "Provenance" in result.output and "export du 02/03/2026" in result.output
    assert "20 services sur" in result.output and "Sources incomplètes" in result.output
    result = runner.invoke(main, ["gaps", "--territoire", "974", "--dataset",
                                  str(imported_reunion)])
    assert result.exit_code == 0, result.output
    assert "L'import a laissé de côté 20 services" in result.output
    # CSV stays clean for programs: the notes go to stderr.
    result = runner.invoke(main, ["gaps", "--territoire", "974", "--format", "csv",
                                  "--dataset", str(imported_reunion)])
    assert "Provenance" not in result.stdout and "Provenance" in result.stderr


def test_who_covers_rows_carry_the_attributes_and_filter_on_them(runner, imported_reunion):
    result = runner.invoke(main, ["who-covers", "mobilite", "--territoire", "974",
                                  "--format", "json", "--dataset", str(imported_reunion)])
    rows = json.loads(result.stdout)
    assert rows and all({"frais", "modes_mobilisation", "mobilisable_par", "conditions_acces",
                         "score_qualite", "date_maj"} <= set(r) for r in rows)
    assert all(r["date_maj"] == "2026-02-27" and r["frais"] in ("gratuit", "payant")
               for r in rows)
    threshold = sorted(r["score_qualite"] for r in rows)[len(rows) // 2]
    result = runner.invoke(main, ["who-covers", "mobilite", "--territoire", "974",
                                  "--format", "json", "--qualite-min", str(threshold),
                                  "--dataset", str(imported_reunion)])
    good = json.loads(result.stdout)
    assert 0 < len(good) < len(rows) and all(r["score_qualite"] >= threshold for r in good)
    result = runner.invoke(main, ["who-covers", "mobilite", "--territoire", "974",
                                  "--format", "json", "--maj-depuis", "2026-03-01",
                                  "--dataset", str(imported_reunion)])
    assert json.loads(result.stdout) == []


def test_gaps_and_report_filter_on_quality_and_freshness(runner, imported_reunion, tmp_path):
    def services(*options: str) -> int:
        result = runner.invoke(main, ["gaps", "--territoire", "974", "--format", "json",
                                      "--dataset", str(imported_reunion), *options])
        assert result.exit_code == 0, result.output
        return sum(r["nb_services"] for r in json.loads(result.stdout)["lignes"])

    everything, good = services(), services("--qualite-min", "0.6")
    assert 0 < good < everything
    assert services("--maj-depuis", "2026-03-01") == 0      # every date_maj is 2026-02-27
    folder = api.report(imported_reunion, tmp_path / "exports", territoire="974",
                        qualite_min=0.6)
    text = (folder / "rapport.md").read_text(encoding="utf-8")
    assert "Seuls comptent les services au score de qualité data·inclusion d'au moins 0,60" \
        in text


def test_report_of_an_imported_data_set_states_what_was_left_out(imported_reunion, tmp_path):
    folder = api.report(imported_reunion, tmp_path / "exports", territoire="974")
    text = (folder / "rapport.md").read_text(encoding="utf-8")
    assert "## Provenance des données" in text
    assert "L'import a laissé de côté 20 services" in text
    assert "Sources incomplètes" in text
    assert "### Services pour 10 000 habitants" in text
    with (folder / "densite_services.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert {r["niveau"] for r in rows} == {"commune", "epci"}


def test_services_per_10000_inhabitants(demo_graph):
    from spie_graph.analyses import density
    from spie_graph.reference.referentials import referentials

    result = density(demo_graph, "56")
    terr = referentials().territoires
    row = next(r for r in result.epci if r.nb_services)
    assert row.population == sum(terr.population(c) for c in terr.communes(row.territoire)
                                 if c in terr.communes("56"))
    assert row.pour_10000 == round(row.nb_services * 10_000 / row.population, 2)
    assert {r.niveau for r in result.communes} == {"commune"}
    assert set(result.mediane_epci) <= set(result.thematiques)


# -- export back to data·inclusion v1 -----------------------------------------------------------
def _validators() -> dict[str, jsonschema.Validator]:
    result = {}
    for table, name in (("structures", "v1_structure"), ("services", "v1_service")):
        schema = json.loads((SCHEMA / f"{name}.schema.json").read_text(encoding="utf-8"))
        result[table] = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return result


def test_export_validates_against_the_schema_even_from_faulty_sources(tmp_path, runner):
    out = tmp_path / "ds"
    import_data_inclusion(FIXTURES / "structures-v1.json", FIXTURES / "services-v1.json", out)
    result = runner.invoke(main, ["export-data-inclusion", "--dataset", str(out), "-o",
                                  str(tmp_path / "di")])
    assert result.exit_code == 0, result.output
    assert "valeurs non conformes au schéma, non écrites" in result.output
    validators = _validators()
    for table in ("structures", "services"):
        records = json.loads((tmp_path / "di" / f"{table}.json").read_text(encoding="utf-8"))
        assert records
        for record in records:
            errors = [e.message for e in validators[table].iter_errors(record)]
            assert errors == [], (record["id"], errors)


def test_export_passes_data_inclusion_own_models(tmp_path, demo_path):
    # data·inclusion's own pydantic models (PyPI data-inclusion-schema) add rules the JSON
    # Schema cannot say, such as « tous-publics » used alone.
    from data_inclusion.schema import v1

    ds = tmp_path / "ds"
    import_data_inclusion(FIXTURES / "structures-v1.json", FIXTURES / "services-v1.json", ds)
    for path in (ds, demo_path):
        result = api.export_data_inclusion(path, tmp_path / f"di-{path.name}", "json")
        for record in result.structures:
            v1.Structure.model_validate(record)
        for record in result.services:
            v1.Service.model_validate(record)
        assert result.services


def test_hand_made_data_set_exports_valid_v1(tmp_path, demo_path):
    result = api.export_data_inclusion(demo_path, tmp_path / "di", "json", source="morbihan")
    validators = _validators()
    for table, records in (("structures", result.structures), ("services", result.services)):
        assert records
        for record in records:
            assert list(validators[table].iter_errors(record)) == [], record["id"]
            assert record["source"] == "morbihan"
    # A category is written as its sub-themes; a région as its départements.
    assert all("--" in t for r in result.services for t in r["thematiques"] or [])


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_v1_keeps_every_field_of_the_schema(tmp_path, clean_export, fmt):
    structures, services = clean_export
    s_path = write_export(structures, tmp_path, "structures", "json")
    v_path = write_export(services, tmp_path, "services", "json")
    import_data_inclusion(s_path, v_path, tmp_path / "ds")
    api.export_data_inclusion(tmp_path / "ds", tmp_path / "back", fmt)
    back_s = read_export(tmp_path / "back" / f"structures.{fmt}", "structures")
    back_v = read_export(tmp_path / "back" / f"services.{fmt}", "services")
    for table, originals, back in (("structures", structures, back_s),
                                   ("services", services, back_v)):
        by_id = {r.id: v1_record(r.values, table) for r in back.records}
        assert set(by_id) == {r["id"] for r in originals}
        for original in originals:
            expected = v1_record(original, table)
            assert set(expected) == FIELDS[("v1", table)]
            assert by_id[original["id"]] == expected, original["id"]
    # Through spie-graph again: the same data set.
    import_data_inclusion(tmp_path / "back" / f"structures.{fmt}",
                          tmp_path / "back" / f"services.{fmt}", tmp_path / "ds2")
    for name in ("acteurs.csv", "services.csv"):
        assert (tmp_path / "ds" / name).read_bytes() == (tmp_path / "ds2" / name).read_bytes()


def test_edited_fields_win_over_what_was_imported(tmp_path, clean_export):
    structures, services = clean_export
    s_path = write_export(structures, tmp_path, "structures", "json")
    v_path = write_export(services, tmp_path, "services", "json")
    import_data_inclusion(s_path, v_path, tmp_path / "ds")
    path = tmp_path / "ds" / "services.csv"
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.replace(";Service 1;", ";Service un, renommé;"), encoding="utf-8-sig")
    result = api.export_data_inclusion(tmp_path / "ds", tmp_path / "back", "json")
    edited = next(r for r in result.services if r["id"] == "v1")
    assert edited["nom"] == "Service un, renommé"
    assert edited["telephone"] == "0102030405"           # the rest as imported
