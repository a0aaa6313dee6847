"""The Neo4j store: the canonical graph in a Neo4j 5 server.

One class touches the driver. Every statement comes from ``cypher/`` and takes
``$parameters``; writes go in batches (``UNWIND $rows``). Each node carries the
label ``Spie``, a unique ``uid`` (``<dataset>/<Label>:<id>``) and its data set's
name, so several data sets live side by side; a relationship is identified by
its two nodes, its type and its key, which is its type unless it carries the
property ``rkey`` (most relationships hold no property at all). A data set the
database does not hold is written with CREATE, in batches of one label or type,
two transactions at a time: nodes first, each batch returning their element
ids (when the store reads the data set, the nodes of each stage of the build
while the next stages are built), then relationships between those ids (no
index lookup); into a database
without the schema (a new one), constraints and indexes are created once the
nodes are written, and filled while the relationships are, which costs far less
than keeping them up to date row by row; the uniqueness constraint on ``uid``
still holds before the load counts as complete. If that first load fails, what
it wrote is deleted. A data set it
holds is MERGEd then every
property SET, so loading twice gives exactly the same graph, and a load cut
short is completed by running it again. A ``SpieChargement`` node keeps the
content hash of each data set loaded whole and the key of the files it was read
from (set last, cleared before writing): loading unchanged files reads nothing,
loading unchanged data compares the hashes and writes nothing. The bulk path
for a first national load is :mod:`spie_graph.store.bulk`.
Driver errors are mapped to :class:`~spie_graph.errors.StoreError` here, with
any secret of the address or the password taken out of their message.

:meth:`Neo4jStore.run_read_only` (``spie-graph cypher`` without ``--write``)
lets through only what reads the graph, as the server sees it: the plan of
``EXPLAIN`` must say query type ``r`` (read only: a procedure's own mode counts,
so ``db.clearQueryCaches()`` is refused) with no ``LOAD CSV``, no command
(``SHOW …``, ``TERMINATE TRANSACTIONS``, administration) and no
``CALL { … } IN TRANSACTIONS``; the query then runs in a read transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

import networkx as nx
from neo4j import GraphDatabase, NotificationMinimumSeverity, RoutingControl, SummaryCounters
from neo4j import exceptions as neo4j_errors

from spie_graph.errors import QueryError, ServerError, StoreError, StoreUnavailable
from spie_graph.graph.build import build_graph, build_stages
from spie_graph.graph.coverage import CoverageQuery, CoverageRow, coverage_parameters, finish_rows
from spie_graph.graph.keys import collector_paused
from spie_graph.sources.model import Dataset
from spie_graph.store.base import GraphStore, LoadSummary, Progress
from spie_graph.store.connection import Neo4jConnection, is_local, redact
from spie_graph.store.cypher import statement, statements

__all__ = ["Neo4jStore", "BATCH_SIZE", "NODE_BATCH_SIZE", "WORKERS"]

#: Rows per write transaction (relationships; nodes, with their many properties, by
#: batches of NODE_BATCH_SIZE: the server's memory churn grows with the batch) and
#: transactions in flight at once (benchmarks/bench_neo4j.py).
BATCH_SIZE = 10_000
NODE_BATCH_SIZE = 2_000
WORKERS = 2
#: A first load's reading lasting longer than this (seconds), the server warms up
#: meanwhile (:meth:`Neo4jStore._warm_up`).
WARM_UP_AFTER = 0.5
SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
TECHNICAL = ("uid", "dataset", "rkey")
# Plan operators that do more than read the graph, though their query type is "r":
# reading files or URLs, commands (SHOW…, TERMINATE TRANSACTIONS, administration)
# and transactions of their own (CALL { … } IN TRANSACTIONS).
_NOT_READING = ("LoadCSV", "Show", "Terminate", "AdministrationCommand", "Transaction")


# The driver logs, as warnings, a transaction it runs again after a transient error (two
# batches of relationships that deadlock on a dense node: one is retried, and succeeds). With
# no logging set up, Python would print them raw, in English, among a command's output; an
# application that sets logging up still gets them.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

_T = TypeVar("_T")
_HASH_CHUNK = 4_096  # rows hashed at once: a constant, so that the hash never depends on batches
_NO_PROPERTIES: dict = {}
_WARM_UP = "spie-graph/échauffement"  # the data set of the made-up rows of _warm_up


def _uid(dataset: str, key: str) -> str:
    return f"{dataset}/{key}"


_QUERY_TYPES = {"r": "lecture", "rw": "lecture et écriture", "w": "écriture",
                "s": "schéma ou administration"}


def _operators(plan: dict) -> set[str]:
    """The operator names of a plan tree (``LoadCSV``, ``ProcedureCall``…), without ``@db``."""
    found = {str(plan.get("operatorType", "")).partition("@")[0]}
    for child in plan.get("children", []):
        found |= _operators(child)
    return found - {""}


class _Counter:
    """Rows written, created and updated so far; tells ``progress`` as they go, once the
    total is known (a first load learns it when its graph is built)."""

    def __init__(self, total: int | None, progress: Progress | None) -> None:
        self.total, self.progress = total, progress
        self.done = self.created = self.updated = 0

    def add(self, rows: int, created: int, updated: int) -> None:
        self.done += rows
        self.created += created
        self.updated += updated
        self._tell()

    def known(self, total: int) -> None:
        """The total, learnt after rows were counted."""
        self.total = total
        self._tell()

    def _tell(self) -> None:
        if self.progress is not None and self.total is not None:
            self.progress(self.done, self.total)


def _grouped(rows: Iterable[dict], key: str, size: int) -> Iterator[tuple[str, list[dict]]]:
    """Batches of at most ``size`` rows sharing the value of ``key`` (a label, a type), as
    the rows come: at most one batch per value is held at once."""
    pending: dict[str, list[dict]] = {}
    for row in rows:
        batch = pending.setdefault(row[key], [])
        batch.append(row)
        if len(batch) >= size:
            yield row[key], pending.pop(row[key])
    yield from pending.items()


def _by_type(records: Iterable[tuple[str, str, str, dict]], ids: dict[str, str],
             size: int) -> Iterator[tuple[str, list[str], list[str], list[dict]]]:
    """Batches of at most ``size`` relationships of one type, as ``(type, source ids,
    target ids, properties)``, from ``(source, target, type, props)`` records and the
    element id of each node key; at most one batch per type is held at once."""
    pending: dict[str, tuple[list[str], list[str], list[dict]]] = {}
    try:
        for source, target, kind, props in records:
            batch = pending.get(kind)
            if batch is None:
                batch = pending[kind] = ([], [], [])
            batch[0].append(ids[source])
            batch[1].append(ids[target])
            batch[2].append(props)
            if len(batch[0]) >= size:
                yield kind, *pending.pop(kind)
    except KeyError as exc:
        raise StoreError(f"une relation part d'un nœud absent du graphe ({exc}) : le "
                         "chargement est annulé") from exc
    for kind, batch in pending.items():
        yield kind, *batch


def _counted(batches: Iterable[tuple[Any, ...]], counts: Counter[str]) -> Iterator[Any]:
    """``batches`` of ``(name, rows, …)`` unchanged, ``counts[name]`` adding their rows."""
    for batch in batches:
        counts[batch[0]] += len(batch[1])
        yield batch


class _Abandoned(Exception):
    """Work done aside that stopped because its result is no longer wanted."""


class _Aside:
    """``function(*args, stop)`` run in a thread of its own; ``stop``, an event, is set
    when its result is no longer wanted (it then ends at its next step)."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self._stop = threading.Event()
        pool = ThreadPoolExecutor(1, thread_name_prefix="spie-neo4j-aside")
        self._future = pool.submit(function, *args, self._stop)
        pool.shutdown(wait=False)  # its thread ends with the function

    def result(self) -> Any:
        """What the function returned (waiting for it), or the error it raised."""
        return self._future.result()

    def abandon(self) -> None:
        """Ask the function to stop and wait until it has: it does nothing more after."""
        self._stop.set()
        wait([self._future])


