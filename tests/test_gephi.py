"""Gephi opens our GraphML and GEXF whole: its own importers, through the Gephi Toolkit.

``tests/clients.py`` assembles the Gephi Toolkit 0.10.1 from Maven Central once
and compiles ``tests/gephi/GephiCheck.java``, which imports each file as
Gephi's « Ouvrir » does (importer, then the default processor into a workspace)
and reports the graph Gephi holds and the import's issues.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spie_graph.graph.build import build_graph
from spie_graph.render.exports import export_graph, node_styles, select, to_gexf, to_graphml
from spie_graph.render.map import map_elements
from tests.clients import gephi_import, graphml_schema, schema_errors
from tests.data_outputs import generated_dataset, hostile_graph

# Levels of Gephi's import issues (org.gephi.io.importer.api.Issue.Level); INFO is
# the importer's note of the format version.
PROBLEMS = {"WARNING", "SEVERE", "CRITICAL"}


def problems(report: dict) -> list[dict]:
    return [issue for issue in report["issues"] if issue["level"] in PROBLEMS]


def columns(report: dict, kind: str) -> dict[str, str]:
    return {c["id"]: c["title"] for c in report[f"{kind}_columns"]}


@pytest.fixture(scope="module")
def demo_reports(demo_graph, tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("gephi")
    files = {}
    for perimetre in ("complet", "territoire", "acteurs"):
        for fmt in ("graphml", "gexf"):
            path = folder / f"{perimetre}.{fmt}"
            path.write_bytes(export_graph(demo_graph, fmt, perimetre, territoire="56"))
            files[path.name] = path
    odd = hostile_graph(demo_graph)  # control characters, markup, ids XML names cannot hold
    for fmt in ("graphml", "gexf"):
        path = folder / f"hostile.{fmt}"
        path.write_bytes(export_graph(odd, fmt))
        files[path.name] = path
    reports = gephi_import(*files.values(), nodes=True)
    return {report["file"]: report for report in reports}


@pytest.mark.parametrize("name", ["complet.graphml", "complet.gexf", "territoire.graphml",
                                  "territoire.gexf", "acteurs.graphml", "acteurs.gexf"])
def test_gephi_imports_the_demo_whole(name, demo_reports, demo_graph):
    report = demo_reports[name]
    graph = select(demo_graph, name.split(".")[0], "56")
    if name.startswith("territoire"):  # the report's graph files: the Morbihan's communes only
        assert graph.number_of_nodes() < demo_graph.number_of_nodes()
        assert "Territoire:29232" not in {node["id"] for node in report["node_list"]}
    assert problems(report) == []
    assert report["nodes"] == graph.number_of_nodes()
    assert report["edges"] == graph.number_of_edges()
    assert len(report["edge_list"]) == graph.number_of_edges()
    assert all(edge["directed"] for edge in report["edge_list"])
    labels = {node["id"]: node["label"] for node in report["node_list"]}
    assert labels["Acteur:cd56"] == "Conseil départemental du Morbihan"
    # the data set's name, the default of the jeu_de_donnees column, on every node
    assert {node["jeu_de_donnees"] for node in report["node_list"]} == {"morbihan"}
    edge_labels = {edge["label"] for edge in report["edge_list"]}
    assert "Convention" in edge_labels
    if not name.startswith("acteurs"):
        assert "fait partie de" in edge_labels


@pytest.mark.parametrize("name", ["hostile.graphml", "hostile.gexf"])
def test_gephi_imports_odd_texts_and_ids(name, demo_reports, demo_graph):
    report = demo_reports[name]
    odd = hostile_graph(demo_graph)
    assert problems(report) == []
    assert (report["nodes"], report["edges"]) == (odd.number_of_nodes(), odd.number_of_edges())
    labels = {node["label"] for node in report["node_list"]}
    assert "CD du Morbihan <&>\"'" in labels and "Bizarre" in labels


def test_gephi_columns_are_typed_and_titled_in_french(demo_reports):
    gexf = demo_reports["complet.gexf"]
    nodes = columns(gexf, "node")
    assert nodes["famille"] == "Famille (code)" and nodes["libelle_famille"] == "Famille"
    assert nodes["jeu_de_donnees"] == "Jeu de données"
    assert {"0", "1", "networkx_key"}.isdisjoint(nodes)
    types = {c["id"]: c["type"] for c in gexf["node_columns"]}
    assert types["population"] == "Integer" and types["accord_cd"] == "Boolean"
    edges = columns(gexf, "edge")
    assert edges["relation"] == "Relation (code)" and "networkx_key" not in edges
    graphml = demo_reports["complet.graphml"]
    assert set(columns(graphml, "node")) >= {"famille", "population", "jeu_de_donnees"}
    # node and edge columns stay apart: the edge's description is not a node column
    assert set(columns(graphml, "edge")) >= {"lien_relation", "lien_description"}
    # colour, size and position are read as such, not as columns
    assert {"r", "g", "b", "size", "x", "y"}.isdisjoint(columns(graphml, "node"))
    assert {c["type"] for c in graphml["node_columns"] if c["id"] == "population"} == {
        "Integer"}


def test_gephi_shows_the_maps_colours_sizes_and_positions(demo_reports, demo_graph):
    """Gephi starts from the map's picture: same colours, and sizes and positions up to
    the one scale Gephi's importer applies to both (it fits sizes between 4 and 100 and
    multiplies positions by the same ratio, around the centroid)."""
    found = map_elements(demo_graph, restreindre=False)
    styles = node_styles(demo_graph)
    for name in ("complet.gexf", "acteurs.gexf", "complet.graphml", "acteurs.graphml"):
        nodes = {node["id"]: node for node in demo_reports[name]["node_list"]}
        big = max(found.nodes, key=lambda n: styles[n["id"]].size)["id"]
        small = min(found.nodes, key=lambda n: styles[n["id"]].size)["id"]
        ratio = ((nodes[big]["size"] - nodes[small]["size"])
                 / (styles[big].size - styles[small].size))
        assert ratio > 0
        dx = nodes[big]["x"] - ratio * styles[big].x
        dy = nodes[big]["y"] - ratio * styles[big].y
        for node in found.nodes:
            seen, ours = nodes[node["id"]], styles[node["id"]]
            assert seen["color"] == node["color"]["background"]
            assert seen["size"] == pytest.approx(
                nodes[small]["size"] + ratio * (ours.size - styles[small].size), abs=0.05)
            assert (seen["x"], seen["y"]) == pytest.approx(
                (ratio * ours.x + dx, ratio * ours.y + dy), abs=0.5)
        actors = {n["color"] for n in nodes.values() if n["id"].startswith("Acteur:")}
        assert len(actors) > 5
        # nobody left piled up at the origin (Gephi leaves nodes without a position there)
        points = {(round(n["x"], 1), round(n["y"], 1)) for n in nodes.values()}
        assert len(points) == len(nodes)


@pytest.mark.slow
def test_gephi_imports_ten_thousand_actors(tmp_path):
    graph = build_graph(generated_dataset(10_000))
    paths = []
    for fmt, data in (("graphml", to_graphml(graph)), ("gexf", to_gexf(graph))):
        if fmt == "graphml":  # GEXF's grammar is checked on the demo (RELAX NG is slow here)
            assert schema_errors(graphml_schema(), data) == []
        path = Path(tmp_path) / f"dix-mille.{fmt}"
        path.write_bytes(data)
        paths.append(path)
    for report in gephi_import(*paths):
        assert problems(report) == [], report["file"]
        assert report["nodes"] == graph.number_of_nodes(), report["file"]
        assert report["edges"] == graph.number_of_edges(), report["file"]
