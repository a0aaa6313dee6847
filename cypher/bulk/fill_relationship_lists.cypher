// After a bulk import: give back the empty lists of relationships one by one.
// $rows: [{source, target, type, key, props}]: the uids of its nodes, its type and key (the
// property rkey, or its type when it has none), and each such property mapped to [].
UNWIND $rows AS row
MATCH (:Spie {uid: row.source})-[r:$(row.type)]->(:Spie {uid: row.target})
WHERE coalesce(r.rkey, type(r)) = row.key
SET r += row.props
