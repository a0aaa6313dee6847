"""Duplicated services, on small data sets whose groups are computed by hand.

Populations (COG 2026): Vannes 55,790; Lorient 58,329; GMVA 180,735 (34
communes); Morbihan 783,390.
"""

import importlib

import pytest
from click.testing import CliRunner

from spie_graph.analyses import duplicates
from spie_graph.analyses._common import describe_communes
from spie_graph.analyses.duplicates import LIMITE, find_duplicates
from spie_graph.cli import main
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import build_graph
from spie_graph.reference.territories import territories
from spie_graph.sources.validation import load_dataset

VANNES, LORIENT, GMVA = "56260", "56121", "200067932"
RSA, FEMMES, JEUNES = "beneficiaires-des-minimas-sociaux", "femmes", "jeunes"
BIEN_ETRE = "remobilisation--bien-etre-confiance-en-soi"


def actor(ident, famille):
    return {"id": ident, "nom": ident.upper(), "famille": famille, "commune": VANNES}


def service(ident, acteur, territoire, publics="", thematiques=BIEN_ETRE, moments="suivi"):
    return {"id": ident, "acteur": acteur, "nom": ident, "thematiques": thematiques,
            "publics": publics, "moments": moments, "territoire": territoire}


@pytest.fixture
def graph(make_dataset):
    path = make_dataset(
        acteurs=[actor("ccas", "ccas-cias"), actor("asso", "association"), actor("cd", "cd"),
                 actor("ml", "mission-locale")],
        services=[
            service("d1", "ccas", VANNES, RSA),
            service("d2", "asso", GMVA, f"{RSA}|{FEMMES}"),
            service("d3", "cd", "56"),                      # every public
            service("d4", "ml", LORIENT, JEUNES),
            service("d5", "ccas", VANNES, RSA, moments="offre"),   # alone at « offre »
            service("d6", "ccas", VANNES, RSA),             # same actor as d1: not a duplicate
        ],
    )
    return build_graph(load_dataset(path))


def test_groups_by_public_and_piece_of_overlap(graph):
    # One bucket (bien-être, suivi): d1 Vannes (RSA), d6 Vannes (RSA, same actor as d1),
    # d2 GMVA (RSA, femmes), d3 Morbihan (everyone), d4 Lorient (jeunes).
    # Pieces of overlap: Vannes {d1, d6, d2, d3}; GMVA without Vannes {d2, d3};
    # Lorient {d3, d4}; the rest of the Morbihan has d3 alone.
    # - Vannes, RSA: d1, d2, d3, d6 (3 actors);        femmes: d2, d3.
    # - GMVA without Vannes, RSA: d2, d3;              femmes: d2, d3.
    # - Lorient, jeunes: d3, d4.
    # The previous release gave four groups; one finding per set of actors now:
    # asso + cd on the whole GMVA (femmes, and RSA), which the CCAS joins in Vannes
    # (its three actors' overlap lies inside the pair's), and cd + ml in Lorient.
    groups = duplicates(graph)
    found = [(g.services, g.acteurs, g.publics, g.population) for g in groups]
    assert found == [
        (["d1", "d2", "d3", "d6"], ["asso", "ccas", "cd"], [RSA, FEMMES], 180735),
        (["d3", "d4"], ["cd", "ml"], [JEUNES], 58329),
    ]
    first = groups[0]
    assert (first.thematique, first.moment) == (BIEN_ETRE, "suivi")
    assert first.thematiques == [BIEN_ETRE] and first.moments == ["suivi"]
    assert first.territoire == [GMVA] and first.nb_communes == 34
    # score: the overlap's population over the union of the services' areas, GMVA / Morbihan.
    assert first.score == round(180735 / 783390, 3) == 0.231
    pair, trio = first.recouvrements
    assert (pair.acteurs, pair.publics, pair.territoire) == (["asso", "cd"], [RSA, FEMMES],
                                                             [GMVA])
    assert (trio.acteurs, trio.publics, trio.territoire, trio.population) == (
        ["asso", "ccas", "cd"], [RSA], [VANNES], 55790)
    assert first.explication.startswith("ASSO et CD proposent le même accompagnement")
    assert "CCAS s'y ajoute sur Vannes (1 commune, 55\u202f790 habitants)" in first.explication
    assert groups[1].territoire == [LORIENT] and groups[1].score == round(58329 / 783390, 3)


