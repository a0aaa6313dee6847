"""What the graph's modules share without NetworkX: the nodes' keys, the actors' edges,
and the collector's pause while many objects are made.

Kept apart from :mod:`.build` so that a quick question answered from a cached
index (``who-covers``) imports neither NetworkX nor the builder.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["actor_edges", "collector_paused", "node_key"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small objects are made.

    None of them forms a cycle, but with a national graph in memory every
    collection the allocations trigger walks millions of objects again (15 to 40 %
    of reading, validating and building a national set; half of a who-covers
    answer of 38,000 rows), and the first young collection after the pause would
    walk everything made during it (1 to 3 s at 100,000 actors).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # What was made is handed to the oldest generation at once (freeze then unfreeze:
        # two list merges), so the next young collection does not walk it all; a full
        # collection still sees it, so cycles among it are freed as usual.
        gc.freeze()
        gc.unfreeze()
        if collecting:
            gc.enable()


def node_key(label: str, ident: str) -> str:
    """The NetworkX key of a node: ``Acteur:cd56``."""
    return f"{label}:{ident}"


def actor_edges(graph: Any) -> Iterator[tuple[str, str, dict]]:
    """``(source, target, attributes)`` of every edge leaving an actor of a canonical graph
    (a NetworkX ``MultiDiGraph``, or a view of one), in the graph's order.

    Offers, seats, memberships and interactions leave from actors: their out-edges
    alone, read from NetworkX's own mappings (its read-only views cost more than the
    reading), skip a national graph's two million service and territory edges.
    """
    nodes, successors = graph._node, graph._succ
    for source, data in nodes.items():
        if data["label"] == "Acteur":
            for target, keyed in successors[source].items():
                for edge in keyed.values():
                    yield source, target, edge
