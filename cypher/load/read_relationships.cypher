// Read back every relationship of a data set.
MATCH (a:Spie {dataset: $dataset})-[r]->(b:Spie)
RETURN a.uid AS source, b.uid AS target, type(r) AS type, properties(r) AS props
