#!/usr/bin/env python3
"""Neo4j at national scale: first load, unchanged reload, bulk import, national who-covers.

For each size, on a server of its own (own data folder and port, stopped at the
end), each step runs in its own process and prints its wall time, the client's
CPU seconds and peak RSS, the server's CPU seconds, and records/s (nodes and
relationships written per wall second):

- ``load``: first load into an empty database (``spie-graph load --store neo4j``);
- ``reload``: the same files again (compared by their key: nothing read);
- ``reload-contenu``: the same again with the files' key unknown
  (``SPIE_GRAPH_SANS_CACHE=1``): read, validated, built, hashed, compared;
- ``who-covers``: ``who-covers mobilite --territoire france --store neo4j``;
- ``bulk``: ``spie-graph load --store neo4j --bulk`` into an emptied database.

The ratio column compares with the previous release's figures at 100,000 actors
(issue 15: 4,100 records/s for the first load, 379 s for the unchanged reload;
the national who-covers failed). Data sets are read from ``--donnees``
(``national-<size>``) or generated there by ``benchmarks/national.py``. The
machine may be shared: CPU seconds are steadier than wall times. Nothing is
asserted.

    python benchmarks/bench_neo4j.py --sizes 10000 30000 100000 --heap 2g --pagecache 1g
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PREVIOUS_100K = {"load": 4100.0, "reload": 379.0}  # records/s; seconds (issue 15)
PASSWORD = "mot-de-passe-du-banc"
STEPS = ("load", "reload", "reload-contenu", "who-covers", "bulk")


def _config(base: Path, port: int, heap: str, pagecache: str):
    from spie_graph.store.server import ServerConfig

    secret = base / "mot-de-passe"
    if not secret.exists():
        secret.write_text(PASSWORD + "\n", "utf-8")
        secret.chmod(0o600)
    return ServerConfig.from_env(port=port, password_file=secret, data_dir=base / "data",
                                 log_file=base / "logs" / "server.log",
                                 pid_file=base / "neo4j.pid", heap=heap, pagecache=pagecache)


def _server_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- a step, in a process of its own ----------------------------------------------------
def _child(step: str, path: str, base: str, port: int, heap: str, pagecache: str,
           batch: int, workers: int) -> None:
    from spie_graph import api
    from spie_graph.graph.coverage import CoverageQuery
    from spie_graph.store.connection import Neo4jConnection
    from spie_graph.store.neo4j import Neo4jStore

    config = _config(Path(base), port, heap, pagecache)
    connection = Neo4jConnection(uri=config.uri, password=PASSWORD)
    began, cpu = time.perf_counter(), time.process_time()
    result: dict = {}
    if step == "bulk":
        summary = api.bulk_load(path, connection, server=config)
        result["records"] = sum(summary.nodes.values()) + sum(summary.relationships.values())
    else:
        with Neo4jStore(connection, batch_size=batch, workers=workers) as store:
            if step == "who-covers":
                rows = api.who_covers(path, CoverageQuery(thematique="mobilite",
                                                          territoire="france"), store)
                result["rows"] = len(rows)
            else:
                summary = api.load(path, store)
                result["records"] = sum(summary.nodes.values()) + sum(
                    summary.relationships.values())
                result["written"] = summary.created + summary.updated
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # neo4j-admin, once it ended
    result.update(wall=time.perf_counter() - began, cpu=time.process_time() - cpu,
                  rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  children=children.ru_utime + children.ru_stime)
    print(json.dumps(result))


def _run_step(step: str, path: Path, base: Path, args, pid: int | None) -> dict:
    env = dict(os.environ)
    if step == "reload-contenu":
        env["SPIE_GRAPH_SANS_CACHE"] = "1"
    before = _server_cpu(pid)
    done = subprocess.run(
        [sys.executable, __file__, "--enfant", step, str(path), str(base), str(args.port),
         args.heap, args.pagecache, str(args.batch), str(args.workers)],
        capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        return {"erreur": done.stderr.strip().splitlines()[-1] if done.stderr else "?"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # The bulk import restarts the server: count neo4j-admin's CPU instead.
    result["server"] = result["children"] if step == "bulk" else _server_cpu(pid) - before
    return result


def _fresh(config) -> int | None:
    """An empty database: server stopped, data folder removed, server started."""
    from spie_graph.store.server import start, stop

    stop(config)
    shutil.rmtree(config.data_dir, ignore_errors=True)
    return start(config, timeout=600).pid


def _dataset(folder: Path, size: int) -> Path:
    path = folder / f"national-{size}"
    if not path.is_dir():
        from benchmarks.national import write_national

        write_national(path, size)
    return path


def _line(size: int, step: str, found: dict) -> str:
    if "erreur" in found:
        return f"{size:>8} {step:<15} échec : {found['erreur']}"
    wall = found["wall"]
    rate = found.get("records", 0) / wall if step in ("load", "bulk") else None
    ratio = ""
    if size == 100_000 and step == "load":
        ratio = f"{rate / PREVIOUS_100K['load']:.1f}× (4 100/s)"
    elif size == 100_000 and step.startswith("reload"):
        ratio = f"{PREVIOUS_100K['reload'] / wall:.1f}× (379 s)"
    elif size == 100_000 and step == "bulk":
        ratio = f"{rate / PREVIOUS_100K['load']:.1f}× (4 100/s)"
    extra = f"{rate:>12,.0f}" if rate is not None else (
        f"{found['rows']:>9} lignes" if "rows" in found else f"{'':>12}")
    return (f"{size:>8} {step:<15} {wall:>8.1f} {found['cpu']:>9.1f} {found['server']:>9.1f} "
            f"{found['rss']:>9.0f} {extra}  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--donnees", type=Path,
                        default=Path(tempfile.gettempdir()) / "spie-graph-bench",
                        help="dossier des jeux national-<taille> (générés s'ils manquent)")
    parser.add_argument("--heap", default="2g", help="mémoire Java du serveur")
    parser.add_argument("--pagecache", default="1g", help="cache de pages du serveur")
    parser.add_argument("--batch", type=int, default=None, help="lignes par transaction")
    parser.add_argument("--workers", type=int, default=None, help="transactions en parallèle")
    parser.add_argument("--enfant", nargs=8, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.enfant:
        step, path, base, port, heap, pagecache, batch, workers = args.enfant
        _child(step, path, base, int(port), heap, pagecache, int(batch), int(workers))
        return
    from spie_graph.store.neo4j import BATCH_SIZE, NODE_BATCH_SIZE, WORKERS
    from spie_graph.store.server import stop

    args.batch = args.batch or BATCH_SIZE
    args.workers = args.workers or WORKERS
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        args.port = sock.getsockname()[1]
    print(f"Serveur : tas {args.heap}, cache de pages {args.pagecache} ; lots de {args.batch} "
          f"relations et {min(args.batch, NODE_BATCH_SIZE)} nœuds, {args.workers} transactions "
          "à la fois")
    print(f"{'acteurs':>8} {'étape':<15} {'mur (s)':>8} {'CPU cl.':>9} {'CPU serv.':>9} "
          f"{'RSS (Mo)':>9} {'éléments/s':>12}  ratio (précédent)")
    base = Path(tempfile.mkdtemp(prefix="bench-neo4j-"))
    config = _config(base, args.port, args.heap, args.pagecache)
    cache = Path(tempfile.mkdtemp(prefix="bench-neo4j-cache-"))
    os.environ["SPIE_GRAPH_CACHE"] = str(cache)  # the files' keys, never the user's cache
    try:
        for size in args.sizes:
            path = _dataset(args.donnees, size)
            pid = None
            for step in args.steps:
                if step in ("load", "bulk") or pid is None:
                    pid = _fresh(config)
                found = _run_step(step, path, base, args, pid)
                print(_line(size, step, found), flush=True)
                if step == "bulk":
                    pid = _running_pid(config)
    finally:
        stop(config)
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)


def _running_pid(config) -> int | None:
    from spie_graph.store.server import status

    return status(config).pid


if __name__ == "__main__":
    main()
