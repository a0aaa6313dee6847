"""Duplicated services: several actors offering the same accompaniment to the same people.

The AMI SPIE asks for no duplicated accompaniment. Services overlap when they
belong to at least two actors and share a thématique (or a category), a moment
of the parcours, a public (a service with no public, or ``tous-publics``, serves
every public) and communes. Services are grouped, never compared pair by pair:

1. bucket the services by (thématique, moment);
2. in a bucket, give every commune a key made of the territories covered by a
   service of the bucket among its own, its EPCI's, its département's, its
   région's and France: communes with the same key are reached by the same
   services and form one piece of overlap (array work on commune numbers,
   never a region expanded into its communes per service);
3. in a piece, keep for each public the services that serve it.

A finding (:class:`DuplicateGroup`) gathers these overlaps by the actors
involved: the same actors overlapping on several sub-thématiques, moments,
publics or pieces of territory make one finding, and a larger set of actors
overlapping inside the area of a smaller one (a third actor joining a pair in
one commune) joins that finding; ``recouvrements`` lists the parts and
``explication`` says it in words.

France-wide services are compared only with each other (the common base offer
everywhere is not a duplicate a territory can act on; two national actors
offering the same accompaniment to the same public make one finding on all of
France); on a run wider than a région, région-wide services too. The complete
list is a département's answer: a run wider than a département lists the
:data:`LIMITE` most populated findings and counts them (:func:`find_duplicates`).
"""

from __future__ import annotations

import copy
import random
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import reduce
from itertools import combinations
from operator import xor

import networkx as nx
import numpy as np
from pydantic import BaseModel

from spie_graph.analyses._common import (
    TOUS_PUBLICS,
    ServiceView,
    actor_nodes,
    check_territoire,
    describe_indices,
    names,
    reaching,
    service_views,
    share,
)
from spie_graph.errors import ArgumentError
from spie_graph.french import in_territory, number, plural
from spie_graph.reference.referentials import Referentials, referentials
from spie_graph.reference.territories import CommuneIndex, Territories
from spie_graph.sources.model import checked
from spie_graph.store.cache import collector_paused

__all__ = ["LIMITE", "NIVEAUX", "DuplicateCount", "DuplicateGroup", "Duplicates", "Overlap",
           "duplicates", "find_duplicates"]

NIVEAUX = ("thematique", "categorie")


class Overlap(BaseModel):
    """One part of a finding: these actors' services overlap there, on these needs."""

    acteurs: list[str]
    services: list[str]
    thematiques: list[str]
    moments: list[str]
    publics: list[str]
    territoire: list[str]
    nom_territoire: str
    nb_communes: int
    population: int


class DuplicateGroup(BaseModel):
    """Services of several actors that duplicate each other, merged into one finding.

    ``thematique`` and ``moment`` are the finding's first (``thematiques`` and
    ``moments`` list them all); ``publics`` the publics served twice or more;
    ``territoire`` the overlap as few COG codes as possible
    (:func:`describe_communes`), ``nb_communes`` and ``population`` its size;
    ``score`` the overlap's population over the population of the services'
    areas (inside the territory asked); ``recouvrements`` the parts, largest
    first; ``explication`` the finding in French words.
    """

    thematique: str
    moment: str
    publics: list[str]
    territoire: list[str]
    nom_territoire: str
    nb_communes: int
    population: int
    services: list[str]
    acteurs: list[str]
    score: float
    thematiques: list[str] = []
    moments: list[str] = []
    recouvrements: list[Overlap] = []
    explication: str = ""


@dataclass(slots=True)
class _Elementary:
    """An overlap of one bucket: services serving ``publics`` on ``communes``."""

    thematique: str
    moment: str
    publics: tuple[str, ...]
    actors: frozenset[str]
    services: tuple[str, ...]
    communes: np.ndarray


class _Part:
    """The elementary overlaps of one set of actors: their services, needs and communes
    (sorted indices, ``key`` their bytes), the actors sorted (``acteurs``), and the
    parts of larger sets of actors merged into it (``merged``, when a root)."""

    __slots__ = ("actors", "services", "thematiques", "moments", "publics", "communes",
                 "key", "population", "acteurs", "merged", "bits", "universe")

    def __init__(self, actors: frozenset[str], services: Collection[str],
                 thematiques: Collection[str], moments: Collection[str],
                 publics: Collection[str], communes: np.ndarray, key: bytes):
        self.actors = actors
        self.services = services
        self.thematiques = thematiques
        self.moments = moments
        self.publics = publics
        self.communes = communes
        self.key = key
        self.population = 0
        self.acteurs = sorted(actors)
        self.merged: list[_Part] = []
        self.bits: int | None = None  # the communes as a bit set, when they are few (_bits)
        self.universe: np.ndarray | None = None  # the communes of bit 0, 1… (_bits)

    def within(self, other: _Part) -> bool:
        """Whether this part's communes are all in the other's."""
        if self.bits is not None and other.bits is not None:
            return self.bits | other.bits == other.bits
        return _within(self.communes, other.communes)


Key = tuple[str, str]
_LEVELS = ("commune", "epci", "departement", "region", "france")


def _buckets(views: Iterable[ServiceView], niveau: str,
             refs: Referentials) -> dict[Key, list[ServiceView]]:
    """Services by (thématique or category, moment)."""
    buckets: dict[Key, list[ServiceView]] = defaultdict(list)
    for view in views:
        themes = view.thematiques
        if niveau == "categorie":
            themes = frozenset(refs.thematiques[t].categorie for t in themes)
        for theme in themes:
            for moment in view.moments:
                buckets[theme, moment].append(view)
    return buckets


