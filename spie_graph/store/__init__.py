"""Graph stores behind one interface: embedded (NetworkX, default) and Neo4j.

- :mod:`.base`: the :class:`GraphStore` interface;
- :mod:`.embedded`: the graph in memory, rebuilt from the data set, no server;
- :mod:`.neo4j`: a Neo4j server reached with the official driver (imported
  only by the commands that use it);
- :mod:`.cache`: built graphs kept on disk, keyed on the data set files' content;
- :mod:`.cypher`: the Cypher files of ``cypher/``, loaded by name;
- :mod:`.connection`: where and how to reach Neo4j;
- :mod:`.server`: the local Neo4j server the project assembles and runs.
"""

from spie_graph.store.base import GraphStore, LoadSummary
from spie_graph.store.embedded import EmbeddedStore

__all__ = ["GraphStore", "LoadSummary", "EmbeddedStore"]
