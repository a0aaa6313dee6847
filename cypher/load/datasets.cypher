// Names of the data sets held, with their node counts.
MATCH (n:Spie)
RETURN n.dataset AS dataset, count(*) AS noeuds
ORDER BY dataset