def test_sub_thematiques_of_the_same_actors_make_one_finding(make_dataset):
    other = "remobilisation--lien-social"
    path = make_dataset(
        acteurs=[actor("ccas", "ccas-cias"), actor("asso", "association")],
        services=[service("x1", "ccas", VANNES, thematiques=f"{BIEN_ETRE}|{other}"),
                  service("x2", "asso", GMVA, thematiques=f"{BIEN_ETRE}|{other}",
                          moments="suivi|offre")],
    )
    groups = duplicates(build_graph(load_dataset(path)))
    assert len(groups) == 1
    assert groups[0].thematiques == sorted([BIEN_ETRE, other])
    assert groups[0].territoire == [VANNES] and groups[0].score == round(55790 / 180735, 3)
    assert len(groups[0].recouvrements) == 1


def test_restricted_to_a_territory(graph):
    # Inside Lorient only d3 and d4 overlap, and their areas there are identical.
    groups = duplicates(graph, territoire=LORIENT)
    assert [(g.services, g.territoire, g.score) for g in groups] == [
        (["d3", "d4"], [LORIENT], 1.0)]


def test_same_actor_twice_is_not_a_duplicate(make_dataset):
    path = make_dataset(acteurs=[actor("ccas", "ccas-cias")],
                        services=[service("a", "ccas", VANNES), service("b", "ccas", VANNES)])
    assert duplicates(build_graph(load_dataset(path))) == []


def test_disjoint_publics_do_not_overlap(make_dataset):
    path = make_dataset(acteurs=[actor("a", "association"), actor("b", "association")],
                        services=[service("s1", "a", VANNES, JEUNES),
                                  service("s2", "b", VANNES, "seniors")])
    assert duplicates(build_graph(load_dataset(path))) == []


def test_disjoint_areas_do_not_overlap(make_dataset):
    path = make_dataset(acteurs=[actor("a", "association"), actor("b", "association")],
                        services=[service("s1", "a", VANNES), service("s2", "b", LORIENT)])
    assert duplicates(build_graph(load_dataset(path))) == []


def test_category_level(make_dataset):
    # Two sub-themes of « mobilite », same moment, same commune, every public.
    path = make_dataset(
        acteurs=[actor("a", "mobilite"), actor("b", "association")],
        services=[service("s1", "a", VANNES, thematiques="mobilite--preparer-un-permis",
                          moments="offre"),
                  service("s2", "b", VANNES, thematiques="mobilite--acceder-a-un-vehicule",
                          moments="offre")])
    graph = build_graph(load_dataset(path))
    assert duplicates(graph) == []
    groups = duplicates(graph, niveau="categorie")
    assert [(g.thematique, g.moment, g.publics, g.territoire, g.population, g.score)
            for g in groups] == [("mobilite", "offre", ["tous-publics"], [VANNES], 55790, 1.0)]


def test_bad_level(graph):
    with pytest.raises(ArgumentError, match="thematique, categorie"):
        duplicates(graph, niveau="famille")


def test_describe_communes():
    terr = territories()
    assert describe_communes(terr.communes("56")) == ["56"]
    assert describe_communes(terr.communes(GMVA) | {LORIENT}) == [GMVA, LORIENT]
    left = set(terr.communes(GMVA)) - {VANNES}
    assert len(describe_communes(left)) == 33


# -- the demo data set --------------------------------------------------------------

def test_demo_invariants(demo_graph):
    groups = duplicates(demo_graph)
    services = {d["id"]: d for _, d in demo_graph.nodes(data=True) if d["label"] == "Service"}
    terr = territories()
    assert [g.population for g in groups] == sorted((g.population for g in groups),
                                                    reverse=True)
    for group in groups:
        assert len(group.acteurs) >= 2
        assert {services[s]["acteur"] for s in group.services} == set(group.acteurs)
        assert all(group.moment in services[s]["moments"] for s in group.services)
        assert 0 < group.score <= 1
        assert group.population == sum(terr.population(c)
                                       for c in terr.communes_of_all(group.territoire))


