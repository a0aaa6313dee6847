"""The bulk path (neo4j-admin database import) and loads that fail, against real servers.

The bulk import stops and restarts its server and fills only an empty database:
it gets a server of its own (port, data folder), not the session's.
"""

from __future__ import annotations

import time

import pytest

from spie_graph import api
from spie_graph.cli import main
from spie_graph.errors import StoreError
from spie_graph.graph.build import build_graph
from spie_graph.graph.coverage import who_covers
from spie_graph.store import neo4j as neo4j_store
from spie_graph.store import server
from spie_graph.store.bulk import ImportFiles, write_import_files
from spie_graph.store.connection import Neo4jConnection
from spie_graph.store.cypher import statement
from spie_graph.store.neo4j import Neo4jStore
from tests.conftest import TEST_PASSWORD, _free_port, neo4j_test_config
from tests.test_neo4j_store import env, recorded, same_graph
from tests.test_parity import QUESTIONS, generated_dataset

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def bulk_config(tmp_path_factory, neo4j_config):  # neo4j_config: Java and Maven checked
    config = neo4j_test_config(tmp_path_factory.mktemp("neo4j-bulk"), _free_port())
    yield config
    server.stop(config)


@pytest.fixture
def bulk_connection(bulk_config) -> Neo4jConnection:
    """The bulk server, running, its database emptied."""
    state = server.start(bulk_config, timeout=300)
    connection = Neo4jConnection(uri=state.uri, password=TEST_PASSWORD)
    with Neo4jStore(connection) as store:
        store.run("MATCH (n) DETACH DELETE n")
    return connection


def stored_hash(store: Neo4jStore, dataset: str) -> str | None:
    [state] = store.run(statement("load/dataset_state"), {"dataset": dataset}, write=False)
    return state["hash"]


def test_bulk_import_of_the_demo_answers_as_a_normal_load(bulk_config, bulk_connection,
                                                          demo_path, demo_dataset):
    summary = api.bulk_load(demo_path, bulk_connection, server=bulk_config)
    expected = build_graph(demo_dataset)
    assert sum(summary.nodes.values()) == expected.number_of_nodes()
    assert sum(summary.relationships.values()) == expected.number_of_edges()
    with Neo4jStore(bulk_connection) as store:
        assert same_graph(store.graph("morbihan"), expected)  # labels, types, every property
        for query in QUESTIONS:
            assert store.who_covers("morbihan", query) == who_covers(expected, query), query
        # The hash is the normal load's: loading the same data normally writes nothing.
        assert stored_hash(store, "morbihan") == Neo4jStore.content_hash(expected)
        again = store.load(demo_dataset)
        assert (again.created, again.updated, again.removed) == (0, 0, 0)
        labels = store.run("MATCH (n:Spie {dataset: 'morbihan'}) "
                           "RETURN DISTINCT labels(n) AS labels", write=False)
        assert {tuple(sorted(row["labels"])) for row in labels} == {
            tuple(sorted(("Spie", label))) for label in
            {data["label"] for _, data in expected.nodes(data=True)}}
        names = {row["name"] for row in store.run("SHOW CONSTRAINTS YIELD name", write=False)}
        assert "spie_uid" in names


def test_bulk_import_of_a_generated_data_set_with_empty_lists(bulk_config, bulk_connection,
                                                              tmp_path):
    dataset = generated_dataset(seed=5, actors=80)
    graph = build_graph(dataset)
    assert any(v == [] for _, data in graph.nodes(data=True) for v in data.values())
    from spie_graph.store.bulk import bulk_load

    summary = bulk_load(graph, bulk_connection, bulk_config)
    assert sum(summary.nodes.values()) == graph.number_of_nodes()
    with Neo4jStore(bulk_connection) as store:
        assert same_graph(store.graph(dataset.nom), graph)
        for query in QUESTIONS:
            assert store.who_covers(dataset.nom, query) == who_covers(graph, query), query


