"""Territories from the COG 2026; expected figures read from tests/reference/territoires."""

import gzip
import json

import numpy as np
import pytest

from spie_graph.reference import data_file
from spie_graph.reference.territories import CommuneIndex, Territories, territories
from tests.conftest import REFERENCE

T = territories()


def reference_communes() -> list[dict]:
    """The original communes.json of @etalab/decoupage-administratif, stored gzipped."""
    with gzip.open(REFERENCE / "territoires" / "communes.json.gz", "rt", encoding="utf-8") as f:
        return json.load(f)


def test_counts_match_the_reference_files():
    communes = reference_communes()
    current = [c for c in communes if c["type"] == "commune-actuelle"]
    assert len(T._communes) == len(current) == 34969
    assert len(T._epci) == 1255


@pytest.mark.parametrize("code,kind", [
    ("56260", "commune"), ("2A004", "commune"), ("97411", "commune"),
    ("200067932", "epci"), ("56", "departement"), ("2A", "departement"), ("974", "departement"),
    ("region:53", "region"), ("france", "france"), ("56999", None), ("region:99", None),
])
def test_kind(code, kind):
    assert T.kind(code) == kind


def test_names_and_population_are_sums_of_communes():
    assert T.name("56260") == "Vannes"
    assert T.name("56") == "Morbihan"
    assert T.name("region:53") == "Bretagne"
    communes = reference_communes()
    expected = sum(c.get("population", 0) for c in communes
                   if c["type"] == "commune-actuelle" and c["departement"] == "56")
    assert T.population("56") == expected


def test_containment_follows_the_cog():
    assert T.communes("56260") <= T.communes("56")
    assert T.communes("56") <= T.communes("region:53")
    assert T.communes("200067932") <= T.communes("france")
    assert not T.communes("56") <= T.communes("56260")
    # CA Redon Agglomération spans Ille-et-Vilaine, Loire-Atlantique and Morbihan.
    redon = "243500741"
    assert not T.communes("56").isdisjoint(T.communes(redon))
    assert not T.communes(redon) <= T.communes("56")
    assert {T.departement_of(c) for c in T.communes(redon)} == {"35", "44", "56"}


def test_parents_of_a_commune():
    assert T.parents("56260") == ["200067932", "56", "region:53", "france"]


@pytest.mark.parametrize("raw,code", [
    (" 56260 ", "56260"), ("2a004", "2A004"), ("1001", "01001"), ("Region:53", "region:53"),
    ("FRANCE", "france"),
])
def test_normalize(raw, code):
    assert Territories.normalize(raw) == code


def test_suggestions_for_unknown_codes():
    assert T.suggest("Vanes")[0] == "56260 (Vannes)"
    assert T.suggest("01015")[0].startswith("01015 (Arboys en Bugey, dont Arbignieu est une "
                                            "commune déléguée")
    assert all(s.startswith("region:") for s in T.suggest("region:54"))


def test_epcis_in_a_departement():
    epcis = T.epcis_in("56")
    assert "200067932" in epcis and "200042174" in epcis
    assert all(not T.communes("56").isdisjoint(T.communes(e)) for e in epcis)


def test_commune_index_of_every_territory_is_its_communes():
    """CommuneIndex.of reads EPCIs, départements and régions from the communes grouped by
    parent: the same sorted communes as the COG's own sets, for every territory."""
    terr = territories()
    index = CommuneIndex(terr)  # a fresh one: nothing memoised yet
    assert index.departements and index.regions
    for code in ["france", *index.departements, *index.regions, *index.epcis, "56260"]:
        expected = sorted(index.position[c] for c in terr.communes(code))
        found = index.of(code)
        assert found.tolist() == expected, code
        assert not found.flags.writeable


def test_commune_index_columns_are_each_communes_figures_and_parents():
    """The index's columns, read from the communes' rows at once, are what the COG says of
    each commune one by one: its population, EPCI (−1 for none), département and région."""
    terr = territories()
    index = CommuneIndex(terr)
    assert index.codes == sorted(terr.communes("france"))
    assert index.position == {code: i for i, code in enumerate(index.codes)}
    number = {code: i for group in (index.epcis, index.departements, index.regions)
              for i, code in enumerate(group)}
    for array in (index.population, index.epci, index.departement, index.region):
        assert array.dtype == np.int64 and array.size == len(index.codes)
    assert index.population.tolist() == [terr.population(c) for c in index.codes]
    assert index.epci.tolist() == [number.get(terr.epci_of(c) or "", -1) for c in index.codes]
    assert index.departement.tolist() == [number[terr.departement_of(c)] for c in index.codes]
    assert index.region.tolist() == [number.get(next((p for p in terr.parents(c)
                                                      if p.startswith("region:")), ""), -1)
                                     for c in index.codes]
    assert (index.epci == -1).any() and index.epci.max() == len(index.epcis) - 1


def test_territories_tables_are_the_data_files_rows():
    """Each commune's département, région, EPCI and population as the shipped file lists
    them, every territory's communes the union of its rows."""
    terr = territories()
    with data_file("territoires.json.gz").open("rb") as raw, gzip.open(raw, "rt") as text:
        data = json.load(text)
    epci_of = {member: row[0] for row in data["epci"] for member in row[3]}
    by_dep: dict[str, set[str]] = {}
    by_reg: dict[str, set[str]] = {}
    for code, _, dep, reg, people, _ in data["communes"]:
        assert terr.departement_of(code) == dep and terr.population(code) == people
        assert terr.epci_of(code) == epci_of.get(code)
        by_dep.setdefault(dep, set()).add(code)
        by_reg.setdefault(f"region:{reg}", set()).add(code)
    assert {code: set(terr.communes(code)) for code in by_dep} == by_dep
    assert {code: set(terr.communes(code)) for code in by_reg} == by_reg
    assert all(terr.communes(row[0]) == frozenset(row[3]) for row in data["epci"])
    assert terr.communes("france") == frozenset(row[0] for row in data["communes"])


def test_commune_index_meeting_is_the_communes_and_every_territory_above_them():
    """The codes an area may name to reach a territory, as the COG's own parents give them."""
    terr = territories()
    index = terr.index
    for code in ["56", "56260", "200067932", "region:53", "75056", "2A", "97411"]:
        expected = set(terr.communes(code))
        for commune in terr.communes(code):
            expected.update(terr.parents(commune))
        assert index.meeting(code) == expected, code
