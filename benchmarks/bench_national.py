#!/usr/bin/env python3
"""National scale: each step's time and peak memory on generated national data sets.

    python benchmarks/bench_national.py [--sizes 10000 30000 100000] [--precedente 48aec49]

For each size, a data set over the real communes (3 services and 2 interactions
per actor, :mod:`benchmarks.national`) is written once under ``--dossier``, then
every step runs in its own Python process, which reports the step's CPU time
(``time.process_time``: the machine may be shared, CPU time is what the code
costs), its wall time, and the process's peak resident memory (``ru_maxrss``,
build included). The report runs in two processes on two cores: its CPU time is
theirs together, and their memory together is sampled every 0.5 s as the
proportional set size (Linux: the pages they share counted once). Steps after
``build`` first read and build the graph, outside the time measured, as a command
does once per run.

``précédente`` is the previous release's code itself: the package at the
revision ``--precedente`` (by default 48aec49, the release issue 15 measured) is
extracted with ``git archive`` into a temporary folder and the same step runs on
it in its own process (up to ``--precedente-max`` actors: the previous release
took minutes per step at 30,000). ``ratio`` = précédente / nouvelle, in CPU time.

The cached steps use a cache folder of their own (``SPIE_GRAPH_CACHE``):
``who-covers-cli`` is the second ``spie-graph who-covers`` call (the first fills
the cache; the previous release had none, so it rebuilds every call);
``who-covers-api`` is the mean of 20 questions on the Morbihan to a store opened
once with ``api.open_store``. ``report`` is the whole main job, cold (cache
empty), as a user runs it after changing a file. A département-sized data set
(``--departement`` actors in the Morbihan) gets ``build`` and ``report`` too.

Nothing here asserts a time: the targets are read from the printed table, and
``--markdown`` prints the summary table the README shows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STEPS = ("build", "who-covers", "gaps", "duplicates", "network", "report",
         "who-covers-cli", "who-covers-api")
DEPARTEMENT_STEPS = ("build", "report")
PREVIOUS = "48aec49"
QUERY = {"thematique": "mobilite", "territoire": "france"}
LABELS = {
    "build": "lecture + validation + construction",
    "who-covers": "`who-covers mobilite --territoire france`, graphe construit",
    "gaps": "`gaps` France entière (par EPCI)",
    "duplicates": "`duplicates` France entière",
    "network": "`network`",
    "report": "`report` (tâche principale, cache vide)",
    "who-covers-cli": "`who-covers` en ligne de commande, cache rempli",
    "who-covers-api": "`who-covers` par la bibliothèque, magasin ouvert une fois",
}


def _graph(folder: Path):
    """Read, validate and build as the commands do (collector paused where the release
    pauses it), without the cache."""
    from spie_graph.graph.build import build_graph
    from spie_graph.sources.validation import load_dataset

    try:
        from spie_graph.store.cache import collector_paused
    except ImportError:  # the previous release had no cache and kept the collector on
        collector_paused = contextlib.nullcontext
    with collector_paused():
        return build_graph(load_dataset(folder))


def _found(value: object) -> object:
    """A short, comparable description of what a step found."""
    if isinstance(value, list):
        return len(value)
    return value


def run_step(step: str, folder: Path) -> dict:
    """Run one step in this process (whichever release is first on the path); return
    its CPU and wall seconds and what it found."""
    from spie_graph import api
    from spie_graph.analyses import duplicates, gaps, network
    from spie_graph.graph.coverage import CoverageQuery, who_covers

    query = CoverageQuery(**QUERY)
    graph = None
    if step in ("who-covers", "gaps", "duplicates", "network"):
        graph = _graph(folder)
    cpu, wall = time.process_time(), time.perf_counter()
    found: object = None
    if step == "build":
        graph = _graph(folder)
        found = f"{graph.number_of_nodes()} nœuds, {graph.number_of_edges()} liens"
    elif step == "who-covers":
        found = f"{len(who_covers(graph, query))} lignes"
    elif step == "gaps":
        found = f"{len(gaps(graph, 'france', niveau='epci').lacunes)} lacunes"
    elif step == "duplicates":
        try:
            from spie_graph.analyses.duplicates import find_duplicates
        except ImportError:  # before the capped list: every finding
            found = f"{len(duplicates(graph))} doublons"
        else:
            result = find_duplicates(graph)
            found = (f"{len(result.constats)} doublons listés sur "
                     f"{'au moins ' if result.au_moins else ''}{result.total}")
    elif step == "network":
        result = network(graph)
        betweenness = result.intermediarite
        found = (f"{len(result.communautes)} communautés "
                 f"({getattr(result, 'communautes_methode', 'louvain')}), "
                 f"intermédiarité {betweenness.methode}"
                 + (f" k={betweenness.k}" if getattr(betweenness, "k", None) else ""))
    elif step == "report":
        # On two cores the report forks a second lane of work (spie_graph.report.lanes):
        # its CPU time is the children's, added here; its peak memory is reported apart.
        # Timed up to the report's return: not the removal of its folder afterwards.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with tempfile.TemporaryDirectory() as out:
            written = api.report(folder, out)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}
            found = f"{sum(1 for p in written.rglob('*') if p.is_file())} fichiers"
        lane = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        result = {"cpu": result["cpu"] + lane, "wall": result["wall"], "found": found}
        if lane:
            result["found"] += (f", dont {lane:.1f} s CPU (pointe {after.ru_maxrss / 1024:.0f}"
                                " Mio) dans le second processus").replace(".", ",")
            result["rss_lane"] = after.ru_maxrss / 1024
        return result
    elif step == "who-covers-api":
        # A program asking many questions opens the store once (from the cache when the
        # files are unchanged); the store keeps what it needs between questions.
        store, name = api.open_store(folder)
        store.who_covers(name, query)
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(20):
            found = len(store.who_covers(name, CoverageQuery(thematique="mobilite",
                                                              territoire="56")))
        return {"cpu": (time.process_time() - cpu) / 20,
                "wall": (time.perf_counter() - wall) / 20, "found": f"{found} lignes (56)"}
    return {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
            "found": found}


def previous_release(revision: str, into: Path) -> Path | None:
    """Extract the package at ``revision`` into ``into``; ``None`` outside a git clone."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", revision,
                                  "spie_graph", "cypher"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"version précédente {revision} indisponible ({exc}) : colonnes vides",
              file=sys.stderr)
        return None
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def child(step: str, folder: Path, code: Path, env: dict[str, str],
          limit: float | None = None) -> dict:
    """Run a step in a new process on the package found in ``code``; add its peak
    memory (MiB). A step still running after ``limit`` seconds is stopped and says so."""
    env = {**env, "PYTHONPATH": os.pathsep.join([str(code), str(ROOT)])}
    if step == "who-covers-cli":
        # ``python -m`` puts the working folder first on the path: run from the code's own
        # folder so that the release asked for is the one imported.
        arguments = ["who-covers", QUERY["thematique"], "--territoire", QUERY["territoire"],
                     "--dataset", str(folder.resolve())]
        # As installed by pip, which compiles the bytecode: the first call writes it (in a
        # folder of the benchmark's own), the second reads it instead of compiling the sources.
        env = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(env.get("SPIE_GRAPH_CACHE", tempfile.gettempdir()))
                                        / "bytecode")
        subprocess.run([sys.executable, "-m", "spie_graph.cli", *arguments], env=env,
                       check=True, capture_output=True, cwd=code)  # fills the cache
        # The second call, as the CLI runs it, then its own peak memory on stderr.
        measured = ("import resource, runpy, sys\n"
                    f"sys.argv = ['spie-graph', *{arguments!r}]\n"
                    "try:\n    runpy.run_module('spie_graph.cli', run_name='__main__')\n"
                    "except SystemExit:\n    pass\n"
                    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
                    "file=sys.stderr)\n")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", measured], env=env, check=True,
                              capture_output=True, text=True, cwd=code)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                "wall": time.perf_counter() - began,
                "rss": int(done.stderr.strip().splitlines()[-1]) / 1024, "found": "2e appel"}
    command = [sys.executable, __file__, "--etape", step, "--dossier", str(folder)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        began, pss = time.monotonic(), 0.0
        while process.poll() is None:
            # The memory the step's processes hold together, each shared page counted once
            # (proportional set size, Linux): a forked lane of the report shares the graph.
            pss = max(pss, _tree_pss(process.pid))
            if limit is not None and time.monotonic() - began > limit:
                process.kill()
                process.wait()
                return {"cpu": float("nan"), "wall": float("nan"), "rss": float("nan"),
                        "found": f"arrêtée après {limit:.0f} s"}
            time.sleep(0.5)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode:
        tail = (stderr.strip().splitlines() or ["?"])[-1]
        return {"cpu": float("nan"), "wall": float("nan"), "rss": float("nan"),
                "found": f"échec : {tail[:100]}"}
    result = json.loads(stdout.strip().splitlines()[-1])
    if "rss_lane" in result and pss:
        result["pss"] = pss
        result["found"] += f" ; ensemble {pss:.0f} Mio (PSS)"
    return result


def _tree_pss(pid: int) -> float:
    """The proportional set size of a process and its children, MiB (0 outside Linux)."""
    total = 0.0
    for each in [pid, *_children(pid)]:
        try:
            text = Path(f"/proc/{each}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) / 1024
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _seconds(value: float) -> str:
    if value != value:  # NaN: the step failed
        return "échec"
    if value < 0.1:
        return f"{value * 1000:.1f} ms".replace(".", ",")
    return f"{value:.1f} s".replace(".", ",")


def _memory(mib: float) -> str:
    if mib != mib:
        return "?"
    if mib >= 1024:
        return f"{mib / 1024:.1f} Gio".replace(".", ",")
    return f"{mib:.0f} Mio"


def markdown(results: dict[tuple[str, str], dict]) -> str:
    """The README's summary: one row per step, one column per data set."""
    sets = list(dict.fromkeys(name for name, _ in results))
    lines = ["| Étape (temps CPU, mémoire maximale) | " + " | ".join(sets) + " |",
             "|---|" + "---|" * len(sets)]
    for step in STEPS:
        if not any((name, step) in results for name in sets):
            continue
        cells = []
        for name in sets:
            measure = results.get((name, step))
            if measure is None:
                cells.append("")
                continue
            cell = f"{_seconds(measure['cpu'])} ({_memory(measure['rss'])})"
            if "rss_lane" in measure:  # two processes: the wall time, their memory together
                memory = (f"{_memory(measure['pss'])} ensemble" if measure.get("pss") else
                          f"{_memory(measure['rss'])} + {_memory(measure['rss_lane'])}")
                cell = (f"{_seconds(measure['cpu'])} en deux processus, "
                        f"{_seconds(measure['wall'])} de temps écoulé ({memory})")
            old = measure.get("precedente")
            if old is not None and old["cpu"] != old["cpu"]:
                cell += f" ; avant : {old['found']}"
            elif old is not None:
                cell += f" ; avant : {_seconds(old['cpu'])}"
                if measure["cpu"] == measure["cpu"] and old["cpu"] == old["cpu"]:
                    cell += f", × {old['cpu'] / max(measure['cpu'], 1e-9):.0f}"
            cells.append(cell)
        lines.append(f"| {LABELS[step]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10000, 30000, 100000],
                        help="national sizes (none: only the département-sized set)")
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    parser.add_argument("--precedente", default=PREVIOUS,
                        help="git revision of the previous release ('' : none)")
    parser.add_argument("--precedente-max", type=int, default=10000,
                        help="run the previous release up to this many actors")
    parser.add_argument("--precedente-delai", type=float, default=600,
                        help="stop a step of the previous release after this many seconds "
                             "(its duplicates took more than 7 min at 10,000 actors)")
    parser.add_argument("--departement", type=int, default=2000,
                        help="actors of the département-sized data set (0: skip it)")
    parser.add_argument("--dossier", type=Path,
                        default=Path(tempfile.gettempdir()) / "spie-graph-bench")
    parser.add_argument("--markdown", action="store_true",
                        help="print the summary as a Markdown table at the end")
    parser.add_argument("--etape", choices=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.etape:
        result = run_step(args.etape, args.dossier)
        result["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    sys.path.insert(0, str(ROOT))
    from benchmarks.national import write_national

    work = Path(tempfile.mkdtemp(prefix="spie-graph-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "SPIE_GRAPH_SANS_CACHE"}
    env["SPIE_GRAPH_CACHE"] = str(work / "cache")
    previous = previous_release(args.precedente, work / "precedente") if args.precedente else None
    print("CPU seconds of the step (wall in brackets), peak memory of its process in MiB; "
          f"précédente: the release {args.precedente}; ratio = précédente / nouvelle",
          flush=True)
    print(f"{'acteurs':>8} {'étape':<16} {'CPU (s)':>9} {'(mur)':>9} {'Mio':>7} "
          f"{'précédente':>11} {'ratio':>7}  trouvé", flush=True)
    plan = [(size, f"national-{size}", "france", args.steps) for size in args.sizes]
    if args.departement:
        plan.append((args.departement, f"departement-{args.departement}", "56",
                     [s for s in DEPARTEMENT_STEPS if s in args.steps]))
    results: dict[tuple[str, str], dict] = {}
    try:
        for size, name, territoire, steps in plan:
            folder = args.dossier / name
            if not (folder / "interactions.csv").exists():
                write_national(folder, size, territoire=territoire)
            column = (f"{size:,} acteurs".replace(",", "\u202f") if territoire == "france"
                      else f"{size:,} acteurs du Morbihan".replace(",", "\u202f"))
            for step in steps:
                if step == "report":
                    shutil.rmtree(work / "cache", ignore_errors=True)
                new = child(step, folder, ROOT, env)
                old_text, ratio = "", ""
                if previous is not None and size <= args.precedente_max:
                    shutil.rmtree(work / "cache", ignore_errors=True)
                    old = child(step, folder, previous, env, args.precedente_delai)
                    new["precedente"] = old
                    old_text = f"{old['cpu']:.2f}"
                    ratio = f"{old['cpu'] / max(new['cpu'], 1e-9):.1f}x"
                results[(column, step)] = new
                print(f"{size:>8} {step:<16} {new['cpu']:>9.3f} {new['wall']:>8.2f}s "
                      f"{new['rss']:>7.0f} {old_text:>11} {ratio:>7}  {new['found']}",
                      flush=True)
        if args.markdown:
            print()
            print(markdown(results))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