def test_bulk_import_refuses_a_database_that_is_not_empty(runner, bulk_config, bulk_connection,
                                                          demo_path, demo_dataset, monkeypatch):
    with Neo4jStore(bulk_connection) as store:
        store.load(demo_dataset.model_copy(update={"nom": "deja-la"}))
        before = store.counts("deja-la")
    with pytest.raises(StoreError, match="ne remplit qu'une base vide") as refused:
        api.bulk_load(demo_path, bulk_connection, server=bulk_config)
    assert "« deja-la »" in str(refused.value) and "sans --bulk" in str(refused.value)
    assert server.status(bulk_config).running
    with Neo4jStore(bulk_connection) as store:
        assert store.counts("deja-la") == before and "morbihan" not in store.datasets()
    # Through the command line: the same French refusal, exit status 1.
    monkeypatch.setattr(api, "_server_config", lambda **options: bulk_config)
    result = runner.invoke(main, ["load", "--dataset", str(demo_path), "--store", "neo4j",
                                  "--bulk"], env=env(bulk_connection))
    assert result.exit_code == 1
    assert "ne remplit qu'une base vide" in result.stderr and "Traceback" not in result.output


def test_bulk_import_refuses_a_server_that_is_not_the_local_one(bulk_config, demo_path):
    elsewhere = Neo4jConnection(uri="bolt://db.example.org:7687", password="x" * 8)
    with pytest.raises(StoreError, match="n'est pas ce serveur"):
        api.bulk_load(demo_path, elsewhere, server=bulk_config)
    other_port = Neo4jConnection(uri=f"bolt://127.0.0.1:{bulk_config.port + 1}",
                                 password=TEST_PASSWORD)
    with pytest.raises(StoreError, match="n'est pas ce serveur"):
        api.bulk_load(demo_path, other_port, server=bulk_config)
    no_port = Neo4jConnection(uri="bolt://localhost", password=TEST_PASSWORD)  # port 7687
    with pytest.raises(StoreError, match="n'est pas ce serveur"):
        api.bulk_load(demo_path, no_port, server=bulk_config)


def test_bulk_option_needs_neo4j_and_no_replace(runner, demo_path):
    for args in (["--bulk"], ["--bulk", "--store", "neo4j", "--replace"]):
        result = runner.invoke(main, ["load", "--dataset", str(demo_path), *args])
        assert result.exit_code == 1, args
        assert "--bulk remplit la base vide du serveur Neo4j local" in result.stderr


def test_a_failed_bulk_import_leaves_the_database_empty(bulk_config, bulk_connection,
                                                        demo_path, monkeypatch, tmp_path):
    # A real failure of neo4j-admin: one of the node files it is given does not exist.
    missing = tmp_path / "absent.csv"
    arguments = ImportFiles.arguments
    monkeypatch.setattr(ImportFiles, "arguments",
                        lambda self: [*arguments(self), f"--nodes={missing}"])
    with pytest.raises(StoreError, match="l'import en bloc a échoué, la base reste vide"):
        api.bulk_load(demo_path, bulk_connection, server=bulk_config)
    assert server.status(bulk_config).running  # started again
    with Neo4jStore(bulk_connection) as store:
        assert store.run(statement("load/database_empty"), write=False) == [{"empty": True}]
    databases = bulk_config.data_dir / "databases"
    assert not (databases / server.IMPORT_DATABASE).exists()
    assert not list(bulk_config.data_dir.glob("import-spie-*"))  # the CSV files are gone


def test_import_files_have_typed_headers_and_arrays(demo_dataset, tmp_path):
    files = write_import_files(build_graph(demo_dataset), tmp_path)
    headers = {path.read_text("utf-8").splitlines()[0] for path in files.nodes}
    service = next(h for h in headers if "moments:string[]" in h)
    assert service.startswith("uid:ID(Spie),:LABEL,dataset:string,")
    assert any("population:long" in h for h in headers)
    first = {path.read_text("utf-8").splitlines()[0] for path in files.relationships}
    assert all(h.startswith(":START_ID(Spie),:END_ID(Spie),:TYPE,rkey:string")
               for h in first)
    assert files.node_count + files.relationship_count == sum(
        len(path.read_text("utf-8").splitlines()) - 1
        for path in files.nodes + files.relationships)


