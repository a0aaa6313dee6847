"""The main job: every part of one report shows the same findings; bad territories are refused.

The demo's report is read as its users read it: ``lacunes.csv`` and
``doublons.csv`` as files, the map's data as the page holds it, ``diagnostic.md``
and ``rapport.md`` as text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from spie_graph import api, french
from spie_graph.cli import main
from spie_graph.errors import ArgumentError
from spie_graph.reference.referentials import referentials

DATA = re.compile(r'<script type="application/json" id="carte-donnees">(.*?)</script>', re.DOTALL)


@pytest.fixture(scope="module")
def demo_report(demo_path, tmp_path_factory) -> Path:
    return api.report(demo_path, tmp_path_factory.mktemp("rapport"))


def read_csv(path: Path) -> list[dict[str, str]]:
    """A report's CSV as French Excel reads it: UTF-8 with BOM, semicolons."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")),
                               delimiter=";"))


def map_data(folder: Path) -> dict:
    return json.loads(DATA.search((folder / "carte.html").read_text(encoding="utf-8")).group(1))


def markdown_list(text: str, title: str) -> list[str]:
    """The items of the list under a ``## title`` heading, Markdown escapes removed."""
    section = text.split(f"## {title}\n\n", 1)[1].split("\n\n", 1)[0]
    return [line[2:].replace("\\", "") for line in section.splitlines() if line.startswith("- ")]


def test_every_part_shows_the_same_gaps(demo_report):
    refs_labels = {t["code"]: t["libelle"] for t in api.referential("thematiques")}
    moments = {m["code"]: m["libelle"] for m in api.referential("moments")}
    rows = read_csv(demo_report / "lacunes.csv")
    gaps_csv = [r for r in rows if r["nb_services"] == "0"]
    saved = json.loads((demo_report / "lacunes.json").read_text(encoding="utf-8"))
    assert saved["niveau"] == "commune"  # a département: counted commune by commune
    assert len(gaps_csv) > 100

    # The map: the same (commune, need) pairs, and the same moments of the parcours,
    # grouped by need and EPCI (one level per list).
    shown = map_data(demo_report)["manques"]
    assert sorted((c, g["thematique"]) for g in shown if g["thematique"] for c in g["communes"]) \
        == sorted((r["nom_territoire"], r["thematique"]) for r in gaps_csv)
    assert sorted((c, g["besoin"]) for g in shown if not g["thematique"] for c in g["communes"]) \
        == sorted((m["nom_territoire"], moments[m["moment"]])
                  for m in saved["moments_sans_service"])

    # The diagnostic: the most populated gaps first, the same as the map's, then the count left.
    everything = sorted([*((r["nom_territoire"], refs_labels[r["thematique"]],
                            int(r["population"])) for r in gaps_csv),
                         *((m["nom_territoire"], moments[m["moment"]], m["population"])
                           for m in saved["moments_sans_service"])], key=lambda g: -g[2])
    items = markdown_list((demo_report / "diagnostic.md").read_text(encoding="utf-8"),
                          "Besoins non couverts")
    listed, rest = items[:-1], items[-1]
    assert listed == [f"{need} : {place} ({pop:,} habitants)".replace(",", "\u202f")
                      for place, need, pop in everything[:len(listed)]]
    assert rest == f"… et {french.plural(len(everything) - len(listed), 'autre')}"

    # rapport.md: the count, the level, and the table's first rows.
    text = (demo_report / "rapport.md").read_text(encoding="utf-8")
    assert f"{len(gaps_csv)} couples commune × besoin sans aucun service, sur 1\u202f494" in text
    assert "comptés commune par commune" in text
    # One level per list: the table names EPCI (a département's 19 EPCI...), never communes,
    # and its first line is the need and EPCI whose communes without it are the most populated.
    header = "| EPCI | Besoin | Communes sans service | Population |"
    table = text.split(header)[1].split("\n\n")[0].strip().splitlines()[1:]
    codes = {re.search(r"\((\w+)\) \|", line).group(1) for line in table}
    assert table and {referentials().territoires.kind(c) for c in codes} == {"epci"}
    epci_of = referentials().territoires.epci_of
    totals: dict[tuple[str, str], int] = {}
    for r in gaps_csv:
        key = (epci_of(r["territoire"]), refs_labels[r["thematique"]])
        totals[key] = totals.get(key, 0) + int(r["population"])
    (zone, need), _ = max(totals.items(), key=lambda item: item[1])
    assert f"({zone}) | {need} |" in table[0]


