"""The Neo4j store against a real server: loading, idempotence, replace, parity, errors."""

from __future__ import annotations

import json
import time

import networkx as nx
import pytest

from spie_graph.cli import main
from spie_graph.errors import DatasetError, QueryError, StoreError, StoreUnavailable
from spie_graph.graph.build import build_graph, build_stages
from spie_graph.graph.coverage import who_covers
from spie_graph.sources.validation import load_dataset
from spie_graph.store import neo4j as neo4j_store
from spie_graph.store.connection import Neo4jConnection
from spie_graph.store.cypher import statement
from spie_graph.store.neo4j import Neo4jStore
from tests.test_parity import QUESTIONS, generated_dataset

pytestmark = pytest.mark.neo4j


@pytest.fixture
def store(neo4j_connection):
    with Neo4jStore(neo4j_connection, batch_size=300) as opened:
        yield opened


def env(connection: Neo4jConnection) -> dict[str, str]:
    return {"NEO4J_URI": connection.uri, "NEO4J_USER": connection.user,
            "NEO4J_PASSWORD": connection.password}


def edges(graph: nx.MultiDiGraph) -> list[tuple]:
    return sorted((u, v, k, tuple(sorted((a, json.dumps(b)) for a, b in d.items())))
                  for u, v, k, d in graph.edges(keys=True, data=True))


def same_graph(first: nx.MultiDiGraph, second: nx.MultiDiGraph) -> bool:
    return dict(first.nodes(data=True)) == dict(second.nodes(data=True)) and \
        edges(first) == edges(second)


def test_demo_round_trip_is_exact_and_loading_twice_changes_nothing(store, demo_dataset):
    first = store.load(demo_dataset, replace=True)
    expected = build_graph(demo_dataset)
    assert sum(first.nodes.values()) == expected.number_of_nodes()
    assert sum(first.relationships.values()) == expected.number_of_edges()
    second = store.load(demo_dataset)
    assert (second.created, second.updated, second.removed) == (0, 0, 0)
    assert second.nodes == first.nodes and second.relationships == first.relationships
    assert same_graph(store.graph("morbihan"), expected)


def test_the_build_stages_only_add_nodes_after_those_written(demo_dataset):
    """A first load writes the nodes of each stage of the build while the next stages are
    built: no later stage changes them, and the last stage is build_graph's graph."""
    seen: list[tuple[str, dict]] = []
    stages = 0
    for graph in build_stages(demo_dataset):
        stages += 1
        nodes = list(graph.nodes(data=True))
        assert nodes[:len(seen)] == seen  # the same nodes, the same data, in the same order
        seen = [(key, dict(data)) for key, data in nodes]
    assert stages == 5 and len(seen) == graph.number_of_nodes()
    whole = build_graph(demo_dataset)
    assert list(whole.nodes(data=True)) == list(graph.nodes(data=True))
    assert edges(whole) == edges(graph)


def recorded(store, monkeypatch) -> list[str]:
    """The Cypher statements the store sends from now on (``monkeypatch.undo()`` stops it)."""
    sent: list[str] = []
    execute = store.execute

    def recording(cypher, parameters=None, **kwargs):
        sent.append(cypher)
        return execute(cypher, parameters, **kwargs)

    monkeypatch.setattr(store, "execute", recording)
    return sent


def test_the_server_warms_up_while_a_long_read_goes_on_and_keeps_nothing(
        store, demo_dataset, monkeypatch):
    """A first load whose reading lasts: meanwhile the server runs the load's statements
    on made-up rows (seen in SHOW TRANSACTIONS), rolled back: the load gives the same
    graph and the database holds nothing of them."""
    monkeypatch.setattr(neo4j_store, "WARM_UP_AFTER", 0.0)
    data = demo_dataset.model_copy(update={"nom": "echauffement"})
    seen: list[str] = []

    def slow_read():
        deadline = time.monotonic() + 60
        while not seen and time.monotonic() < deadline:
            seen.extend(row["currentQuery"] for row in store.run(
                "SHOW TRANSACTIONS YIELD currentQuery", write=False)
                if "CREATE (n:Spie:$($label))" in row["currentQuery"])
            time.sleep(0.02)
        return data

    store.load_from(slow_read)
    assert seen, "the server was not warmed up while the data set was read"
    assert same_graph(store.graph(data.nom), build_graph(data))
    [left] = store.run("MATCH (n:Spie) WHERE n.dataset STARTS WITH 'spie-graph/' "
                       "RETURN count(n) AS n", write=False)
    assert left["n"] == 0
    assert "spie-graph/échauffement" not in store.datasets()


