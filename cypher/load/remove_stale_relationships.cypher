// --replace: delete the data set's relationships that the new load does not hold. $keys:
// "<source uid>|<key>|<target uid>" of each relationship it holds (a relationship's key is
// its property rkey, or its type when it has none).
MATCH (a:Spie {dataset: $dataset})-[r]->(b)
WHERE NOT a.uid + '|' + coalesce(r.rkey, type(r)) + '|' + b.uid IN $keys
DELETE r
RETURN count(*) AS removed