def _codes(view: ServiceView) -> tuple[str, ...]:
    return view.areas if view.areas or not view.communes else tuple(sorted(view.communes))


class _Keys:
    """Numbers of the territories of each level, and each commune's parents as arrays."""

    def __init__(self, terr: Territories):
        index = terr.index
        self.index = index
        self.terr = terr
        self.number = {
            "commune": index.position,
            "epci": {c: i for i, c in enumerate(index.epcis)},
            "departement": {c: i for i, c in enumerate(index.departements)},
            "region": {c: i for i, c in enumerate(index.regions)},
        }
        self.sizes = [len(index), len(index.epcis), len(index.departements), len(index.regions)]
        self.parents = [np.arange(len(index), dtype=np.int64), index.epci, index.departement,
                        index.region]
        self._located: dict[str, list[tuple[int, int]]] = {}
        self.where: np.ndarray | None = None  # the communes looked at (None: all of them)
        self.count = len(index)  # how many

    def scoped(self, inside: np.ndarray | None) -> _Keys:
        """These keys over the communes of ``inside`` alone (all of them when None): each
        bucket's arrays then hold a département's few hundred communes, not France's
        35,000; ``where`` gives their indices in the :class:`CommuneIndex`."""
        if inside is None:
            return self
        scoped = copy.copy(self)  # the same numbers and located areas
        scoped.where = np.flatnonzero(inside)
        scoped.parents = [parent[scoped.where] for parent in self.parents]
        scoped.count = scoped.where.size
        return scoped

    def located(self, view: ServiceView) -> list[tuple[int, int]]:
        """The (level, number) of each territory of a service's area (level 4: France),
        worked out once per service."""
        found = self._located.get(view.id)
        if found is None:
            found = []
            for code in _codes(view):
                level = _LEVELS.index(self.terr.kind(code) or "france")
                found.append((level, -1 if level == 4 else self.number[_LEVELS[level]][code]))
            self._located[view.id] = found
        return found


class _Bucket:
    """The services of one bucket, each a bit of Python integers (sets of services as masks)."""

    def __init__(self, members: list[ServiceView], big: frozenset[str] | None = None):
        self.members = members
        self.small = 0  # services of actors too small to reach the population asked
        self.actors: dict[str, int] = {}
        self.publics: dict[str, int] = {}
        self.tous = 0
        for position, view in enumerate(members):
            bit = 1 << position
            self.actors[view.acteur] = self.actors.get(view.acteur, 0) | bit
            if view.tous_publics:
                self.tous |= bit
            if big is not None and view.acteur not in big:
                self.small |= bit
            for public in view.publics:
                self.publics[public] = self.publics.get(public, 0) | bit
        self.public_order = sorted(self.publics)
        self.public_masks = [(public, self.publics[public]) for public in self.public_order]
        self.acteur_at = [view.acteur for view in members]
        self.id_at = [view.id for view in members]

    def several_actors_or_none(self, mask: int) -> bool:
        """Whether the services of ``mask`` belong to two actors or more (False for none)."""
        return mask != 0 and self.several_actors(mask)

    def several_actors(self, mask: int) -> bool:
        """Whether the services of ``mask`` belong to two actors or more."""
        first = self.members[(mask & -mask).bit_length() - 1].acteur
        return mask & ~self.actors[first] != 0


def _positions(mask: int) -> list[int]:
    """The positions of a mask's bits, lowest first."""
    found = []
    while mask:
        high = mask.bit_length() - 1
        found.append(high)
        mask ^= 1 << high
    found.reverse()
    return found


def _pieces(bucket: _Bucket, keys: _Keys, inside: np.ndarray | None,
            class_of: dict[str, int]) -> dict[int, np.ndarray]:
    """Communes (as indices) grouped by the exact set of services of the bucket reaching them
    (a mask of :class:`_Bucket`), for sets of two actors or more.

    France-wide services are compared only with each other, région-wide ones too
    when set apart (``class_of``, :func:`_class`): each class is keyed on its own.
    """
    classes: dict[int, list[int]] = defaultdict(list)
    for position, view in enumerate(bucket.members):
        classes[class_of[view.id]].append(position)
    found: dict[int, np.ndarray] = {}
    for positions in classes.values():
        found.update(_class_pieces(bucket, positions, keys, inside))
    return found


_LOCAL, _REGIONAL, _NATIONAL = 0, 1, 2


def _class(view: ServiceView, keys: _Keys, regions_apart: bool) -> int:
    """A service's class: France-wide, région-wide (when set apart) or local."""
    levels = {level for level, _ in keys.located(view)}
    if 4 in levels:
        return _NATIONAL
    return _REGIONAL if regions_apart and 3 in levels else _LOCAL


def _classes(views: list[ServiceView], keys: _Keys, regions_apart: bool) -> dict[str, int]:
    """Each service's class (:func:`_class`) by id."""
    return {v.id: _class(v, keys, regions_apart) for v in views}


