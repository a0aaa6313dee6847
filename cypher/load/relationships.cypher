// Merge a batch of relationships. $rows: [{source, target, type, key, props}]. A
// relationship is identified by its two nodes, its type and its key: the property `rkey`
// when it has one, else its type (props holds rkey exactly when key differs from type).
// SET r = row.props makes a reload exact.
UNWIND $rows AS row
MATCH (a:Spie {uid: row.source})
MATCH (b:Spie {uid: row.target})
OPTIONAL MATCH (a)-[old:$(row.type)]->(b)
  WHERE coalesce(old.rkey, type(old)) = row.key
WITH a, b, row, old, properties(old) AS before
FOREACH (_ IN CASE WHEN old IS NULL THEN [1] ELSE [] END |
  CREATE (a)-[r:$(row.type)]->(b)
  SET r = row.props)
SET old = row.props
RETURN count(CASE WHEN old IS NULL THEN 1 END) AS created,
       count(CASE WHEN old IS NOT NULL AND before <> row.props THEN 1 END) AS updated
