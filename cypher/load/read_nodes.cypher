// Read back every node of a data set.
MATCH (n:Spie {dataset: $dataset})
RETURN n.uid AS uid, [l IN labels(n) WHERE l <> 'Spie'][0] AS label, properties(n) AS props
