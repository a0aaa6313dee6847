// First load of a data set (none of its nodes in the database): create a batch of nodes of
// one label. $label: the node's label besides Spie; $rows: the properties of each node
// (uid and dataset included). CREATE, not MERGE: the data set holds nothing to match.
UNWIND $rows AS props
CREATE (n:Spie:$($label))
SET n = props
