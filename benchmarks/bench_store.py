#!/usr/bin/env python3
"""Loading and who-covers on both stores, as ratios against a baseline of the same run.

Prints, for generated data sets of growing size: the time to validate-and-build the
embedded graph (the baseline), the Neo4j load time and its ratio to the baseline, and
who-covers on each store. Needs a running server (spie-graph neo4j start) reachable
through NEO4J_URI / NEO4J_PASSWORD, or uses the local defaults.

    python benchmarks/bench_store.py --sizes 100 1000 5000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spie_graph.graph.build import build_graph  # noqa: E402
from spie_graph.graph.coverage import CoverageQuery, who_covers  # noqa: E402
from spie_graph.store.connection import Neo4jConnection  # noqa: E402
from spie_graph.store.neo4j import Neo4jStore  # noqa: E402
from tests.test_parity import generated_dataset  # noqa: E402


def timed(func, *args, **kwargs):
    began = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - began, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 3000])
    args = parser.parse_args()
    connection = Neo4jConnection(
        uri=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"),
        password=os.environ.get("NEO4J_PASSWORD"))  # None: the local server's file
    query = CoverageQuery(thematique="mobilite", territoire="56")
    print(f"{'acteurs':>8} {'build (s)':>10} {'neo4j load':>11} {'ratio':>7} "
          f"{'reload':>7} {'who-covers emb.':>16} {'who-covers neo4j':>17}")
    with Neo4jStore(connection) as store:
        for size in args.sizes:
            dataset = generated_dataset(seed=size, actors=size)
            base, graph = timed(build_graph, dataset)
            load, _ = timed(store.load, dataset, replace=True)
            reload, _ = timed(store.load, dataset)
            emb, _ = timed(who_covers, graph, query)
            neo, _ = timed(store.who_covers, dataset.nom, query)
            print(f"{size:>8} {base:>10.3f} {load:>10.2f}s {load / base:>6.1f}x "
                  f"{reload / base:>6.1f}x {emb:>15.3f}s {neo:>16.3f}s")


if __name__ == "__main__":
    main()
