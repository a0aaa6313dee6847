#!/usr/bin/env python3
"""National scale: each step's time and peak memory on generated national data sets.

    python benchmarks/bench_national.py [--sizes 10000 30000 100000] [--ancien-max 10000]

For each size, a data set over the real communes (3 services and 2 interactions
per actor, :mod:`benchmarks.national`) is written once under ``--dossier``, then
every step runs in its own Python process, which reports the step's CPU time
(``time.process_time``: the machine may be shared, CPU time is what the code
costs), its wall time, and the process's peak resident memory (``ru_maxrss``,
build included). Steps after ``build`` first read and build the graph, outside
the time measured. ``ancien`` is the previous release's code path for the same
step (tests/reference_algorithms.py: who-covers walking the graph commune by
commune, gaps counting service × commune, duplicates indexing every commune of
every service), run up to ``--ancien-max`` actors, and ``ratio`` = ancien / new.
The cached steps use a cache folder of their own (``SPIE_GRAPH_CACHE``):
``who-covers-cli`` is the second ``spie-graph who-covers`` call (the first fills the
cache); ``who-covers-api`` the mean of 20 questions on the Morbihan to a store
opened once with ``api.open_store``.

Nothing here asserts a time: the targets are read from the printed table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = ("build", "who-covers", "gaps", "duplicates", "network", "report",
         "who-covers-cli", "who-covers-api")
OLD = {"who-covers", "gaps", "duplicates"}
QUERY = {"thematique": "mobilite", "territoire": "france"}


def _graph(folder: Path):
    """Read, validate and build, as the commands do (collector paused), without the cache."""
    from spie_graph.graph.build import build_graph
    from spie_graph.sources.validation import load_dataset
    from spie_graph.store.cache import collector_paused

    with collector_paused():
        return build_graph(load_dataset(folder))


def run_step(step: str, folder: Path, old: bool) -> dict:
    """Run one step in this process; return its CPU and wall seconds and what it found."""
    from spie_graph import api
    from spie_graph.analyses import duplicates, gaps, network
    from spie_graph.graph.coverage import CoverageQuery, who_covers
    from tests import reference_algorithms as reference

    query = CoverageQuery(**QUERY)
    graph = None
    if step in ("who-covers", "gaps", "duplicates", "network"):
        graph = _graph(folder)
    cpu, wall = time.process_time(), time.perf_counter()
    found: object = None
    if step == "build":
        graph = _graph(folder)
        found = graph.number_of_nodes() + graph.number_of_edges()
    elif step == "who-covers":
        found = len((reference.who_covers if old else who_covers)(graph, query))
    elif step == "gaps":
        result = (reference.gaps if old else gaps)(graph, "france", niveau="epci")
        found = len(result.lacunes)
    elif step == "duplicates":
        found = len(reference.duplicate_pieces(graph) if old else duplicates(graph))
    elif step == "network":
        found = network(graph).intermediarite.model_dump()
    elif step == "report":
        with tempfile.TemporaryDirectory() as out:
            found = str(api.report(folder, out).name)
    elif step == "who-covers-api":
        # A program asking many questions opens the store once (from the cache when the
        # files are unchanged); the store keeps its who-covers index.
        store, name = api.open_store(folder)
        store.who_covers(name, query)  # builds the index once
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(20):
            found = len(store.who_covers(name, CoverageQuery(thematique="mobilite",
                                                              territoire="56")))
        return {"cpu": (time.process_time() - cpu) / 20,
                "wall": (time.perf_counter() - wall) / 20, "found": found}
    return {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
            "found": found}


def child(step: str, folder: Path, old: bool, env: dict[str, str]) -> dict:
    """Run a step in a new process; add its peak memory (MiB)."""
    if step == "who-covers-cli":
        command = [sys.executable, "-m", "spie_graph.cli", "who-covers", QUERY["thematique"],
                   "--territoire", QUERY["territoire"], "--dataset", str(folder)]
        subprocess.run(command, env=env, check=True, capture_output=True)  # fills the cache
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                "wall": time.perf_counter() - began, "rss": after.ru_maxrss / 1024,
                "found": None}
    command = [sys.executable, __file__, "--etape", step, "--dossier", str(folder)]
    if old:
        command.append("--ancien")
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 30000, 100000])
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    parser.add_argument("--ancien-max", type=int, default=10000,
                        help="run the previous release's path up to this many actors")
    parser.add_argument("--departement", type=int, default=2000,
                        help="actors of the département-sized report (0: skip it)")
    parser.add_argument("--dossier", type=Path,
                        default=Path(tempfile.gettempdir()) / "spie-graph-bench")
    parser.add_argument("--etape", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--ancien", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.etape:
        result = run_step(args.etape, args.dossier, args.ancien)
        result["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    from benchmarks.national import write_national

    cache = Path(tempfile.mkdtemp(prefix="spie-graph-bench-cache-"))
    env = {**os.environ, "SPIE_GRAPH_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    env.pop("SPIE_GRAPH_SANS_CACHE", None)
    print("CPU seconds of the step (wall in brackets), peak memory of its process in MiB; "
          "ancien: the previous release's path; ratio = ancien / nouveau", flush=True)
    print(f"{'acteurs':>8} {'étape':<15} {'CPU (s)':>9} {'(mur)':>9} {'Mio':>7} "
          f"{'ancien (s)':>11} {'ratio':>7}  trouvé", flush=True)
    plan = [(size, f"national-{size}", "france") for size in args.sizes]
    if args.departement:
        plan.append((args.departement, f"departement-{args.departement}", "56"))
    try:
        for size, name, territoire in plan:
            folder = args.dossier / name
            if not (folder / "interactions.csv").exists():
                write_national(folder, size, territoire=territoire)
            steps = ["build", "report"] if territoire != "france" else args.steps
            for step in steps:
                new = child(step, folder, False, env)
                old_text, ratio = "", ""
                if step in OLD and size <= args.ancien_max:
                    old = child(step, folder, True, env)
                    old_text = f"{old['cpu']:.2f}"
                    ratio = f"{old['cpu'] / max(new['cpu'], 1e-9):.1f}x"
                label = step if territoire == "france" else f"{step} (56)"
                print(f"{size:>8} {label:<15} {new['cpu']:>9.3f} {new['wall']:>8.2f}s "
                      f"{new['rss']:>7.0f} {old_text:>11} {ratio:>7}  {new['found']}",
                      flush=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
