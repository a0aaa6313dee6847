// --replace: delete the data set's nodes that the new load does not hold.
MATCH (n:Spie {dataset: $dataset})
WHERE NOT n.uid IN $uids
DETACH DELETE n
RETURN count(*) AS removed
