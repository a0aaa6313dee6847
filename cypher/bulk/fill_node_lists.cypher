// After a bulk import: give back the empty lists of nodes one by one. $rows: [{uid, props}]
// where props maps each such property to [].
UNWIND $rows AS row
MATCH (n:Spie {uid: row.uid})
SET n += row.props
