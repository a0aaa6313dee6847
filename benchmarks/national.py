"""Generated national data sets over the real communes of the COG 2026.

``write_national(folder, actors, seed)`` writes ``acteurs.csv``, ``services.csv`` and
``interactions.csv`` (the data set format of the README): every actor is seated in a
commune drawn by population, offers 3 services and starts 2 interactions. A
service covers its actor's commune (45 %), EPCI (30 %), département (18 %), région
(6 %) or France (1 %); it treats 1 to 2 sub-thématiques, serves 0 to 2 publics
and reaches 1 to 2 moments. Partners are drawn in the same département 3 times
in 4, and anywhere with preferential attachment otherwise. A fixed seed gives
the same files.

    python benchmarks/national.py --acteurs 100000 --dossier /tmp/national-100000
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import random
from pathlib import Path

from spie_graph.reference.referentials import referentials

FAMILLES = ["association", "ccas-cias", "mission-locale", "france-travail", "aci", "ei", "ai",
            "mobilite", "logement-hebergement", "sante", "garde-enfants", "organisme-formation",
            "cd", "caf", "plie", "cap-emploi"]
AREAS = (("commune", 45), ("epci", 30), ("departement", 18), ("region", 6), ("france", 1))


def write_national(folder: Path | str, actors: int, seed: int = 1,
                   territoire: str = "france") -> Path:
    """Write a data set of ``actors`` actors seated in ``territoire`` (default: all of
    France) into ``folder``; return it."""
    rng = random.Random(seed)
    refs = referentials()
    terr = refs.territoires
    familles = [f for f in FAMILLES if f in refs.familles]
    communes = sorted(terr.communes(territoire))
    weights = list(itertools.accumulate(max(terr.population(c), 1) for c in communes))
    themes = sorted(t for t in refs.thematiques if "--" in t)
    publics = sorted(p for p in refs.publics if p != "tous-publics")
    moments = sorted(refs.moments)
    kinds = [k for k, _ in AREAS]
    kind_weights = [w for _, w in AREAS]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    seats = [communes[bisect.bisect(weights, rng.random() * weights[-1])] for _ in range(actors)]
    by_dep: dict[str, list[int]] = {}
    for i, seat in enumerate(seats):
        by_dep.setdefault(terr.departement_of(seat), []).append(i)

    def area(seat: str) -> str:
        kind = rng.choices(kinds, kind_weights)[0]
        parents = terr.parents(seat)
        if kind == "commune":
            return seat
        if kind == "epci":
            return terr.epci_of(seat) or seat
        if kind == "departement":
            return terr.departement_of(seat)
        if kind == "region":
            return next((p for p in parents if p.startswith("region:")), "france")
        return "france"

    with (folder / "acteurs.csv").open("w", newline="", encoding="utf-8") as a_file, \
            (folder / "services.csv").open("w", newline="", encoding="utf-8") as s_file:
        a_out = csv.writer(a_file, delimiter=";")
        s_out = csv.writer(s_file, delimiter=";")
        a_out.writerow(["id", "nom", "famille", "commune", "territoire"])
        s_out.writerow(["id", "acteur", "nom", "thematiques", "publics", "moments",
                        "territoire"])
        for i, seat in enumerate(seats):
            a_out.writerow([f"a{i}", f"Acteur {i}", rng.choice(familles), seat, seat])
            for j in range(3):
                s_out.writerow([
                    f"a{i}-s{j}", f"a{i}", f"Service {i}.{j}",
                    "|".join(rng.sample(themes, rng.randint(1, 2))),
                    "|".join(rng.sample(publics, rng.randint(0, 2))),
                    "|".join(rng.sample(moments, rng.randint(1, 2))),
                    area(seat),
                ])
    types = sorted(refs.interactions)
    seen: set[tuple[int, int]] = set()
    ends: list[int] = []
    with (folder / "interactions.csv").open("w", newline="", encoding="utf-8") as i_file:
        out = csv.writer(i_file, delimiter=";")
        out.writerow(["source", "cible", "type"])
        for i, seat in enumerate(seats):
            for _ in range(2):
                for _attempt in range(5):
                    if rng.random() < 0.75:
                        j = rng.choice(by_dep[terr.departement_of(seat)])
                    else:
                        j = rng.choice(ends) if ends else rng.randrange(actors)
                    if j != i and (i, j) not in seen:
                        break
                else:
                    continue
                seen.add((i, j))
                ends += [i, j]
                out.writerow([f"a{i}", f"a{j}", rng.choice(types)])
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acteurs", type=int, default=10000)
    parser.add_argument("--graine", type=int, default=1)
    parser.add_argument("--territoire", default="france")
    parser.add_argument("--dossier", type=Path, required=True)
    args = parser.parse_args()
    print(write_national(args.dossier, args.acteurs, args.graine, args.territoire))


if __name__ == "__main__":
    main()
