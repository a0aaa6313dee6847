"""Generated data sets, and the questions the parity tests ask both stores.

The generator draws actors, services and interactions over the communes and EPCI
of the Morbihan and neighbouring départements, with a fixed seed.
"""

from __future__ import annotations

import random

from spie_graph.graph.build import build_graph
from spie_graph.graph.coverage import CoverageQuery, who_covers
from spie_graph.reference.referentials import referentials
from spie_graph.sources.model import Acteur, Dataset, Interaction, Service

R = referentials()
T = R.territoires

QUESTIONS = [
    CoverageQuery(thematique="mobilite", territoire="56260"),
    CoverageQuery(thematique="mobilite", territoire="200067932"),
    CoverageQuery(thematique="mobilite--preparer-un-permis", territoire="56"),
    CoverageQuery(thematique="logement-hebergement", territoire="region:53",
                  public="personnes-en-situation-de-handicap"),
    CoverageQuery(thematique="sante", territoire="243500741", moment="offre"),
    CoverageQuery(thematique="trouver-un-emploi", territoire="56121",
                  public="beneficiaires-des-minimas-sociaux", moment="suivi"),
    CoverageQuery(thematique="famille--garde-denfants", territoire="france"),
    CoverageQuery(thematique="se-former", territoire="29"),
]


def generated_dataset(seed: int, actors: int = 50) -> Dataset:
    """A random but valid data set of ``actors`` actors, about 2 services each."""
    rng = random.Random(seed)
    communes = sorted(T.communes("56")) + sorted(T.communes("35"))[:40]
    areas = [*communes[:60], *T.epcis_in("56"), "56", "35", "region:53"]
    familles = sorted(R.familles)
    themes = sorted(R.thematiques)
    publics = sorted(p for p in R.publics if p != "tous-publics")
    acteurs, services, links = [], [], set()
    for i in range(actors):
        seat = rng.choice(communes)
        acteurs.append(Acteur(id=f"a{i}", nom=f"Acteur {i}", famille=rng.choice(familles),
                              commune=seat, territoire=rng.sample(areas, rng.randint(1, 2))))
        for j in range(rng.randint(0, 4)):
            services.append(Service(
                id=f"a{i}-s{j}", acteur=f"a{i}", nom=f"Service {i}.{j}",
                thematiques=rng.sample(themes, rng.randint(1, 3)),
                publics=rng.sample(publics, rng.randint(0, 2)),
                moments=rng.sample(sorted(R.moments), rng.randint(1, 2)),
                territoire=rng.sample(areas, rng.randint(1, 3)),
            ))
    while len(links) < actors * 2:
        a, b = rng.sample(range(actors), 2)
        links.add((f"a{a}", f"a{b}", rng.choice(sorted(R.interactions))))
    return Dataset(nom=f"genere-{seed}", acteurs=acteurs, services=services,
                   interactions=[Interaction(source=s, cible=c, type=t)
                                 for s, c, t in sorted(links)])


def test_generated_data_sets_answer_every_question():
    graph = build_graph(generated_dataset(seed=1, actors=60))
    answered = [who_covers(graph, q) for q in QUESTIONS]
    assert sum(len(rows) for rows in answered) > 20  # the questions are not all empty
    assert any(r.couverture == "total" for rows in answered for r in rows)
    assert any(r.couverture == "partiel" for rows in answered for r in rows)


def test_generation_is_deterministic():
    assert generated_dataset(seed=5) == generated_dataset(seed=5)
