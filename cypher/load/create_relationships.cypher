// First load of a data set: create a batch of relationships of one type between nodes
// already written. $type: the relationship type; $rows: [{source, target, props}] where
// source and target are node uids and props holds rid and rkey.
UNWIND $rows AS row
MATCH (a:Spie {uid: row.source})
MATCH (b:Spie {uid: row.target})
CREATE (a)-[r:$($type)]->(b)
SET r = row.props
