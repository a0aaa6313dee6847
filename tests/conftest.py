"""Shared fixtures: the demo data set, data sets written for a test, the CLI runner."""

from __future__ import annotations

import csv
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from spie_graph.graph.build import build_graph
from spie_graph.sources.validation import load_dataset
from spie_graph.store.connection import Neo4jConnection
from spie_graph.store.server import ServerConfig, start, stop

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "datasets" / "morbihan"
# Copies of the public reference files the tests compare against (see tests/reference/README.md).
REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="session", autouse=True)
def graph_cache(tmp_path_factory) -> Path:
    """The cache of built graphs lives in the session's temporary folder, never the user's."""
    folder = tmp_path_factory.mktemp("cache-spie-graph")
    os.environ["SPIE_GRAPH_CACHE"] = str(folder)
    os.environ.pop("SPIE_GRAPH_SANS_CACHE", None)
    return folder


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def demo_path() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def demo_dataset():
    return load_dataset(DEMO)


@pytest.fixture(scope="session")
def demo_graph(demo_dataset):
    return build_graph(demo_dataset)


def write_table(path: Path, rows: list[dict], delimiter: str = ";",
                encoding: str = "utf-8") -> Path:
    """Write rows as a CSV table (columns from the first row's keys, then the others)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, list(columns), delimiter=delimiter)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("|".join(v) if isinstance(v, list) else v)
                             for k, v in row.items()})
    return path


@pytest.fixture
def make_dataset(tmp_path: Path) -> Callable[..., Path]:
    """Write a data set folder from lists of dicts; returns its path.

    ``make_dataset("name", acteurs=[...], services=[...], interactions=[...],
    consortium={...})``; list values are joined with ``|``.
    """

    def make(name: str = "test", *, acteurs: list[dict], services: list[dict] | None = None,
             interactions: list[dict] | None = None, consortium: dict | None = None) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        write_table(folder / "acteurs.csv", acteurs)
        if services:
            write_table(folder / "services.csv", services)
        if interactions:
            write_table(folder / "interactions.csv", interactions)
        if consortium is not None:
            (folder / "consortium.yaml").write_text(
                yaml.safe_dump(consortium, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return folder

    return make


# -- a real Neo4j server, started by the project's own code, once per session ------------
TEST_PASSWORD = "mot-de-passe-de-test"


def _require_tools() -> None:
    """Java and Maven are needed: without them the test fails (never a skip, CI or not)."""
    missing = [tool for tool in ("java", "javac", "mvn") if shutil.which(tool) is None]
    if not missing:
        return
    pytest.fail(
        f"outils absents pour le serveur Neo4j de test : {', '.join(missing)}. "
        "Installez-les : apt-get install openjdk-17-jdk-headless maven",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def neo4j_test_config(base: Path, port: int) -> ServerConfig:
    """A server configuration whose data, log, pid and password files live under ``base``.

    The password comes from the password file, as for a user's server; the
    file is written beforehand with the fixed TEST_PASSWORD (mode 0600).
    """
    password_file = base / "mot-de-passe"
    if not password_file.exists():
        password_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(TEST_PASSWORD + "\n")
    return ServerConfig.from_env(
        port=port, password_file=password_file, pagecache="128m",
        data_dir=base / "data", log_file=base / "logs" / "server.log", pid_file=base / "neo4j.pid",
    )


@pytest.fixture(scope="session")
def neo4j_config(tmp_path_factory) -> ServerConfig:
    """The session's server configuration; the server is stopped at the end."""
    _require_tools()
    config = neo4j_test_config(tmp_path_factory.mktemp("neo4j"), _free_port())
    yield config
    stop(config)


@pytest.fixture
def neo4j_connection(neo4j_config) -> Neo4jConnection:
    """A running server (started, or restarted if a test stopped it) and how to reach it."""
    state = start(neo4j_config, timeout=300)
    return Neo4jConnection(uri=state.uri, user=neo4j_config.user, password=TEST_PASSWORD)
