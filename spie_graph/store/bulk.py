"""The bulk path: a first load into an empty local Neo4j through ``neo4j-admin database import``.

For a national data set into an empty database, Neo4j's own offline importer
writes the store files directly, far faster than transactions. The graph is
written as CSV files with typed headers (:func:`write_import_files`): one node
file per label and one relationship file per type, holding exactly what a
normal load writes (label ``Spie`` and the node's label, ``uid`` as the ID in
the ``Spie`` ID space, every property with its type, arrays for lists), so
every query, the read-back graph and the content hash are the same.

:func:`bulk_load` then, on the local server only and only when its database
holds no node at all: stops the server, imports into a database of its own
beside the served one (:data:`~spie_graph.store.server.IMPORT_DATABASE`),
swaps it in, starts the server, creates the schema, gives back the empty lists
the importer cannot write, and only then sets the data set's content hash. A
failed or interrupted import leaves the served database as it was (empty); a
failure after the swap leaves no hash, so the data set is never taken as
complete and a normal ``spie-graph load`` completes it.

Cost: O(n + r) to write the files; the import itself runs on every core.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import networkx as nx

from spie_graph.errors import ServerError, StoreError
from spie_graph.store.base import LoadSummary, Progress
from spie_graph.store.connection import Neo4jConnection, is_local
from spie_graph.store.cypher import statement
from spie_graph.store.neo4j import Neo4jStore

__all__ = ["ImportFiles", "write_import_files", "bulk_load"]

ID_SPACE = "Spie"
#: Separates the items of an array (and the labels of a node) in the import files: a
#: control character no text of a data set holds (checked as the files are written).
ARRAY_DELIMITER = "\x1f"
_EMPTY = "vide"  # the type of an empty list: the importer writes no property for it


@dataclass
class ImportFiles:
    """The files written for ``neo4j-admin database import`` and what they hold."""

    nodes: list[Path] = field(default_factory=list)
    relationships: list[Path] = field(default_factory=list)
    multiline: bool = False  # some text holds a line break
    node_count: int = 0
    relationship_count: int = 0
    digest: str = ""  # Neo4jStore.content_hash of the graph
    #: (label, property) whose empty lists one statement gives back after the import:
    #: every node of the label has the property, so one lacking it held [].
    label_fixes: list[tuple[str, str]] = field(default_factory=list)
    #: empty lists to give back one by one: {uid, props} of nodes of other labels,
    #: {source, target, type, key, props} of relationships.
    node_fixes: list[dict] = field(default_factory=list)
    relationship_fixes: list[dict] = field(default_factory=list)

    def arguments(self) -> list[str]:
        """The options of ``neo4j-admin database import full`` for these files."""
        return [*(f"--nodes={path}" for path in self.nodes),
                *(f"--relationships={path}" for path in self.relationships),
                f"--array-delimiter={ARRAY_DELIMITER}", "--id-type=string",
                f"--multiline-fields={'true' if self.multiline else 'false'}",
                "--skip-duplicate-nodes=false", "--skip-bad-relationships=false",
                "--bad-tolerance=0", "--overwrite-destination=true"]


def _type_of(value: object, where: str) -> str:
    """The import type of a property value (``string``, ``long[]``…; ``vide`` for [])."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise StoreError(f"nombre non fini {value!r} {where} : chargez sans --bulk")
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        if not value:
            return _EMPTY
        kinds = {_type_of(item, where) for item in value}
        if len(kinds) == 1 and not next(iter(kinds)).endswith(("[]", _EMPTY)):
            return f"{kinds.pop()}[]"
    raise StoreError(f"valeur {value!r} {where} : le chargement en bloc (--bulk) ne sait pas "
                     "l'écrire telle quelle ; chargez sans --bulk")


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _cell(value: object) -> str:
    """A CSV field: empty for no value (and for [], which the importer drops), text quoted,
    lists joined by :data:`ARRAY_DELIMITER`."""
    if value is None or value == []:
        return ""
    if isinstance(value, list):
        items = [_plain(item) for item in value]
        if any(ARRAY_DELIMITER in item for item in items):
            raise StoreError("un texte contient le caractère U+001F, qui sépare les éléments "
                             "d'une liste dans l'import en bloc : chargez sans --bulk")
        return _quoted(ARRAY_DELIMITER.join(items))
    if isinstance(value, str):
        return _quoted(value)
    return _plain(value)


_SIMPLE = {str: "string", int: "long", bool: "boolean"}  # exact types: no check needed