def test_demo_has_duplicates_in_the_vannes_agglomeration(demo_graph):
    # The demo plants duplicated accompaniments in GMVA (see datasets/morbihan/README.md).
    groups = duplicates(demo_graph, territoire=GMVA)
    assert groups
    assert any(len(g.acteurs) >= 3 for g in groups)
    assert all(terr_code in territories().communes(GMVA) or terr_code == GMVA
               for g in groups for terr_code in g.territoire)


# -- France-wide and région-wide services; the capped list of a wide run ----------------
# Populations (COG 2026): France 68,952,941; Bretagne (region:53) 3,449,370.

FRANCE, BRETAGNE = 68952941, 3449370


def test_france_wide_services_are_compared_only_with_each_other(make_dataset):
    # n1 (every public) and n2 (RSA) everywhere; d1 Vannes (RSA), d2 GMVA (RSA).
    # Before: n1 and n2 joined every local overlap (n1+n2+d1+d2 in Vannes, ...).
    # Now: n1 + n2 on all of France (RSA: n1 serves everyone), d1 + d2 on Vannes.
    path = make_dataset(
        acteurs=[actor("ccas", "ccas-cias"), actor("asso", "association"),
                 actor("nat1", "association"), actor("nat2", "association")],
        services=[service("d1", "ccas", VANNES, RSA), service("d2", "asso", GMVA, RSA),
                  service("n1", "nat1", "france"), service("n2", "nat2", "france", RSA)])
    graph = build_graph(load_dataset(path))
    found = find_duplicates(graph)
    assert [(g.acteurs, g.services, g.publics, g.territoire, g.population)
            for g in found.constats] == [
        (["nat1", "nat2"], ["n1", "n2"], [RSA], ["france"], FRANCE),
        (["asso", "ccas"], ["d1", "d2"], [RSA], [VANNES], 55790)]
    assert (found.total, found.au_moins, found.limite, found.territoire, found.etendu) == (
        2, False, 0, "56", False)  # every actor sits in the Morbihan: a département's run
    # Inside the Morbihan, the two national services overlap on the Morbihan.
    inside = duplicates(graph, territoire="56")
    assert [(g.acteurs, g.territoire, g.population) for g in inside] == [
        (["nat1", "nat2"], ["56"], 783390), (["asso", "ccas"], [VANNES], 55790)]


def test_region_wide_services_set_apart_only_beyond_their_region(make_dataset):
    # r1 and r2 on Bretagne, l1 in Vannes, every public.
    path = make_dataset(
        acteurs=[actor("r1", "association"), actor("r2", "association"),
                 actor("l1", "ccas-cias")],
        services=[service("s1", "r1", "region:53"), service("s2", "r2", "region:53"),
                  service("s3", "l1", VANNES)])
    graph = build_graph(load_dataset(path))
    # Inside the région (the Morbihan), l1 is compared with them: r1 + r2 alone on the
    # Morbihan but Vannes (783,390 - 55,790), the three of them in Vannes.
    groups = duplicates(graph, territoire="56")
    assert [(g.acteurs, g.population) for g in groups] == [
        (["r1", "r2"], 783390 - 55790), (["l1", "r1", "r2"], 55790)]
    # On all of France, wider than the région: r1 + r2 only, on Bretagne.
    [group] = duplicates(graph, territoire="france")
    assert (group.acteurs, group.territoire, group.population) == (
        ["r1", "r2"], ["22", "29", "35", "56"], BRETAGNE)  # Bretagne's départements


@pytest.fixture
def wide(make_dataset):
    """Two local pairs (GMVA 180,735; Lorient 58,329) and a France-wide pair (n1, n2)."""
    pairs = [("g", GMVA), ("l", LORIENT)]
    acteurs = [actor(f"{p}{i}", "association") for p, _ in pairs for i in (1, 2)]
    services = [service(f"{p}{i}-s", f"{p}{i}", code) for p, code in pairs for i in (1, 2)]
    acteurs += [actor("n1", "association"), actor("n2", "association")]
    services += [service("n1-s", "n1", "france"), service("n2-s", "n2", "france")]
    return build_graph(load_dataset(make_dataset(acteurs=acteurs, services=services)))