def test_a_data_set_the_database_holds_does_not_warm_the_server_up(store, demo_dataset,
                                                                   monkeypatch):
    """Reloading a data set the database holds creates nothing: however long its files take
    to read, the server does not warm up when the data set's name is known beforehand."""
    data = demo_dataset.model_copy(update={"nom": "deja-la"})
    store.load(data)
    calls: list[bool] = []
    monkeypatch.setattr(neo4j_store, "WARM_UP_AFTER", 0.0)
    monkeypatch.setattr(Neo4jStore, "_warm_up", lambda self, stop: calls.append(True))

    def slow_read():
        time.sleep(0.3)
        return data

    again = store.load_from(slow_read, name=data.nom)
    assert (again.created, again.updated) == (0, 0) and calls == []
    store.load_from(slow_read, name="pas-encore-la")  # unknown name: it warms up
    assert calls == [True]


def test_a_short_read_does_not_warm_the_server_up(store, demo_dataset, monkeypatch):
    warmed: list[bool] = []
    warm_up = Neo4jStore._warm_up

    def spy(self, stop):
        warmed.append(not stop.wait(neo4j_store.WARM_UP_AFTER))
        return warm_up(self, stop)

    monkeypatch.setattr(Neo4jStore, "_warm_up", spy)
    store.load(demo_dataset.model_copy(update={"nom": "sans-echauffement"}))
    assert warmed == [False]


def test_an_unchanged_reload_compares_before_writing(store, demo_dataset, monkeypatch):
    data = demo_dataset.model_copy(update={"nom": "inchange"})
    store.load(data, replace=True)
    sent = recorded(store, monkeypatch)
    summary = store.load(data)
    assert (summary.created, summary.updated, summary.removed) == (0, 0, 0)
    assert not any("UNWIND" in cypher for cypher in sent)  # nothing written
    # Nothing counted either: the marker keeps what the data set holds.
    assert not any(cypher == statement("load/count") for cypher in sent)
    held = store.counts("inchange")
    assert (summary.nodes, summary.relationships) == (held["node"], held["relationship"])
    assert sum(summary.nodes.values()) == build_graph(data).number_of_nodes()
    changed = data.model_copy(update={"acteurs": [
        data.acteurs[0].model_copy(update={"nom": "Nouveau nom"}), *data.acteurs[1:]]})
    summary = store.load(changed)
    assert summary.updated == 1 and any("UNWIND" in cypher for cypher in sent)
    assert store.graph("inchange").nodes[f"Acteur:{data.acteurs[0].id}"]["nom"] == "Nouveau nom"


def test_values_with_quotes_braces_and_backslashes_are_stored_verbatim(store, make_dataset):
    hostile = 'L\'atelier "{x}" \\ $param `tick` }) MATCH (n) DETACH DELETE n //'
    path = make_dataset("hostile", acteurs=[
        {"id": "a{1}", "nom": hostile, "famille": "association", "commune": "56260",
         "missions": "C:\\chemin\\n ; « guillemets » ’"},
    ], services=[{"id": "s\"1", "acteur": "a{1}", "nom": hostile, "thematiques": "sante"}])
    dataset = load_dataset(path)
    store.load(dataset)
    graph = store.graph("hostile")
    assert graph.nodes["Acteur:a{1}"]["nom"] == hostile
    assert graph.nodes["Acteur:a{1}"]["missions"] == "C:\\chemin\\n ; « guillemets » ’"
    assert graph.nodes['Service:s"1']["nom"] == hostile
    assert same_graph(graph, build_graph(dataset))
    assert store.counts("morbihan")["node"]  # the injection attempt deleted nothing


def test_replace_removes_what_the_data_set_no_longer_holds(store, make_dataset, tmp_path):
    acteurs = [{"id": f"a{i}", "nom": f"A{i}", "famille": "association", "commune": "56260"}
               for i in range(3)]
    services = [{"id": "s0", "acteur": "a0", "nom": "S", "thematiques": "mobilite"}]
    links = [{"source": "a0", "cible": "a1", "type": "partenariat"},
             {"source": "a1", "cible": "a2", "type": "convention"}]
    full = load_dataset(make_dataset("remplace", acteurs=acteurs, services=services,
                                     interactions=links))
    store.load(full, replace=True)
    smaller_path = tmp_path / "v2" / "remplace"
    smaller_path.parent.mkdir()
    from tests.conftest import write_table
    smaller_path.mkdir()
    write_table(smaller_path / "acteurs.csv", acteurs[:2])
    write_table(smaller_path / "interactions.csv", links[:1])
    smaller = load_dataset(smaller_path)
    kept = store.load(smaller)  # without --replace: the old nodes stay
    assert kept.removed == 0 and kept.nodes["Acteur"] == 3
    replaced = store.load(smaller, replace=True)
    assert replaced.nodes.get("Acteur") == 2 and "Service" not in replaced.nodes
    assert replaced.removed > 0
    assert same_graph(store.graph("remplace"), build_graph(smaller))


