// Merge a batch of nodes of one data set. $rows: [{uid, label, props}] where props holds
// every property (uid and dataset included): SET n = props makes a reload exact.
// A node just created by MERGE holds only its uid: that is how `created` is counted.
UNWIND $rows AS row
MERGE (n:Spie {uid: row.uid})
WITH n, row, properties(n) AS before
SET n = row.props
SET n:$(row.label)
RETURN count(CASE WHEN size(keys(before)) = 1 THEN 1 END) AS created,
       count(CASE WHEN size(keys(before)) > 1 AND before <> row.props THEN 1 END) AS updated
