// Delete nodes, with their relationships, by the element ids create_nodes returned (the
// warm-up's made-up rows, once committed).
UNWIND $ids AS id
MATCH (n) WHERE elementId(n) = id
DETACH DELETE n