@dataclass
class _Kind:
    """The properties of one label or relationship type: their types, and how many of its
    elements have each (an empty list counts) and hold an empty list."""

    count: int = 0
    types: dict[str, str] = field(default_factory=dict)
    having: dict[str, int] = field(default_factory=dict)
    empty: set[str] = field(default_factory=set)

    def add(self, props: dict[str, Any], skip: str, where: Callable[[], str]) -> None:
        """Count one element's properties (but ``skip``); ``where`` names it in an error."""
        self.count += 1
        having, types = self.having, self.types
        for key, value in props.items():
            if key == skip:
                continue
            kind = _SIMPLE.get(type(value)) or _type_of(value, f"({where()}, propriété « {key} »)")
            having[key] = having.get(key, 0) + 1
            if kind == _EMPTY:
                self.empty.add(key)
                continue
            known = types.setdefault(key, kind)
            if known != kind:
                raise StoreError(f"propriété « {key} » ({where()}) : type {kind} ici, {known} "
                                 "ailleurs ; le chargement en bloc (--bulk) veut un seul type "
                                 "par propriété : chargez sans --bulk")


def _survey(graph: nx.MultiDiGraph) -> tuple[dict[str, _Kind], dict[str, _Kind]]:
    """The properties of each node label and relationship type (a file's header names them
    all, typed), read from the graph: what :meth:`Neo4jStore.node_rows` and
    :meth:`~Neo4jStore.relationship_rows` write, and their ``dataset`` and ``rkey``."""
    labels: dict[str, _Kind] = {}
    for node, data in graph.nodes(data=True):
        kind = labels.get(data["label"])
        if kind is None:
            kind = labels[data["label"]] = _Kind(types={"dataset": "string"})
        kind.add(data, "label", partial("nœud {}".format, node))
        kind.having["dataset"] = kind.count
    types: dict[str, _Kind] = {}
    for source, target, data in graph.edges(data=True):
        kind = types.get(data["type"])
        if kind is None:
            kind = types[data["type"]] = _Kind(types={"rkey": "string"})
        kind.add(data, "type", partial("relation {} → {}".format, source, target))
    return labels, types


class _Files:
    """One CSV file per label or relationship type, opened at its first row."""

    def __init__(self, folder: Path, prefix: str, kinds: dict[str, _Kind],
                 fixed: list[str], technical: list[str]) -> None:
        self.folder, self.prefix, self.kinds = folder, prefix, kinds
        self.fixed, self.technical = fixed, technical
        self.open: dict[str, tuple[IO[str], list[str]]] = {}
        self.paths: list[Path] = []

    def write(self, name: str, fixed: list[str], props: dict[str, Any]) -> bool:
        """Write one row; True when a field holds a line break."""
        found = self.open.get(name)
        if found is None:
            types = self.kinds[name].types
            keys = [*self.technical, *sorted(k for k in types if k not in self.technical)]
            path = self.folder / f"{self.prefix}-{len(self.paths)}.csv"
            handle: IO[str] = path.open("w", encoding="utf-8", newline="")
            handle.write(",".join([*self.fixed, *(f"{k}:{types[k]}" for k in keys)]) + "\n")
            self.paths.append(path)
            found = self.open[name] = (handle, keys)
        handle, keys = found
        line = ",".join([*map(_quoted, fixed), *(
            '"' + value.replace('"', '""') + '"' if type(value) is str else _cell(value)
            for value in map(props.get, keys))])
        handle.write(line + "\n")
        return "\n" in line or "\r" in line

    def close(self) -> list[Path]:
        for handle, _ in self.open.values():
            handle.close()
        return self.paths