def test_every_part_shows_the_same_duplicates(demo_report):
    rows = read_csv(demo_report / "doublons.csv")
    assert rows
    shown = map_data(demo_report)["doublons"]
    assert len(shown) == len(rows)
    assert [d["population"] for d in shown] == sorted((int(r["population"]) for r in rows),
                                                      reverse=True)
    text = (demo_report / "rapport.md").read_text(encoding="utf-8")
    assert f"{len(rows)} groupes de services" in text
    annex_items = markdown_list((demo_report / "diagnostic.md").read_text(encoding="utf-8"),
                                "Doublons repérés")
    assert len(annex_items) == min(len(rows), 10) + (len(rows) > 10)


@pytest.mark.parametrize("code", ["99999", "2B999", "region:99", "abc"])
def test_unknown_territory_is_refused_before_anything_is_written(runner, demo_path, tmp_path,
                                                                   code):
    result = runner.invoke(main, ["report", "--dataset", str(demo_path), "-o", str(tmp_path),
                                  "--territoire", code])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Erreur : territoire inconnu : « {code} » (--territoire)")
    assert "Codes proches" in result.stderr and "Traceback" not in result.output
    assert not any(tmp_path.iterdir())


def test_territory_codes_are_normalised(demo_path, tmp_path):
    folder = api.report(demo_path, tmp_path, territoire="200067932")
    assert json.loads((folder / "lacunes.json").read_text(encoding="utf-8"))["territoire"] == \
        "200067932"
    with pytest.raises(ArgumentError, match="territoire inconnu"):
        api.gaps(demo_path, "99999")
    # A Corsican commune typed in lower case is the same code.
    assert api.gaps(demo_path, "2a004").territoire == "2A004"


def test_to_pyvis_is_a_real_pyvis_network(demo_graph):
    from pyvis.network import Network

    net = api.to_pyvis(demo_graph, notebook=False)
    assert isinstance(net, Network)
    actors = [n for n, d in demo_graph.nodes(data=True) if d["label"] == "Acteur"]
    links = [e for e in demo_graph.edges(data="type") if e[2] == "INTERAGIT"]
    assert net.num_nodes() == len(actors) and net.num_edges() == len(links)
    cd = net.get_node("Acteur:cd56")
    assert cd["label"] == "Conseil départemental du Morbihan" and cd["shape"] == "star"
    assert "Conseil départemental" in cd["title"]
    html = net.generate_html()
    assert "Acteur:cd56" in html and "vis-network" in html