def test_two_data_sets_side_by_side(store, demo_dataset):
    generated = generated_dataset(seed=3, actors=40)
    store.load(demo_dataset)
    store.load(generated)
    assert {"morbihan", generated.nom} <= set(store.datasets())
    assert same_graph(store.graph(generated.nom), build_graph(generated))
    assert same_graph(store.graph("morbihan"), build_graph(demo_dataset))


@pytest.mark.parametrize("seed", [1, 2])
def test_who_covers_parity_on_generated_data_sets(store, seed):
    dataset = generated_dataset(seed=seed, actors=60)
    store.load(dataset, replace=True)
    graph = build_graph(dataset)
    for query in QUESTIONS:
        assert store.who_covers(dataset.nom, query) == who_covers(graph, query), query


def test_who_covers_parity_on_the_demo(store, demo_dataset):
    store.load(demo_dataset)
    graph = build_graph(demo_dataset)
    for query in QUESTIONS:
        assert store.who_covers("morbihan", query) == who_covers(graph, query), query


def test_cli_same_json_on_both_stores(runner, neo4j_connection, demo_path):
    variables = env(neo4j_connection)
    loaded = runner.invoke(main, ["load", "--dataset", str(demo_path), "--store", "neo4j"],
                           env=variables)
    assert loaded.exit_code == 0, loaded.output
    assert "Créés" in loaded.output and neo4j_connection.password not in loaded.output
    for args in (["who-covers", "mobilite", "--territoire", "200067932"],
                 ["who-covers", "sante", "--territoire", "56", "--public", "jeunes"],
                 ["stats"], ["gaps"], ["gaps", "--niveau", "epci", "--public", "jeunes"],
                 ["duplicates"], ["consortium", "check"], ["network"],
                 ["network", "--sans", "mobilite-bouge"]):
        common = [*args, "--dataset", str(demo_path), "--format", "json"]
        embedded = runner.invoke(main, common)
        neo4j = runner.invoke(main, [*common, "--store", "neo4j"], env=variables)
        assert neo4j.exit_code == 0, neo4j.output
        assert json.loads(embedded.stdout) == json.loads(neo4j.stdout), args


def test_cypher_command_named_query_and_read_only(runner, neo4j_connection, demo_path, tmp_path):
    variables = env(neo4j_connection)
    runner.invoke(main, ["load", "--dataset", str(demo_path), "--store", "neo4j"], env=variables)
    result = runner.invoke(main, ["cypher", "acteurs_par_famille", "--param", "dataset=morbihan",
                                  "--format", "json", "--store", "neo4j"], env=variables)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sum(r["acteurs"] for r in rows) == 71
    write = tmp_path / "ecrire.cypher"
    write.write_text("CREATE (n:Essai {v: $v}) RETURN n.v AS v", encoding="utf-8")
    refused = runner.invoke(main, ["cypher", str(write), "--param", "v=1", "--store", "neo4j"],
                            env=variables)
    assert refused.exit_code == 1 and "requête refusée en lecture seule" in refused.stderr
    allowed = runner.invoke(main, ["cypher", str(write), "--param", "v=1", "--write",
                                   "--format", "json", "--store", "neo4j"], env=variables)
    assert json.loads(allowed.stdout) == [{"v": 1}]
    unknown = runner.invoke(main, ["cypher", "absente", "--store", "neo4j"], env=variables)
    assert unknown.exit_code == 1 and "who_covers" in unknown.stderr


def test_a_bad_data_set_writes_nothing(runner, neo4j_connection, make_dataset):
    path = make_dataset("mauvais", acteurs=[
        {"id": "a", "nom": "A", "famille": "cd", "commune": "56260"},
        {"id": "b", "nom": "B", "famille": "inconnue", "commune": "56260"}])
    result = runner.invoke(main, ["load", "--dataset", str(path), "--store", "neo4j"],
                           env=env(neo4j_connection))
    assert result.exit_code == 1 and "code de famille inconnu" in result.stderr
    with Neo4jStore(neo4j_connection) as opened:
        assert "mauvais" not in opened.datasets()
    with pytest.raises(DatasetError):
        load_dataset(path)


