"""The canonical graph of a data set, and the views every layer above reads.

- :mod:`.build`: the one graph schema (nodes, relationships, properties) both
  stores hold, built from a valid data set;
- :mod:`.coverage`: who covers a need on a territory (the question both
  stores answer, the embedded one with this module, Neo4j in Cypher);
- :mod:`.views`: what the map and the annex state about each actor.
"""