def _class_pieces(bucket: _Bucket, positions: list[int], keys: _Keys,
                  inside: np.ndarray | None) -> dict[int, np.ndarray]:
    """:func:`_pieces` for the services of the bucket at ``positions``.

    Each commune's key is, for each level, the territory of that level above it
    when a service of the bucket covers it (else −1); communes with one key are
    reached by the same services.
    """
    at: list[dict[int, int]] = [{} for _ in range(4)]
    national = 0
    if bucket.small and not bucket.several_actors_or_none(
            sum(1 << p for p in positions) & ~bucket.small):
        return {}  # fewer than two actors big enough
    for position in positions:
        for level, territory in keys.located(bucket.members[position]):
            if level == 4:
                national |= 1 << position
            else:
                at[level][territory] = at[level].get(territory, 0) | 1 << position
    columns = []
    reached = np.zeros(keys.count, dtype=bool) if not national else np.ones(
        keys.count, dtype=bool)
    for level in range(4):
        has = np.zeros(keys.sizes[level] + 1, dtype=bool)
        if at[level]:
            has[list(at[level])] = True
        parent = keys.parents[level]
        column = np.where(has[parent], parent, -1)  # parent −1 reads has[-1]: False
        reached |= column >= 0
        columns.append(column)
    if inside is not None:
        reached &= inside
    if bucket.small:
        # Only communes reached by two services of actors big enough hold a part kept.
        reached &= _reached_by_two(at, national, ~bucket.small, keys)
    where = np.flatnonzero(reached)
    if where.size == 0:
        return {}
    communes = where if keys.where is None else keys.where[where]  # their indices
    combined = np.zeros(where.size, dtype=np.int64)
    for level in range(4):
        combined = combined * (keys.sizes[level] + 1) + (columns[level][where] + 1)
    unique, inverse = np.unique(combined, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(unique.size + 1))
    firsts = where[order[bounds[:-1]]]
    above = [columns[level][firsts].tolist() for level in range(4)]
    found: dict[int, list[np.ndarray]] = defaultdict(list)
    for k in range(unique.size):
        mask = national
        for level in range(4):
            territory = above[level][k]
            if territory >= 0:
                mask |= at[level][territory]
        if mask & (mask - 1):  # two services or more
            found[mask].append(communes[order[bounds[k]:bounds[k + 1]]])
    return {mask: (np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0])
            for mask, parts in found.items()
            if bucket.several_actors_or_none(mask & ~bucket.small)}


def _reached_by_two(at: list[dict[int, int]], national: int, mask: int,
                    keys: _Keys) -> np.ndarray:
    """The communes reached by two services of ``mask`` or more, from the territories of
    each level (``national``: the services covering France)."""
    count = np.full(keys.count, (national & mask).bit_count(), dtype=np.int64)
    for level in range(4):
        found = {n: (services & mask).bit_count() for n, services in at[level].items()
                 if services & mask}
        if found:
            per = np.zeros(keys.sizes[level] + 1, dtype=np.int64)  # parent −1 reads 0
            per[list(found)] = list(found.values())
            count += per[keys.parents[level]]
    return count >= 2


def _by_public(bucket: _Bucket, piece: int) -> list[tuple[str, int]]:
    """For each public met in a piece, the services that serve it (two actors or more):
    :meth:`_Bucket.several_actors` written out (a département's run asks it 80,000 times)."""
    found = []
    tous, actors, owner = bucket.tous, bucket.actors, bucket.acteur_at
    for public, serving in bucket.public_masks:
        if serving & piece:
            serving = (serving | tous) & piece
            if serving & ~actors[owner[(serving & -serving).bit_length() - 1]]:
                found.append((public, serving))
    serving = tous & piece
    if serving and serving & ~actors[owner[(serving & -serving).bit_length() - 1]]:
        found.append((TOUS_PUBLICS, serving))
    return found


def _elementary(views: list[ServiceView], niveau: str, inside: np.ndarray | None,
                refs: Referentials, regions_apart: bool = False, *,
                classes: frozenset[int] = frozenset({_LOCAL, _REGIONAL, _NATIONAL}),
                big: frozenset[str] | None = None, keys: _Keys | None = None,
                class_of: dict[str, int] | None = None) -> list[_Elementary]:
    """Every overlap of a bucket, a public and a piece of territory (before merging).

    ``classes``: the classes of services compared (:func:`_class`); ``big``: only
    the overlaps with two actors of ``big`` or more (the rest are left out);
    ``keys`` and ``class_of`` (:func:`_classes`), when the caller has them.
    """
    keys = keys or _Keys(refs.territoires)
    class_of = class_of if class_of is not None else _classes(views, keys, regions_apart)
    views = [v for v in views if class_of[v.id] in classes]  # classes never meet
    result = []
    scoped = keys.scoped(inside)  # the pieces: only the communes inside
    for key, members in sorted(_buckets(views, niveau, refs).items()):
        if len({v.acteur for v in members}) < 2:
            continue
        if big is not None:
            if not _two_big(members, big, class_of):
                continue
            members = _near_big(members, big, keys, inside)
        bucket = _Bucket(members, big)
        found: dict[int, dict[str, list[np.ndarray]]] = {}
        for piece, communes in _pieces(bucket, scoped, None, class_of).items():
            for public, serving in _by_public(bucket, piece):
                # Two actors big enough: a finding kept, or a part joining one.
                if not bucket.small or bucket.several_actors_or_none(serving & ~bucket.small):
                    by_public = found.get(serving)
                    if by_public is None:
                        found[serving] = {public: [communes]}
                    elif public in by_public:
                        by_public[public].append(communes)
                    else:
                        by_public[public] = [communes]
        thematique, moment = key
        acteur_at, id_at = bucket.acteur_at.__getitem__, bucket.id_at.__getitem__
        for serving, by_public in found.items():
            positions = _positions(serving)
            actors = frozenset(map(acteur_at, positions))  # at C speed
            ids = tuple(map(id_at, positions))
            if len(by_public) == 1:  # most sets of services: one public
                for public, arrays in by_public.items():
                    result.append(_Elementary(thematique, moment, (public,), actors, ids,
                                              arrays[0] if len(arrays) == 1 else _union(arrays)))
                continue
            # Publics that share the same communes make one overlap.
            same: dict[bytes, tuple[np.ndarray, list[str]]] = {}
            for public, arrays in by_public.items():
                communes = arrays[0] if len(arrays) == 1 else _union(arrays)
                entry = same.setdefault(communes.tobytes(), (communes, []))
                entry[1].append(public)
            result += [_Elementary(thematique, moment, tuple(sorted(publics)), actors, ids,
                                   communes) for communes, publics in same.values()]
    return result


