"""How the analyses scale: gaps, duplicates and network on synthetic data sets of growing size.

Run ``python benchmarks/bench_analyses.py [--tailles 200,1000,5000]``. For each
size it generates a data set of the Bretagne région (actors seated in its
communes, services covering communes, EPCI or départements, interactions with
preferential attachment), builds the canonical graph and times each analysis.
Times are printed as seconds and as a ratio to a baseline measured in the same
run on the same graph (one pass over every node and edge), so figures from
different machines compare: an analysis linear in the graph keeps a steady
ratio as the size grows.

Nothing here asserts a time: the tests stay free of timing.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import networkx as nx

from spie_graph.analyses import duplicates, gaps, network
from spie_graph.graph.build import build_graph
from spie_graph.reference.referentials import referentials
from spie_graph.sources.model import Acteur, Dataset, Interaction, Service

REGION = "region:53"
FAMILLES = ["association", "ccas-cias", "mission-locale", "france-travail", "aci", "mobilite",
            "logement-hebergement", "sante", "garde-enfants", "organisme-formation"]
PUBLICS = ["", "beneficiaires-des-minimas-sociaux", "jeunes", "demandeurs-emploi",
           "personnes-en-situation-de-handicap"]
TYPES = ["convention", "orientation", "partenariat", "financement", "co-accompagnement"]


def synthetic(size: int, seed: int = 1) -> Dataset:
    """A data set of ``size`` actors, 2 services and about 3 interactions each."""
    rng = random.Random(seed)
    refs = referentials()
    terr = refs.territoires
    communes = sorted(terr.communes(REGION))
    epcis = terr.epcis_in(REGION)
    departements = ["22", "29", "35", "56"]
    themes = [t for t in refs.thematiques if "--" in t]
    moments = list(refs.moments)
    acteurs, services, links = [], [], []
    for i in range(size):
        seat = rng.choice(communes)
        acteurs.append(Acteur(id=f"a{i}", nom=f"Acteur {i}", famille=rng.choice(FAMILLES),
                              commune=seat, territoire=[seat]))
        for j in range(2):
            area = rng.choices([[rng.choice(communes)], [rng.choice(epcis)],
                                [rng.choice(departements)]], weights=[6, 3, 1])[0]
            public = rng.choice(PUBLICS)
            services.append(Service(
                id=f"s{i}-{j}", acteur=f"a{i}", nom=f"Service {i}-{j}",
                thematiques=[rng.choice(themes[:20])], publics=[public] if public else [],
                moments=[rng.choice(moments)], territoire=area))
    targets: list[int] = []
    for i in range(1, size):
        for _ in range(3):
            j = rng.choice(targets) if targets and rng.random() < 0.7 else rng.randrange(i)
            if j != i:
                links.append((i, j))
                targets += [i, j]
    seen: set[tuple[int, int, str]] = set()
    interactions = []
    for i, j in links:
        kind = rng.choice(TYPES)
        if (i, j, kind) not in seen:
            seen.add((i, j, kind))
            interactions.append(Interaction(source=f"a{i}", cible=f"a{j}", type=kind))
    return Dataset(nom=f"synthetique-{size}", acteurs=acteurs, services=services,
                   interactions=interactions)


def linear_pass(graph: nx.MultiDiGraph) -> int:
    """The baseline: one pass over every node and edge with its label or type."""
    return sum(1 for _ in graph.nodes(data="label")) + sum(1 for _ in graph.edges(data="type"))


def best_of(func: Callable[[], object], repeat: int = 3) -> float:
    """The shortest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tailles", default="200,1000,3000",
                        help="nombres d'acteurs, séparés par des virgules")
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    print(f"{'acteurs':>8} {'services':>9} {'liens':>7} {'base (s)':>9}   "
          f"{'lacunes':>16} {'doublons':>16} {'réseau':>16}  intermédiarité")
    for size in (int(x) for x in args.tailles.split(",")):
        dataset = synthetic(size)
        graph = build_graph(dataset)

        base = best_of(lambda g=graph: linear_pass(g), args.repetitions)
        runs = {
            "gaps": lambda g=graph: gaps(g, REGION),
            "duplicates": lambda g=graph: duplicates(g),
            "network": lambda g=graph: network(g),
        }
        cells = []
        for run in runs.values():
            seconds = best_of(run, args.repetitions)
            cells.append(f"{seconds:7.3f}s ×{seconds / base:6.0f}")
        method = network(graph).intermediarite.methode
        print(f"{size:>8} {len(dataset.services):>9} {len(dataset.interactions):>7} "
              f"{base:>9.4f}   {cells[0]:>16} {cells[1]:>16} {cells[2]:>16}  {method}")


if __name__ == "__main__":
    main()
