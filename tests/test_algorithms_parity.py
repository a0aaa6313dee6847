"""The fast algorithms against the previous release's (tests/reference_algorithms.py).

who-covers, gaps and the duplicate overlaps (before they are gathered into
findings) must give exactly the previous answers on generated data sets.
"""

import random

import numpy as np
import pytest

from spie_graph.analyses import gaps
from spie_graph.analyses._common import describe_communes, describe_indices, service_views
from spie_graph.analyses.duplicates import _elementary
from spie_graph.graph.build import build_graph
from spie_graph.graph.coverage import CoverageIndex, who_covers
from spie_graph.reference.referentials import referentials
from tests import reference_algorithms as old
from tests.test_parity import QUESTIONS, generated_dataset

R = referentials()
INDEX = R.territoires.index


@pytest.fixture(scope="module", params=[1, 2, 3])
def graph(request):
    return build_graph(generated_dataset(seed=request.param, actors=70))


def test_who_covers_matches_the_graph_walk(graph):
    index = CoverageIndex.of_graph(graph)
    for query in QUESTIONS:
        expected = old.who_covers(graph, query)
        assert who_covers(graph, query) == expected
        assert index.answer(query) == expected


@pytest.mark.parametrize("territoire,niveau", [("56", "commune"), ("35", "commune"),
                                               ("region:53", "epci"), ("france", "epci")])
def test_gaps_match_the_service_by_commune_count(graph, territoire, niveau):
    for public in (None, "jeunes"):
        assert gaps(graph, territoire, niveau=niveau, public=public) == old.gaps(
            graph, territoire, niveau=niveau, public=public)
    assert gaps(graph, territoire, niveau=niveau, sans=["a1", "a3"]) == old.gaps(
        graph, territoire, niveau=niveau, sans=["a1", "a3"])


@pytest.mark.parametrize("territoire", [None, "56", "56260", "200067932"])
@pytest.mark.parametrize("niveau", ["thematique", "categorie"])
def test_duplicate_overlaps_match_the_commune_index(graph, territoire, niveau):
    inside = None
    if territoire is not None:
        inside = np.zeros(len(INDEX), dtype=bool)
        inside[INDEX.of(territoire)] = True
    found = {(e.thematique, e.moment, e.publics, tuple(sorted(v.id for v in e.services)),
              frozenset(INDEX.to_codes(e.communes)))
             for e in _elementary(service_views(graph), niveau, inside, R)}
    expected = old.duplicate_pieces(graph, niveau=niveau, territoire=territoire)
    assert found == expected
    if territoire is None:
        assert len(expected) > 5  # the data sets do overlap


def test_describe_indices_matches_describe_communes():
    rng = random.Random(3)
    codes_all = list(INDEX.codes)
    for _ in range(200):
        codes: set[str] = set()
        for code in rng.sample(["56", "35", "200067932", "region:53", "29"], rng.randint(0, 3)):
            codes |= R.territoires.communes(code)
        codes |= set(rng.sample(codes_all, rng.randint(0, 50)))
        codes -= set(rng.sample(sorted(codes), min(len(codes), rng.randint(0, 5))))
        indices = np.array(sorted(INDEX.position[c] for c in codes), dtype=np.int64)
        assert describe_indices(indices, R) == describe_communes(codes, R)
    assert describe_indices(np.arange(len(INDEX)), R) == ["france"]
