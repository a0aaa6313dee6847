#!/usr/bin/env python3
"""The analyses at national scale: each one's CPU time, peak memory, and what it found.

    python benchmarks/bench_analyses_national.py [--sizes 10000 30000] [--etapes ...]
        [--dossier DOSSIER] [--ancien-max 30000]

Complements ``bench_national.py`` (which the targets are read from) with what the
analyses' own figures need: for ``network``, the previous release's path
(NetworkX node by node, tests/reference_algorithms.py) and the ratio; for
``duplicates``, the number of elementary overlaps (before they are gathered) and
of findings, whose growth with the number of actors sets the cost. Each step
runs in its own process, after reading and building the graph (not timed);
peak memory is that process's ``ru_maxrss`` (build included). The data sets are
``<dossier>/national-<size>`` (written by ``benchmarks/national.py`` when missing).

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = ("network", "network-ancien", "duplicates", "gaps")


def run(step: str, folder: Path) -> dict:
    """One step in this process: CPU seconds and what it found."""
    from benchmarks.bench_national import _graph
    from spie_graph.analyses import duplicates, gaps, network
    from spie_graph.analyses._common import service_views
    from spie_graph.analyses.duplicates import _elementary
    from spie_graph.analyses.network import (
        BUDGET_ECHANTILLON,
        GRAINE,
        K_ECHANTILLON,
        SEUIL_EXACT,
        SEUIL_LOUVAIN,
    )
    from spie_graph.reference.referentials import referentials
    from spie_graph.store.cache import collector_paused
    from tests import reference_algorithms as reference

    graph = _graph(folder)
    referentials().territoires.index  # noqa: B018  (read once, outside the time)
    cpu = time.process_time()
    found: object
    if step == "network":
        result = network(graph)
        found = f"k={result.intermediarite.k} {result.communautes_methode} " \
                f"{len(result.communautes)} communautés"
    elif step == "network-ancien":
        result = reference.network(graph, seuil_exact=SEUIL_EXACT, k=K_ECHANTILLON,
                                   graine=GRAINE, seuil_louvain=SEUIL_LOUVAIN,
                                   budget=BUDGET_ECHANTILLON)
        found = f"k={result.intermediarite.k} {result.communautes_methode} " \
                f"{len(result.communautes)} communautés"
    elif step == "duplicates":
        findings = len(duplicates(graph))
        spent = time.process_time() - cpu
        with collector_paused():  # counted after the findings are freed: same peak memory
            count = len(_elementary(service_views(graph), "thematique", None, referentials()))
        return {"cpu": spent, "found": f"{findings} constats, {count} recouvrements "
                                       "élémentaires"}
    else:
        found = f"{len(gaps(graph, 'france', niveau='epci').lacunes)} lacunes"
    return {"cpu": time.process_time() - cpu, "found": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 30000])
    parser.add_argument("--etapes", nargs="+", default=list(STEPS), choices=STEPS)
    parser.add_argument("--dossier", type=Path,
                        default=Path(tempfile.gettempdir()) / "spie-graph-bench")
    parser.add_argument("--ancien-max", type=int, default=30000,
                        help="run the previous network path up to this many actors")
    parser.add_argument("--etape", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--un", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.etape:
        result = run(args.etape, args.un)
        result["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    from benchmarks.national import write_national

    print("CPU seconds of the step, peak memory of its process in MiB", flush=True)
    print(f"{'acteurs':>8} {'étape':<15} {'CPU (s)':>9} {'Mio':>7}  trouvé", flush=True)
    for size in args.sizes:
        folder = args.dossier / f"national-{size}"
        if not (folder / "interactions.csv").exists():
            write_national(folder, size)
        for step in args.etapes:
            if step == "network-ancien" and size > args.ancien_max:
                continue
            done = subprocess.run([sys.executable, __file__, "--etape", step, "--un",
                                   str(folder)], check=True, capture_output=True, text=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{size:>8} {step:<15} {result['cpu']:>9.2f} {result['rss']:>7.0f}  "
                  f"{result['found']}", flush=True)


if __name__ == "__main__":
    main()