def write_import_files(graph: nx.MultiDiGraph, folder: Path) -> ImportFiles:
    """Write the import files of a canonical graph into ``folder``.

    Two passes over the graph: the properties of each label and type, then the
    rows. The content hash is computed on the way, as
    :meth:`Neo4jStore.content_hash` does.

    Raises
    ------
    StoreError
        A value the importer cannot hold exactly (a property with two types in
        one label, a text holding U+001F, a list of lists): the message says to
        load without ``--bulk``.
    """
    labels, types = _survey(graph)
    files = ImportFiles()
    for label, kind in labels.items():
        for key in sorted(kind.empty):
            if kind.having[key] == kind.count:
                files.label_fixes.append((label, key))
    whole = set(files.label_fixes)
    digest = hashlib.sha256()
    nodes = _Files(folder, "noeuds", labels, [f"uid:ID({ID_SPACE})", ":LABEL"], ["dataset"])
    rels = _Files(folder, "relations", types,
                  [f":START_ID({ID_SPACE})", f":END_ID({ID_SPACE})", ":TYPE"], ["rkey"])
    try:
        for row in Neo4jStore._hashed(Neo4jStore.node_rows(graph), digest):
            label, props = row["label"], row["props"]
            fixed = [row["uid"], f"{ID_SPACE}{ARRAY_DELIMITER}{label}"]
            files.multiline |= nodes.write(label, fixed, {k: v for k, v in props.items()
                                                          if k != "uid"})
            files.node_count += 1
            lists: dict[str, list] = {k: [] for k in labels[label].empty
                     if props.get(k) == [] and (label, k) not in whole}
            if lists:
                files.node_fixes.append({"uid": row["uid"], "props": lists})
        for row in Neo4jStore.relationship_rows(graph):
            fixed = [row["source"], row["target"], row["type"]]
            files.multiline |= rels.write(row["type"], fixed, row["props"])
            files.relationship_count += 1
            empty: dict[str, list] = {k: [] for k, v in row["props"].items() if v == []}
            if empty:
                files.relationship_fixes.append({**row, "props": empty})
    finally:
        files.nodes, files.relationships = nodes.close(), rels.close()
    for _ in Neo4jStore._hashed(Neo4jStore.relationship_records(graph), digest):
        pass  # the hash covers relationships as Neo4jStore.content_hash does
    files.digest = digest.hexdigest()
    return files


def _check_local(connection: Neo4jConnection, config: Any) -> None:
    try:
        port = urlsplit(connection.uri).port or 7687  # Bolt's default port
    except ValueError:
        port = None
    if not is_local(connection.uri) or port != config.port:
        raise StoreError(f"le chargement en bloc (--bulk) écrit les fichiers du serveur Neo4j "
                         f"local ({config.uri}) et {connection.uri} n'est pas ce serveur : "
                         "chargez sans --bulk, ou visez le serveur local (--neo4j-uri "
                         f"{config.uri}, ou son port avec SPIE_GRAPH_NEO4J_PORT)")
    if connection.database != "neo4j":
        raise StoreError(f"le chargement en bloc (--bulk) remplit la base « neo4j » du serveur "
                         f"local, pas « {connection.database} » : chargez sans --bulk")


def bulk_load(graph: nx.MultiDiGraph, connection: Neo4jConnection, config: Any, *,
              source: str | None = None, progress: Progress | None = None,
              timeout: float = 300) -> LoadSummary:
    """Load a canonical graph into the empty database of the local server with
    ``neo4j-admin database import full`` (see the module's docstring).

    ``config`` is the local server's :class:`~spie_graph.store.server.ServerConfig`;
    the server is started if it does not run, and runs again at the end.

    Raises
    ------
    StoreError
        The connection is not the local server's, or its database is not empty
        (nothing is changed), or the import fails (the database stays empty).
    """
    from spie_graph.store import server

    _check_local(connection, config)
    server.start(config, timeout=timeout)
    with Neo4jStore(connection) as store:
        [state] = store.run(statement("load/database_empty"), write=False)
        if not state["empty"]:
            held = ", ".join(f"« {name} »" for name in store.datasets()) or "aucun jeu spie-graph"
            raise StoreError(
                f"le chargement en bloc (--bulk) ne remplit qu'une base vide, et la base "
                f"« neo4j » de {connection.uri} contient déjà des données ({held}). Chargez "
                "sans --bulk (les jeux déjà chargés sont gardés), ou videz d'abord la base")
    total = graph.number_of_nodes() + graph.number_of_edges()
    work = Path(tempfile.mkdtemp(prefix="import-spie-", dir=config.data_dir))
    try:
        files = write_import_files(graph, work)
        server.stop(config)
        try:
            server.admin_import(config, work, files.arguments())
            server.swap_database(config)
        except ServerError as exc:
            raise StoreError(f"l'import en bloc a échoué, la base reste vide : {exc}") from exc
        finally:
            server.start(config, timeout=timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if progress is not None:
        progress(total, total)
    name = graph.graph["dataset"]
    with Neo4jStore(connection) as store:
        store.ensure_schema()
        store.run(statement("load/await_indexes"))
        by_label: dict[str, list[str]] = {}
        for label, key in files.label_fixes:
            by_label.setdefault(label, []).append(key)
        for label, keys in by_label.items():
            store.run_in_transactions(statement("bulk/fill_empty_lists"),
                                      {"dataset": name, "label": label, "properties": keys})
        for rows, cypher in ((files.node_fixes, "bulk/fill_node_lists"),
                             (files.relationship_fixes, "bulk/fill_relationship_lists")):
            for start in range(0, len(rows), store.batch_size):
                store.run(statement(cypher), {"rows": rows[start:start + store.batch_size]})
        counts = store.mark_complete(name, files.digest, source)
        return store._summary(name, counts, created=total)

