"""Exports for Gephi, JSON and Kumu: round trips, typed attributes, formulas neutralised."""

from __future__ import annotations

import io
import json
from collections import Counter
from xml.etree import ElementTree

import networkx as nx
import pytest
from openpyxl import load_workbook

from spie_graph.analyses.findings import Findings
from spie_graph.cli import main
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import build_graph
from spie_graph.render.exports import (
    EXPORT_FORMATS,
    export_graph,
    gephi_graph,
    select,
    to_gexf,
    to_graphml,
    to_json,
    to_kumu,
)
from spie_graph.report.parts import ReportContext, exports_part
from spie_graph.sources.validation import load_dataset
from tests.data_outputs import ACTEURS, FORMULA, HOSTILE_NAME, QUOTED_NAME, small_dataset

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def small_graph(make_dataset):
    return build_graph(load_dataset(small_dataset(make_dataset)))


def edge_set(graph: nx.MultiDiGraph) -> Counter:
    return Counter((u, v, k) for u, v, k in graph.edges(keys=True))


def exported_edge_set(graph: nx.DiGraph) -> Counter:
    """Edges read back from a Gephi file, keyed from their attributes.

    networkx reads a GEXF file without parallel edges as a simple graph, which
    drops the edge keys: they are rebuilt from ``relation`` and ``interaction``.
    """
    def key(data: dict) -> str:
        if data["relation"] == "INTERAGIT":
            return f"INTERAGIT:{data['interaction']}"
        return data["relation"]

    return Counter((u, v, key(d)) for u, v, d in graph.edges(data=True))


# -- round trips -----------------------------------------------------------------------------

def test_graphml_round_trip(small_graph):
    back = nx.read_graphml(io.BytesIO(to_graphml(small_graph)), force_multigraph=True)
    assert set(back.nodes) == set(small_graph.nodes)
    assert edge_set(back) == edge_set(small_graph)
    hostile = back.nodes["Acteur:hostile"]
    assert hostile["label"] == HOSTILE_NAME and hostile["type_noeud"] == "Acteur"
    assert hostile["identifiant"] == "hostile"
    assert hostile["competences"] == f"{FORMULA} | -2+3 | @SUM(A1)"
    assert back.nodes["Acteur:lien-auray"]["label"] == QUOTED_NAME
    assert back.nodes["Territoire:56"]["population"] == 783390  # an integer, typed
    edge = back.edges["Acteur:cd56", "Acteur:ft-vannes", "INTERAGIT:convention"]
    assert edge["label"] == "Convention" and edge["relation"] == "INTERAGIT"
    member = back.edges["Acteur:cd56", "Consortium:petit", "MEMBRE_DE"]
    assert member["lettre_engagement"] is True and member["label"] == "membre de"


def test_graphml_attributes_are_typed(small_graph):
    root = ElementTree.fromstring(to_graphml(small_graph))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    types = {(k.get("for"), k.get("attr.name")): k.get("attr.type")
             for k in root.findall("g:key", ns)}
    assert types[("node", "population")] in ("int", "long")
    assert types[("edge", "lettre_engagement")] == "boolean"
    assert types[("node", "label")] == "string"


def test_gexf_round_trip(small_graph):
    data = to_gexf(small_graph)
    back = nx.read_gexf(io.BytesIO(data))
    assert set(back.nodes) == set(small_graph.nodes)
    assert edge_set(back) == edge_set(small_graph) == exported_edge_set(back)
    assert back.nodes["Acteur:hostile"]["label"] == HOSTILE_NAME
    assert back.nodes["Service:cd-orientation"]["label"] == "Orientation RSA"
    assert back.nodes["Thematique:mobilite"]["label"] == "Mobilité"
    assert back.nodes["Territoire:56"]["population"] == 783390
    # the edge type GEXF reserves is not overwritten by our relation types
    root = ElementTree.fromstring(data)
    edge_types = {e.get("type") for e in root.iter() if e.tag.endswith("}edge")}
    assert edge_types <= {None, "directed"}


def test_json_round_trip_is_lossless(small_graph):
    data = json.loads(to_json(small_graph))
    assert set(data) >= {"nodes", "edges", "directed", "multigraph"}
    back = nx.node_link_graph(data, edges="edges", name="cle")
    assert dict(back.nodes(data=True)) == dict(small_graph.nodes(data=True))
    assert sorted(back.edges(keys=True, data=True), key=str) == \
        sorted(small_graph.edges(keys=True, data=True), key=str)


def test_demo_round_trips(demo_graph):
    for data, reader in ((to_graphml(demo_graph),
                          lambda b: nx.read_graphml(b, force_multigraph=True)),
                         (to_gexf(demo_graph), nx.read_gexf)):
        back = reader(io.BytesIO(data))
        assert set(back.nodes) == set(demo_graph.nodes)
        assert exported_edge_set(back) == edge_set(demo_graph)


