#!/usr/bin/env python3
"""The main job at scale: where ``spie-graph report`` spends its time and memory.

    python benchmarks/bench_report.py [DATA SET FOLDER ...] [--territoire CODE] [--profil FILE]

For each data set folder (default: the département-sized and national sets of
``benchmarks/national.py`` that ``bench_national.py`` leaves in
``$TMPDIR/spie-graph-bench`` when present), in its own Python
process: read + validate + build the graph (the cache is bypassed), then run
the report as :func:`spie_graph.report.run.run_report` does, part by part, and
print each step's CPU seconds (``time.process_time``; the machine may be
shared), its wall seconds, and the process's peak resident memory so far
(``ru_maxrss``, MiB) and now (Linux). Each part's files are written as it
ends, as the report does. Inside the steps, the analyses (``findings: …``) and the
renderers the parts call (``  render: …``, summed over calls) are timed by
wrapping the functions the report imports, without changing them.

``--profil FILE`` also writes a cProfile of the report (not of the build) to
FILE (``python -m pstats FILE``). Last, ``run_report (as run)`` runs the report
as the command does, in two processes on two cores (:mod:`spie_graph.report.lanes`):
the CPU of both and the wall time. Nothing here asserts a time: the targets
(issue 15: a département under 3 s, 100,000 actors under 60 s and 4 GiB) are
read from the printed table.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT = [Path(tempfile.gettempdir()) / "spie-graph-bench" / name for name in
           ("departement-2000", "national-10000", "national-30000", "national-100000")]
ANALYSES = ("service_views", "gaps", "density_from_gaps", "find_duplicates", "check_consortium",
            "network")
RENDERERS = ("collect_annex", "collect_diagnostic", "page_docx", "page_html", "page_markdown",
             "sheets_docx", "sheets_html", "diagnostic_docx", "diagnostic_html",
             "diagnostic_markdown", "build_map", "node_styles", "to_graphml", "to_gexf",
             "graph_json", "to_kumu", "select", "to_csv", "to_json", "to_xlsx", "who_covers",
             "graph_stats")


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _now() -> float | None:
    """The process's resident memory now (MiB; Linux), None elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * resource.getpagesize() / 2**20


def _timed(module: object, names: tuple[str, ...], spent: dict[str, float]) -> None:
    """Replace ``module.name`` by a wrapper adding its CPU time to ``spent[name]``."""
    for name in names:
        function = getattr(module, name, None)
        if function is None:
            continue

        def wrapper(*args: object, _f: Callable = function, _n: str = name,
                    **kwargs: object) -> object:
            began = time.process_time()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_n] += time.process_time() - began

        setattr(module, name, functools.wraps(function)(wrapper))