def _near_big(members: list[ServiceView], big: frozenset[str], keys: _Keys,
              inside: np.ndarray | None) -> list[ServiceView]:
    """The services of a bucket that matter for overlaps of two actors of ``big``: those of
    ``big``, and the others reaching a commune two services of ``big`` reach (the only
    communes where such an overlap can be; their sets of services there stay whole)."""
    count = np.zeros(len(keys.index), dtype=np.int64)
    per: list[dict[int, int]] = [defaultdict(int) for _ in range(5)]
    for view in members:
        if view.acteur in big:
            for level, territory in keys.located(view):
                per[level][territory] += 1
    count += sum(per[4].values())
    for level in range(4):
        if per[level]:
            counts = np.zeros(keys.sizes[level] + 1, dtype=np.int64)  # parent −1 reads 0
            counts[list(per[level])] = list(per[level].values())
            count += counts[keys.parents[level]]
    hot = count >= 2
    if inside is not None:
        hot &= inside
    touched = []
    for level in range(4):
        above = keys.parents[level][hot]
        mark = np.zeros(keys.sizes[level] + 1, dtype=bool)
        mark[above[above >= 0]] = True
        touched.append(mark)
    if not hot.any():
        return [v for v in members if v.acteur in big]
    return [v for v in members if v.acteur in big or any(
        level == 4 or touched[level][territory] for level, territory in keys.located(v))]


def _two_big(members: list[ServiceView], big: frozenset[str], class_of: dict[str, int]) -> bool:
    """Whether two actors of ``big`` or more have services of one class in the bucket."""
    seen: dict[int, str] = {}
    for view in members:
        if view.acteur in big:
            kind = class_of[view.id]
            first = seen.setdefault(kind, view.acteur)
            if first != view.acteur:
                return True
    return False


def _parts(found: list[_Elementary], index: CommuneIndex) -> list[_Part]:
    """The overlaps gathered by set of actors, a larger set joining a smaller one's finding
    when its communes lie inside it."""
    grouped: dict[frozenset[str], list[_Elementary]] = {}
    for item in found:
        items = grouped.get(item.actors)
        if items is None:
            grouped[item.actors] = [item]
        else:
            items.append(item)
    whole = len(index)  # all of France
    parts = []
    key_of = _CommuneKeys()
    for actors, items in grouped.items():
        if len(items) == 1:  # most sets of actors
            item = items[0]
            parts.append(_Part(actors, item.services, (item.thematique,), (item.moment,),
                               item.publics, item.communes, key_of(item.communes)))
            continue
        pieces = [item.communes for item in items]
        france = [p for p in pieces if p.size == whole]
        communes = france[0] if france else _union(pieces)
        parts.append(_Part(actors, {s for item in items for s in item.services},
                           {item.thematique for item in items}, {item.moment for item in items},
                           {p for item in items for p in item.publics}, communes,
                           key_of(communes)))
    populations: dict[bytes, int] = {}  # parts share few distinct sets of communes
    for part in parts:
        population = populations.get(part.key)
        if population is None:
            population = populations[part.key] = int(index.population[part.communes].sum())
        part.population = population
    _bits(parts)
    roots: list[_Part] = []
    by_set = _Roots(grouped)
    number = by_set.numbers.__getitem__
    ordered = sorted(parts, key=lambda p: (len(p.actors), -p.population, p.acteurs))
    for part in ordered:
        numbers = list(map(number, part.actors))  # at C speed, as the XOR
        signature = reduce(xor, numbers, 0)
        home = by_set.home(part, numbers, signature) if len(numbers) > 2 else None
        if home is not None:
            home.merged.append(part)
            continue
        roots.append(part)
        by_set.add(part, signature)
    return roots


class _CommuneKeys:
    """The bytes of arrays of communes, one object per distinct set: parts share the
    arrays of their pieces (an array is read once), and a national run's parts of all of
    France would otherwise each hold 280 kB of their own. The arrays must outlive it."""

    def __init__(self) -> None:
        self.by_array: dict[int, bytes] = {}
        self.distinct: dict[bytes, bytes] = {}

    def __call__(self, communes: np.ndarray) -> bytes:
        found = self.by_array.get(id(communes))
        if found is None:
            made = communes.tobytes()
            found = self.by_array[id(communes)] = self.distinct.setdefault(made, made)
        return found


