"""The Neo4j store: the canonical graph in a Neo4j 5 server.

One class touches the driver. Every statement comes from ``cypher/`` and takes
``$parameters``; writes go in batches (``UNWIND $rows``). Each node carries the
label ``Spie``, a unique ``uid`` (``<dataset>/<Label>:<id>``) and its data set's
name, so several data sets live side by side; each relationship carries a
unique ``rid``. Loading MERGEs then SETs every property, so loading twice gives
exactly the same graph, and a load cut short is completed by running it again.
Driver errors are mapped to :class:`~spie_graph.errors.StoreError` here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import networkx as nx
from neo4j import GraphDatabase, RoutingControl
from neo4j import exceptions as neo4j_errors

from spie_graph.errors import QueryError, StoreError, StoreUnavailable
from spie_graph.graph.build import build_graph
from spie_graph.graph.coverage import CoverageQuery, CoverageRow, coverage_parameters, finish_rows
from spie_graph.sources.model import Dataset
from spie_graph.store.base import GraphStore, LoadSummary, Progress
from spie_graph.store.connection import Neo4jConnection
from spie_graph.store.cypher import statement, statements

__all__ = ["Neo4jStore", "BATCH_SIZE"]

BATCH_SIZE = 2000
SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
TECHNICAL = ("uid", "dataset", "rid", "rkey")


def _uid(dataset: str, key: str) -> str:
    return f"{dataset}/{key}"


def _batches(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


class Neo4jStore(GraphStore):
    """A Neo4j server reached through the official driver."""

    name = "neo4j"

    def __init__(self, connection: Neo4jConnection, batch_size: int = BATCH_SIZE):
        self.connection = connection
        self.batch_size = batch_size
        scheme = connection.uri.partition("://")[0]
        if scheme not in SCHEMES:
            raise StoreUnavailable(f"adresse Neo4j invalide « {connection.uri} » : le protocole "
                                   f"doit être l'un de {', '.join(SCHEMES)}. Exemples : "
                                   "bolt://127.0.0.1:7687, neo4j+s://xxxx.databases.neo4j.io")
        try:
            self._driver = GraphDatabase.driver(connection.uri,
                                                auth=(connection.user, connection.password))
        except (neo4j_errors.ConfigurationError, ValueError) as exc:
            raise StoreUnavailable(f"adresse Neo4j invalide « {connection.uri} » : {exc}. "
                                   "Exemples : bolt://127.0.0.1:7687, neo4j+s://xxxx.databases."
                                   "neo4j.io") from exc
        # Fail fast with a clear message rather than through the driver's retries; a
        # driver that cannot connect is closed here, the caller never gets it.
        try:
            with self._mapped_errors():
                self._driver.verify_connectivity()
        except BaseException:
            self._driver.close()
            raise

    # -- driver seam ----------------------------------------------------
    @contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        where = f"{self.connection.uri} (base « {self.connection.database} »)"
        try:
            yield
        except neo4j_errors.AuthError as exc:
            raise StoreUnavailable(
                f"Neo4j refuse l'identification de « {self.connection.user} » sur {where}. "
                "Vérifiez --neo4j-user et --neo4j-password (ou NEO4J_USER, NEO4J_PASSWORD)"
            ) from exc
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as exc:
            raise StoreUnavailable(
                f"impossible de joindre Neo4j sur {where}. Démarrez un serveur "
                "(spie-graph neo4j start) ou vérifiez --neo4j-uri (ou NEO4J_URI)"
            ) from exc
        except neo4j_errors.Neo4jError as exc:
            raise QueryError(f"Neo4j a refusé la requête : {exc.message} ({exc.code})") from exc
        except neo4j_errors.DriverError as exc:
            raise StoreError(f"erreur du pilote Neo4j sur {where} : {exc}") from exc

    def run(self, cypher: str, parameters: dict | None = None, *,
            write: bool = True) -> list[dict]:
        """Run one statement with parameters and return its records as dicts."""
        routing = RoutingControl.WRITE if write else RoutingControl.READ
        with self._mapped_errors():
            records, _, _ = self._driver.execute_query(
                cypher, parameters or {}, database_=self.connection.database, routing_=routing)
        return [record.data() for record in records]

    def run_read_only(self, cypher: str, parameters: dict | None = None) -> list[dict]:
        """Run a statement in a read transaction: the server refuses any write."""
        with self._mapped_errors(), self._driver.session(
                database=self.connection.database) as session:
            return session.execute_read(lambda tx: [r.data() for r in tx.run(cypher,
                                                                              parameters or {})])

    def close(self) -> None:
        self._driver.close()

    # -- loading --------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the constraints and indexes of ``cypher/schema.cypher`` (idempotent)."""
        for cypher in statements("schema"):
            self.run(cypher)

    @staticmethod
    def rows_of(graph: nx.MultiDiGraph) -> tuple[list[dict], list[dict]]:
        """Node and relationship rows of a canonical graph, as the load statements take."""
        dataset = graph.graph["dataset"]
        nodes = []
        for key, data in graph.nodes(data=True):
            props = {k: v for k, v in data.items() if k != "label"}
            props.update(uid=_uid(dataset, key), dataset=dataset)
            nodes.append({"uid": props["uid"], "label": data["label"], "props": props})
        rels = []
        for source, target, key, data in graph.edges(keys=True, data=True):
            rid = f"{_uid(dataset, source)}|{key}|{_uid(dataset, target)}"
            props = {k: v for k, v in data.items() if k != "type"}
            props.update(rid=rid, rkey=key)
            rels.append({"source": _uid(dataset, source), "target": _uid(dataset, target),
                         "type": data["type"], "rid": rid, "props": props})
        return nodes, rels

    def load(self, dataset: Dataset, *, replace: bool = False,
             progress: Progress | None = None) -> LoadSummary:
        """Write a validated data set; ``replace`` also removes what it no longer holds."""
        graph = build_graph(dataset)
        nodes, rels = self.rows_of(graph)
        self.ensure_schema()
        created = updated = removed = done = 0
        total = len(nodes) + len(rels)
        for name, rows in (("load/nodes", nodes), ("load/relationships", rels)):
            for batch in _batches(rows, self.batch_size):
                [counts] = self.run(statement(name), {"rows": batch})
                created += counts["created"]
                updated += counts["updated"]
                done += len(batch)
                if progress is not None:
                    progress(done, total)
        if replace:
            params = {"dataset": dataset.nom}
            [gone] = self.run(statement("load/remove_stale_relationships"),
                              {**params, "rids": [r["rid"] for r in rels]})
            [stale] = self.run(statement("load/remove_stale_nodes"),
                               {**params, "uids": [n["uid"] for n in nodes]})
            removed = gone["removed"] + stale["removed"]
        counts = self.counts(dataset.nom)
        return LoadSummary(dataset=dataset.nom, store=self.name, nodes=counts["node"],
                           relationships=counts["relationship"], created=created,
                           updated=updated, removed=removed)

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
            raise StoreError(f"le jeu de données « {dataset} » n'est pas chargé dans Neo4j. "
                             f"Chargez-le : spie-graph load --dataset DOSSIER --store neo4j")
        for row in self.run(statement("load/read_relationships"), {"dataset": dataset},
                            write=False):
            source, target = row["source"][prefix:], row["target"][prefix:]
            key = row["props"]["rkey"]
            props = {k: v for k, v in row["props"].items() if k not in TECHNICAL}
            graph.add_edge(source, target, key=key, type=row["type"], **props)
        return graph

    def who_covers(self, dataset: str, query: CoverageQuery) -> list[CoverageRow]:
        params = coverage_parameters(query)
        cypher_params = {k: params[k] for k in ("communes", "thematiques", "publics", "moment")}
        rows = self.run(statement("queries/who_covers"), {"dataset": dataset, **cypher_params},
                        write=False)
        if not rows and not self.datasets_contains(dataset):
            raise StoreError(f"le jeu de données « {dataset} » n'est pas chargé dans Neo4j. "
                             f"Chargez-le : spie-graph load --dataset DOSSIER --store neo4j")
        return finish_rows(rows, params)

    def datasets_contains(self, dataset: str) -> bool:
        return dataset in self.datasets()