# -- loads that fail or are interrupted -----------------------------------------------------
@pytest.fixture
def store(neo4j_connection):
    with Neo4jStore(neo4j_connection, batch_size=100) as opened:
        yield opened


def _failing_after(store: Neo4jStore, monkeypatch, writes: int,
                   error: type[BaseException]) -> None:
    """Make the store's batch writes fail after ``writes`` of them."""
    execute = store.execute
    seen = {"n": 0}

    def failing(cypher, parameters=None, **kwargs):
        if "UNWIND" in cypher:  # a batch write
            seen["n"] += 1
            if seen["n"] > writes:
                raise error("coupure simulée")
        return execute(cypher, parameters, **kwargs)

    monkeypatch.setattr(store, "execute", failing)


@pytest.mark.parametrize("error", [StoreError, KeyboardInterrupt])
def test_a_first_load_cut_short_leaves_nothing(store, demo_dataset, monkeypatch, error):
    data = demo_dataset.model_copy(update={"nom": f"coupure-{error.__name__}"})
    _failing_after(store, monkeypatch, 5, error)
    with pytest.raises(error, match="coupure simulée"):
        store.load(data)
    monkeypatch.undo()
    assert data.nom not in store.datasets()
    assert store.counts(data.nom) == {"node": {}, "relationship": {}}
    assert stored_hash(store, data.nom) is None
    summary = store.load(data)  # loads whole afterwards
    assert summary.created == sum(summary.nodes.values()) + sum(summary.relationships.values())
    assert same_graph(store.graph(data.nom), build_graph(data))


@pytest.mark.parametrize("error", [StoreError, KeyboardInterrupt])
def test_a_first_load_failing_while_its_graph_is_built_leaves_nothing(
        store, demo_dataset, monkeypatch, error):
    """A first load writes the nodes of each stage of the build while the next stages are
    built: what it wrote is deleted when a later stage fails or is interrupted."""
    data = demo_dataset.model_copy(update={"nom": f"construction-{error.__name__}"})
    stages = neo4j_store.build_stages

    def failing(dataset):
        built = stages(dataset)
        yield next(built)  # the territories
        yield next(built)  # the actors
        deadline = time.monotonic() + 120
        while not store.counts(data.nom)["node"].get("Territoire"):
            assert time.monotonic() < deadline, "nothing written while the graph was built"
            time.sleep(0.05)
        raise error("coupure simulée")

    monkeypatch.setattr(neo4j_store, "build_stages", failing)
    with pytest.raises(error, match="coupure simulée"):
        store.load(data)
    monkeypatch.undo()
    assert store.counts(data.nom) == {"node": {}, "relationship": {}}
    assert stored_hash(store, data.nom) is None
    summary = store.load(data)  # loads whole afterwards
    assert summary.created == sum(summary.nodes.values()) + sum(summary.relationships.values())
    assert same_graph(store.graph(data.nom), build_graph(data))


def test_a_reload_cut_short_is_never_taken_as_complete(store, demo_dataset, monkeypatch):
    data = demo_dataset.model_copy(update={"nom": "recoupe"})
    store.load(data)
    assert stored_hash(store, data.nom) is not None
    changed = data.model_copy(update={"acteurs": [
        data.acteurs[0].model_copy(update={"nom": "Autre nom"}), *data.acteurs[1:]]})
    _failing_after(store, monkeypatch, 2, StoreError)
    with pytest.raises(StoreError):
        store.load(changed)
    monkeypatch.undo()
    assert stored_hash(store, data.nom) is None  # no hash: not complete
    # Not even the first data set's files can pass for loaded: the next load writes.
    again = store.load(data)
    assert stored_hash(store, data.nom) == Neo4jStore.content_hash(build_graph(data))
    assert same_graph(store.graph(data.nom), build_graph(data)) and again.updated >= 0


