"""The local server lets no one in: password file, private folders, read-only cypher, LOAD CSV.

Against the real Neo4j server of the test session (tests/conftest.py), whose
password comes from its password file like a user's server.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from spie_graph.cli import main
from spie_graph.errors import ServerError, StoreUnavailable
from spie_graph.store.connection import Neo4jConnection, redact, split_credentials
from spie_graph.store.neo4j import Neo4jStore
from spie_graph.store.server import ServerConfig, server_password
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.neo4j


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def local_env(config: ServerConfig, uri: str) -> dict[str, str | None]:
    """The CLI reaching the session's server with no password given: it reads the file."""
    return {"NEO4J_URI": uri, "NEO4J_PASSWORD": None, "NEO4J_USER": None,
            "SPIE_GRAPH_NEO4J_PASSWORD_FILE": str(config.password_file)}


@pytest.fixture(scope="module")
def loaded(neo4j_connection, demo_path, runner_module):
    variables = {"NEO4J_URI": neo4j_connection.uri, "NEO4J_PASSWORD": TEST_PASSWORD}
    result = runner_module.invoke(main, ["load", "--dataset", str(demo_path), "--store", "neo4j"],
                                  env=variables)
    assert result.exit_code == 0, result.output
    return neo4j_connection


@pytest.fixture(scope="module")
def runner_module():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="module")
def neo4j_connection(neo4j_config):  # module scope: one start for these tests
    from spie_graph.store.server import start

    state = start(neo4j_config, timeout=300)
    return Neo4jConnection(uri=state.uri, user=neo4j_config.user, password=TEST_PASSWORD)


# -- the password --------------------------------------------------------------------------

def test_first_start_makes_a_random_private_password(tmp_path):
    first = ServerConfig(home=tmp_path / "a")
    second = ServerConfig(home=tmp_path / "b")
    with pytest.raises(ServerError, match="aucun mot de passe"):
        server_password(first)
    made = server_password(first, create=True)
    assert len(made) >= 32 and made == server_password(first)
    assert made != server_password(second, create=True)
    assert first.password_file == tmp_path / "a" / "mot-de-passe"
    assert mode(first.password_file) == 0o600
    assert made not in repr(first)


def test_a_password_file_readable_by_others_is_made_private_again(tmp_path):
    config = ServerConfig(home=tmp_path)
    server_password(config, create=True)
    config.password_file.chmod(0o644)
    server_password(config)
    assert mode(config.password_file) == 0o600


def test_server_files_are_private_and_the_password_is_nowhere_else(loaded, neo4j_config):
    assert mode(neo4j_config.password_file) == 0o600
    assert mode(neo4j_config.data_dir) == 0o700
    assert mode(neo4j_config.log_file.parent) == 0o700
    pid = int(neo4j_config.pid_file.read_text())
    for view in ("environ", "cmdline"):
        assert TEST_PASSWORD.encode() not in Path(f"/proc/{pid}/{view}").read_bytes(), view
    for log in neo4j_config.log_file.parent.iterdir():
        assert TEST_PASSWORD not in log.read_text("utf-8", errors="replace"), log


def test_the_cli_uses_the_local_password_file(loaded, neo4j_config, runner_module):
    result = runner_module.invoke(
        main, ["cypher", "acteurs_par_famille", "--param", "dataset=morbihan", "--format", "json"],
        env=local_env(neo4j_config, loaded.uri))
    assert result.exit_code == 0, result.output
    assert sum(row["acteurs"] for row in json.loads(result.stdout)) == 71
    assert TEST_PASSWORD not in result.output


def test_status_says_where_the_password_is_never_what_it_is(neo4j_config, runner_module):
    result = runner_module.invoke(main, ["neo4j", "status", "--port", str(neo4j_config.port)],
                                  env={"SPIE_GRAPH_NEO4J_PASSWORD_FILE":
                                       str(neo4j_config.password_file), "NEO4J_PASSWORD": None})
    assert result.exit_code == 0, result.output
    assert f"mot de passe : fichier {neo4j_config.password_file} (lisible par vous seul" \
        in result.output
    assert "LOAD CSV : aucun fichier ni adresse web" in result.output
    assert TEST_PASSWORD not in result.output


