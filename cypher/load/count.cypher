// Nodes by label and relationships by type of a data set.
MATCH (n:Spie {dataset: $dataset})
WITH [l IN labels(n) WHERE l <> 'Spie'][0] AS label, count(*) AS total
RETURN 'node' AS kind, label AS name, total
UNION ALL
MATCH (:Spie {dataset: $dataset})-[r]->()
RETURN 'relationship' AS kind, type(r) AS name, count(*) AS total