def test_an_unchanged_data_set_is_not_read_again(runner, neo4j_connection, demo_path,
                                                 monkeypatch):
    """Files unchanged since the last complete load: not even validated again."""
    variables = env(neo4j_connection)
    command = ["load", "--dataset", str(demo_path), "--store", "neo4j"]
    first = runner.invoke(main, command, env=variables)
    assert first.exit_code == 0, first.output

    reads: list[object] = []
    load_dataset = api.load_dataset

    def counted(path, *args, **kwargs):
        reads.append(path)
        return load_dataset(path, *args, **kwargs)

    monkeypatch.setattr(api, "load_dataset", counted)
    second = runner.invoke(main, command, env=variables)
    assert second.exit_code == 0, second.output
    assert reads == []  # neither read nor validated
    assert "Créés : 0 ; modifiés : 0 ; supprimés : 0" in " ".join(second.output.split())
    replaced = runner.invoke(main, [*command, "--replace"], env=variables)
    assert replaced.exit_code == 0, replaced.output
    assert len(reads) == 1  # --replace always reads and writes


def _drop_schema(store: Neo4jStore) -> None:
    """A new database: no spie-graph constraint or index (the lookup indexes stay)."""
    for row in store.run("SHOW CONSTRAINTS YIELD name", write=False):
        store.run("DROP CONSTRAINT $name", {"name": row["name"]})
    for row in store.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'", write=False):
        store.run("DROP INDEX $name", {"name": row["name"]})


def test_a_first_load_into_a_new_database_creates_the_schema_after_its_data(
        bulk_connection, demo_dataset, monkeypatch):
    with Neo4jStore(bulk_connection, batch_size=300) as store:
        _drop_schema(store)
        sent = recorded(store, monkeypatch)
        summary = store.load(demo_dataset)
        monkeypatch.undo()
        # Every node is written before the schema exists (no index upkeep row by row); the
        # relationships, which touch no indexed property, are written while it is made.
        nodes = [i for i, cypher in enumerate(sent) if "CREATE (n:" in cypher]
        relationships = [i for i, cypher in enumerate(sent) if "CREATE (a)" in cypher]
        schema = [i for i, cypher in enumerate(sent) if "CREATE CONSTRAINT" in cypher]
        assert nodes and relationships and schema and max(nodes) < min(schema)
        expected = build_graph(demo_dataset)
        assert summary.created == expected.number_of_nodes() + expected.number_of_edges()
        # What the load says it wrote is what the database holds.
        held = store.counts("morbihan")
        assert (summary.nodes, summary.relationships) == (held["node"], held["relationship"])
        names = {row["name"] for row in store.run("SHOW CONSTRAINTS YIELD name", write=False)}
        assert "spie_uid" in names
        states = store.run("SHOW INDEXES YIELD name, state, type WHERE type <> 'LOOKUP' "
                           "RETURN name, state", write=False)
        assert {row["name"] for row in states} >= {"spie_dataset", "territoire_code",
                                                    "acteur_id", "service_id"}
        assert {row["state"] for row in states} == {"ONLINE"}
        assert same_graph(store.graph("morbihan"), expected)
        for query in QUESTIONS:
            assert store.who_covers("morbihan", query) == who_covers(expected, query), query
        assert stored_hash(store, "morbihan") == Neo4jStore.content_hash(expected)
        # A second data set into the database that now has the schema keeps it up to date.
        other = generated_dataset(seed=4, actors=30)
        store.load(other)
        assert same_graph(store.graph(other.nom), build_graph(other))


def test_a_first_load_whose_uids_clash_with_the_database_fails_and_leaves_nothing(
        bulk_connection, demo_dataset):
    """Written without the schema, a first load still checks that every uid is unique (the
    constraint is created before the load counts as complete): a clash fails the load and
    deletes what it wrote, and only that."""
    with Neo4jStore(bulk_connection, batch_size=300) as store:
        _drop_schema(store)
        store.run("CREATE (:Spie:Acteur {uid: 'morbihan/Acteur:cd56', dataset: 'intrus'})")
        with pytest.raises(StoreError, match="Neo4j a refusé la requête"):
            store.load(demo_dataset)
        assert store.counts("morbihan") == {"node": {}, "relationship": {}}
        assert stored_hash(store, "morbihan") is None
        assert store.datasets() == ["intrus"]
        store.run("MATCH (n:Spie {dataset: 'intrus'}) DELETE n")
        store.load(demo_dataset)  # once the clash is gone, it loads whole
        assert same_graph(store.graph("morbihan"), build_graph(demo_dataset))