def test_gephi_graph_renames_reserved_names(small_graph):
    graph = gephi_graph(small_graph)
    node = graph.nodes["Acteur:cd56"]
    assert "id" not in node and node["identifiant"] == "cd56"
    assert all("type" not in d for _, _, d in graph.edges(data=True))
    assert small_graph.nodes["Acteur:cd56"]["label"] == "Acteur"  # the original is untouched


# -- Kumu --------------------------------------------------------------------------------------

def sheet_rows(book, name):
    sheet = book[name]
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0], rows[1:], sheet


def test_kumu_layout(small_graph):
    book = load_workbook(io.BytesIO(to_kumu(small_graph)))
    assert book.sheetnames == ["Elements", "Connections", "Lisez-moi (ignore)"]
    header, elements, _ = sheet_rows(book, "Elements")
    assert header[:4] == ("ID", "Label", "Type", "Description")
    assert len(elements) == small_graph.number_of_nodes()
    header, connections, _ = sheet_rows(book, "Connections")
    assert header[:4] == ("From", "To", "Type", "Direction")
    assert len(connections) == small_graph.number_of_edges()
    ids = {row[0] for row in elements}
    assert all(row[0] in ids and row[1] in ids for row in connections)
    hostile = next(row for row in elements if row[0] == "Acteur:hostile")
    assert hostile[1] == HOSTILE_NAME  # plain text in a spreadsheet: nothing to escape
    cd = next(row for row in elements if row[0] == "Acteur:cd56")
    assert cd[1] == "Conseil départemental du Morbihan" and cd[2] == "Conseil départemental"
    assert {row[2] for row in connections if row[5] == "INTERAGIT"} >= {
        "Convention", "Orientation de personnes"}


def test_kumu_actors_only(small_graph):
    book = load_workbook(io.BytesIO(to_kumu(select(small_graph, "acteurs"))))
    _, elements, _ = sheet_rows(book, "Elements")
    _, connections, _ = sheet_rows(book, "Connections")
    assert len(elements) == len(ACTEURS) + 1  # and the consortium
    assert {row[5] for row in connections} == {"INTERAGIT", "MEMBRE_DE"}
    assert len(connections) == 14 + 8


def test_kumu_neutralises_formulas(make_dataset):
    acteurs = [dict(ACTEURS[0]), dict(ACTEURS[9])]
    acteurs[0]["nom"] = "=1+1"
    acteurs[1]["nom"] = "+33 6 00 00 00 00"
    acteurs.append({"id": "moins", "nom": "-x", "famille": "autre", "commune": "56260",
                    "missions": "@SUM(A1:A3)"})
    graph = build_graph(load_dataset(make_dataset("formules", acteurs=acteurs)))
    book = load_workbook(io.BytesIO(to_kumu(graph)))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    assert {"'=1+1", "'+33 6 00 00 00 00", "'-x", "'@SUM(A1:A3)"} <= set(texts)
    assert f"'{FORMULA}|-2+3|@SUM(A1)" in texts


# -- API, CLI, report ----------------------------------------------------------------------------

def test_export_graph_errors(small_graph):
    with pytest.raises(ArgumentError, match="format d'export inconnu"):
        export_graph(small_graph, "dot")
    with pytest.raises(ArgumentError, match="périmètre inconnu"):
        export_graph(small_graph, "json", "services")


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_cli_export(runner, make_dataset, tmp_path, monkeypatch, fmt):
    folder = small_dataset(make_dataset)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["export", "--dataset", str(folder), "--format", fmt,
                                  "--perimetre", "acteurs"])
    assert result.exit_code == 0, result.output
    extension = "xlsx" if fmt == "kumu" else fmt
    written = tmp_path / f"petit.{extension}"
    assert written.stat().st_size > 1000
    assert "13 nœuds, 22 liens (périmètre acteurs)" in result.output


def test_cli_export_output(runner, make_dataset, tmp_path):
    folder = small_dataset(make_dataset)
    out = tmp_path / "gephi" / "graphe.gexf"
    result = runner.invoke(main, ["export", "--dataset", str(folder), "--format", "gexf",
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert nx.read_gexf(out).number_of_nodes() > 100
    bad = runner.invoke(main, ["export", "--dataset", str(folder), "--format", "dot"])
    assert bad.exit_code == 2


def test_report_part(small_graph):
    part = exports_part(ReportContext("petit", small_graph, "56", Findings(territoire="56")))
    assert set(part.files) == {"graphe.graphml", "graphe.gexf", "graphe.json", "kumu.xlsx"}
    assert "Gephi" in part.section
