// Actors of a data set by family (spie-graph cypher acteurs_par_famille --param dataset=NAME).
MATCH (a:Acteur {dataset: $dataset})
RETURN a.famille AS famille, count(*) AS acteurs, collect(a.nom)[..5] AS exemples
ORDER BY acteurs DESC, famille
