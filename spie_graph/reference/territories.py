"""Territories of France from INSEE's Code officiel géographique 2026.

A territory code is one of: a commune (5 characters: ``56260``, ``2A004``,
``97411``), an EPCI (9-digit SIREN), a département (``56``, ``2A``, ``974``),
a région (``region:53``) or ``france``. Every territory is a set of current
communes; containment and intersection are set operations on those sets, so
an EPCI spanning two départements is handled exactly.

The data ship inside the package (``data/territoires.json.gz``), rebuilt by
``scripts/build_territoires.py``.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import repeat
from operator import itemgetter

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from spie_graph.reference import data_file

__all__ = ["Territories", "Territory", "CommuneIndex", "territories", "fold", "KINDS"]

KINDS = ("commune", "epci", "departement", "region", "france")
KIND_LABELS = {
    "commune": "commune",
    "epci": "EPCI",
    "departement": "département",
    "region": "région",
    "france": "France",
}
_FORMER_LABELS = {
    "commune-deleguee": "une commune déléguée",
    "commune-associee": "une commune associée",
    "arrondissement-municipal": "un arrondissement municipal",
}
_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_EPCI = re.compile(r"^\d{9}$")
_DEPARTEMENT = re.compile(r"^(\d{2}|2[AB]|97\d)$")
_REGION = re.compile(r"^region:(\d{2,3})$")


@dataclass(frozen=True)
class Territory:
    """One territory: its code, kind, name and population (sum of its communes)."""

    code: str
    kind: str
    name: str
    population: int


_NORMALIZED: dict[str, str] = {}  # text as written → its code (see Territories.normalize)


class Territories:
    """The COG: codes, names, populations, hierarchy and commune sets."""

    def __init__(self, data: dict):
        # Every table at C speed (zip, map, itemgetter), each commune's row read once: every
        # command loads the COG, and a report's two processes start from it.
        self.source: str = data["source"]
        rows = data["communes"]
        codes = list(map(itemgetter(0), rows))
        self._communes = dict(zip(codes, rows, strict=True))
        self._regions = {f"region:{r[0]}": r[1] for r in data["regions"]}
        self._region_keys = {key.removeprefix("region:"): key for key in self._regions}
        self._departements = {d[0]: (d[1], d[2]) for d in data["departements"]}
        self._epci = {e[0]: (e[1], e[2], frozenset(e[3])) for e in data["epci"]}
        self._former = {a[0]: (a[1], a[2], a[3]) for a in data["anciens"]}
        self._epci_of: dict[str, str] = {member: code for code, (_, _, members)
                                         in self._epci.items() for member in members}
        self._members: dict[str, frozenset[str]] = {"france": frozenset(self._communes)}
        by_dep: dict[str, list[str]] = defaultdict(list)
        by_reg: dict[str, list[str]] = defaultdict(list)
        for code, dep, reg in zip(codes, map(itemgetter(2), rows), map(itemgetter(3), rows),
                                  strict=True):
            by_dep[dep].append(code)
            by_reg[reg].append(code)
        self._members.update(zip(by_dep, map(frozenset, by_dep.values()), strict=True))
        self._members.update(zip([f"region:{reg}" for reg in by_reg],
                                 map(frozenset, by_reg.values()), strict=True))
        self._members.update({k: v[2] for k, v in self._epci.items()})
        self._people = dict(zip(codes, map(int, map(itemgetter(4), rows)), strict=True))
        self._people_memo: dict[str, int] = {}
        self._index: list[tuple[str, str, str]] | None = None  # (key, kind, code), lazily

    # -- identification -------------------------------------------------
    @staticmethod
    def normalize(code: object) -> str:
        """Return ``code`` as written in the COG.

        Trimmed, ``2a`` → ``2A``, ``Region:53`` → ``region:53``.

        Commune codes read from a spreadsheet as numbers lose their leading zero
        (``1001`` for ``01001``); a 4-digit code is padded back. Memoised for text:
        a national data set writes the same 35,000 codes a million times, and the
        codes it returns are then one string each.
        """
        if code.__class__ is str:
            found = _NORMALIZED.get(code)
            if found is None:
                found = Territories._normalize(code)
                if len(_NORMALIZED) < 200_000:
                    found = _NORMALIZED[code] = _NORMALIZED.setdefault(found, found)
            return found
        return Territories._normalize(code)

    @staticmethod
    def _normalize(code: object) -> str:
        text = str(code).strip()
        lowered = text.lower()
        if lowered == "france":
            return "france"
        if lowered.startswith("region:"):
            return "region:" + text.split(":", 1)[1].strip()
        text = text.upper()
        if re.fullmatch(r"\d{4}", text):
            return "0" + text
        if re.fullmatch(r"\d", text):
            return "0" + text
        return text

    def kind(self, code: str) -> str | None:
        """The kind of a valid code (``commune``, ``epci``...), or None when unknown."""
        if code == "france":
            return "france"
        if code in self._communes:
            return "commune"
        if code in self._epci:
            return "epci"
        if code in self._departements:
            return "departement"
        if code in self._regions:
            return "region"
        return None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.kind(code) is not None

    def get(self, code: str) -> Territory:
        """The territory of a valid code; ``KeyError`` when unknown."""
        kind = self.kind(code)
        if kind is None:
            raise KeyError(code)
        return Territory(code, kind, self.name(code), self.population(code))

    def name(self, code: str) -> str:
        """The French name of a valid code."""
        row = self._communes.get(code)  # a commune, most often (a graph names thousands)
        if row is not None:
            return row[1]
        kind = self.kind(code)
        if kind == "france":
            return "France"
        if kind == "commune":
            return self._communes[code][1]
        if kind == "epci":
            return self._epci[code][0]
        if kind == "departement":
            return self._departements[code][0]
        if kind == "region":
            return self._regions[code]
        raise KeyError(code)

    def label(self, code: str) -> str:
        """``Vannes (commune 56260)``: name, kind and code, for messages."""
        return f"{self.name(code)} ({KIND_LABELS[self.kind(code) or 'france']} {code})"

    def population(self, code: str) -> int:
        """Population of a territory: the sum of its communes' populations (COG 2026)."""
        found = self._people.get(code)
        if found is not None:
            return found
        found = self._people_memo.get(code)
        if found is None:
            found = self._people_memo[code] = sum(map(self._people.__getitem__,
                                                      self.communes(code)))
        return found

    def population_of(self, communes: object) -> int:
        """The population of a collection of commune codes (each counted as given)."""
        return sum(map(self._people.__getitem__, communes))  # type: ignore[call-overload]

    @cached_property
    def index(self) -> CommuneIndex:
        """Every commune numbered, for work on arrays (:class:`CommuneIndex`)."""
        return CommuneIndex(self)

    # -- hierarchy ------------------------------------------------------
    def communes(self, code: str) -> frozenset[str]:
        """The current communes of a territory (a commune is its own singleton)."""
        if code in self._communes:
            return frozenset((code,))
        try:
            return self._members[code]
        except KeyError:
            raise KeyError(code) from None

    def communes_of_all(self, codes: list[str] | tuple[str, ...]) -> frozenset[str]:
        """The union of the communes of several territories."""
        result: set[str] = set()
        for code in codes:
            result |= self.communes(code)
        return frozenset(result)

    def parents(self, commune: str) -> list[str]:
        """The territories a commune belongs to: its EPCI (if any), département, région, France."""
        row = self._communes[commune]
        epci = self._epci_of.get(commune)
        result = [row[2]] if epci is None else [epci, row[2]]
        region = self._region_keys.get(row[3])
        if region is not None:
            result.append(region)
        result.append("france")
        return result

    def departement_of(self, commune: str) -> str:
        """The département code of a commune."""
        return self._communes[commune][2]

    def epci_of(self, commune: str) -> str | None:
        """The EPCI of a commune, or None (a few islands belong to none)."""
        return self._epci_of.get(commune)

    def epcis_in(self, code: str) -> list[str]:
        """EPCI that intersect a territory, sorted by code."""
        return sorted({self._epci_of[c] for c in self.communes(code) if c in self._epci_of})

    # -- help for users -------------------------------------------------
    def former_code(self, code: str) -> tuple[str, str, str] | None:
        """For a former commune code: (name, type, current commune code); else None."""
        return self._former.get(code)

    def postcodes(self, code: str) -> list[str]:
        """The postcodes of a commune (COG data of La Poste), empty for other territories."""
        row = self._communes.get(code)
        return list(row[5]) if row is not None and len(row) > 5 else []

    def _search_index(self) -> list[tuple[str, str, str]]:
        if self._index is None:
            index = [(fold(v[1]), "commune", c) for c, v in self._communes.items()]
            index += [(fold(v[0]), "epci", c) for c, v in self._epci.items()]
            index += [(fold(v[0]), "departement", c) for c, v in self._departements.items()]
            index += [(fold(v), "region", c) for c, v in self._regions.items()]
            self._index = index
        return self._index

    def search(self, query: str, limit: int = 20) -> list[Territory]:
        """Territories whose name, code or postcode matches ``query``; accents and case ignored.

        A code or a postcode finds its territories exactly (``56000`` → Vannes);
        a name finds the territories of that name first, then those whose name
        starts with it, then those that contain it, then the closest spellings.
        Larger territories come first among equals (départements, EPCI, communes
        by population).

        Notes
        -----
        O(n) over the 36,000 names, about 20 ms.
        """
        text = str(query).strip()
        if not text:
            return []
        normal = self.normalize(text)
        found: list[str] = []
        if self.kind(normal) is not None:
            found.append(normal)
        if re.fullmatch(r"\d{5}", text):
            found += sorted(c for c, v in self._communes.items() if len(v) > 5 and text in v[5])
        if re.fullmatch(r"\d{2,9}|2[AB]\d{0,3}", normal) and not found:
            found += sorted(c for c in [*self._communes, *self._epci] if c.startswith(normal))
        key = fold(text)
        rank = {"departement": 0, "region": 0, "epci": 1, "commune": 2}
        exact: list[tuple[str, str]] = []
        prefix: list[tuple[str, str]] = []
        near: dict[str, float] = {}
        index = self._search_index()
        for name, kind, code in index:
            if name == key:
                exact.append((kind, code))
            elif name.startswith(key):
                prefix.append((kind, code))
            elif f" {key} " in f" {name} ":  # the words typed, within a longer name
                near[code] = fuzz.ratio(key, name) + 200
            elif key in name:  # inside a word: « vanes » in « sylvanes », weaker than a typo
                near[code] = fuzz.ratio(key, name) + 10
        for tier in (exact, prefix):
            tier.sort(key=lambda kc: (rank[kc[0]], -self.population(kc[1]), kc[1]))
            found += [code for _, code in tier]
        if len(found) + len(near) < 3 and len(key) >= 3:  # few matches: maybe a typo
            names = [entry[0] for entry in index]
            for _, score, i in process.extract(key, names, scorer=fuzz.ratio, limit=limit,
                                               score_cutoff=75):
                near[index[i][2]] = max(near.get(index[i][2], 0), score)
        found += sorted(near, key=lambda c: (-near[c], -self.population(c), c))
        unique = list(dict.fromkeys(found))[:limit]
        return [self.get(code) for code in unique]

    def suggest(self, code: str, limit: int = 3, near: Collection[str] = ()) -> list[str]:
        """The closest valid codes to an unknown one, as ``code (nom)`` strings.

        A mistyped code is compared with the codes of its kind by edit distance
        (``20007324`` → the EPCI ``200073245``, a digit dropped); a name typed
        where a code is expected gives the codes of the territories of that name.
        Among equally close codes, those in the départements ``near`` (the data
        set's) come first.
        """
        former = self.former_code(code)
        if former is not None:
            name, kind, current = former
            label = _FORMER_LABELS.get(kind, kind)
            return [f"{current} ({self.name(current)}, dont {name} est {label})"]
        if _REGION.match(code):
            pool = list(self._regions)
        elif re.fullmatch(r"\d{7,11}", code):
            pool = list(self._epci)
        elif re.fullmatch(r"\d{4,6}|2[AB]\d{2,4}", code):
            pool = list(self._communes)
        elif _DEPARTEMENT.match(code) or re.fullmatch(r"\d{1,3}", code):
            pool = list(self._departements)
        else:
            return [f"{t.code} ({t.name})" for t in self.search(code, limit)]
        scored = process.extract(code, pool, scorer=Levenshtein.distance, limit=None,
                                 score_cutoff=2)
        # Closest first; among equals, the data set's départements, then the same first digits.
        scored.sort(key=lambda found: (found[1], not self._in_departements(found[0], near),
                                       found[0][:2] != code[:2], found[0]))
        return [f"{c} ({self.name(c)})" for c, _, _ in scored[:limit]]

    def _in_departements(self, code: str, departements: Collection[str]) -> bool:
        if not departements:
            return False
        if code in self._communes:
            return self._communes[code][2] in departements
        if code in self._epci:
            return any(self._communes[c][2] in departements for c in self._epci[code][2]
                       if c in self._communes)
        return code in departements

    @staticmethod
    def shape_hint() -> str:
        """How territory codes are written, for error messages."""
        return (
            "un code de territoire s'écrit : commune INSEE sur 5 caractères (56260, 2A004), "
            "EPCI sur 9 chiffres (SIREN), département (56, 2A, 974), région (region:53) ou france"
        )


