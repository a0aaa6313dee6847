// After a bulk import: give back the empty lists of relationships one by one.
// $rows: [{source, rid, props}]: the uid of the start node, the relationship's rid, and
// each such property mapped to [].
UNWIND $rows AS row
MATCH (:Spie {uid: row.source})-[r {rid: row.rid}]->()
SET r += row.props