def measure(folder: Path, territoire: str | None, profile: Path | None) -> list[dict]:
    """Build and report ``folder`` in this process; one row per step."""
    from spie_graph.analyses import findings as findings_module
    from spie_graph.files import writing_folder
    from spie_graph.graph.build import build_graph
    from spie_graph.report import parts as parts_module
    from spie_graph.report import run as run_module
    from spie_graph.sources.validation import load_dataset
    from spie_graph.store.cache import collector_paused

    rows: list[dict] = []

    def step(name: str, began_cpu: float, began_wall: float, found: object = "") -> None:
        rows.append({"etape": name, "cpu": time.process_time() - began_cpu,
                     "wall": time.perf_counter() - began_wall, "rss": _rss(), "now": _now(),
                     "found": str(found)})

    cpu, wall = time.process_time(), time.perf_counter()
    with collector_paused():
        graph = build_graph(load_dataset(folder))
    step("read+validate+build", cpu, wall, f"{graph.number_of_nodes()} nœuds")

    analyses: dict[str, float] = defaultdict(float)
    renders: dict[str, float] = defaultdict(float)
    _timed(findings_module, ANALYSES, analyses)
    _timed(parts_module, RENDERERS, renders)
    profiler = None
    if profile is not None:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    frozen = collector_paused()  # as run_report does
    frozen.__enter__()
    report_cpu, report_wall = time.process_time(), time.perf_counter()
    cpu, wall = time.process_time(), time.perf_counter()
    ctx = run_module.report_context(folder.name, graph, territoire)
    step("findings", cpu, wall, ctx.territoire)
    rows += [{"etape": f"  findings: {name}", "cpu": spent, "wall": None, "rss": None,
              "found": ""} for name, spent in analyses.items()]
    tables = []
    sizes: dict[str, int] = {}

    def written(staging: Path) -> int:
        for path in staging.iterdir():
            sizes.setdefault(path.name, path.stat().st_size)
        return len(sizes)

    with tempfile.TemporaryDirectory() as out, \
            writing_folder(Path(out) / folder.name) as staging:
        for part in parts_module.PARTS:  # as run_module._write_report does
            renders.clear()
            cpu, wall = time.process_time(), time.perf_counter()
            before = written(staging.path)
            _, made = run_module._run_part(part, ctx, staging)
            tables += made
            after = written(staging.path)
            size = sum(sizes[name] for name in list(sizes)[before:after])
            step(part.__name__, cpu, wall, f"{after - before} fichiers, {size / 2**20:.1f} Mo")
            rows += [{"etape": f"  render: {name}", "cpu": spent, "wall": None, "rss": None,
                      "found": ""}
                     for name, spent in sorted(renders.items(), key=lambda x: -x[1])
                     if spent >= 0.01]
        cpu, wall = time.process_time(), time.perf_counter()
        staging.write("rapport.xlsx", parts_module.workbook(ctx, tables))
        written(staging.path)
        step("workbook (rapport.xlsx)", cpu, wall,
             f"{len(tables)} feuilles, {sizes['rapport.xlsx'] / 2**20:.1f} Mo")
        cpu, wall = time.process_time(), time.perf_counter()
    step("folder renamed", cpu, wall, f"{len(sizes)} fichiers")
    step("report (total)", report_cpu, report_wall, f"{sum(sizes.values()) / 2**20:.1f} Mo")
    frozen.__exit__(None, None, None)
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    rows.append(_as_run(folder, graph, territoire))
    return rows


def _as_run(folder: Path, graph: object, territoire: str | None) -> dict:
    """The report as ``run_report`` runs it, in two lanes where it can (the analyses and the
    parts above run one after the other, to time each): CPU of both processes, wall time."""
    from spie_graph.report import lanes
    from spie_graph.report.run import run_report

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = time.process_time(), time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        run_report(folder.name, graph, out, territoire)  # type: ignore[arg-type]
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lane = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    found = (f"deux processus : {time.process_time() - cpu:.2f} s ici + {lane:.2f} s, "
             f"pointe du second {after.ru_maxrss / 1024:.0f} Mio") if lane else "un processus"
    if not lanes.available():
        found += f" ({lanes.ENV_PROCESSES}=1, un cœur, ou fork indisponible)"
    return {"etape": "run_report (as run)", "cpu": time.process_time() - cpu + lane,
            "wall": wall, "rss": _rss(), "now": _now(), "found": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="*",
                        help="data set folders (default: those bench_national.py wrote)")
    parser.add_argument("--territoire", help="territory of the report (default: the data set's)")
    parser.add_argument("--profil", type=Path, help="write a cProfile of the report here")
    parser.add_argument("--un", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.un:
        print(json.dumps(measure(args.folders[0], args.territoire, args.profil)))
        return
    folders = args.folders or [f for f in DEFAULT if (f / "interactions.csv").exists()]
    print("CPU seconds (wall in brackets); peak memory of the process so far, and now, MiB",
          flush=True)
    for folder in folders:
        command = [sys.executable, __file__, "--un", str(folder)]
        if args.territoire:
            command += ["--territoire", args.territoire]
        if args.profil:
            command += ["--profil", str(args.profil.with_suffix(f".{folder.name}.prof"))]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        print(f"\n{folder.name}", flush=True)
        for row in json.loads(done.stdout.strip().splitlines()[-1]):
            wall = f"({row['wall']:.2f})" if row["wall"] is not None else ""
            rss = f"{row['rss']:.0f}" if row["rss"] is not None else ""
            now = f"{row['now']:.0f}" if row.get("now") is not None else ""
            print(f"  {row['etape']:<32} {row['cpu']:>8.2f} {wall:>9} {rss:>7} {now:>7}  "
                  f"{row['found']}", flush=True)


if __name__ == "__main__":
    main()