def test_the_local_password_never_goes_to_another_host(tmp_path, monkeypatch):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    with pytest.raises(StoreUnavailable, match="mot de passe manquant"):
        Neo4jStore(Neo4jConnection(uri="bolt://neo4j.example.org:7687"))


# -- read only: what the server says a query does --------------------------------------------

REFUSED = {
    "CREATE (n:Intrus) RETURN n": "lecture et écriture",
    "MATCH (n:Spie) SET n.nom = 'x' RETURN count(n)": "lecture et écriture",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line": "LoadCSV",
    "LOAD CSV FROM 'http://127.0.0.1:9/x.csv' AS line RETURN line": "LoadCSV",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'": "TerminateTransactions",
    "SHOW TRANSACTIONS": "ShowTransactions",
    "CALL db.clearQueryCaches()": "schéma ou administration",
    "CREATE INDEX intrus FOR (n:Intrus) ON (n.a)": "schéma ou administration",
    "SHOW USERS": "AdministrationCommand",
    "ALTER CURRENT USER SET PASSWORD FROM 'a' TO 'bbbbbbbb'": "AdministrationCommand",
    "MATCH (n:Intrus) CALL (n) { DETACH DELETE n } IN TRANSACTIONS RETURN 1": "Transaction",
}


@pytest.mark.parametrize("query", list(REFUSED))
def test_read_only_cypher_refuses_everything_but_reading(query, loaded, neo4j_config,
                                                         runner_module, tmp_path):
    path = tmp_path / "requete.cypher"
    path.write_text(query, encoding="utf-8")
    result = runner_module.invoke(main, ["cypher", str(path)],
                                  env=local_env(neo4j_config, loaded.uri))
    assert result.exit_code == 1, result.output
    assert "Erreur : requête refusée en lecture seule" in result.stderr
    assert REFUSED[query] in result.stderr
    assert "Traceback" not in result.output and "root:" not in result.output
    with Neo4jStore(loaded) as store:
        assert store.run("MATCH (n:Intrus) RETURN count(n) AS n")[0]["n"] == 0


def test_read_only_cypher_still_reads(loaded, neo4j_config, runner_module, tmp_path):
    path = tmp_path / "lire.cypher"
    path.write_text("MATCH (a:Acteur {dataset: $d}) CALL db.labels() YIELD label "
                    "RETURN count(DISTINCT a) AS acteurs", encoding="utf-8")
    result = runner_module.invoke(main, ["cypher", str(path), "--param", "d=morbihan",
                                         "--format", "json"],
                                  env=local_env(neo4j_config, loaded.uri))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"acteurs": 71}]


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "allow_csv_import_from_file_urls"),
    (f"file://{Path.home()}/.bashrc", "allow_csv_import_from_file_urls"),
    ("http://127.0.0.1:9/x.csv", "blocked"),
])
def test_load_csv_reads_no_file_and_no_url_even_with_write(url, reason, loaded, neo4j_config,
                                                           runner_module, tmp_path):
    path = tmp_path / "lire.cypher"
    path.write_text(f"LOAD CSV FROM '{url}' AS line RETURN line LIMIT 1", encoding="utf-8")
    result = runner_module.invoke(main, ["cypher", str(path), "--write"],
                                  env=local_env(neo4j_config, loaded.uri))
    assert result.exit_code == 1, result.output
    assert "Neo4j a refusé la requête" in result.stderr and reason in result.stderr
    assert "root:" not in result.output


# -- secrets in addresses --------------------------------------------------------------------