def _until_failed(items: Iterable[_T], aside: Future) -> Iterator[_T]:
    """``items``, until the work done ``aside`` fails: then its error is raised."""
    for item in items:
        if aside.done():
            aside.result()
        yield item


class _StagedBuild:
    """The graph of a data set built in a thread of its own, stage by stage
    (:func:`~spie_graph.graph.build.build_stages`), the nodes of each stage handed over
    as soon as it is built: a first load writes them while the next stages are built.
    The data set is freed once the graph is built."""

    def __init__(self, dataset: Dataset) -> None:
        self.graph: nx.MultiDiGraph | None = None  # once built
        self._stages: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._aside = _Aside(self._build, dataset)

    def _build(self, dataset: Dataset, stop: threading.Event) -> None:
        stages = build_stages(dataset)
        del dataset
        seen = 0
        try:
            for graph in stages:
                if stop.is_set():
                    raise _Abandoned
                nodes = list(islice(graph._node.items(), seen, None))
                seen += len(nodes)
                self._stages.put(("nodes", nodes))
        except BaseException:
            self._stages.put(("failed", None))
            raise
        self._stages.put(("built", graph))

    def nodes(self) -> Iterator[tuple[str, dict]]:
        """``(key, data)`` of every node, in the graph's order, as its stages are built;
        then :attr:`graph` is the complete graph. The build's error is raised here."""
        while True:
            kind, value = self._stages.get()
            if kind == "nodes":
                yield from value
            elif kind == "built":
                self.graph = value
                return
            else:
                self._aside.result()  # raises what stopped the build

    def complete(self) -> nx.MultiDiGraph:
        """The complete graph, once :meth:`nodes` has given every node."""
        if self.graph is None:
            raise RuntimeError("graph read before it was built")
        return self.graph

    def abandon(self) -> None:
        """Stop the build (at its next stage) and wait until it has stopped."""
        self._aside.abandon()


