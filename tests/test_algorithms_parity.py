"""The fast algorithms against the previous release's (tests/reference_algorithms.py).

who-covers, gaps and the duplicate overlaps (before they are gathered into
findings) must give exactly the previous answers on generated data sets.
"""

import random

import numpy as np
import pytest

from spie_graph.analyses import gaps
from spie_graph.analyses._common import describe_communes, describe_indices, service_views
from spie_graph.analyses.duplicates import _elementary, find_duplicates
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
    found = {(e.thematique, e.moment, e.publics, tuple(sorted(e.services)),
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


# -- France-wide and région-wide services set apart; the capped list of a wide run ----------

def _with_wide_services(seed: int):
    """A generated data set where every fifth service covers France and every seventh the
    région Bretagne (the generated ones have neither)."""
    dataset = generated_dataset(seed=seed, actors=70)
    services = [s.model_copy(update={"territoire": ["france"] if i % 5 == 0 else
                                     ["region:53"] if i % 7 == 0 else s.territoire})
                for i, s in enumerate(dataset.services)]
    return build_graph(dataset.model_copy(update={"services": services}))


def _kinds(view):
    kinds = {R.territoires.kind(code) or "france" for code in view.areas}
    return "france" if "france" in kinds else "region" if "region" in kinds else "local"


@pytest.fixture(scope="module", params=[1, 2])
def wide_graph(request):
    return _with_wide_services(request.param)


@pytest.mark.parametrize("regions_apart", [False, True])
def test_wide_services_are_compared_among_themselves(wide_graph, regions_apart):
    # The new overlaps are the previous release's, computed on each class of services
    # alone: France-wide; région-wide (when set apart); the others.
    classes = {"france": "france", "region": "region" if regions_apart else "local",
               "local": "local"}
    views = service_views(wide_graph)
    kind_of = {v.id: _kinds(v) for v in views}
    found = {(e.thematique, e.moment, e.publics, tuple(sorted(e.services)),
              frozenset(INDEX.to_codes(e.communes)))
             for e in _elementary(views, "thematique", None, R, regions_apart)}
    expected: set = set()
    for kind in set(classes.values()):
        expected |= old.duplicate_pieces(
            wide_graph, only=lambda v, kind=kind: classes[kind_of[v.id]] == kind)
    assert found == expected
    for kind in ("france", "region", "local"):  # each kind overlaps
        assert any(kind_of[p[3][0]] == kind for p in expected)


@pytest.mark.parametrize("territoire", ["france", "region:53", None])
def test_a_capped_list_is_the_head_of_the_whole_list(wide_graph, territoire):
    # The threshold on the actors' populations finds the most populated findings exactly.
    every = find_duplicates(wide_graph, territoire=territoire, limite=0)
    assert every.total == len(every.constats) > 20
    for limite in (1, 5, 20):
        capped = find_duplicates(wide_graph, territoire=territoire, limite=limite)
        assert [g.model_dump() for g in capped.constats] == [
            g.model_dump() for g in every.constats[:limite]]
        assert capped.total <= every.total
        if limite == 1:  # more France-wide findings than that: the threshold is used
            assert capped.au_moins
        if capped.au_moins:
            assert capped.total == sum(g.population >= capped.seuil for g in every.constats)
        else:
            assert capped.total == every.total
