"""The network algorithms on arrays: the same answers as NetworkX's, in numpy.

At national scale (100,000 actors, 200,000 links) NetworkX's pure-Python loops
dominate :func:`spie_graph.analyses.network.network`: sampled betweenness,
semi-synchronous label propagation and modularity cost about 30 s of CPU.
Here the undirected simple graph is held as compressed adjacency (CSR) arrays
and each algorithm works a whole level of a breadth-first search, or a whole
colour class, at a time:

- :func:`betweenness`: Brandes' algorithm, exact or from sampled sources,
  rescaled as ``networkx.betweenness_centrality`` (NetworkX ≥ 3.5) does;
- :func:`label_propagation`: ``networkx.community.label_propagation_communities``
  (Cordasco and Gargano's semi-synchronous method, Prec-Max ties, greedy
  largest-first colouring);
- :func:`modularity`: ``networkx.community.modularity`` with weights;
- :func:`louvain`: ``networkx.community.louvain_communities`` (the same moves in the same
  order, hence the same communities), on lists of node numbers instead of graphs;
- :func:`triangles`: ``networkx.triangles``;
- :func:`articulation_points`: ``networkx.articulation_points`` (as a set).

``tests/test_network_arrays.py`` checks each against NetworkX on generated
graphs (equal up to floating-point summation order).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Adjacency", "articulation_points", "betweenness", "label_propagation", "louvain",
           "modularity", "sample_sources", "triangles"]


@dataclass(frozen=True)
class Adjacency:
    """An undirected simple graph on nodes ``0..n-1`` as CSR arrays.

    ``heads[i] < tails[i]`` are the ends of edge ``i`` and ``weights[i]`` its
    weight; ``indptr``/``indices`` list every node's neighbours, in
    increasing order.
    """

    n: int
    heads: np.ndarray
    tails: np.ndarray
    weights: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray

    @classmethod
    def of_edges(cls, n: int, heads: Sequence[int] | np.ndarray,
                 tails: Sequence[int] | np.ndarray,
                 weights: Sequence[float] | np.ndarray | None = None) -> Adjacency:
        """The graph of the edges ``heads[i] — tails[i]`` (no loops, no repeated pair)."""
        a = np.asarray(heads, dtype=np.int64)
        b = np.asarray(tails, dtype=np.int64)
        w = (np.ones(a.size) if weights is None else np.asarray(weights, dtype=np.float64))
        low, high = np.minimum(a, b), np.maximum(a, b)
        rows = np.concatenate([low, high])
        cols = np.concatenate([high, low])
        order = np.lexsort((cols, rows))
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return cls(n, low, high, w, indptr, cols[order])

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def neighbours(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (node, neighbour) pair of ``nodes``: two arrays, grouped by node."""
        starts = self.indptr[nodes]
        lengths = self.indptr[nodes + 1] - starts
        total = int(lengths.sum())
        owners = np.repeat(nodes, lengths)
        offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return owners, self.indices[np.repeat(starts, lengths) + offsets]


def sample_sources(nodes: Sequence[str], k: int, seed: int) -> list[str]:
    """The ``k`` sources NetworkX draws for ``betweenness_centrality(G, k=k, seed=seed)``."""
    return random.Random(seed).sample(list(nodes), k)


def betweenness(graph: Adjacency, sources: np.ndarray | None = None) -> np.ndarray:
    """Normalised betweenness of every node, without endpoints.

    Parameters
    ----------
    graph : Adjacency
    sources : array of int, optional
        The sampled sources; all nodes (exact betweenness) by default.

    Returns
    -------
    numpy.ndarray
        As ``networkx.betweenness_centrality(G, k, normalized=True)``: for a
        sample of k sources, a source's score is scaled by 1/((k−1)(n−2)),
        the others' by 1/(k(n−2)) (NetworkX ≥ 3.5).

    Notes
    -----
    Brandes' algorithm, one breadth-first level at a time: O(m + n·L) array
    work per source for L levels, so O(k·(m + n·L)).
    """
    n = graph.n
    result = np.zeros(n)
    all_nodes = sources is None
    chosen = np.arange(n) if sources is None else np.asarray(sources, dtype=np.int64)
    dist = np.full(n, -1, dtype=np.int64)
    sigma = np.zeros(n)
    delta = np.zeros(n)
    for s in chosen.tolist():
        levels = [np.array([s], dtype=np.int64)]
        dist[s] = 0
        sigma[s] = 1.0
        depth = 0
        while True:
            owners, found = graph.neighbours(levels[-1])
            new = dist[found] < 0
            if not new.any():
                break
            owners, found = owners[new], found[new]
            counts = np.bincount(found, weights=sigma[owners], minlength=n)
            reached = np.unique(found)
            depth += 1
            dist[reached] = depth
            sigma[reached] = counts[reached]
            levels.append(reached)
        for depth in range(len(levels) - 1, 0, -1):
            level = levels[depth]
            coeff = np.zeros(n)
            coeff[level] = (1.0 + delta[level]) / sigma[level]
            owners, found = graph.neighbours(level)
            before = dist[found] == depth - 1
            owners, found = owners[before], found[before]
            delta += np.bincount(found, weights=sigma[found] * coeff[owners], minlength=n)
            result[level] += delta[level]
        for level in levels:
            dist[level] = -1
            sigma[level] = 0.0
            delta[level] = 0.0
    big_n = n - 1
    if big_n < 2:
        return result
    if all_nodes:
        return result / (big_n * (big_n - 1))
    k = chosen.size
    scale = np.full(n, 1.0 / (k * (big_n - 1)))
    scale[chosen] = 1.0 / ((k - 1) * (big_n - 1)) if k > 1 else math.nan
    return result * scale