class _Roots:
    """The findings' root parts, looked up by set of actors.

    A set's signature is the XOR of its actors' random 64-bit numbers (drawn
    with a fixed seed), so a set less one or two actors is looked up from the
    whole set's signature in O(1), instead of a frozenset made for each subset.
    A root found is checked to be a subset of the right size: two sets sharing
    a signature can only cost a lookup, never a wrong answer.
    """

    def __init__(self, sets: Iterable[frozenset[str]]):
        draw = random.Random(0).getrandbits
        self.numbers = {actor: draw(64) for actor in sorted(set().union(*sets))}
        self.by_signature: dict[int, list[_Part]] = defaultdict(list)

    def add(self, part: _Part, signature: int) -> None:
        """A root, by its signature (the XOR of its actors' numbers)."""
        self.by_signature[signature].append(part)

    def home(self, part: _Part, numbers: list[int], whole: int) -> _Part | None:
        """The finding a set of actors joins: the largest smaller set of its actors (then
        the most populated) whose overlap contains its own, or None.

        ``numbers``: its actors' (:attr:`numbers`), ``whole`` their signature. Every
        smaller size is looked at for up to 4 actors, one actor less beyond (at most k
        lookups for k actors).
        """
        k = len(numbers)
        get = self.by_signature.get
        for size in range(k - 1, 1, -1) if k <= 4 else [k - 1]:
            if size == k - 1:  # one actor left out: the signature less its number
                found = list(filter(None, map(get, map(whole.__xor__, numbers))))
            else:
                found = [roots for left_out in combinations(numbers, k - size)
                         if (roots := get(reduce(xor, left_out, whole)))]
            candidates = [root for roots in found for root in roots
                          if len(root.actors) == size and root.actors <= part.actors
                          and part.within(root)]
            if candidates:
                return min(candidates, key=lambda r: (-r.population, r.acteurs))
        return None


BITS_MAX = 4096
"""Parts compare their communes as bit sets when all of them meet at most this many."""


def _bits(parts: list[_Part]) -> None:
    """Give each part its communes as a bit set (``bits``: bit i for the i-th commune of all
    the parts' communes) when those are at most :data:`BITS_MAX`: a département's run
    then tells whether a part's communes lie inside another's by one ``|`` of small
    integers instead of a search in arrays. Each distinct set of communes is made once."""
    distinct = {part.key: part.communes for part in parts}
    if not distinct:
        return
    universe = _union(list(distinct.values()))
    if universe.size > BITS_MAX:
        return
    mark = np.zeros(universe.size, dtype=bool)
    bits: dict[bytes, int] = {}
    for key, communes in distinct.items():
        where = np.searchsorted(universe, communes)
        if where.size == 1:
            bits[key] = 1 << int(where[0])
            continue
        mark[where] = True
        bits[key] = int.from_bytes(np.packbits(mark, bitorder="little").tobytes(), "little")
        mark[where] = False
    for part in parts:
        part.bits = bits[part.key]
        part.universe = universe


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    """The sorted union of arrays of indices (sorting beats ``np.unique``'s hashing here)."""
    joined = np.concatenate(arrays)
    joined.sort()
    keep = np.empty(joined.size, dtype=bool)
    keep[:1] = True
    np.not_equal(joined[1:], joined[:-1], out=keep[1:])
    return joined[keep]


def _within(small: np.ndarray, large: np.ndarray) -> bool:
    """Whether the sorted unique indices ``small`` are all in the sorted ``large``."""
    if small.size > large.size or small[0] < large[0] or small[-1] > large[-1]:
        return False
    if large[-1] - large[0] + 1 == large.size:  # a whole range (all of France, often)
        return True
    found = np.searchsorted(large, small)
    return bool((large[found] == small).all())


def _union_population(codes: tuple[str, ...], index: CommuneIndex,
                      inside: np.ndarray | None) -> int:
    """The population of the union of territories (inside ``inside``), in O(their size)."""
    if "france" in codes:
        return int(index.population.sum() if inside is None else index.population[inside].sum())
    mark = _SCRATCH.get(len(index))
    if mark is None:
        mark = _SCRATCH[len(index)] = np.zeros(len(index), dtype=bool)
    touched = []
    total = 0
    for code in codes:
        found = index.of(code)
        new = found[~mark[found]]
        mark[new] = True
        touched.append(new)
        if inside is not None:
            new = new[inside[new]]
        total += int(index.population[new].sum())
    for new in touched:
        mark[new] = False
    return total


_SCRATCH: dict[int, np.ndarray] = {}


