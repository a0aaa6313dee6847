"""Tests of the local Neo4j server: they really assemble, start and stop it.

One server is started for the session on a free port, with its data, log and
pid file in a temporary folder; the jars and the compiled launcher come from
the usual cache (``ServerConfig.from_env().home``) so they are fetched once.
Without Java or Maven these tests fail with a message saying what to install
(never a skip, with or without CI=true).
"""

from __future__ import annotations

import dataclasses
import re
import socket
import time

import pytest
from click.testing import CliRunner
from neo4j import GraphDatabase

from spie_graph.cli import main
from spie_graph.errors import ServerError
from spie_graph.store import server as neo4j_server
from spie_graph.store.server import (
    NEO4J_VERSION,
    ServerConfig,
    server_password,
    start,
    status,
    stop,
)
from tests.conftest import TEST_PASSWORD, neo4j_test_config

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="session")
def config(neo4j_config) -> ServerConfig:
    return neo4j_config


@pytest.fixture(scope="session")
def server(config):
    state = start(config, timeout=300)
    yield state
    stop(config)


def test_version_comes_from_the_pom():
    pom = neo4j_server.POM_FILE.read_text("utf-8")
    assert f"<neo4j.version>{NEO4J_VERSION}</neo4j.version>" in pom
    assert re.fullmatch(r"5\.26\.\d+", NEO4J_VERSION)


def test_password_is_never_shown(config):
    assert TEST_PASSWORD not in repr(config)
    assert TEST_PASSWORD not in repr(status(config))


def test_start_reports_a_running_server(server, config):
    assert server.running and server.pid
    assert server.uri == f"bolt://127.0.0.1:{config.port}"
    assert server.version == NEO4J_VERSION
    state = status(config)
    assert state.running and state.pid == server.pid
    assert config.pid_file.read_text().strip() == str(server.pid)
    assert TEST_PASSWORD not in config.log_file.read_text("utf-8")


def test_bolt_answers_a_query(server, config):
    with GraphDatabase.driver(server.uri, auth=(config.user, server_password(config))) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1
        records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions, edition "
                                             "RETURN versions[0] AS version, edition")
        assert records[0]["version"] == NEO4J_VERSION
        assert records[0]["edition"] == "community"


def test_start_is_idempotent(server, config):
    began = time.monotonic()
    again = start(config)
    assert again.pid == server.pid
    assert time.monotonic() - began < 10


def test_wrong_password_is_a_clear_error(server, config):
    other = dataclasses.replace(config, password="un-autre-mot-de-passe")
    with pytest.raises(ServerError, match="refuse le mot de passe") as caught:
        start(other)
    assert "un-autre-mot-de-passe" not in str(caught.value)
    assert status(config).pid == server.pid


def test_port_taken_by_another_process(config, tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(ServerError, match=f"port {port} .*déjà utilisé"):
            start(neo4j_test_config(tmp_path, port), timeout=30)
    assert not (tmp_path / "neo4j.pid").exists()


def test_cli_turns_errors_into_french_messages(tmp_path):
    result = CliRunner().invoke(
        main, ["neo4j", "start", "--home", str(tmp_path), "--heap", "beaucoup"])
    assert result.exit_code == 1
    assert "Erreur : taille invalide pour heap" in result.output
    assert "Traceback" not in result.output


def test_cli_status_of_a_stopped_server(tmp_path):
    result = CliRunner().invoke(
        main, ["neo4j", "status", "--home", str(tmp_path), "--port", "7699"])
    assert result.exit_code == 0
    assert f"Neo4j {NEO4J_VERSION} : arrêté" in result.output
    assert "bolt://127.0.0.1:7699" in result.output


def test_stop_ends_the_server(server, config):
    """Runs last in this file: it stops the session's server."""
    assert stop(config) is True
    state = status(config)
    assert not state.running and state.pid is None
    assert not config.pid_file.exists()
    assert not neo4j_server._alive(server.pid)
    assert stop(config) is False
    assert "SpieNeo4j : Neo4j arrêté" in config.log_file.read_text("utf-8")
