"""Exports for Gephi, networkx/d3 and Kumu: schemas, round trips, typed attributes, formulas.

Gephi's own import of these files is in ``test_gephi.py``; LibreOffice's reading
of the workbooks in ``test_spreadsheets.py``.
"""

from __future__ import annotations

import io
import json
from collections import Counter

import networkx as nx
import pytest
from lxml import etree
from openpyxl import load_workbook

from spie_graph.analyses.findings import Findings
from spie_graph.cli import main
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import build_graph
from spie_graph.reference.referentials import referentials
from spie_graph.render.exports import (
    EXPORT_FORMATS,
    edge_id,
    export_graph,
    gephi_graph,
    node_styles,
    perimeter_size,
    select,
    to_gexf,
    to_graphml,
    to_json,
    to_kumu,
)
from spie_graph.render.map import map_elements
from spie_graph.report.parts import ReportContext, exports_part
from spie_graph.sources.validation import load_dataset
from tests.clients import d3_read, gexf_schema, graphml_schema, schema_errors
from tests.data_outputs import (
    ACTEURS,
    FORMULA,
    HOSTILE_NAME,
    QUOTED_NAME,
    hostile_graph,
    small_dataset,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
GEXF = "{http://gexf.net/1.3}"
VIZ = "{http://gexf.net/1.3/viz}"


@pytest.fixture
def small_graph(make_dataset):
    return build_graph(load_dataset(small_dataset(make_dataset)))


def edge_set(graph: nx.MultiDiGraph) -> Counter:
    return Counter((u, v, k) for u, v, k in graph.edges(keys=True))


def exported_edge_set(graph: nx.DiGraph, relation: str = "relation",
                      interaction: str = "interaction") -> Counter:
    """Edges read back from a Gephi file, keyed from their attributes."""
    def key(data: dict) -> str:
        if data[relation] == "INTERAGIT":
            return f"INTERAGIT:{data[interaction]}"
        return data[relation]

    return Counter((u, v, key(d)) for u, v, d in graph.edges(data=True))


# -- GraphML ---------------------------------------------------------------------------------

def test_graphml_is_valid_against_the_schema(small_graph, demo_graph):
    for graph in (small_graph, demo_graph, hostile_graph(small_graph),
                  select(demo_graph, "acteurs")):
        assert schema_errors(graphml_schema(), to_graphml(graph)) == []


def test_graphml_schema_catches_what_gephi_chokes_on():
    """The schema shipped in tests/ rejects duplicate edge ids and key ids (issue #12)."""
    document = (b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                b'<key id="label" for="node" attr.name="label" attr.type="string"/>'
                b'<key id="label" for="edge" attr.name="label" attr.type="string"/>'
                b'<graph edgedefault="directed"><node id="a"/><node id="b"/>'
                b'<edge id="e" source="a" target="b"/><edge id="e" source="b" target="a"/>'
                b'</graph></graphml>')
    errors = " ".join(schema_errors(graphml_schema(), document))
    assert "key_id_unique" in errors or "edge_id_unique" in errors


def test_graphml_ids_and_keys(small_graph):
    root = etree.fromstring(to_graphml(small_graph))
    keys = root.findall(f"{GRAPHML}key")
    ids = [k.get("id") for k in keys]
    assert len(ids) == len(set(ids))
    by_domain = {(k.get("for"), k.get("attr.name")): (k.get("id"), k.get("attr.type"))
                 for k in keys}
    assert by_domain[("node", "label")] == ("label", "string")
    assert by_domain[("edge", "label")] == ("lien_label", "string")
    assert by_domain[("node", "population")] == ("population", "int")
    assert by_domain[("edge", "lettre_engagement")] == ("lien_lettre_engagement", "boolean")
    dataset = root.find(f"{GRAPHML}key[@id='jeu_de_donnees']")
    assert dataset.get("for") == "node" and dataset.findtext(f"{GRAPHML}default") == "petit"
    edges = root.iter(f"{GRAPHML}edge")
    edge_ids = [e.get("id") for e in edges]
    assert len(edge_ids) == small_graph.number_of_edges() == len(set(edge_ids))
    assert edge_id("Acteur:cd56", "Acteur:ft-vannes", "INTERAGIT:convention") in edge_ids


def test_graphml_round_trip(small_graph):
    back = nx.read_graphml(io.BytesIO(to_graphml(small_graph)), force_multigraph=True)
    assert set(back.nodes) == set(small_graph.nodes)
    assert exported_edge_set(back) == edge_set(small_graph)
    hostile = back.nodes["Acteur:hostile"]
    assert hostile["label"] == HOSTILE_NAME and hostile["type_noeud"] == "Acteur"
    assert hostile["identifiant"] == "hostile"
    assert hostile["competences"] == f"{FORMULA} | -2+3 | @SUM(A1)"  # no spreadsheet here
    assert back.nodes["Acteur:lien-auray"]["label"] == QUOTED_NAME
    assert back.nodes["Territoire:56"]["population"] == 783390  # an integer, typed
    edge = back.edges["Acteur:cd56", "Acteur:ft-vannes",
                      edge_id("Acteur:cd56", "Acteur:ft-vannes", "INTERAGIT:convention")]
    assert edge["label"] == "Convention" and edge["relation"] == "INTERAGIT"
    member = back.edges["Acteur:cd56", "Consortium:petit",
                        edge_id("Acteur:cd56", "Consortium:petit", "MEMBRE_DE")]
    assert member["lettre_engagement"] is True and member["label"] == "membre de"


def test_graphml_keeps_odd_ids_apart(small_graph):
    graph = hostile_graph(small_graph)
    back = nx.read_graphml(io.BytesIO(to_graphml(graph)), force_multigraph=True)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert back.nodes["Acteur:cd56"]["label"] == "CD du Morbihan <&>\"'"
    assert back.nodes["Acteur:cd56"]["missions"] == "ligne 1\nligne 2\r\n\ttabulée"


# -- GEXF ------------------------------------------------------------------------------------

def test_gexf_is_valid_against_the_grammar(small_graph, demo_graph):
    for graph in (small_graph, demo_graph, hostile_graph(small_graph),
                  select(demo_graph, "acteurs")):
        assert schema_errors(gexf_schema(), to_gexf(graph)) == []


def test_gexf_grammar_catches_the_old_export():
    """GEXF 1.2draft with ``name=""`` on ``<graph>``, as before issue #12, is refused."""
    document = (b'<gexf xmlns="http://gexf.net/1.3" version="1.3"><graph name="" '
                b'defaultedgetype="directed"><nodes/><edges/></graph></gexf>')
    assert schema_errors(gexf_schema(), document)


def test_gexf_columns_and_meta(small_graph):
    root = etree.fromstring(to_gexf(small_graph))
    assert root.get("version") == "1.3"
    assert root.findtext(f"{GEXF}meta/{GEXF}creator") == "spie-graph"
    node_attrs = {a.get("id"): (a.get("title"), a.get("type"))
                  for a in root.iterfind(f"{GEXF}graph/{GEXF}attributes[@class='node']/"
                                         f"{GEXF}attribute")}
    assert node_attrs["famille"] == ("Famille (code)", "string")
    assert node_attrs["libelle_famille"] == ("Famille", "string")
    assert node_attrs["population"] == ("Population", "integer")
    assert node_attrs["jeu_de_donnees"] == ("Jeu de données", "string")
    assert not any(ident.isdigit() for ident in node_attrs)
    dataset = root.find(f".//{GEXF}attribute[@id='jeu_de_donnees']")
    assert dataset.findtext(f"{GEXF}default") == "petit"
    edge_attrs = {a.get("id"): (a.get("title"), a.get("type"))
                  for a in root.iterfind(f"{GEXF}graph/{GEXF}attributes[@class='edge']/"
                                         f"{GEXF}attribute")}
    assert edge_attrs["lettre_engagement"] == ("Lettre d'engagement", "boolean")
    assert "networkx_key" not in edge_attrs and "networkx_key" not in node_attrs
    edges = list(root.iter(f"{GEXF}edge"))
    assert len({e.get("id") for e in edges}) == len(edges) == small_graph.number_of_edges()
    # parallel edges (cd56 → ft-vannes: convention and data sharing) differ by their kind
    pair = [e for e in edges if e.get("source") == "Acteur:cd56"
            and e.get("target") == "Acteur:ft-vannes"]
    assert {e.get("kind") for e in pair} == {"INTERAGIT:convention", "INTERAGIT:partage-donnees"}


def test_gexf_round_trip(small_graph):
    back = nx.read_gexf(io.BytesIO(to_gexf(small_graph)))
    assert set(back.nodes) == set(small_graph.nodes)
    assert back.nodes["Acteur:hostile"]["label"] == HOSTILE_NAME
    assert back.nodes["Service:cd-orientation"]["label"] == "Orientation RSA"
    assert back.nodes["Thematique:mobilite"]["label"] == "Mobilité"
    assert back.nodes["Territoire:56"]["Population"] == 783390


def test_gexf_viz_is_the_maps_picture(small_graph):
    """Actors' colours and relative sizes in GEXF are the map's (carte.html)."""
    root = etree.fromstring(to_gexf(small_graph))
    found = map_elements(small_graph, restreindre=False)
    by_id = {n.get("id"): n for n in root.iter(f"{GEXF}node")}
    values = {n["id"]: n["value"] for n in found.nodes}
    sizes = {}
    for node in found.nodes:
        element = by_id[node["id"]]
        color = element.find(f"{VIZ}color")
        hex_color = "#{:02x}{:02x}{:02x}".format(*(int(color.get(c)) for c in "rgb"))
        assert hex_color == node["color"]["background"]
        sizes[node["id"]] = float(element.find(f"{VIZ}size").get("value"))
        assert element.find(f"{VIZ}position") is not None
    # size grows with the map's value (number of services), between its min and max
    scaling = found.options["nodes"]["scaling"]
    assert min(sizes.values()) == scaling["min"] and max(sizes.values()) == scaling["max"]
    for a in sizes:
        for b in sizes:
            if values[a] > values[b]:
                assert sizes[a] > sizes[b]
    # nodes not on the map get a place, so that Gephi does not pile them up at the origin:
    # services around their actor, the others on rings
    positions = {key: (float(e.find(f"{VIZ}position").get("x")),
                       float(e.find(f"{VIZ}position").get("y"))) for key, e in by_id.items()}
    assert len(set(positions.values())) == len(positions)
    actor, service = positions["Acteur:cd56"], positions["Service:cd-orientation"]
    assert abs(actor[0] - service[0]) + abs(actor[1] - service[1]) < 100
    assert by_id["Service:cd-orientation"].find(f"{VIZ}color").get("r") == "154"


def test_node_styles_positions_follow_the_map_when_large():
    from spie_graph.render.map import LAYOUT_THRESHOLD
    from tests.data_outputs import generated_dataset

    graph = build_graph(generated_dataset(LAYOUT_THRESHOLD + 20))
    styles = node_styles(graph)
    found = map_elements(graph, restreindre=False)
    assert found.large
    for node in found.nodes[:50]:
        assert (styles[node["id"]].x, styles[node["id"]].y) == (round(node["x"], 1),
                                                                 round(-node["y"], 1))


def test_gexf_sizes_of_a_part_count_the_whole_graph(small_graph):
    """The acteurs perimeter keeps the sizes by number of services (services not exported)."""
    part = etree.fromstring(export_graph(small_graph, "gexf", "acteurs"))
    whole = etree.fromstring(to_gexf(small_graph))

    def sizes(root):
        return {n.get("id"): n.find(f"{VIZ}size").get("value")
                for n in root.iter(f"{GEXF}node") if n.find(f"{VIZ}size") is not None}

    assert sizes(part).items() <= sizes(whole).items()
    assert {k for k in sizes(part) if k.startswith("Acteur:")} == {
        k for k in sizes(whole) if k.startswith("Acteur:")}


# -- JSON ------------------------------------------------------------------------------------

def renamed(graph: nx.MultiDiGraph) -> dict:
    """The canonical nodes with ``id`` written ``identifiant``, as the JSON holds them."""
    return {node: {("identifiant" if k == "id" else k): v for k, v in data.items()}
            for node, data in graph.nodes(data=True)}


@pytest.mark.parametrize("graph_name", ["small", "demo"])
def test_json_is_the_same_graph_for_networkx_defaults(graph_name, small_graph, demo_graph):
    graph = small_graph if graph_name == "small" else demo_graph
    data = json.loads(to_json(graph))
    back = nx.node_link_graph(data)  # networkx >= 3.6: edges="edges", name="id"
    assert isinstance(back, nx.MultiDiGraph)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert dict(back.nodes(data=True)) == renamed(graph)
    assert sorted(back.edges(keys=True, data=True), key=str) == \
        sorted(graph.edges(keys=True, data=True), key=str)
    # what networkx <= 3.5 reads by default ("links"), and d3's forceLink
    older = nx.node_link_graph(data, edges="links")
    assert nx.utils.edges_equal(older.edges(keys=True, data=True),
                                graph.edges(keys=True, data=True))
    assert data["links"] == data["edges"]
    ids = {node["id"] for node in data["nodes"]}
    assert all(link["source"] in ids and link["target"] in ids for link in data["links"])


def test_json_is_read_by_d3_force_link(demo_graph, tmp_path):
    path = tmp_path / "graphe.json"
    path.write_text(to_json(demo_graph), encoding="utf-8")
    seen = d3_read(path)
    edges = demo_graph.number_of_edges()
    assert seen["nodes"] == demo_graph.number_of_nodes()
    assert seen["links"] == seen["resolved"] == edges  # every link joined to its two nodes
    assert seen["placed"] == seen["nodes"]
    # the layout of issue #12 (node key in "cle", "edges" only) fails in d3
    old = json.loads(to_json(demo_graph))
    del old["links"]
    for node in old["nodes"]:
        node["cle"] = node.pop("id")
    path.write_text(json.dumps(old), encoding="utf-8")
    assert "error" in d3_read(path)


# -- Kumu ------------------------------------------------------------------------------------

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
    header, connections, sheet = sheet_rows(book, "Connections")
    assert header[:5] == ("ID", "From", "To", "Type", "Direction")
    assert len(connections) == small_graph.number_of_edges()
    assert len({row[0] for row in connections}) == len(connections)  # connection ids
    assert edge_id("Acteur:cd56", "Acteur:ft-vannes", "INTERAGIT:convention") in {
        row[0] for row in connections}
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    ids = {row[0] for row in elements}
    assert all(row[1] in ids and row[2] in ids for row in connections)
    hostile = next(row for row in elements if row[0] == "Acteur:hostile")
    assert hostile[1] == HOSTILE_NAME  # plain text in a spreadsheet: nothing to escape
    cd = next(row for row in elements if row[0] == "Acteur:cd56")
    assert cd[1] == "Conseil départemental du Morbihan" and cd[2] == "Conseil départemental"
    assert {row[3] for row in connections if row[6] == "INTERAGIT"} >= {
        "Convention", "Orientation de personnes"}
    assert book.properties.creator == "spie-graph"
    assert book.properties.title == "Import Kumu : petit"
    assert book.properties.created.year >= 2025


def test_kumu_actors_only(small_graph):
    book = load_workbook(io.BytesIO(to_kumu(select(small_graph, "acteurs"))))
    _, elements, _ = sheet_rows(book, "Elements")
    _, connections, _ = sheet_rows(book, "Connections")
    assert len(elements) == len(ACTEURS) + 1  # and the consortium
    assert {row[6] for row in connections} == {"INTERAGIT", "MEMBRE_DE"}
    assert len(connections) == 14 + 8


def test_kumu_types_formulas_as_text(make_dataset):
    """Texts that look like formulas are text cells, without a visible apostrophe."""
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
    assert {"=1+1", "+33 6 00 00 00 00", "-x", "@SUM(A1:A3)"} <= set(texts)
    assert f"{FORMULA}|-2+3|@SUM(A1)" in texts
    assert not [t for t in texts if t.startswith("'")]


# -- API, CLI, report ----------------------------------------------------------------------------

def test_gephi_graph_renames_reserved_names(small_graph):
    graph = gephi_graph(small_graph)
    node = graph.nodes["Acteur:cd56"]
    assert "id" not in node and node["identifiant"] == "cd56"
    assert all("type" not in d for _, _, d in graph.edges(data=True))
    assert small_graph.nodes["Acteur:cd56"]["label"] == "Acteur"  # the original is untouched


def test_territory_perimeter_leaves_out_the_communes_outside(demo_graph):
    """The demo's région-wide services bring the 1,202 communes of Brittany into the graph;
    the Morbihan's perimeter keeps its own communes (COG 2026) and every other node."""
    terr = referentials().territoires
    part = select(demo_graph, "territoire", "56")
    kinds = Counter(d["label"] for _, d in part.nodes(data=True))
    whole = Counter(d["label"] for _, d in demo_graph.nodes(data=True))
    assert {k: v for k, v in kinds.items() if k != "Territoire"} == {
        k: v for k, v in whole.items() if k != "Territoire"}
    communes = {n.split(":", 1)[1] for n, d in part.nodes(data=True)
                if d.get("niveau") == "commune"}
    assert communes == {c for c in terr.communes("56") if f"Territoire:{c}" in demo_graph}
    assert len(communes) == 249 and "Territoire:29232" in demo_graph  # Quimper: left out
    for parent in ("56", "region:53", "france", terr.epci_of("56260")):
        assert f"Territoire:{parent}" in part
    # every edge of the whole graph between two kept nodes, none other, in the same order
    kept = set(part)
    assert list(part.edges(keys=True, data=True)) == [
        e for e in demo_graph.edges(keys=True, data=True) if e[0] in kept and e[1] in kept]
    # a région-wide service keeps its link to the région; an actor's seat is kept
    covered = {v for _, v, t in part.edges(data="type") if t == "COUVRE"}
    assert "Territoire:region:53" in covered
    assert {v for _, v, t in demo_graph.edges(data="type") if t in ("COUVRE", "SIEGE_A")} <= kept
    assert perimeter_size(demo_graph, kept) == len(part) + len(part.edges)
    # France keeps everything; an EPCI its communes and their parents
    assert len(select(demo_graph, "territoire", "france")) == len(demo_graph)
    epci = select(demo_graph, "territoire", "200067932")
    assert {n for n, d in epci.nodes(data=True) if d.get("niveau") == "commune"} >= {
        f"Territoire:{c}" for c in terr.communes("200067932")}



def test_a_shared_part_is_the_copied_part_on_the_graphs_own_dicts(demo_graph):
    """part_of(shared=True), the report's read-only part: the nodes, edges, keys, attributes
    and order of the copied part, each node's and edge's dict the graph's own, the same
    files written from it (where most edges hold one read-only dict per type)."""
    from spie_graph.render.exports import gephi_elements, part_of, territory_nodes

    for kept, kinds in ((territory_nodes(demo_graph, "200067932"), 6),
                        ({n for n, d in demo_graph.nodes(data=True) if d["label"] == "Acteur"},
                         0)):
        copied, shared = part_of(demo_graph, kept), part_of(demo_graph, kept, shared=True)
        assert list(shared.nodes(data=True)) == list(copied.nodes(data=True))
        assert list(shared.edges(keys=True, data=True)) == list(
            copied.edges(keys=True, data=True))
        assert list(shared.in_edges(keys=True)) == list(copied.in_edges(keys=True))
        assert shared.graph == copied.graph
        assert all(shared._node[n] is demo_graph._node[n] for n in shared)
        assert all(copied._node[n] is not demo_graph._node[n] for n in copied)
        assert all(data is demo_graph._succ[u][v][k]
                   for u, v, k, data in shared.edges(keys=True, data=True))
        assert all(shared._succ[u][v] is shared._pred[v][u] for u, v in shared.edges())
        # GraphML and GEXF write the attributes of the edges sharing the graph's dict of
        # their type once (GephiElements.shared): the text of each edge, one by one
        # PROPOSE, COUVRE, TRAITE, CIBLE, SIEGE_A, FAIT_PARTIE_DE; none between actors
        assert len(gephi_elements(shared).shared) == kinds
        assert not gephi_elements(copied).shared
        for write in (to_graphml, to_gexf):
            assert write(shared) == write(copied)
        assert to_json(shared) == to_json(copied)

def test_export_graph_errors(small_graph):
    with pytest.raises(ArgumentError, match="format d'export inconnu"):
        export_graph(small_graph, "dot")
    with pytest.raises(ArgumentError, match="périmètre inconnu"):
        export_graph(small_graph, "json", "services")
    with pytest.raises(ArgumentError, match="sans territoire"):
        export_graph(small_graph, "json", "territoire")


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


def test_cli_export_territory_is_the_reports_graph(runner, demo_path, tmp_path):
    out = tmp_path / "morbihan.json"
    result = runner.invoke(main, ["export", "--dataset", str(demo_path), "--format",
                                  "json", "--perimetre", "territoire", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "563 nœuds, 1\u202f501 liens (périmètre territoire)" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["nodes"]) == 563
    bad = runner.invoke(main, ["export", "--dataset", str(demo_path), "--perimetre",
                               "territoire", "--territoire", "99999", "-o", str(out)])
    assert bad.exit_code == 1 and "territoire inconnu" in bad.output


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


def test_gephi_texts_written_as_they_are_are_those_escaped_one_by_one(small_graph, demo_graph,
                                                                      monkeypatch):
    """GraphML and GEXF write a column's texts as they are when a search in all of them
    found nothing to escape (GephiElements.plain_*): the same files as escaping each."""
    from spie_graph.render import exports

    graphs = [small_graph, demo_graph, hostile_graph(small_graph), select(demo_graph, "acteurs")]
    elements = [exports.gephi_elements(graph) for graph in graphs]
    assert "nom" in elements[1].plain_attribute.nodes and elements[1].plain_attribute.ids
    hostile = elements[2].plain_attribute
    assert "nom" not in hostile.nodes and "description" not in hostile.edges
    assert not hostile.ids and "famille" in hostile.nodes
    assert "competences" in elements[2].plain_text.nodes - hostile.nodes  # a tab, a quote
    fast = [(to_graphml(g, elements=e), to_gexf(g, elements=e))
            for g, e in zip(graphs, elements, strict=True)]
    assert 'id="Acteur:un id à espaces|et&gt;signes"'.encode() in fast[2][1]
    assert b"<data key=\"nom\">CD du Morbihan &lt;&amp;&gt;\"'</data>" in fast[2][0]
    monkeypatch.setattr(exports.GephiElements, "_plain",
                        lambda self, special: exports.Plain(frozenset(), frozenset(), False))
    assert fast == [(to_graphml(g), to_gexf(g)) for g in graphs]


def test_kumu_sheets_hold_each_node_and_edge_as_rows_of_their_data(small_graph, demo_graph):
    """to_kumu writes its sheets column by column: the rows the layout says, read from
    graph.nodes and graph.edges one by one."""
    from spie_graph.render.exports import _KINDS, _NAME, _TITLES, _edge_label, _joined

    for graph in (hostile_graph(small_graph), demo_graph):
        book = load_workbook(io.BytesIO(to_kumu(graph)))
        skip = {"label", "nom", "libelle", "missions", "description", "id", "code"}
        columns = list(dict.fromkeys(k for _, d in graph.nodes(data=True) for k in d
                                     if k not in skip))
        expected = [[key, d.get(_NAME.get(d["label"], ""), key),
                     d.get("libelle_famille") if d["label"] == "Acteur"
                     else _KINDS.get(d["label"], d["label"]),
                     d.get("missions") if d["label"] == "Acteur" else d.get("description"),
                     _KINDS.get(d["label"], d["label"]), d.get("id", d.get("code")),
                     *(_joined(d.get(c)) for c in columns)]
                    for key, d in graph.nodes(data=True)]
        header, rows, _ = sheet_rows(book, "Elements")
        assert list(header) == ["ID", "Label", "Type", "Description", "Nature", "Identifiant",
                                *(_TITLES.get(c, c) for c in columns)]
        assert [list(row) for row in rows] == [[_read_back(v) for v in row] for row in expected]
        edge_columns = list(dict.fromkeys(
            k for *_, d in graph.edges(keys=True, data=True) for k in d
            if k not in ("type", "interaction", "description")))
        expected = [[edge_id(u, v, k), u, v, _edge_label(d, graph_refs()), "directed",
                     d.get("description"), d["type"], *(_joined(d.get(c)) for c in edge_columns)]
                    for u, v, k, d in graph.edges(keys=True, data=True)]
        _, rows, _ = sheet_rows(book, "Connections")
        assert [list(row) for row in rows] == [[_read_back(v) for v in row] for row in expected]


def graph_refs():
    from spie_graph.reference.referentials import referentials

    return referentials()


def _read_back(value: object) -> object:
    """A value as openpyxl reads it back from our sheets: text cleaned of what XML cannot
    hold, empty text as None, booleans as oui/non."""
    from spie_graph.files import xml_text

    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        return xml_text(value) or None
    return value


def test_edge_count_is_the_number_of_edges(small_graph, demo_graph):
    from spie_graph.render.exports import edge_count

    view = demo_graph.subgraph([n for n in demo_graph if not n.startswith("Territoire:")])
    for graph in (small_graph, demo_graph, hostile_graph(small_graph), view, nx.MultiDiGraph()):
        assert edge_count(graph) == len(graph.edges) == graph.number_of_edges()
    assert edge_count(view) < edge_count(demo_graph)


def test_graphml_ids_made_at_once_are_those_made_one_by_one():
    """_tokens takes plain unique texts as they are: the tokens _Tokens gives one by one."""
    from spie_graph.render.exports import _Tokens, _tokens

    cases = [["Acteur:a", "Service:b-1", "Territoire:56.2"], ["a", "a"], ["a", ""],
             ["a b", "a_x0020_b"], ["x", "x.2", "x"], ["é", "\u00b7", "1:2"], ["a|b", "a>b"],
             []]
    for texts in cases:
        one_by_one = _Tokens()
        assert _tokens(list(texts)) == [one_by_one(text) for text in texts]
    assert _tokens(cases[0]) is cases[0]


@pytest.mark.parametrize("count", [0, 1, 1023, 1024, 1025, 3000])
def test_utf8_is_the_joined_text_encoded(count):
    """files.utf8 encodes its texts a thousand at a time: the bytes of the whole text, for
    texts of one, two and four bytes a character across the pieces' bounds."""
    from spie_graph.files import utf8

    texts = [["a", "é", "’", "😀", ""][i % 5] * (i % 7) for i in range(count)]
    assert utf8(texts) == "".join(texts).encode("utf-8")