def fold(text: str) -> str:
    """``L'Île-d'Yeu`` → ``l ile d yeu``: lower case, no accents, words only, for searching."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\bst(e?)\b", r"saint\1", re.sub(r"[^a-z0-9]+", " ", text))
    return " ".join(text.split())


@cache
def territories() -> Territories:
    """The shipped COG 2026, loaded once per process."""
    path = data_file("territoires.json.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        return Territories(json.load(text))


class CommuneIndex:
    """The communes of the COG numbered 0…n−1 (sorted codes), with numpy arrays.

    ``population[i]``, ``epci[i]``, ``departement[i]``, ``region[i]`` (−1 when
    none) give each commune's figures and parents as numbers;
    :meth:`of` turns a territory code into the sorted indices of its communes
    (memoised), so that set work on areas is done on integer arrays.
    """

    def __init__(self, terr: Territories):
        # Each column read from the communes' rows at C speed (map, itemgetter): both
        # processes of a report build the index.
        self.codes: list[str] = sorted(terr._communes)
        self.position: dict[str, int] = dict(zip(self.codes, range(len(self.codes)), strict=True))
        rows = list(map(terr._communes.__getitem__, self.codes))
        size = len(rows)
        self.population = np.fromiter(map(terr._people.__getitem__, self.codes),
                                      dtype=np.int64, count=size)
        self.epcis: list[str] = sorted(terr._epci)
        self.departements: list[str] = sorted(terr._departements)
        self.regions: list[str] = sorted(terr._regions)
        epci_number = dict(zip(self.epcis, range(len(self.epcis)), strict=True))
        of_commune = {commune: epci_number[epci] for commune, epci in terr._epci_of.items()}
        self.epci = np.fromiter(map(of_commune.get, self.codes, repeat(-1)), dtype=np.int64,
                                count=size)
        departement_number = dict(zip(self.departements, range(len(self.departements)),
                                      strict=True))
        self.departement = np.fromiter(map(departement_number.__getitem__,
                                           map(itemgetter(2), rows)), dtype=np.int64, count=size)
        region_number = {code.removeprefix("region:"): i for i, code in enumerate(self.regions)}
        self.region = np.fromiter(map(region_number.get, map(itemgetter(3), rows), repeat(-1)),
                                  dtype=np.int64, count=size)
        self._terr = terr
        self._memo: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.codes)

    def of(self, code: str) -> np.ndarray:
        """The sorted indices of the communes of a territory code (read-only array).

        EPCIs, départements and régions are read from the communes grouped once by
        their parent (a national question meets a thousand areas); other codes walk
        the territory's communes.
        """
        found = self._memo.get(code)
        if found is None:
            found = self._grouped().get(code)
            if found is None:
                position = self.position
                found = np.array(sorted(position[c] for c in self._terr.communes(code)),
                                 dtype=np.int64)
                found.setflags(write=False)
            self._memo[code] = found
        return found

    def _grouped(self) -> dict[str, np.ndarray]:
        """Every EPCI's, département's and région's communes, sorted, from one stable
        sort of each parent array (made on first use; −1, no EPCI, sorts first and is
        left out)."""
        groups = self.__dict__.get("_groups")
        if groups is None:
            groups = {}
            for numbers, names in ((self.epci, self.epcis),
                                   (self.departement, self.departements),
                                   (self.region, self.regions)):
                order = np.argsort(numbers, kind="stable")
                bounds = np.searchsorted(numbers[order], np.arange(len(names) + 1))
                for i, name in enumerate(names):
                    part = order[bounds[i]:bounds[i + 1]]
                    part.setflags(write=False)
                    groups[name] = part
            self.__dict__["_groups"] = groups
        return groups

    def meeting(self, code: str) -> frozenset[str]:
        """The codes an area may name to share a commune with a territory: its communes,
        and the EPCI, département and région of each, and France (an area naming none
        of them misses it)."""
        positions = self.of(code)
        found = {"france", *self.to_codes(positions)}
        for parent, names in ((self.epci, self.epcis), (self.departement, self.departements),
                              (self.region, self.regions)):
            found.update(names[i] for i in np.unique(parent[positions]).tolist() if i >= 0)
        return frozenset(found)

    def of_all(self, codes: tuple[str, ...] | list[str]) -> np.ndarray:
        """The sorted indices of the union of the communes of several territories."""
        if len(codes) == 1:
            return self.of(codes[0])
        return np.unique(np.concatenate([self.of(code) for code in codes]))

    def to_codes(self, indices: np.ndarray) -> list[str]:
        """Commune codes of indices, in the order given."""
        codes = self.codes
        return [codes[i] for i in indices.tolist()]
