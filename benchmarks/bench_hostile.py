#!/usr/bin/env python3
"""Time and peak memory of every hostile input of the corpus, each in its own process.

Each case of ``tests/hostile.py`` is built in a temporary folder, then its
command runs in a fresh Python process (``python -m spie_graph.cli …``); the
parent measures the wall time and the child's peak resident memory
(``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, read after each child, so
the maximum so far: it is reported per case from a process of its own). Each
figure is printed beside its bound and the ratio; the script exits 1 when a
case exceeds a bound, prints a traceback, or exits with another status.

    python benchmarks/bench_hostile.py            # every case
    python benchmarks/bench_hostile.py yaml xlsx  # cases whose name holds a word
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import CASES, Case  # noqa: E402

# Run each command in a grandchild so that ru_maxrss of RUSAGE_CHILDREN is its own.
_MEASURE = """
import resource, subprocess, sys, time
began = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(f"{done.returncode} {seconds:.3f} {peak}\\n" + done.stdout + done.stderr)
"""


def measure(case: Case, folder: Path) -> tuple[int, float, float, str]:
    """Exit status, seconds, peak megabytes and output of one case."""
    args = case.build(folder)
    env = {k: v for k, v in os.environ.items()
           if k not in ("NEO4J_PASSWORD", "NEO4J_URI", "SPIE_GRAPH_STORE")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m",
                           "spie_graph.cli", *args], capture_output=True, text=True,
                          env=env, cwd=folder, timeout=max(60.0, case.seconds * 6))
    first, _, output = done.stdout.partition("\n")
    status, seconds, peak_kb = first.split()
    return int(status), float(seconds), int(peak_kb) / 1024, output


def main(words: list[str]) -> int:
    cases = [c for c in CASES if not words or any(w in c.name for w in words)]
    print(f"{'cas':44} {'sortie':>6} {'s':>6} {'borne':>6} {'ratio':>6} "
          f"{'Mo':>6} {'borne':>6} {'ratio':>6}")
    failures = []
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
            status, seconds, megabytes, output = measure(case, Path(tmp))
        problems = []
        if status != case.exit_code:
            problems.append(f"sortie {status} au lieu de {case.exit_code}")
        if "Traceback" in output:
            problems.append("trace d'exception")
        if seconds > case.seconds:
            problems.append(f"{seconds:.1f} s > {case.seconds:.0f} s")
        if megabytes > case.megabytes:
            problems.append(f"{megabytes:.0f} Mo > {case.megabytes} Mo")
        print(f"{case.name:44} {status:>6} {seconds:6.2f} {case.seconds:6.0f} "
              f"{seconds / case.seconds:6.2f} {megabytes:6.0f} {case.megabytes:6d} "
              f"{megabytes / case.megabytes:6.2f}" + ("  ÉCHEC : " + "; ".join(problems)
                                                      if problems else ""))
        if problems:
            failures.append(case.name)
    print(f"\n{len(cases) - len(failures)}/{len(cases)} cas dans leurs bornes.")
    if failures:
        print("Hors bornes : " + ", ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main(sys.argv[1:]))
