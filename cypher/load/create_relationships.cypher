// First load of a data set: create a batch of relationships of one type between nodes
// just created, found by the element ids create_nodes returned (no index lookup).
// $type: the relationship type; $sources, $targets: element ids, one pair per
// relationship; $props: the properties of each relationship (same order).
UNWIND range(0, size($sources) - 1) AS i
MATCH (a) WHERE elementId(a) = $sources[i]
MATCH (b) WHERE elementId(b) = $targets[i]
CREATE (a)-[r:$($type)]->(b)
SET r = $props[i]