def test_a_wide_run_lists_the_most_populated_and_counts_them_all(wide):
    every = find_duplicates(wide, territoire="france", limite=0)
    assert [(g.acteurs, g.population) for g in every.constats] == [
        (["n1", "n2"], FRANCE), (["g1", "g2"], 180735), (["l1", "l2"], 58329)]
    assert (every.total, every.au_moins, every.etendu) == (3, False, True)
    # Two asked: more than the France-wide findings (one), so all are counted exactly.
    two = find_duplicates(wide, territoire="france", limite=2)
    assert [g.acteurs for g in two.constats] == [["n1", "n2"], ["g1", "g2"]]
    assert (two.total, two.au_moins, two.limite) == (3, False, 2)
    # One asked: the France-wide finding reaches France's population, which no local
    # actor can: found without the local ones, and counted « at least ».
    one = find_duplicates(wide, territoire="france", limite=1)
    assert [g.acteurs for g in one.constats] == [["n1", "n2"]]
    assert (one.total, one.au_moins, one.seuil) == (1, True, FRANCE)
    # The default cap (200) keeps all three; a département's run is not capped...
    assert find_duplicates(wide, territoire="region:53").total == 3
    assert LIMITE == 200
    dep = find_duplicates(wide, territoire="56")
    assert (dep.total, dep.limite, dep.etendu, len(dep.constats)) == (3, 0, False, 3)
    # ... unless asked.
    assert len(duplicates(wide, territoire="56", limite=2)) == 2


def test_actors_in_several_departements_make_a_wide_run(wide, make_dataset):
    # Without a territory, actors seated in two départements make a run on France.
    assert find_duplicates(wide).territoire == "56"
    path = make_dataset(
        "deux", acteurs=[actor("a", "association"),
                         {**actor("b", "association"), "commune": "35238"}],
        services=[service("s1", "a", VANNES), service("s2", "b", VANNES)])
    found = find_duplicates(build_graph(load_dataset(path)), limite=1)
    assert (found.territoire, found.etendu, found.total, len(found.constats)) == (
        "france", True, 1, 1)


def test_negative_limit(wide):
    with pytest.raises(ArgumentError, match="--limite"):
        find_duplicates(wide, limite=-1)


