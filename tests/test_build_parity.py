"""The fast read, validation, build and who-covers index give the previous release's answers.

Models are made with ``checked`` (no second pydantic check, one shared fields set)
and the graph is inserted in bulk (:mod:`spie_graph.graph.build`): both are
compared with pydantic's validated models and with the previous release's
networkx build (tests/reference_build.py), node by node and edge by edge, order
and attributes included.
"""

import gc
import pickle
import weakref
from datetime import date

import pytest

from benchmarks.national import write_national
from spie_graph.graph.build import SharedAttributes, build_graph, collector_paused
from spie_graph.graph.coverage import CoverageAnswer, CoverageIndex, CoverageQuery
from spie_graph.sources.validation import load_dataset
from tests import reference_algorithms, reference_build
from tests.conftest import DEMO
from tests.test_validation import ACTEURS


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national") / "national-400"
    write_national(folder, 400, seed=3)
    return folder


@pytest.fixture
def dated(make_dataset):
    """Dates, descriptions, a consortium, list cells and data·inclusion attributes."""
    return make_dataset(
        acteurs=[*ACTEURS, {"id": "mission-locale", "nom": "Mission locale",
                            "famille": "mission-locale", "commune": "56121",
                            "territoire": "56121|56260",
                            "competences": "orientation|emploi", "site_web": "https://ml.fr",
                            "siret": "123 456 789 00012", "publics": "jeunes"}],
        services=[{"id": "s1", "acteur": "cd56", "nom": "RSA", "thematiques": "mobilite",
                   "publics": "", "moments": "", "description": "Aide « mobilité »"},
                  {"id": "s2", "acteur": "mission-locale", "nom": "Garage", "territoire": "",
                   "thematiques": "mobilite|se-former", "publics": "jeunes|familles",
                   "moments": "entree|suivi", "frais": "gratuit", "score_qualite": "0,5",
                   "date_maj": "2025-03-01", "modes_mobilisation": "telephoner"}],
        interactions=[{"source": "cd56", "cible": "ft-vannes", "type": "convention",
                       "depuis": "01/01/2021", "description": "Convention"},
                      {"source": "ft-vannes", "cible": "mission-locale",
                       "type": "orientation"}],
        consortium={"nom": "SPIE 56", "porteur": "cd56", "territoire": "56",
                    "membres": [{"acteur": "cd56", "lettre_engagement": "oui"},
                                {"acteur": "ft-vannes", "role": "pilote"}]},
    )


def _same_graph(new, old):
    assert new.graph == old.graph
    assert list(new.nodes(data=True)) == list(old.nodes(data=True))
    assert list(new.edges(keys=True, data=True)) == list(old.edges(keys=True, data=True))
    for node in old:  # the adjacency in both directions, in the same order
        assert list(new.succ[node].items()) == list(old.succ[node].items())
        assert list(new.pred[node].items()) == list(old.pred[node].items())


@pytest.mark.parametrize("which", ["demo", "national", "dated"])
def test_the_bulk_build_makes_the_previous_graph(which, national, dated):
    dataset = load_dataset({"demo": DEMO, "national": national, "dated": dated}[which])
    _same_graph(build_graph(dataset), reference_build.build_graph(dataset))


@pytest.mark.parametrize("which", ["demo", "national", "dated"])
def test_checked_models_are_the_validated_models(which, national, dated):
    dataset = load_dataset({"demo": DEMO, "national": national, "dated": dated}[which])
    models = [*dataset.acteurs, *dataset.services, *dataset.interactions]
    assert models
    for model in models:
        again = type(model).model_validate(model.model_dump(), strict=True)
        assert model == again and repr(model) == repr(again)
        assert list(vars(model)) == list(type(model).model_fields)
        assert model.model_fields_set == again.model_fields_set
    if which == "dated":  # a service without territory takes its actor's (model_copy)
        assert dataset.services[1].territoire == ["56121", "56260"]


def test_shared_edge_attributes_are_read_only_and_survive_pickling():
    graph = build_graph(load_dataset(DEMO))
    covers = [data for _, _, data in graph.edges(data=True) if data["type"] == "COUVRE"]
    assert len(covers) > 1 and all(data is covers[0] for data in covers)
    assert isinstance(covers[0], SharedAttributes)
    with pytest.raises(TypeError, match="partagés"):
        covers[0]["poids"] = 2
    with pytest.raises(TypeError):
        covers[0].update(poids=2)
    again = pickle.loads(pickle.dumps(graph))
    shared = [data for _, _, data in again.edges(data=True) if data["type"] == "COUVRE"]
    assert shared == covers and all(data is shared[0] for data in shared)
    copied = graph.copy()  # a copy gives every edge a dict of its own, free to change
    first = next(data for _, _, data in copied.edges(data=True) if data["type"] == "COUVRE")
    first["poids"] = 2
    assert "poids" not in covers[0]


@pytest.mark.parametrize("which", ["demo", "national", "dated"])
def test_the_columnar_index_answers_as_the_graph_walk(which, national, dated):
    """Every field of every row (frais, mobilisation, quality, date included), on several
    territories, publics, moments and filters, as the previous release's walk."""
    graph = build_graph(load_dataset({"demo": DEMO, "national": national,
                                      "dated": dated}[which]))
    index = CoverageIndex.of_graph(graph)
    again = pickle.loads(pickle.dumps(index))
    extras = ({}, {"public": "jeunes"}, {"moment": "suivi"}, {"qualite_min": 0.4},
              {"maj_depuis": date(2025, 1, 1)})
    questions = [CoverageQuery(thematique=theme, territoire=territoire, **extra)
                 for number, extra in enumerate(extras)
                 for theme in ("mobilite", ("se-former", "famille")[number % 2])
                 for territoire in ("56", "region:53", "56260", "200067932", "75")
                 + (("france",) if which != "national" else ())]  # the walk: 1 s a France
    answered = 0
    for query in questions:
        expected = reference_algorithms.who_covers(graph, query)
        assert index.answer(query) == expected
        assert again.answer(query) == expected
        answered += bool(expected)
        # The head of a long answer makes only the rows shown, in the same order.
        for limit in (None, 0, 1, 3):
            head = index.head(query, limit)
            assert head == CoverageAnswer.of_rows(expected, limit)
            assert head.rows == expected[:limit] and head.nombre == len(expected)
            assert head.total == sum(row.couverture == "total" for row in expected)
    assert answered > 10


def test_what_is_made_while_the_collector_is_paused_is_still_collected():
    """collector_paused hands what it made to the oldest generation: a full collection
    still frees cycles made during the pause, and the collector is on again after it."""
    class Node:
        pass

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        node = Node()
        node.itself = node
        gone = weakref.ref(node)
        del node
    assert gc.isenabled() and gone() is not None
    gc.collect()
    assert gone() is None