def test_without_consortium_a_large_data_set_gets_no_page_to_attach(tmp_path):
    """Past DIRECTORY_MAX actors and no consortium, the page would be a directory of
    hundreds of pages: the report writes the diagnostic only and says why."""
    from spie_graph.graph.build import build_graph
    from spie_graph.render.annex import DIRECTORY_MAX, annex_listed
    from spie_graph.report.parts import annex_part
    from spie_graph.report.run import run_report
    from tests.data_outputs import generated_dataset

    def graph(n: int, consortium: bool):
        data = generated_dataset(n)
        return build_graph(data if consortium else data.model_copy(update={"consortium": None}))

    assert annex_listed(graph(DIRECTORY_MAX, False)) == (True, DIRECTORY_MAX)
    assert annex_listed(graph(DIRECTORY_MAX + 1, True)) == (True, DIRECTORY_MAX + 1)
    large = graph(DIRECTORY_MAX + 1, False)
    assert annex_listed(large) == (False, DIRECTORY_MAX + 1)
    folder = run_report("grand", large, tmp_path, parts=[annex_part])
    written = {path.name for path in folder.iterdir()}
    assert {"diagnostic.docx", "diagnostic.html", "diagnostic.md", "rapport.md"} <= written
    assert not written & {"annexe.docx", "annexe.html", "annexe.md", "fiches-membres.docx",
                          "fiches-membres.html"}
    text = (folder / "rapport.md").read_text(encoding="utf-8")
    assert "aucun consortium n'est déclaré et le jeu de données compte 201 acteurs" in text
    assert "consortium.yaml" in text and "`reseau.csv`" in text


def test_a_graph_too_large_for_gephi_exports_the_actors_network(demo_graph, monkeypatch):
    import importlib

    from spie_graph.report.run import report_context

    parts = importlib.import_module("spie_graph.report.parts")
    monkeypatch.setattr(parts, "EXPORT_MAX", 100)
    ctx = report_context("morbihan", demo_graph)
    output = parts.exports_part(ctx)
    data = json.loads(output.files["graphe.json"])
    assert {node["label"] for node in data["nodes"]} == {"Acteur", "Consortium"}
    assert len(data["nodes"]) == 72 and {link["type"] for link in data["links"]} <= {
        "INTERAGIT", "MEMBRE_DE"}
    gexf = output.files["graphe.gexf"].decode("utf-8")
    assert gexf.count("<node ") == 72 and "viz:position" in gexf
    assert "trop pour Gephi" in output.section
    assert "`spie-graph export --perimetre complet`" in output.section


def test_the_reports_graph_files_cover_its_territory(demo_graph):
    from spie_graph.render.exports import select
    from spie_graph.report.parts import exports_part
    from spie_graph.report.run import report_context

    output = exports_part(report_context("morbihan", demo_graph))
    data = json.loads(output.files["graphe.json"])
    local = select(demo_graph, "territoire", "56")
    assert len(data["nodes"]) == len(local) == 563 < len(demo_graph)
    assert len(data["links"]) == len(local.edges)
    assert "couvrent le Morbihan (563 nœuds, 1\u202f501 liens)" in output.section
    assert "Hors de ces fichiers : 1\u202f002 territoires du graphe" in output.section
    assert "`spie-graph export --perimetre territoire --territoire 56`" in output.section
    # France: the whole graph, nothing said
    france = exports_part(report_context("morbihan", demo_graph, "france"))
    assert len(json.loads(france.files["graphe.json"])["nodes"]) == len(demo_graph)
    assert "Hors de ces fichiers" not in france.section


def test_rapport_md_lists_a_few_names_and_says_where_the_rest_are(demo_graph, monkeypatch):
    import importlib

    from spie_graph.report.run import report_context

    parts = importlib.import_module("spie_graph.report.parts")
    monkeypatch.setattr(parts, "NAMES", 1)
    monkeypatch.setattr(parts, "TOP", 1)
    ctx = report_context("morbihan", demo_graph)
    network = parts.network_part(ctx).section
    pilots = ctx.findings.network.acteurs_pilotes
    first = ctx.profiles[pilots[0]].nom
    assert f"Acteurs pilotes (les plus reliés) : {first}… et {len(pilots) - 1} autre" in network
    assert "(`reseau.csv`)" in network
    duplicates = parts.duplicates_part(ctx).section
    assert duplicates.count("\n| ") == 2  # the header and one group
    assert "tous sont dans `doublons.csv`" in duplicates


