#!/usr/bin/env python3
"""Importing a national-size data·inclusion export: time and peak memory.

Generates a weekly export the size of the national one (by default 100,000
structures and 140,000 services over every département, every v1 field filled),
writes it as data·inclusion does (pandas: Parquet, JSON, CSV), then times
``spie-graph import data-inclusion`` on it in a fresh process, whole and for one
département, and prints the time, the peak memory of that process (ru_maxrss)
and the throughput.

    python benchmarks/bench_data_inclusion.py                      # national size
    python benchmarks/bench_data_inclusion.py --structures 10000 --services 14000 --formats json
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spie_graph.reference.referentials import referentials  # noqa: E402
from tests.data_inclusion_export import generate, write_export  # noqa: E402

_CHILD = """
import resource, sys
from spie_graph.cli import main
try:
    main(sys.argv[1:])
finally:
    print("PEAK", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def run_import(structures: Path, services: Path, output: Path,
               departement: str | None) -> tuple[float, float, str]:
    """Seconds, peak memory (MiB) of the importing process, and its summary's first lines."""
    command = [sys.executable, "-c", _CHILD, "import", "data-inclusion",
               str(structures), str(services), "-o", str(output), "--force"]
    if departement:
        command += ["--departement", departement]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stdout}\n{done.stderr}")
    peak_kib = int(done.stderr.rsplit("PEAK", 1)[1].split()[0])     # KiB on Linux
    return seconds, peak_kib / 1024, "\n".join(done.stdout.splitlines()[1:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, default=100_000)
    parser.add_argument("--services", type=int, default=140_000)
    parser.add_argument("--formats", nargs="+", default=["parquet", "json", "csv"])
    parser.add_argument("--departement", default="974")
    args = parser.parse_args()
    departements = tuple(sorted({referentials().territoires.departement_of(c)
                                 for c in referentials().territoires.communes("france")}))
    began = time.perf_counter()
    structures, services = generate(args.structures, args.services, departements=departements)
    print(f"generated {len(structures):,} structures and {len(services):,} services over "
          f"{len(departements)} départements in {time.perf_counter() - began:.1f} s")
    records = len(structures) + len(services)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for fmt in args.formats:
            s_path = write_export(structures, folder, "structures", fmt)
            v_path = write_export(services, folder, "services", fmt)
            size = (s_path.stat().st_size + v_path.stat().st_size) / 2**20
            for scope in (None, args.departement):
                seconds, peak, summary = run_import(s_path, v_path, folder / "out", scope)
                where = f"--departement {scope}" if scope else "whole export"
                print(f"{fmt:8} {size:7.1f} MiB  {where:18} {seconds:7.1f} s  "
                      f"peak {peak:7.0f} MiB  {records / seconds:8,.0f} records/s")
                print("         " + summary.replace("\n", "\n         "))


if __name__ == "__main__":
    main()