def test_cli_says_how_many_findings_a_capped_list_leaves_out(make_dataset):
    path = make_dataset(
        "cli", acteurs=[actor(f"a{i}", "association") for i in range(4)],
        services=[service("s0", "a0", GMVA), service("s1", "a1", GMVA),
                  service("s2", "a2", LORIENT), service("s3", "a3", LORIENT)])
    result = CliRunner().invoke(main, ["duplicates", "--dataset", str(path), "--territoire",
                                       "france", "--limite", "1"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "2 constats en tout sur ce territoire ; le plus peuplé est listé" in output
    assert "département par département (--territoire 56" in output
    assert ("toute la France ne sont comparés qu'entre eux ; à l'échelle de la France, ceux "
            "proposés sur toute une région aussi") in output


@pytest.fixture(scope="module")
def national_graph(tmp_path_factory):
    """400 actors all over France: local, département-, région- and France-wide services."""
    from benchmarks.national import write_national

    folder = tmp_path_factory.mktemp("national") / "national-400"
    write_national(folder, 400, seed=3)
    return build_graph(load_dataset(folder))


TERRITORIES = ["56", "59", "75056", "200046977", "region:53", "france"]


@pytest.mark.parametrize("territoire", TERRITORIES)
def test_reaching_keeps_the_services_with_a_commune_inside(national_graph, territoire):
    from spie_graph.analyses._common import reaching, service_views

    terr = territories()
    inside = terr.communes(territoire)
    views = service_views(national_graph)
    kept = reaching(views, territoire)
    assert kept == [v for v in views if v.communes & inside]
    assert territoire == "france" or 0 < len(kept) < len(views)


@pytest.mark.parametrize("territoire", TERRITORIES)
def test_a_territory_s_answers_without_the_services_outside_it(national_graph, territoire,
                                                                monkeypatch):
    """Gaps and duplicates of a territory read only the services reaching it: the same
    answers as with every service of France (the previous path)."""
    from spie_graph.analyses.findings import compute_findings

    # The package's ``gaps`` and ``duplicates`` are the functions: the modules by name.
    gaps_module = importlib.import_module("spie_graph.analyses.gaps")
    duplicates_module = importlib.import_module("spie_graph.analyses.duplicates")

    def answers():
        found = compute_findings(national_graph, territoire, with_network=False)
        wide = [gaps_module.gaps(national_graph, territoire, niveau="epci"),
                find_duplicates(national_graph, territoire=territoire, niveau="categorie",
                                limite=0)]
        return found.model_dump(), [result.model_dump() for result in wide]

    fast = answers()
    monkeypatch.setattr(gaps_module, "reaching", lambda views, territoire, refs=None: views)
    monkeypatch.setattr(duplicates_module, "reaching", lambda views, territoire, refs=None: views)
    assert answers() == fast
    assert fast[1][1]["constats"]  # findings to compare (categories: on every territory)


@pytest.mark.parametrize("seed", [5, 10])
def test_findings_do_not_depend_on_the_signatures(monkeypatch, seed):
    """Sets of actors are looked up by signature: with every actor's number 0 (all sets
    share one signature), the findings and their merged parts are the same."""
    from tests.test_parity import generated_dataset

    graph = build_graph(generated_dataset(seed=seed, actors=400))
    expected = find_duplicates(graph)
    joined = [g for g in expected.constats if len(g.recouvrements) > 1]
    assert len(joined) >= 20 and any(len(g.acteurs) > 5 for g in joined)  # both lookups
    duplicates_module = importlib.import_module("spie_graph.analyses.duplicates")

    class Zero:
        def __init__(self, seed: int):
            pass

        def getrandbits(self, bits: int) -> int:
            return 0

    monkeypatch.setattr(duplicates_module.random, "Random", Zero)
    assert find_duplicates(graph).model_dump() == expected.model_dump()


def test_parts_compare_their_communes_as_bits_as_arrays_do():
    """A run's parts compare their communes as bit sets when they meet few communes
    (``BITS_MAX``): the same answer as the search in arrays, on random sets of communes
    (single communes, equal sets, ranges, disjoint sets, far apart indices)."""
    import numpy as np

    module = importlib.import_module("spie_graph.analyses.duplicates")
    rng = np.random.default_rng(7)
    pool = np.array([0, 1, 2, 3, 5, 8, 13, 700, 701, 702, 34_000, 34_999])
    sets = [pool[[i]] for i in range(pool.size)] + [pool.copy(), pool[:3], pool[7:10]]
    sets += [np.unique(rng.choice(pool, size=rng.integers(1, pool.size + 1)))
             for _ in range(60)]
    parts = [module._Part(frozenset({"a", "b"}), set(), set(), set(), set(), communes,
                          communes.tobytes())
             for communes in sets]
    module._bits(parts)
    assert all(part.bits is not None for part in parts)
    answers = [[a.within(b) for b in parts] for a in parts]
    assert answers == [[module._within(a.communes, b.communes) for b in parts] for a in parts]
    assert any(map(any, answers)) and not all(map(all, answers))


@pytest.mark.parametrize("seed", [5, 10])
def test_findings_are_those_found_comparing_communes_as_arrays(monkeypatch, seed):
    """Parts compared as bit sets (a département's run, and a run on the Bretagne's 1,200
    communes) make the same findings and merged parts as parts compared as arrays."""
    from tests.test_parity import generated_dataset

    module = importlib.import_module("spie_graph.analyses.duplicates")
    graph = build_graph(generated_dataset(seed=seed, actors=400))
    compared = []
    within = module._within
    monkeypatch.setattr(module, "_within", lambda a, b: compared.append(1) or within(a, b))

    def answers():
        return [find_duplicates(graph, territoire=territoire, limite=0).model_dump()
                for territoire in ("56", "region:53")]

    as_bits = answers()
    assert not compared  # every comparison on bits
    assert sum(len(g["recouvrements"]) > 1 for run in as_bits for g in run["constats"]) >= 20
    monkeypatch.setattr(module, "BITS_MAX", 0)
    assert answers() == as_bits
    assert compared