class _Described:
    """The COG codes, names and words of sets of communes, each distinct set described
    once; the words of each distinct need and the population of each distinct union of
    areas, once."""

    def __init__(self, refs: Referentials, views: Iterable[ServiceView]):
        self.refs = refs
        self.places: dict[bytes, tuple[list[str], str, str]] = {}
        self.needs: dict[tuple[tuple[str, ...], ...], str] = {}
        self.part_needs: dict[tuple, tuple[list[str], list[str], list[str], str]] = {}
        self.populations: dict[frozenset[int], int] = {}
        # by id of a universe of bits (_bits): its whole territories, its codes (and the
        # universe itself, kept alive so that its id stays its own)
        self.wholes: dict[int, tuple[list[tuple[str, int]], list[str], np.ndarray]] = {}
        # Each service's area as the number of its distinct tuple of codes: a finding's
        # union of areas is a set of a few numbers, not of its services' codes.
        numbers: dict[tuple[str, ...], int] = {}
        self.area = {v.id: numbers.setdefault(_codes(v), len(numbers)) for v in views}
        self.areas = list(numbers)

    def population(self, services: Iterable[str], index: CommuneIndex,
                   inside: np.ndarray | None) -> int:
        """The population of the union of these services' areas (inside ``inside``), each
        distinct union worked out once."""
        area = self.area
        key = frozenset([area[s] for s in services])
        found = self.populations.get(key)
        if found is None:
            codes = tuple(sorted({code for a in key for code in self.areas[a]}))
            found = self.populations[key] = _union_population(codes, index, inside)
        return found

    def place(self, part: _Part) -> tuple[list[str], str, str]:
        """A part's communes as COG codes (:func:`describe_indices`), their name
        (:func:`names`) and where they are in words: « sur le Morbihan (249 communes,
        783 390 habitants) », one territory with its article, several as :func:`names`
        lists them. All of them depend on the communes alone (``part.key``)."""
        found = self.places.get(part.key)
        if found is None:
            refs = self.refs
            codes = (describe_indices(part.communes, refs) if part.bits is None
                     or part.universe is None else self._described_bits(part.bits, part.universe))
            name = names(codes, refs)
            place = f"sur {name}"
            if len(codes) == 1:
                code = codes[0]
                place = in_territory(refs.territoires.kind(code) or "", code, name)
            where = (f"{place} ({plural(int(part.communes.size), 'commune')}, "
                     f"{number(part.population)} habitants)")
            found = self.places[part.key] = (codes, name, where)
        return found

    def _described_bits(self, bits: int, universe: np.ndarray) -> list[str]:
        """:func:`describe_indices` of the communes of a bit set (:func:`_bits`): the
        départements, then the EPCIs, whose communes all are in it, in the order of their
        codes, then its other communes (bits of the whole départements and EPCIs of the
        universe made once): a few operations on small integers instead of array work."""
        wholes, codes = self._wholes(universe)
        if bits.bit_count() == len(self.refs.territoires.index):
            return ["france"]
        kept = []
        for code, members in wholes:
            if bits & members == members:
                kept.append(code)
                bits ^= members
        return kept + list(map(codes.__getitem__, _positions(bits)))

    def _wholes(self, universe: np.ndarray) -> tuple[list[tuple[str, int]], list[str]]:
        """The départements, then the EPCIs, whose communes all are in the universe, each
        with its communes as a bit set (in the order of their codes), and the universe's
        communes' codes."""
        found = self.wholes.get(id(universe))
        if found is None:
            index = self.refs.territoires.index
            wholes: list[tuple[str, int]] = []
            mark = np.zeros(universe.size, dtype=bool)
            for parent, names in ((index.departement, index.departements),
                                  (index.epci, index.epcis)):
                for number in np.unique(parent[universe]).tolist():
                    if number < 0:
                        continue
                    members = index.of(names[number])
                    where = np.searchsorted(universe, members).clip(max=universe.size - 1)
                    if (universe[where] == members).all():  # all of them in the universe
                        mark[where] = True
                        wholes.append((names[number], int.from_bytes(
                            np.packbits(mark, bitorder="little").tobytes(), "little")))
                        mark[where] = False
            found = self.wholes[id(universe)] = (wholes, index.to_codes(universe), universe)
        return found[0], found[1]

    def need_of(self, part: _Part) -> tuple[list[str], list[str], list[str], str]:
        """A part's thématiques and publics sorted, its moments in the parcours' order, and
        their words (:meth:`need`), worked out once for each distinct need of a part of one
        overlap (tuples; a merged part's sets are worked out each time)."""
        key = (part.thematiques, part.moments, part.publics)
        cached = True
        try:
            found = self.part_needs.get(key)
        except TypeError:  # sets: a part of several overlaps
            found, cached = None, False
        if found is None:
            thematiques = sorted(part.thematiques)
            moments = [m for m in self.refs.moments if m in part.moments]
            publics = sorted(part.publics)
            found = (thematiques, moments, publics, self.need(thematiques, moments, publics))
            if cached:
                self.part_needs[key] = found
        return found

    def need(self, thematiques: list[str], moments: list[str], publics: list[str]) -> str:
        """« Mobilité (accès à l'emploi), pour jeunes » : the words of a need, each
        distinct one made once."""
        key = (tuple(thematiques), tuple(moments), tuple(publics))
        found = self.needs.get(key)
        if found is None:
            refs = self.refs
            themes = [refs.thematiques[t].libelle if t in refs.thematiques else t
                      for t in thematiques]
            said = [refs.moments.get(m, m).lower() for m in moments]
            served = [refs.publics.get(p, p).lower() for p in publics]
            found = self.needs[key] = f"{_and(themes)} ({_and(said)}), pour {_and(served)}"
        return found