def test_credentials_in_the_uri_are_used_and_never_shown(loaded, runner_module, demo_path):
    host = loaded.uri.removeprefix("bolt://")
    good = runner_module.invoke(main, ["stats", "--dataset", str(demo_path), "--store", "neo4j",
                                       "--format", "json",
                                       "--neo4j-uri", f"bolt://neo4j:{TEST_PASSWORD}@{host}"],
                                env={"NEO4J_PASSWORD": None, "NEO4J_URI": None})
    assert good.exit_code == 0, good.output
    assert json.loads(good.stdout)["acteurs"]["total"] == 71
    bad = runner_module.invoke(main, ["stats", "--dataset", str(demo_path), "--store", "neo4j",
                                      "--neo4j-uri", f"bolt://neo4j:pas-le-bon-secret@{host}"],
                               env={"NEO4J_PASSWORD": None, "NEO4J_URI": None})
    assert bad.exit_code == 1
    assert "refuse l'identification" in bad.stderr
    assert "pas-le-bon-secret" not in bad.output and TEST_PASSWORD not in bad.output


def test_redact_hides_user_info_and_secrets():
    assert redact("échec sur bolt://neo4j:secret@h:7687 et neo4j+s://u:p@x.io") == \
        "échec sur bolt://***@h:7687 et neo4j+s://***@x.io"
    assert redact("le mot de passe s3cret apparaît", "s3cret") == "le mot de passe *** apparaît"
    assert split_credentials("bolt://neo4j:s%40cret@h:7687") == ("bolt://h:7687", "neo4j",
                                                                "s@cret")
    assert split_credentials("bolt://h:7687") == ("bolt://h:7687", None, None)
    connection = Neo4jConnection(uri="bolt://alice:secret@h:7687")
    assert (connection.uri, connection.user, connection.password) == ("bolt://h:7687", "alice",
                                                                      "secret")
    assert "secret" not in repr(connection)


def test_the_server_environment_holds_no_password(loaded, neo4j_config):
    """The JVM reads its password on stdin: its environment has no NEO4J_PASSWORD at all."""
    pid = int(neo4j_config.pid_file.read_text())
    assert b"NEO4J_PASSWORD=" not in Path(f"/proc/{pid}/environ").read_bytes()


def test_an_import_folder_is_the_only_one_load_csv_reads(tmp_path, runner_module):
    """A server of its own, started with an import folder: LOAD CSV reads there, nowhere else."""
    from spie_graph.store.server import start, stop
    from tests.conftest import _free_port, neo4j_test_config

    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "lignes.csv").write_text("a\nb\n", encoding="utf-8")
    base = neo4j_test_config(tmp_path / "serveur", _free_port())
    config = ServerConfig(home=base.home, data_dir=base.data_dir, log_file=base.log_file,
                          pid_file=base.pid_file, port=base.port, password_file=base.password_file,
                          pagecache="64m", heap="512m", import_dir=folder)
    state = start(config, timeout=300)
    try:
        query = tmp_path / "lire.cypher"
        env = local_env(config, state.uri)
        status_text = runner_module.invoke(main, ["neo4j", "status", "--port", str(config.port)],
                                           env={**env, "SPIE_GRAPH_NEO4J_IMPORT": str(folder)})
        assert f"LOAD CSV : fichiers du dossier {folder} seulement" in status_text.output
        query.write_text("LOAD CSV FROM 'file:///lignes.csv' AS l RETURN l[0] AS v",
                         encoding="utf-8")
        read = runner_module.invoke(main, ["cypher", str(query), "--write", "--format", "json"],
                                    env=env)
        assert read.exit_code == 0, read.output
        assert json.loads(read.stdout) == [{"v": "a"}, {"v": "b"}]
        query.write_text("LOAD CSV FROM 'file:///../../../../../../etc/passwd' AS l RETURN l",
                         encoding="utf-8")
        outside = runner_module.invoke(main, ["cypher", str(query), "--write"], env=env)
        assert outside.exit_code == 1 and "root:" not in outside.output
        assert "Neo4j a refusé la requête" in outside.stderr
    finally:
        stop(config)