def triangles(graph: Adjacency) -> np.ndarray:
    """The number of triangles through every node, as ``networkx.triangles``.

    Notes
    -----
    Each edge is oriented from the lower to the higher (degree, node) rank;
    every pair of a node's out-neighbours closing an edge is one triangle,
    found once. O(m·√m) pairs at worst, array work.
    """
    n = graph.n
    count = np.zeros(n, dtype=np.int64)
    if graph.heads.size == 0:
        return count
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), graph.degree))] = np.arange(n)
    forward = rank[graph.heads] < rank[graph.tails]
    low = np.where(forward, graph.heads, graph.tails)
    high = np.where(forward, graph.tails, graph.heads)
    order = np.lexsort((high, low))
    low, high = low[order], high[order]
    ends = np.searchsorted(low, low, side="right")
    later = ends - np.arange(low.size) - 1  # out-neighbours after this one in its list
    total = int(later.sum())
    if total == 0:
        return count
    first = np.repeat(np.arange(low.size), later)
    second = first + 1 + (np.arange(total) - np.repeat(np.cumsum(later) - later, later))
    u, w = high[first], high[second]
    keys = np.minimum(u, w) * n + np.maximum(u, w)
    edges = np.sort(graph.heads * n + graph.tails)
    found = np.searchsorted(edges, keys)
    closed = (found < edges.size) & (edges[np.minimum(found, edges.size - 1)] == keys)
    for ends_of in (low[first][closed], u[closed], w[closed]):
        count += np.bincount(ends_of, minlength=n)
    return count