def _overlap(part: _Part, refs: Referentials,
             described: _Described) -> tuple[Overlap, str, str]:
    """A part as an :class:`Overlap`, and its words: what need, and where."""
    found = described.places.get(part.key)
    codes, name, where = found if found is not None else described.place(part)
    thematiques, moments, publics, what = described.need_of(part)
    return checked(Overlap, dict(acteurs=part.acteurs, services=sorted(part.services),
                                 thematiques=list(thematiques), moments=list(moments),
                                 publics=list(publics), territoire=list(codes),
                                 nom_territoire=name, nb_communes=int(part.communes.size),
                                 population=part.population)), what, where


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def _explain(parts: list[tuple[Overlap, str, str]], actor_names: dict[str, str]) -> str:
    """The finding in words: who overlaps, on what, where; then who joins where.

    ``parts``: each part with the words of its need and place (:func:`_overlap`).
    """
    name = actor_names.get
    first, what, where = parts[0]
    text = (f"{_and(list(map(name, first.acteurs, first.acteurs)))} proposent le même "
            f"accompagnement : {what}, {where}.")
    if len(parts) == 1:  # most findings
        return text
    seen = set(first.acteurs)
    for part, what, where in parts[1:]:
        joining = [a for a in part.acteurs if a not in seen]
        text += (f" {_and(list(map(name, joining, joining)))} "
                 f"s'y ajoute{'nt' if len(joining) > 1 else ''} {where} : {what}.")
    return text


def _finding(root: _Part, inside: np.ndarray | None, actor_names: dict[str, str],
             refs: Referentials, described: _Described) -> DuplicateGroup:
    index = refs.territoires.index
    parts = [root, *sorted(root.merged, key=lambda p: (-p.population, p.acteurs))] \
        if root.merged else [root]
    made = [_overlap(p, refs, described) for p in parts]
    overlaps = [overlap for overlap, _, _ in made]
    first = overlaps[0]
    if len(parts) == 1:  # most findings: the part's sorted lists are the finding's
        services, thematiques, moments = list(first.services), list(first.thematiques), \
            list(first.moments)
        publics, acteurs = list(first.publics), list(first.acteurs)
    else:
        services = sorted(set().union(*(p.services for p in parts)))
        thematiques = sorted(set().union(*(p.thematiques for p in parts)))
        moments = [m for m in refs.moments if any(m in p.moments for p in parts)]
        publics = sorted(set().union(*(p.publics for p in parts)))
        acteurs = sorted(set().union(*(p.actors for p in parts)))
    whole = described.population(services, index, inside)  # few distinct unions of areas
    return checked(DuplicateGroup, dict(  # the fields in their order
        thematique=thematiques[0], moment=moments[0], publics=publics,
        territoire=first.territoire, nom_territoire=first.nom_territoire,
        nb_communes=first.nb_communes, population=first.population, services=services,
        acteurs=acteurs, score=share(first.population, whole), thematiques=thematiques,
        moments=moments, recouvrements=overlaps,
        explication=_explain(made, actor_names),
    ))


LIMITE = 200
"""Findings listed by default when the run is wider than a département (most populated first)."""


class DuplicateCount(BaseModel):
    """How many findings a run has, and what its list covers.

    ``total``: the findings in all, or at least (``au_moins``: on a capped run
    wider than a département, only the findings at least as populated as
    ``seuil`` are counted, ``seuil`` being the population of the
    ``limite``-th); ``limite``: the cap applied (0: none); ``territoire``: the
    territory the run covers (the one asked; without one, the actors'
    département when they all sit in one, else ``france``); ``etendu``:
    whether it is wider than a département.
    """

    total: int
    au_moins: bool = False
    seuil: int = 0
    limite: int = 0
    territoire: str = "france"
    etendu: bool = False


class Duplicates(DuplicateCount):
    """The findings of one run (``constats``, most populated first, at most ``limite``)
    and how many there are (:class:`DuplicateCount`)."""

    constats: list[DuplicateGroup]

    def count(self) -> DuplicateCount:
        """The counts without the findings."""
        return DuplicateCount(**self.model_dump(exclude={"constats"}))


def _extent(territoire: str | None, actors: dict[str, dict], refs: Referentials) -> str:
    """The territory a run covers: the one asked, else the actors' département when they all
    sit in one, else France."""
    if territoire is not None:
        return territoire
    terr = refs.territoires
    departements = {terr.departement_of(data["commune"]) for data in actors.values()
                    if data.get("commune") in terr.index.position}
    return departements.pop() if len(departements) == 1 else "france"


def _upper_bounds(views: list[ServiceView], index: CommuneIndex,
                  inside: np.ndarray | None) -> dict[str, int]:
    """For each actor, a bound on the population any of its overlaps can reach: the sum of
    its services' areas' populations (inside the run), at most the run's population."""
    whole = int(index.population.sum() if inside is None else index.population[inside].sum())
    of_code: dict[str, int] = {}
    bound: dict[str, int] = defaultdict(int)
    for view in views:
        for code in _codes(view):
            found = of_code.get(code)
            if found is None:
                if code == "france":
                    found = whole
                else:
                    communes = index.of(code)
                    if inside is not None:
                        communes = communes[inside[communes]]
                    found = int(index.population[communes].sum())
                of_code[code] = found
            bound[view.acteur] += found
    return {actor: min(total, whole) for actor, total in bound.items()}