def _edge_count(graph: nx.MultiDiGraph) -> int:
    """``graph.number_of_edges()``, a seventh of its time (0.1 s for 1.8 million)."""
    return sum(len(keys) for _, neighbours in graph.adjacency() for keys in neighbours.values())


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Neo4jStore(GraphStore):
    """A Neo4j server reached through the official driver."""

    name = "neo4j"

    def __init__(self, connection: Neo4jConnection, batch_size: int = BATCH_SIZE,
                 workers: int = WORKERS, node_batch_size: int | None = None):
        self.connection = connection
        self.batch_size = batch_size
        self.node_batch_size = node_batch_size or min(batch_size, NODE_BATCH_SIZE)
        self.workers = workers
        scheme = connection.uri.partition("://")[0]
        if scheme not in SCHEMES:
            raise StoreUnavailable(f"adresse Neo4j invalide « {redact(connection.uri)} » : le "
                                   f"protocole doit être l'un de {', '.join(SCHEMES)}. Exemples : "
                                   "bolt://127.0.0.1:7687, neo4j+s://xxxx.databases.neo4j.io")
        self._password = self._password_of(connection)
        try:
            # The server's notifications (an unknown label before the first load…) would
            # be logged as warnings on stderr, among the command's output.
            self._driver = GraphDatabase.driver(
                connection.uri, auth=(connection.user, self._password),
                notifications_min_severity=NotificationMinimumSeverity.OFF)
        except (neo4j_errors.ConfigurationError, ValueError) as exc:
            raise StoreUnavailable(redact(
                f"adresse Neo4j invalide « {connection.uri} » : {exc}. "
                "Exemples : bolt://127.0.0.1:7687, neo4j+s://xxxx.databases.neo4j.io",
                self._password)) from exc
        # Fail fast with a clear message rather than through the driver's retries; a
        # driver that cannot connect is closed here, the caller never gets it.
        try:
            with self._mapped_errors():
                self._driver.verify_connectivity()
        except BaseException:
            self._driver.close()
            raise

    @staticmethod
    def _password_of(connection: Neo4jConnection) -> str:
        """The password given, else the local server's (for an address on this machine only)."""
        if connection.password is not None:
            return connection.password
        if not is_local(connection.uri):
            raise StoreUnavailable(f"mot de passe manquant pour Neo4j sur {connection.uri} : "
                                   "donnez-le avec --neo4j-password ou NEO4J_PASSWORD (celui du "
                                   "serveur local ne sert qu'à une adresse de cette machine)")
        from spie_graph.store.server import ServerConfig, server_password

        try:
            return server_password(ServerConfig.from_env())
        except ServerError as exc:
            raise StoreUnavailable(str(exc)) from exc

    # -- driver seam ----------------------------------------------------
    @contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        """Driver errors as store errors in French, without any secret in their message."""
        try:
            yield
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
            mapped = self._mapped(exc)
            raise type(mapped)(redact(str(mapped), self._password)) from exc

    def _mapped(self, exc: Exception) -> StoreError:
        where = f"{self.connection.uri} (base « {self.connection.database} »)"
        if isinstance(exc, neo4j_errors.AuthError):
            return StoreUnavailable(
                f"Neo4j refuse l'identification de « {self.connection.user} » sur {where}. "
                "Vérifiez --neo4j-user et --neo4j-password (ou NEO4J_USER, NEO4J_PASSWORD)")
        if isinstance(exc, neo4j_errors.ServiceUnavailable | neo4j_errors.SessionExpired
                      | OSError):
            return StoreUnavailable(
                f"impossible de joindre Neo4j sur {where}. Démarrez un serveur "
                "(spie-graph neo4j start) ou vérifiez --neo4j-uri (ou NEO4J_URI)")
        if isinstance(exc, neo4j_errors.Neo4jError):
            return QueryError(f"Neo4j a refusé la requête : {exc.message} ({exc.code})")
        return StoreError(f"erreur du pilote Neo4j sur {where} : {exc}")

    def execute(self, cypher: str, parameters: dict | None = None, *,
                write: bool = True) -> tuple[list[dict], SummaryCounters]:
        """Run one statement with parameters; its records as dicts and its counters."""
        routing = RoutingControl.WRITE if write else RoutingControl.READ
        with self._mapped_errors():
            records, summary, _ = self._driver.execute_query(
                cypher, parameters or {}, database_=self.connection.database, routing_=routing)
        return [record.data() for record in records], summary.counters

    def run(self, cypher: str, parameters: dict | None = None, *,
            write: bool = True) -> list[dict]:
        """Run one statement with parameters and return its records as dicts."""
        return self.execute(cypher, parameters, write=write)[0]

    def run_read_only(self, cypher: str, parameters: dict | None = None) -> list[dict]:
        """Run a statement that only reads the graph, in a read transaction.

        The server's plan (``EXPLAIN``) decides: its query type must be ``r``
        and it must hold no operator of :data:`_NOT_READING`.

        Raises
        ------
        QueryError
            The statement does more than read the graph, or fails.
        """
        parameters = parameters or {}
        with self._mapped_errors(), self._driver.session(
                database=self.connection.database) as session:
            summary = session.execute_read(
                lambda tx: tx.run(f"EXPLAIN {cypher}", parameters).consume())
            operators = sorted(_operators(summary.plan or {}))
            refused = [op for op in operators if op.startswith(_NOT_READING)]
            if summary.query_type != "r" or refused:
                what = (f"elle contient {', '.join(refused)}" if refused else
                        f"son type est « {_QUERY_TYPES.get(summary.query_type or '', '?')} »")
                raise QueryError(
                    "requête refusée en lecture seule : Neo4j indique qu'elle ne se contente pas "
                    f"de lire le graphe ({what}). Sans --write, « spie-graph cypher » ne fait "
                    "que lire le graphe : ni écriture, ni LOAD CSV, ni commande d'administration "
                    "ou de transactions. Ajoutez --write pour écrire dans le graphe")
            return session.execute_read(
                lambda tx: [record.data() for record in tx.run(cypher, parameters)])

    def close(self) -> None:
        self._driver.close()

    # -- loading --------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the constraints and indexes of ``cypher/schema.cypher`` (idempotent)."""
        for cypher in statements("schema"):
            self.run(cypher)

    @classmethod
    def node_rows(cls, graph: nx.MultiDiGraph) -> Iterator[dict]:
        """The node rows of a canonical graph, one at a time, as ``load/nodes`` takes them."""
        return cls._rows_of_nodes(graph.graph["dataset"], graph.nodes(data=True))

    @staticmethod
    def _rows_of_nodes(dataset: str, nodes: Iterable[tuple[str, dict]]) -> Iterator[dict]:
        """The rows of ``(key, data)`` nodes of the data set ``dataset``."""
        for key, data in nodes:
            props = {k: v for k, v in data.items() if k != "label"}
            props.update(uid=_uid(dataset, key), dataset=dataset)
            yield {"uid": props["uid"], "label": data["label"], "props": props}

    @staticmethod
    def relationship_records(graph: nx.MultiDiGraph) -> Iterator[tuple[str, str, str, dict]]:
        """``(source, target, type, props)`` of each relationship of a canonical graph, by
        node keys. A relationship's key is its type unless the graph says otherwise; only
        then does it carry the property ``rkey``. Most relationships hold no property:
        they all share one empty dict, which must not be changed."""
        for source, target, key, data in graph.edges(keys=True, data=True):
            kind = data["type"]
            if key == kind and len(data) == 1:
                yield source, target, kind, _NO_PROPERTIES
                continue
            props = {k: v for k, v in data.items() if k != "type"}
            if key != kind:
                props["rkey"] = key
            yield source, target, kind, props

    @classmethod
    def relationship_rows(cls, graph: nx.MultiDiGraph) -> Iterator[dict]:
        """The relationship rows of a canonical graph, one at a time, as
        ``load/relationships`` takes them: ``source`` and ``target`` uids, ``type``,
        ``key`` and ``props`` (see :meth:`relationship_records`)."""
        dataset = graph.graph["dataset"]
        for source, target, kind, props in cls.relationship_records(graph):
            yield {"source": _uid(dataset, source), "target": _uid(dataset, target),
                   "type": kind, "key": props.get("rkey", kind), "props": dict(props)}

    @classmethod
    def rows_of(cls, graph: nx.MultiDiGraph) -> tuple[list[dict], list[dict]]:
        """Node and relationship rows of a canonical graph, as the load statements take."""
        return list(cls.node_rows(graph)), list(cls.relationship_rows(graph))

    @staticmethod
    def _hashed(items: Iterable[_T], digest: Any) -> Iterator[_T]:
        """``items`` unchanged, also fed to ``digest`` by chunks of a fixed size, in their
        order (see :meth:`content_hash`)."""
        # Each item is passed on as it comes (a first load's nodes come as its graph is
        # built), hashed once its chunk is whole. repr, not JSON: the rows hold only text,
        # numbers, booleans and lists of them, in the graph's order, and repr costs a
        # third of json.dumps.
        chunk: list[_T] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == _HASH_CHUNK:
                digest.update(repr(chunk).encode())
                chunk = []
            yield item
        if chunk:
            digest.update(repr(chunk).encode())

    @classmethod
    def content_hash(cls, graph: nx.MultiDiGraph) -> str:
        """SHA-256 of every node row and relationship record a load writes (in the graph's
        order): equal hashes, equal data."""
        digest = hashlib.sha256()
        for items in (cls.node_rows(graph), cls.relationship_records(graph)):
            for _ in cls._hashed(items, digest):
                pass
        return digest.hexdigest()

    def unchanged(self, dataset: str, source: str | None) -> LoadSummary | None:
        """The summary of a data set whose last complete load was read from the same files
        (``source``, see :func:`spie_graph.store.cache.dataset_key`), else None.

        Costs one read of the marker, which holds the counts of that load (one count
        when it does not): no file is read, validated or built.
        """
        if source is None:
            return None
        state = self._state(dataset)
        if state["source"] != source or state["hash"] is None:
            return None
        return self._summary(dataset, state["counts"])

    def _summary(self, dataset: str, counts: str | None = None, **done: int) -> LoadSummary:
        """What a data set holds: ``counts`` as its marker keeps them, else counted."""
        held = json.loads(counts) if counts is not None else self.counts(dataset)
        return LoadSummary(dataset=dataset, store=self.name, nodes=held["node"],
                           relationships=held["relationship"], **done)

    def mark_complete(self, dataset: str, digest: str, source: str | None,
                      held: dict[str, dict[str, int]] | None = None) -> str:
        """Set the marker of a data set loaded whole: its content hash, the key of its
        files and what it holds (``held``, as :meth:`counts` gives it: counted when
        None). Returns the counts as the marker keeps them."""
        counts = json.dumps(held if held is not None else self.counts(dataset),
                            ensure_ascii=False, sort_keys=True)
        self.run(statement("load/set_dataset_hash"),
                 {"dataset": dataset, "hash": digest, "source": source, "counts": counts})
        return counts

    def load(self, dataset: Dataset, *, replace: bool = False,
             progress: Progress | None = None, source: str | None = None) -> LoadSummary:
        """Write a validated data set; ``replace`` also removes what it no longer holds.

        See :meth:`load_from`.
        """
        return self.load_from(lambda: dataset, replace=replace, progress=progress,
                              source=source)

    def load_from(self, read: Callable[[], Dataset], *, replace: bool = False,
                  progress: Progress | None = None, source: str | None = None,
                  name: str | None = None) -> LoadSummary:
        """Write the data set ``read`` returns (validated), once its graph is built: see
        :meth:`load_graph`; ``source`` is the key of the files the data set was read
        from (:meth:`unchanged`).

        A data set the database does not hold (a first load: nothing to compare) is
        written while its graph is built: the nodes of each stage of the build (the
        territories, the actors, the services…) are sent while the next stages are
        built, by a thread of its own; if the build fails or is interrupted, what was
        written is deleted. The data set is freed once its graph is built. While it is
        read, the server warms up (:meth:`_warm_up`), unless the data set's ``name``,
        given when known before reading, is one the database holds (nothing is created
        then).
        """
        warm = None
        if name is None or self._holds_nothing(self._state(name)):
            warm = _Aside(self._warm_up)
        try:
            with collector_paused():
                dataset = read()
        finally:
            if warm is not None:
                warm.abandon()
        name = dataset.nom
        params = {"dataset": name}
        state = self._state(name)
        if not self._holds_nothing(state):
            with collector_paused():
                graph = build_graph(dataset)
            del dataset
            return self._load(graph, replace=replace, progress=progress, source=source,
                              state=state)
        schema = self._prepare(params, state)
        counter = _Counter(None, progress)
        hasher = hashlib.sha256()
        with collector_paused():
            built = _StagedBuild(dataset)
            del dataset
            try:
                written = self._create(name, built.nodes(), built.complete, hasher,
                                       counter, schema=not schema["present"])
            except BaseException:
                built.abandon()
                self._delete_dataset(name)
                raise
        return self._written(name, hasher, counter, source, written)

    def _state(self, dataset: str) -> dict:
        """What the database holds of ``dataset`` (``load/dataset_state``): whether any of
        its nodes is there (``present``), the ``hash``, ``source`` and ``counts`` of its
        last complete load."""
        [state] = self.run(statement("load/dataset_state"), {"dataset": dataset}, write=False)
        return state

    @staticmethod
    def _holds_nothing(state: dict) -> bool:
        """Whether a data set's ``state`` (:meth:`_state`) is that of a data set the
        database holds nothing of, not even a hash: its load is a first load."""
        return not state["present"] and state["hash"] is None

    def _warm_up(self, stop: threading.Event) -> None:
        """While a data set is read, if that takes more than :data:`WARM_UP_AFTER`
        seconds, until ``stop`` is set: the statements of a first load run on made-up
        nodes and relationships, in transactions that are rolled back (nothing is
        written). A server just started runs them slowly at first, until the JVM has
        compiled their code; that is done here, on the core the reading leaves idle,
        rather than during the writes. Whatever goes wrong is left to the load."""
        if stop.wait(WARM_UP_AFTER):
            return
        services = [{"uid": f"{_WARM_UP}/Service:{i}", "dataset": _WARM_UP, "id": str(i),
                     "acteur": "a", "nom": f"Service {i}", "thematiques": ["mobilite"],
                     "publics": [], "moments": ["entree", "suivi"],
                     "moments_deduits": False, "territoire": ["56"]}
                    for i in range(self.node_batch_size)]
        territories = [{"uid": f"{_WARM_UP}/Territoire:{i}", "dataset": _WARM_UP,
                        "code": str(i), "nom": f"Commune {i}", "niveau": "commune",
                        "population": i} for i in range(self.node_batch_size)]
        try:
            with self._driver.session(database=self.connection.database) as session:
                while not stop.is_set():
                    with session.begin_transaction() as tx:
                        made = [tx.run(statement("load/create_nodes"), {
                            "label": label, "rows": rows}).single(strict=True)["ids"]
                            for label, rows in (("Service", services),
                                                ("Territoire", territories))]
                        tx.run(statement("load/create_bare_relationships"), {
                            "type": "COUVRE", "sources": made[0], "targets": made[1]}
                        ).consume()
                        tx.run(statement("load/create_relationships"), {
                            "type": "INTERAGIT", "sources": made[0][1:],
                            "targets": made[0][:-1],
                            "props": [{"interaction": "orientation"}] * (len(made[0]) - 1)}
                        ).consume()
                        tx.rollback()
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError):
            return

    def load_graph(self, graph: nx.MultiDiGraph, *, replace: bool = False,
                   progress: Progress | None = None, source: str | None = None) -> LoadSummary:
        """Write a canonical graph; ``replace`` also removes what it no longer holds.

        The content hash of what is written is kept beside the data set: loading
        the same data again writes nothing (unless ``replace``). A data set the
        database does not hold yet is written with ``CREATE`` (no lookup before
        each write) and, should the load fail or be interrupted, what it wrote is
        deleted; one it holds is merged, and a load of it cut short leaves no hash,
        so it is never taken as complete and the next load completes it. Rows are
        sent in batches of one label or type as they are made, never all held at
        once, by ``workers`` transactions at a time.
        """
        return self._load(graph, replace=replace, progress=progress, source=source)

    def _load(self, graph: nx.MultiDiGraph, *, replace: bool, progress: Progress | None,
              source: str | None, state: dict | None = None) -> LoadSummary:
        """:meth:`load_graph`, given the data set's ``state`` when already read."""
        name = graph.graph["dataset"]
        params = {"dataset": name}
        total = graph.number_of_nodes() + _edge_count(graph)
        if state is None:
            state = self._state(name)
        if not replace and state["hash"] is not None:
            digest = self.content_hash(graph)
            if state["hash"] == digest:
                if progress is not None:
                    progress(total, total)
                counts = state["counts"]
                if source is not None and state["source"] != source:
                    counts = self.mark_complete(name, digest, source, json.loads(
                        counts) if counts is not None else None)
                return self._summary(name, counts)
        schema = self._prepare(params, state)
        hasher = hashlib.sha256()
        counter = _Counter(total, progress)
        # The rows sent are many small objects: the collector would walk the whole graph
        # again and again while they are made (2 s of a national load).
        with collector_paused():
            if not state["present"]:
                try:
                    written = self._create(name, graph.nodes(data=True), lambda: graph,
                                           hasher, counter, schema=not schema["present"])
                except BaseException:
                    self._delete_dataset(name)
                    raise
                return self._written(name, hasher, counter, source, written)
            self._merge(graph, hasher, counter)
        removed = 0
        if replace:
            keys = [f"{row['source']}|{row['key']}|{row['target']}"
                    for row in self.relationship_rows(graph)]
            [gone] = self.run(statement("load/remove_stale_relationships"),
                              {**params, "keys": keys})
            uids = [row["uid"] for row in self.node_rows(graph)]
            [stale] = self.run(statement("load/remove_stale_nodes"), {**params, "uids": uids})
            removed = gone["removed"] + stale["removed"]
        counts = self.mark_complete(name, hasher.hexdigest(), source, None)
        return self._summary(name, counts, created=counter.created, updated=counter.updated,
                             removed=removed)

    def _written(self, name: str, hasher: Any, counter: _Counter, source: str | None,
                 written: tuple[Counter[str], Counter[str]]) -> LoadSummary:
        """The end of a first load: the data set holds what it wrote, each batch checked
        whole (counting it again on the server would read every relationship)."""
        counts = self.mark_complete(name, hasher.hexdigest(), source, {
            "node": dict(written[0]), "relationship": dict(written[1])})
        return self._summary(name, counts, created=counter.created, updated=counter.updated)

    def _prepare(self, params: dict, state: dict) -> dict:
        """Before writing: the schema kept up to date when the database has it (or holds
        the data set: the MERGE needs its indexes), and the data set's hash cleared.
        Returns whether the schema was there (``present``). A first load into a database
        without it (a new database) writes without index upkeep and creates the schema
        once the nodes are written: building an index over data already written costs
        far less than keeping it up to date row by row."""
        [schema] = self.run(statement("load/schema_present"), write=False)
        if schema["present"] or state["present"]:
            self.ensure_schema()
        self.run(statement("load/clear_dataset_hash"), params)
        return schema

    def _create(self, name: str, nodes: Iterable[tuple[str, dict]],
                graph: Callable[[], nx.MultiDiGraph], hasher: Any, counter: _Counter, *,
                schema: bool = False) -> tuple[Counter[str], Counter[str]]:
        """Write a data set the database does not hold: CREATE, batches of one label or
        type. Nodes first (``node_batch_size`` rows a batch), as ``nodes`` gives them
        (``(key, data)``, in the graph's order, possibly while the graph is built): each
        batch returns its nodes' element ids, by which relationships are then created
        (``batch_size`` a batch, two lists of ids and, when any has one, their
        properties), without any index lookup, from the complete ``graph()``.

        ``schema``: the database has no schema; it is created once the nodes are
        written, while the relationships are (they touch no indexed property), so that
        the server fills the indexes and checks that every uid is unique during the
        writes rather than after them; the load ends once the indexes are online. A
        clash of uids stops the writes at the next batch. Returns the nodes written by
        label and the relationships by type.
        """
        labels: Counter[str] = Counter()
        types: Counter[str] = Counter()
        ids: dict[str, str] = {}  # node key -> element id, for the relationships
        prefix = len(name) + 1  # uid = "<dataset>/<node key>"
        rows = self._hashed(self._rows_of_nodes(name, nodes), hasher)
        node_batches = _grouped(rows, "label", self.node_batch_size)
        self._pool(((self._create_nodes, (label, batch, ids, prefix))
                    for label, batch in _counted(node_batches, labels)), counter)
        whole = graph()
        counter.known(whole.number_of_nodes() + _edge_count(whole))
        # The hash covers every row, nodes then relationships, in the graph's order.
        records = self._hashed(self.relationship_records(whole), hasher)
        jobs = ((self._create_relationships, batch) for batch in _counted(
            _by_type(records, ids, self.batch_size), types))
        if not schema:
            self._pool(jobs, counter)
            return labels, types
        with ThreadPoolExecutor(1, thread_name_prefix="spie-neo4j-schema") as aside:
            # On failure, leaving this block waits for the schema statement to end, so
            # that deleting what was written never runs beside it.
            built = aside.submit(self.ensure_schema)
            self._pool(_until_failed(jobs, built), counter)
            built.result()
        self.run(statement("load/await_indexes"))
        return labels, types

    def _create_nodes(self, label: str, rows: list[dict], ids: dict[str, str],
                      prefix: int) -> tuple[int, int, int]:
        """CREATE one batch of nodes of ``label``; their element ids go to ``ids``."""
        records, _ = self.execute(statement("load/create_nodes"), {
            "label": label, "rows": [row["props"] for row in rows]})
        made = records[0]["ids"]
        if len(made) != len(rows):
            raise self._short(len(made), len(rows), label)
        ids.update(zip([row["uid"][prefix:] for row in rows], made, strict=True))
        return len(rows), len(rows), 0

    def _create_relationships(self, kind: str, sources: list[str], targets: list[str],
                              props: list[dict]) -> tuple[int, int, int]:
        """CREATE one batch of relationships of type ``kind`` between element ids."""
        params: dict[str, Any] = {"type": kind, "sources": sources, "targets": targets}
        if any(props):
            params["props"] = props
        _, counters = self.execute(statement(
            "load/create_relationships" if "props" in params else
            "load/create_bare_relationships"), params)
        if counters.relationships_created != len(sources):
            raise self._short(counters.relationships_created, len(sources), kind)
        return len(sources), len(sources), 0

    @staticmethod
    def _short(made: int, expected: int, what: str) -> StoreError:
        return StoreError(f"Neo4j a écrit {made} éléments sur {expected} d'un lot ({what}) : "
                          "une extrémité de relation manque. Le chargement est annulé")

    def _merge(self, graph: nx.MultiDiGraph, hasher: Any, counter: _Counter) -> None:
        """Write a data set the database already holds: MERGE then SET every property."""
        for name, rows in (("load/nodes", self._hashed(self.node_rows(graph), hasher)),
                           ("load/relationships", self.relationship_rows(graph))):
            batches: Iterator[tuple[dict, list[dict]]] = (
                ({}, batch) for batch in _batches(rows, self.batch_size))
            self._send(statement(name), batches, counter)
        for _ in self._hashed(self.relationship_records(graph), hasher):
            pass  # the hash covers relationships as content_hash does

    def _send(self, cypher: str, batches: Iterable[tuple[dict, list[dict]]],
              counter: _Counter) -> None:
        """Run ``cypher`` (which returns created and updated) on each batch, ``workers``
        transactions at a time."""
        def write(extra: dict, rows: list[dict]) -> tuple[int, int, int]:
            [done] = self.execute(cypher, {**extra, "rows": rows})[0]
            return len(rows), done["created"], done["updated"]

        self._pool(((write, (extra, rows)) for extra, rows in batches), counter)

    def _pool(self, jobs: Iterable[tuple[Callable[..., tuple[int, int, int]], tuple]],
              counter: _Counter) -> None:
        """Run each ``(function, arguments)``, ``workers`` at a time, counting what each
        returns (rows, created, updated) in order of submission; wait for all of them."""
        if self.workers <= 1:
            for function, arguments in jobs:
                counter.add(*function(*arguments))
            return
        with ThreadPoolExecutor(self.workers, thread_name_prefix="spie-neo4j") as pool:
            pending: deque[Future] = deque()
            try:
                for function, arguments in jobs:
                    pending.append(pool.submit(function, *arguments))
                    while len(pending) > self.workers:
                        counter.add(*pending.popleft().result())
                while pending:
                    counter.add(*pending.popleft().result())
            except BaseException:
                for future in pending:
                    future.cancel()
                raise

    def run_in_transactions(self, cypher: str, parameters: dict | None = None) -> None:
        """Run a statement that commits as it goes (``CALL { … } IN TRANSACTIONS``): in a
        transaction of its own making, which only an auto-commit query allows."""
        with self._mapped_errors(), self._driver.session(
                database=self.connection.database) as session:
            session.run(cypher, parameters or {}).consume()

    def _delete_dataset(self, dataset: str) -> None:
        """Delete every node of a data set, in transactions of their own."""
        self.run_in_transactions(statement("load/delete_dataset"), {"dataset": dataset})

    def counts(self, dataset: str) -> dict[str, dict[str, int]]:
        """Nodes by label and relationships by type of a data set."""
        result: dict[str, dict[str, int]] = {"node": {}, "relationship": {}}
        for row in self.run(statement("load/count"), {"dataset": dataset}, write=False):
            result[row["kind"]][row["name"]] = row["total"]
        return result

    # -- reading --------------------------------------------------------
    def datasets(self) -> list[str]:
        return [row["dataset"] for row in self.run(statement("load/datasets"), write=False)]

    def graph(self, dataset: str) -> nx.MultiDiGraph:
        """Read a data set back into the canonical NetworkX graph."""
        prefix = len(dataset) + 1
        graph = nx.MultiDiGraph(dataset=dataset)
        for row in self.run(statement("load/read_nodes"), {"dataset": dataset}, write=False):
            props = {k: v for k, v in row["props"].items() if k not in TECHNICAL}
            graph.add_node(row["uid"][prefix:], label=row["label"], **props)
        if graph.number_of_nodes() == 0:
            raise self._not_loaded(dataset)
        for row in self.run(statement("load/read_relationships"), {"dataset": dataset},
                            write=False):
            source, target = row["source"][prefix:], row["target"][prefix:]
            key = row["props"].get("rkey", row["type"])
            props = {k: v for k, v in row["props"].items() if k not in TECHNICAL}
            graph.add_edge(source, target, key=key, type=row["type"], **props)
        return graph

    def who_covers(self, dataset: str, query: CoverageQuery) -> list[CoverageRow]:
        params = coverage_parameters(query)
        cypher_params = {k: params[k] for k in ("communes", "thematiques", "publics", "moment")}
        rows = self.run(statement("queries/who_covers"), {"dataset": dataset, **cypher_params},
                        write=False)
        if not rows and not self.datasets_contains(dataset):
            raise self._not_loaded(dataset)
        return finish_rows(rows, params)

    def _not_loaded(self, dataset: str) -> StoreError:
        loaded = ", ".join(f"« {name} »" for name in sorted(self.datasets())) or "aucun"
        return StoreError(f"le jeu de données « {dataset} » n'est pas chargé dans Neo4j "
                          f"(jeux chargés : {loaded}). Chargez-le : spie-graph load --dataset "
                          "DOSSIER_OU_CLASSEUR.xlsx --store neo4j ; un classeur ardeche.xlsx "
                          "et un dossier ardeche portent le même nom, « ardeche »")

    def datasets_contains(self, dataset: str) -> bool:
        return dataset in self.datasets()
