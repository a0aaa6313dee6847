// --replace: delete the data set's relationships that the new load does not hold.
MATCH (a:Spie {dataset: $dataset})-[r]->()
WHERE NOT r.rid IN $rids
DELETE r
RETURN count(*) AS removed