def _most_frequent(graph: Adjacency, nodes: np.ndarray, labels: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each of ``nodes`` (with neighbours): how many labels are the most frequent among
    its neighbours, the largest of them, and whether its own label is one of them.

    Returns (nodes, number of top labels, largest top label, own label among them).
    """
    owners, found = graph.neighbours(nodes)
    keys = owners * (graph.n + 1) + labels[found]
    unique, counts = np.unique(keys, return_counts=True)
    owner, label = unique // (graph.n + 1), unique % (graph.n + 1)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    top = np.maximum.reduceat(counts, starts)
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, owner.size]))
    is_top = counts == top[group]
    number = np.add.reduceat(is_top.astype(np.int64), starts)
    largest = np.maximum.reduceat(np.where(is_top, label, -1), starts)
    own = np.add.reduceat((is_top & (label == labels[owner])).astype(np.int64), starts) > 0
    return owner[starts], number, largest, own


def _greedy_colours(graph: Adjacency, nodes: np.ndarray) -> list[np.ndarray]:
    """NetworkX's ``greedy_color`` (largest first) of the graph on ``nodes``: the nodes of
    each colour, colour 0 first."""
    degree = graph.degree
    order = nodes[np.argsort(-degree[nodes], kind="stable")]
    colour = np.full(graph.n, -1, dtype=np.int64)
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    colours = colour.tolist()
    for u in order.tolist():
        used = {colours[v] for v in indices[indptr[u]:indptr[u + 1]]}
        c = 0
        while c in used:
            c += 1
        colours[u] = c
    colour = np.asarray(colours, dtype=np.int64)
    return [np.sort(np.flatnonzero(colour == c)) for c in range(int(colour.max()) + 1)]


def label_propagation(graph: Adjacency, nodes: np.ndarray) -> list[np.ndarray]:
    """Semi-synchronous label propagation on the nodes ``nodes`` (each with a neighbour,
    all of whose neighbours are in ``nodes``): the communities as arrays of nodes.

    Notes
    -----
    Nodes of one colour are never neighbours, so NetworkX's node-by-node
    updates within a colour are one array step here: O(m log m) per round.
    The initial labels are the nodes' ranks in ``nodes``, as NetworkX
    numbers them in the graph's order.
    """
    labels = np.full(graph.n, -1, dtype=np.int64)
    labels[nodes] = np.arange(nodes.size)
    classes = _greedy_colours(graph, nodes)
    while True:
        _, _, _, own = _most_frequent(graph, nodes, labels)
        if own.all():
            break
        for members in classes:
            who, number, largest, own = _most_frequent(graph, members, labels)
            change = (number == 1) | ~own
            labels[who[change]] = largest[change]
    order = np.argsort(labels[nodes], kind="stable")
    ranked = nodes[order]
    cuts = np.flatnonzero(np.diff(labels[ranked])) + 1
    return np.split(ranked, cuts)


def modularity(graph: Adjacency, community: np.ndarray) -> float:
    """Weighted modularity of a partition (``community[node]``, −1 outside every community,
    which then holds no edge), as ``networkx.community.modularity``.

    Notes
    -----
    O(n + m).
    """
    strength = np.bincount(graph.heads, weights=graph.weights, minlength=graph.n) + np.bincount(
        graph.tails, weights=graph.weights, minlength=graph.n)
    total = strength.sum()
    if total == 0:
        return 0.0
    m = total / 2
    inside = community[graph.heads] == community[graph.tails]
    links = float(graph.weights[inside].sum())
    member = community >= 0
    sums = np.bincount(community[member], weights=strength[member])
    return links / m - float((sums ** 2).sum()) / total ** 2


Edge = tuple[int, int, int]


def louvain(n: int, edges: Sequence[Edge], seed: int,
            threshold: float = 0.0000001) -> list[set[int]]:
    """``networkx.community.louvain_communities(G, weight="weight", seed=seed)`` of the graph
    ``G`` on nodes ``0..n-1`` whose ``G.edges(data="weight", default=1)`` are ``edges``, in
    that order, with integer weights: the same communities (NetworkX 3.x's method, resolution 1).

    NetworkX's Louvain, step for step: the same random order of the nodes at each level,
    the same order of the neighbouring communities (ties go to the first), the same
    floating-point gains, the same levels (each graph of communities made as
    ``_gen_graph`` makes it, its edges in the same order) and the same stop (the
    modularity gained below ``threshold``). Nodes are numbers and graphs lists of dicts
    (node → {neighbour: weight}, in NetworkX's insertion order): about twice as fast
    as on NetworkX's graphs. Integer weights make every sum exact, whatever its order
    (NetworkX sums a community's links in the order of a set).

    Notes
    -----
    About O(m) per pass, a few passes per level, a few levels.
    """
    if not edges:
        return [{u} for u in range(n)]
    rng = random.Random(seed)
    partition = [{u} for u in range(n)]
    graph = _inserted(n, edges)
    mod = _louvain_modularity(graph, partition)
    m = sum(_degrees(graph)) / 2  # graph.size(weight="weight")
    members = [{u} for u in range(n)]
    partition, inner, improvement = _one_level(graph, members, m, partition, rng)
    improvement = True
    found = partition
    while improvement:
        found = [c.copy() for c in partition]
        new_mod = _louvain_modularity(graph, inner)
        if new_mod - mod <= threshold:
            return found
        mod = new_mod
        graph, members = _communities_graph(graph, members, inner)
        partition, inner, improvement = _one_level(graph, members, m, partition, rng)
    return found


def _inserted(n: int, edges: Iterable[Edge]) -> list[dict[int, int]]:
    """The adjacency NetworkX's ``Graph.add_weighted_edges_from(edges)`` makes (a repeated
    pair keeps its first place and its last weight)."""
    graph: list[dict[int, int]] = [{} for _ in range(n)]
    for u, v, w in edges:
        graph[u][v] = w
        graph[v][u] = w
    return graph


def _edges(graph: list[dict[int, int]]) -> Iterator[Edge]:
    """``Graph.edges(data="weight")``: each edge once, from its first node met."""
    seen: set[int] = set()
    for u, neighbours in enumerate(graph):
        for v, w in neighbours.items():
            if v not in seen:
                yield u, v, w
        seen.add(u)


def _degrees(graph: list[dict[int, int]]) -> list[int]:
    """``Graph.degree(weight="weight")``: a loop counts twice."""
    return [sum(neighbours.values()) + neighbours.get(u, 0)
            for u, neighbours in enumerate(graph)]


def _louvain_modularity(graph: list[dict[int, int]], communities: list[set[int]]) -> float:
    """``networkx.community.modularity(G, communities, weight="weight")``, its terms in the
    same order (integer weights: each community's sums are exact)."""
    degrees = _degrees(graph)
    deg_sum = sum(degrees)
    m = deg_sum / 2
    norm = 1 / deg_sum**2

    def contribution(community: set[int]) -> float:
        links = sum(w for u in community for v, w in graph[u].items()
                    if v in community and (v > u or v == u))
        total = sum(degrees[u] for u in community)
        return links / m - 1 * total * total * norm

    return sum(map(contribution, communities))


def _one_level(graph: list[dict[int, int]], members: list[set[int]], m: float,
               partition: list[set[int]], rng: random.Random
               ) -> tuple[list[set[int]], list[set[int]], bool]:
    """NetworkX's ``_one_level`` (undirected, resolution 1): ``partition`` holds the input
    graph's nodes of each node of ``graph`` (``members``) and is changed in place."""
    node2com = list(range(len(graph)))
    inner = [{u} for u in range(len(graph))]
    degrees = _degrees(graph)
    total = degrees.copy()  # Stot
    neighbours = [{v: w for v, w in adjacent.items() if v != u}
                  for u, adjacent in enumerate(graph)]
    order = list(range(len(graph)))
    rng.shuffle(order)
    twice_m2 = 2 * m**2
    moves = 1
    improvement = False
    while moves > 0:
        moves = 0
        for u in order:
            best_mod: float = 0
            best_com = own = node2com[u]
            weights: dict[int, float] = {}  # neighbouring community → weight, met first first
            for v, w in neighbours[u].items():
                c = node2com[v]
                weights[c] = weights.get(c, 0.0) + w
            if own not in weights:  # NetworkX's defaultdict reads it: it comes last
                weights[own] = 0.0
            degree = degrees[u]
            total[own] -= degree
            remove_cost = -weights[own] / m + 1 * (total[own] * degree) / twice_m2
            for com, weight in weights.items():
                gain = remove_cost + weight / m - 1 * (total[com] * degree) / twice_m2
                if gain > best_mod:
                    best_mod = gain
                    best_com = com
            total[best_com] += degree
            if best_com != own:
                partition[own].difference_update(members[u])
                inner[own].remove(u)
                partition[best_com].update(members[u])
                inner[best_com].add(u)
                improvement = True
                moves += 1
                node2com[u] = best_com
    return [c for c in partition if c], [c for c in inner if c], improvement


def _communities_graph(graph: list[dict[int, int]], members: list[set[int]],
                       communities: list[set[int]]
                       ) -> tuple[list[dict[int, int]], list[set[int]]]:
    """NetworkX's ``_gen_graph``: a node per community, holding its members' input nodes;
    the weights of the links between communities summed, in the order of the edges."""
    node2com = {}
    held: list[set[int]] = []
    for i, community in enumerate(communities):
        nodes: set[int] = set()
        for u in community:
            node2com[u] = i
            nodes.update(members[u])
        held.append(nodes)
    made: list[dict[int, int]] = [{} for _ in communities]
    for u, v, w in _edges(graph):
        a, b = node2com[u], node2com[v]
        weight = w + made[a].get(b, 0)
        made[a][b] = weight
        made[b][a] = weight
    return made, held


def articulation_points(graph: Adjacency) -> np.ndarray:
    """The nodes whose removal splits their connected piece, in increasing order.

    Notes
    -----
    Hopcroft and Tarjan's depth-first search with low points, iterative (a
    chain of 100,000 actors would overflow Python's recursion): O(n + m), on
    the CSR lists, without building a NetworkX graph.
    """
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    n = graph.n
    found = [-1] * n  # discovery time
    low = [0] * n
    cut = [False] * n
    clock = 0
    for root in range(n):
        if found[root] >= 0 or indptr[root] == indptr[root + 1]:
            continue
        found[root] = low[root] = clock
        clock += 1
        children = 0
        # (node, its parent, the position of the next neighbour to look at)
        stack = [(root, -1, indptr[root])]
        while stack:
            node, parent, at = stack[-1]
            if at < indptr[node + 1]:
                stack[-1] = (node, parent, at + 1)
                other = indices[at]
                if other == parent:  # a simple graph: one edge back to the parent
                    continue
                if found[other] < 0:
                    found[other] = low[other] = clock
                    clock += 1
                    stack.append((other, node, indptr[other]))
                elif found[other] < low[node]:
                    low[node] = found[other]
                continue
            stack.pop()
            if parent == root:
                children += 1
            elif parent >= 0:
                if low[node] < low[parent]:
                    low[parent] = low[node]
                if low[node] >= found[parent]:
                    cut[parent] = True
        if children > 1:
            cut[root] = True
    return np.flatnonzero(np.array(cut, dtype=bool))
