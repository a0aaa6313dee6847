// First load of a data set: create a batch of relationships of one type that hold no
// property (most of them: a relationship's key is its type unless told otherwise), between
// nodes found by the element ids create_nodes returned. $type: the relationship type;
// $sources, $targets: element ids, one pair per relationship.
UNWIND range(0, size($sources) - 1) AS i
MATCH (a) WHERE elementId(a) = $sources[i]
MATCH (b) WHERE elementId(b) = $targets[i]
CREATE (a)-[:$($type)]->(b)
