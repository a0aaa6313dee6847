// First load of a data set (none of its nodes in the database): create a batch of nodes of
// one label and return their element ids, in the order of $rows (relationships are then
// created between these ids, without any index lookup). $label: the node's label besides
// Spie; $rows: the properties of each node (uid and dataset included). CREATE, not MERGE:
// the data set holds nothing to match.
UNWIND range(0, size($rows) - 1) AS i
CREATE (n:Spie:$($label))
SET n = $rows[i]
WITH i, n
ORDER BY i
RETURN collect(elementId(n)) AS ids