def find_duplicates(graph: nx.MultiDiGraph, *, niveau: str = "thematique",
                    territoire: str | None = None, limite: int | None = None,
                    views: list[ServiceView] | None = None,
                    refs: Referentials | None = None) -> Duplicates:
    """Findings of services of different actors that duplicate each other, and their count.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The canonical graph.
    niveau : {"thematique", "categorie"}
        Compare the thématiques as declared, or their 16 categories.
    territoire : str, optional
        Only the overlap inside this territory (COG code); default: everywhere.
    limite : int, optional
        At most this many findings, the most populated (0: all). Default:
        :data:`LIMITE` when the run is wider than a département (a région,
        France, or no territory with actors in several départements), all
        otherwise: the complete list is a département's answer.
    views : list of ServiceView, optional
        The graph's services, when the caller already read them.

    Returns
    -------
    Duplicates
        The findings, most populated first, then the most actors; their
        number in all (exact, or « at least » for a capped national run).

    Raises
    ------
    ArgumentError
        For an unknown level or territory, or a negative ``limite``.

    Notes
    -----
    France-wide services are compared only with each other: the common base
    offer everywhere is not a duplicate a territory can act on, and two
    national actors offering the same accompaniment to the same public make
    one finding on all of France. On a run wider than a région (France, or
    no territory on a national data set), région-wide services are likewise
    compared only with each other (on the national sets they multiplied the
    findings by 1.7). Inside a région, its région-wide services are compared
    with the local ones.

    Services are bucketed in O(Σ t·m·a) (t thématiques, m moments, a
    territories of a service's area), O(n) array work per bucket for n
    communes, then O(p) per piece of overlap; never O(s²) pairs. A capped run
    first finds the France- and région-wide findings (few), takes the
    population θ of the ``limite``-th, and then looks only at the overlaps
    with two actors or more that could reach θ (:func:`_upper_bounds`): every
    finding at least as populated as θ is found exactly (all its actors could
    reach θ, and so could the smaller sets it could join), with the parts of
    the actors joining it; the rest is not built. (A joining part is left
    where it would have joined another finding only when that other finding
    has fewer than two actors that could reach θ: it then joins this one.)
    ``total`` then counts the findings reaching θ, « at least ». When fewer
    than ``limite`` findings reach θ, the whole run is computed.
    """
    refs = refs or referentials()
    if niveau not in NIVEAUX:
        raise ArgumentError(f"niveau inconnu : « {niveau} » (--niveau). Niveaux possibles : "
                            f"{', '.join(NIVEAUX)}")
    if limite is not None and limite < 0:
        raise ArgumentError(f"limite négative : {limite} (--limite). Donnez 0 pour tous les "
                            "constats, ou un nombre de constats")
    terr = refs.territoires
    inside = None
    if territoire is not None:
        territoire = check_territoire(territoire, refs)
        inside = np.zeros(len(terr.index), dtype=bool)
        inside[terr.index.of(territoire)] = True
    # Hundreds of thousands of small objects and no cycle: the collector would only
    # walk the graph's millions of objects again and again.
    with collector_paused():
        views = views if views is not None else service_views(graph, refs=refs)
        if territoire is not None:  # the others reach no commune of the run
            views = reaching(views, territoire, refs)
        actors = actor_nodes(graph)
        actor_names = {ident: data.get("nom", ident) for ident, data in actors.items()}
        extent = _extent(territoire, actors, refs)
        kind = terr.kind(extent) or "france"
        wide = kind in ("region", "france")
        regions_apart = kind == "france"
        cap = (LIMITE if wide else 0) if limite is None else limite
        roots, threshold = _roots(views, niveau, inside, refs, regions_apart, cap)
        total = len(roots)
        described = _Described(refs, views)
        groups = [_finding(root, inside, actor_names, refs, described) for root in roots]
        groups.sort(key=lambda g: (-g.population, -len(g.acteurs), g.thematique, g.moment,
                                   g.services, g.publics))
    return Duplicates(constats=groups[:cap] if cap else groups, total=total,
                      au_moins=threshold > 0, seuil=threshold, limite=cap, territoire=extent,
                      etendu=wide)


def _roots(views: list[ServiceView], niveau: str, inside: np.ndarray | None,
           refs: Referentials, regions_apart: bool, cap: int) -> tuple[list[_Part], int]:
    """The findings' root parts: all of them, or (``cap``) those reaching the population of
    the ``cap``-th; and that population when only those were found (else 0)."""
    index = refs.territoires.index
    if cap:
        keys = _Keys(refs.territoires)
        class_of = _classes(views, keys, regions_apart)
        wide = _elementary(views, niveau, inside, refs, regions_apart, keys=keys,
                           class_of=class_of, classes=frozenset({_REGIONAL, _NATIONAL}))
        wide_only = _parts(wide, index)
        if len(wide_only) >= cap:
            threshold = sorted((p.population for p in wide_only), reverse=True)[cap - 1]
            bounds = _upper_bounds(views, index, inside)
            big = frozenset(a for a, bound in bounds.items() if bound >= threshold)
            # The France- and région-wide overlaps with two big actors are those found above
            # (their communes are all reached by two big services); the local ones anew.
            kept = [e for e in wide if len(e.actors & big) >= 2]
            kept += _elementary(views, niveau, inside, refs, regions_apart, keys=keys,
                                class_of=class_of, classes=frozenset({_LOCAL}), big=big)
            roots = [p for p in _parts(kept, index) if p.population >= threshold]
            if len(roots) >= cap:
                return roots, threshold
    return _parts(_elementary(views, niveau, inside, refs, regions_apart), index), 0


def duplicates(graph: nx.MultiDiGraph, *, niveau: str = "thematique",
               territoire: str | None = None, limite: int | None = None,
               views: list[ServiceView] | None = None,
               refs: Referentials | None = None) -> list[DuplicateGroup]:
    """The findings of :func:`find_duplicates` (most populated first; on a run wider than a
    département, the :data:`LIMITE` most populated unless ``limite`` says otherwise)."""
    return find_duplicates(graph, niveau=niveau, territoire=territoire, limite=limite,
                           views=views, refs=refs).constats
