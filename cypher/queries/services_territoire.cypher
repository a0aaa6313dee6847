// Services whose area is exactly a territory code (--param dataset=NAME --param code=56).
MATCH (s:Service {dataset: $dataset})-[:COUVRE]->(t:Territoire {code: $code})
MATCH (a:Acteur)-[:PROPOSE]->(s)
RETURN a.nom AS acteur, s.id AS service, s.nom AS nom_service, s.thematiques AS thematiques
ORDER BY acteur, service