def test_unreachable_server_and_bad_credentials(runner, neo4j_connection, demo_path, tmp_path):
    command = ["who-covers", "mobilite", "--territoire", "56", "--dataset", str(demo_path),
               "--store", "neo4j"]
    closed = runner.invoke(main, command, env={"NEO4J_URI": "bolt://127.0.0.1:9",
                                               "NEO4J_PASSWORD": "un-mot-de-passe"})
    assert closed.exit_code == 1
    assert "impossible de joindre Neo4j sur bolt://127.0.0.1:9" in closed.stderr
    assert "Traceback" not in closed.output
    never_started = runner.invoke(main, command, env={
        "NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": None,
        "SPIE_GRAPH_NEO4J_PASSWORD_FILE": str(tmp_path / "mot-de-passe")})
    assert never_started.exit_code == 1
    assert "aucun mot de passe pour le serveur Neo4j local" in never_started.stderr
    assert "spie-graph neo4j start" in never_started.stderr
    with pytest.raises(StoreUnavailable, match="refuse l'identification"):
        Neo4jStore(Neo4jConnection(uri=neo4j_connection.uri, password="mauvais-mot-de-passe"))
    with pytest.raises(StoreUnavailable, match="protocole"):
        Neo4jStore(Neo4jConnection(uri="http://127.0.0.1:7474"))


def test_unknown_data_set_and_bad_cypher(store):
    with pytest.raises(StoreError, match="n'est pas chargé"):
        store.graph("jamais-charge")
    with pytest.raises(QueryError, match="Neo4j a refusé la requête"):
        store.run("MATCH (n RETURN n")


def test_an_interrupted_load_is_completed_by_running_it_again(store, demo_dataset):
    # Simulate a load cut after its first batches: write only part of the rows.
    graph = build_graph(demo_dataset.model_copy(update={"nom": "coupe"}))
    nodes, rels = store.rows_of(graph)
    store.ensure_schema()
    from spie_graph.store.cypher import statement
    store.run(statement("load/nodes"), {"rows": nodes[: len(nodes) // 2]})
    store.run(statement("load/relationships"), {"rows": rels[: len(rels) // 3]})
    summary = store.load(demo_dataset.model_copy(update={"nom": "coupe"}))
    assert summary.created > 0
    assert same_graph(store.graph("coupe"), graph)


def test_a_workbook_is_named_the_same_by_every_command(runner, neo4j_connection, tmp_path):
    """``load --dataset ardeche.xlsx`` then ``who-covers --dataset ardeche.xlsx`` (and the
    same data set given as a path written differently) find the same loaded data set."""
    import openpyxl

    from spie_graph import api
    from spie_graph.sources.template import write_template

    path = write_template(tmp_path / "Ardeche.xlsx", departement="07")
    wb = openpyxl.load_workbook(path)
    wb["acteurs"].append(["cd07", "CD de l'Ardèche", "cd", None, None, "07186", "07"])
    wb["services"].append(["s1", "cd07", "Référent RSA", "mobilite"])
    wb.save(path)
    variables = env(neo4j_connection)
    loaded = runner.invoke(main, ["load", "--dataset", str(path), "--store", "neo4j"],
                           env=variables)
    assert loaded.exit_code == 0, loaded.output
    assert "« Ardeche » chargé" in loaded.output.replace("\u00a0", " ")
    assert api.dataset_name(path) == "Ardeche" == api.dataset_name(tmp_path / "Ardeche")
    for given in (str(path), str(tmp_path / "." / "Ardeche.xlsx")):
        found = runner.invoke(main, ["who-covers", "mobilite", "--territoire", "07186",
                                     "--dataset", given, "--store", "neo4j", "--format", "json"],
                              env=variables)
        assert found.exit_code == 0, found.output
        assert [row["service"] for row in json.loads(found.stdout)] == ["s1"]
    other = runner.invoke(main, ["who-covers", "mobilite", "--territoire", "07186", "--dataset",
                                 str(tmp_path / "autre.xlsx"), "--store", "neo4j"], env=variables)
    assert other.exit_code == 1
    assert "« autre » n'est pas chargé" in other.output and "« Ardeche »" in other.output
