#!/usr/bin/env python3
"""Rebuild ``spie_graph/reference/data/territoires.json.gz`` from INSEE's COG.

The source is the npm package ``@etalab/decoupage-administratif`` (MIT), which
publishes the COG as JSON. Either point ``--source`` at a folder holding its
``communes.json``, ``epci.json``, ``departements.json`` and ``regions.json``
(for instance ``../shared/reference/territoires``), or let the script fetch the
package with ``npm pack``.

    python scripts/build_territoires.py --source ../shared/reference/territoires
    python scripts/build_territoires.py --version 6.0.0

The compact file keeps, for each current commune, its name, département,
région, population and postcodes; for each EPCI its name, kind and member communes; the
départements and régions; and the former codes (communes déléguées, associées,
arrondissements municipaux) with the current commune they belong to.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
TARGET = (Path(__file__).resolve().parent.parent / "spie_graph" / "reference" / "data"
          / "territoires.json.gz")


def fetch_package(version: str, workdir: Path) -> Path:
    """Download the npm package with ``npm pack`` and return its data folder."""
    subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{version}", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
    )
    tarball = next(workdir.glob("*.tgz"))
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package" / "data"


def compact(source: Path, version: str) -> dict:
    """Read the COG JSON files of ``source`` and return the compact structure."""

    def load(name: str) -> list[dict]:
        return json.loads((source / name).read_text(encoding="utf-8"))

    communes = load("communes.json")
    current = [c for c in communes if c["type"] == "commune-actuelle"]
    former = [c for c in communes if c["type"] != "commune-actuelle"]
    return {
        "source": f"{PACKAGE}@{version} (INSEE, Code officiel géographique 2026), MIT",
        "regions": [[r["code"], r["nom"]] for r in load("regions.json")],
        "departements": [[d["code"], d["nom"], d["region"]] for d in load("departements.json")],
        "communes": [
            [c["code"], c["nom"], c["departement"], c["region"], c.get("population", 0),
             sorted(c.get("codesPostaux") or [])]
            for c in current
        ],
        "epci": [
            [e["code"], e["nom"], e["type"], [m["code"] for m in e["membres"]]]
            for e in load("epci.json")
        ],
        "anciens": [
            [c["code"], c["nom"], c["type"], c.get("chefLieu") or c.get("commune")]
            for c in former
            if c.get("chefLieu") or c.get("commune")
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="folder holding the COG JSON files")
    parser.add_argument("--version", default="6.0.0", help="npm package version")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or fetch_package(args.version, Path(tmp))
        data = compact(source, args.version)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0 keeps the file byte-identical between rebuilds of the same source,
    # and an empty name keeps the output file's name out of the gzip header.
    with open(args.output, "wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as out:
        out.write(payload)
    print(
        f"{args.output}: {len(data['communes'])} communes, {len(data['epci'])} EPCI, "
        f"{len(data['departements'])} départements, {len(data['regions'])} régions"
    )


if __name__ == "__main__":
    main()
