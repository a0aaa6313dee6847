// Interactions of one actor, both ways (--param dataset=NAME --param acteur=ID).
MATCH (a:Acteur {dataset: $dataset, id: $acteur})-[r:INTERAGIT]-(b:Acteur)
RETURN CASE WHEN startNode(r) = a THEN 'vers' ELSE 'depuis' END AS sens,
       b.id AS acteur, b.nom AS nom, r.interaction AS type, r.description AS description
ORDER BY type, nom