def test_the_collector_is_paused_during_the_report_and_restored_after(demo_graph, monkeypatch,
                                                                     tmp_path):
    import gc
    import importlib

    from spie_graph.report.run import run_report

    parts = importlib.import_module("spie_graph.report.parts")
    seen = []
    monkeypatch.setattr(parts, "stats_part", lambda ctx: seen.append(gc.isenabled()) or
                        parts.ReportPart({}, ""))
    assert gc.isenabled()
    run_report("morbihan", demo_graph, tmp_path, parts=[parts.stats_part])
    assert seen == [False] and gc.isenabled()


def test_rapport_md_names_the_community_method(demo_graph):
    import dataclasses

    from spie_graph.report.parts import network_part
    from spie_graph.report.run import report_context

    ctx = report_context("morbihan", demo_graph)
    assert "communautés (Louvain)" in network_part(ctx).section
    network = ctx.findings.network.model_copy(update={"communautes_methode":
                                                      "propagation-etiquettes"})
    wide = dataclasses.replace(ctx, findings=ctx.findings.model_copy(update={"network": network}))
    assert "communautés (propagation d'étiquettes" in network_part(wide).section


def test_rapport_md_says_how_many_duplicates_a_capped_run_has(demo_graph):
    """A run wider than a département lists the most populated findings only: rapport.md
    says how many there are (at least) and where to ask for the rest."""
    import dataclasses
    import importlib

    from spie_graph.analyses.duplicates import DuplicateCount
    from spie_graph.report.run import report_context

    parts = importlib.import_module("spie_graph.report.parts")
    ctx = report_context("morbihan", demo_graph)
    listed = len(ctx.findings.duplicates)
    assert "constats sur ce territoire" not in parts.duplicates_part(ctx).section  # all listed
    count = DuplicateCount(total=2051, au_moins=True, seuil=68_952_941, limite=listed,
                           territoire="france", etendu=True)
    ctx = dataclasses.replace(ctx, findings=ctx.findings.model_copy(
        update={"duplicates_count": count}))
    section = parts.duplicates_part(ctx).section
    assert ("Au moins 2\u202f051 constats (ceux qui touchent 68\u202f952\u202f941 habitants ou "
            f"plus) sur ce territoire ; les {listed} plus peuplés") in section
    assert "département par département" in section


def test_doublons_json_is_what_pydantic_writes_one_finding_per_line(demo_graph):
    from spie_graph.analyses.duplicates import find_duplicates
    from spie_graph.render.tables import models_json
    from tests.data_outputs import hostile_graph

    for graph in (demo_graph, hostile_graph(demo_graph)):
        groups = find_duplicates(graph).constats
        assert groups
        text = models_json(groups).decode("utf-8")
        assert text == "[\n" + ",\n".join(f"  {g.model_dump_json()}" for g in groups) + "\n]"
        assert [json.loads(line.strip().rstrip(",")) for line in text.splitlines()[1:-1]] == [
            g.model_dump(mode="json") for g in groups]
    assert models_json([]) == b"[]"


def test_doublons_csv_and_sheet_hold_every_field_of_the_findings_but_their_parts(demo_graph):
    """duplicates_part reads its table's columns from the findings' fields: the rows
    model_rows makes of them (all but « recouvrements »), labelled; none without findings."""
    import dataclasses

    from spie_graph.render.tables import Sheet, model_rows, sheet_xml, to_csv
    from spie_graph.report.parts import duplicates_part
    from spie_graph.report.run import report_context
    from tests.data_outputs import hostile_graph

    for graph in (demo_graph, hostile_graph(demo_graph)):
        ctx = report_context("morbihan", graph)
        groups = ctx.findings.duplicates
        assert groups
        rows = model_rows(groups, exclude={"recouvrements"})
        made = duplicates_part(ctx)
        assert made.files["doublons.csv"] == to_csv(rows, refs=ctx.refs).encode("utf-8")
        (sheet,) = made.tables
        assert sheet_xml(sheet) == sheet_xml(Sheet("Doublons", rows), refs=ctx.refs)
    empty = dataclasses.replace(ctx, findings=ctx.findings.model_copy(update={"duplicates": []}))
    assert duplicates_part(empty).files["doublons.csv"] == to_csv([], refs=ctx.refs).encode()


