// Merge a batch of relationships. $rows: [{source, target, type, rid, props}]; `rid` is
// unique per relationship ("<source uid>|<key>|<target uid>") so a reload is exact.
UNWIND $rows AS row
MATCH (a:Spie {uid: row.source})
MATCH (b:Spie {uid: row.target})
MERGE (a)-[r:$(row.type) {rid: row.rid}]->(b)
WITH r, row, properties(r) AS before
SET r = row.props
RETURN count(CASE WHEN size(keys(before)) = 1 THEN 1 END) AS created,
       count(CASE WHEN size(keys(before)) > 1 AND before <> row.props THEN 1 END) AS updated