@pytest.mark.parametrize("error", [ValueError("panne"), KeyboardInterrupt()])
@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_report_stopped_midway_leaves_the_previous_folder_and_no_staging(
        demo_graph, tmp_path, error, processes, monkeypatch):
    """Each part's files are written as soon as they are made, into a staging folder: a
    part that fails or an interruption (Ctrl-C) after the first parts leaves the previous
    report as it was, and nothing half-written beside it; in one process or two (the
    failing part runs here, the coverage and the gaps in the second lane)."""
    from spie_graph.report import lanes, parts
    from spie_graph.report.run import run_report

    monkeypatch.setenv(lanes.ENV_PROCESSES, processes)
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 2)

    previous = run_report("morbihan", demo_graph, tmp_path, parts=[parts.stats_part])
    before = {path.name: path.read_bytes() for path in previous.iterdir()}
    written: list[str] = []

    def spy(ctx):
        staging = [p for p in tmp_path.iterdir() if p.name.startswith(".morbihan.")]
        written.extend(p.name for folder in staging for p in folder.iterdir())
        raise error

    with pytest.raises(type(error)):
        run_report("morbihan", demo_graph, tmp_path,
                   parts=[parts.coverage_part, parts.gaps_part, spy])
    if processes == "1":  # in order: written before the failure
        assert {"couverture.csv", "lacunes.csv"} <= set(written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["morbihan"]
    assert {path.name: path.read_bytes() for path in previous.iterdir()} == before
    with pytest.raises(type(error)):
        run_report("autre", demo_graph, tmp_path, parts=[parts.gaps_part, spy])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["morbihan"]


def test_the_reports_graph_files_hold_the_actors_working_on_its_territory(demo_graph):
    """On a territory where some actors do not work, the graph files and kumu.xlsx hold the
    actors the map shows (their seat, area or a service's area meets it), with their
    services; the section says how many are left out."""
    import importlib

    from spie_graph.graph.views import actor_profiles
    from spie_graph.reference.referentials import referentials
    from spie_graph.render.exports import territory_nodes, working_actors
    from spie_graph.report.run import report_context

    map_module = importlib.import_module("spie_graph.render.map")
    parts = importlib.import_module("spie_graph.report.parts")
    epci = "200067932"  # Golfe du Morbihan - Vannes Agglomération
    profiles = list(actor_profiles(demo_graph).values())
    on_map = [p.key for p in map_module._working_in(profiles, epci, referentials())]
    working = working_actors(demo_graph, epci)
    assert working == on_map and 0 < len(working) < len(profiles)
    kept = territory_nodes(demo_graph, epci)
    actors_kept = {k for k in kept if demo_graph.nodes[k]["label"] == "Acteur"}
    services_kept = {k for k in kept if demo_graph.nodes[k]["label"] == "Service"}
    assert actors_kept == set(working)
    assert services_kept == {s for a in working for s, keyed in demo_graph.succ[a].items()
                             if "PROPOSE" in keyed}
    output = parts.exports_part(report_context("morbihan", demo_graph, epci))
    data = json.loads(output.files["graphe.json"])
    assert {n["id"] for n in data["nodes"] if n["label"] == "Acteur"} == actors_kept
    left = len(profiles) - len(working)
    assert f"Les {left} autres acteurs du jeu, qui travaillent ailleurs" in output.section
    kumu = zipfile.ZipFile(io.BytesIO(output.files["kumu.xlsx"]))
    sheet = kumu.read("xl/worksheets/sheet1.xml").decode("utf-8")
    outside = next(p for p in profiles if p.key not in actors_kept)
    assert outside.nom not in sheet and all(
        p.nom in sheet for p in profiles if p.key in actors_kept and "&" not in p.nom)
