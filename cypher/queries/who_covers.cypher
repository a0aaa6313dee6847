// Services that cover a thématique on a territory (spie-graph who-covers).
// $communes: the communes of the territory asked (from the COG); a service covers a
// commune when its area (COUVRE) is that commune or a territory the commune is part of.
// $thematiques: codes that match the question (a category and its sub-themes...);
// $publics: null for any public, else ['tous-publics', <public>]; $moment: null or a moment.
// The score de qualité and date de mise à jour filters apply to the rows (coverage.finish_rows).
UNWIND $communes AS code
MATCH (c:Territoire {dataset: $dataset, code: code})
MATCH (c)-[:FAIT_PARTIE_DE*0..3]->(:Territoire)<-[:COUVRE]-(s:Service)
WITH s, collect(DISTINCT c) AS covered
WHERE EXISTS { (s)-[:TRAITE]->(t:Thematique) WHERE t.code IN $thematiques }
  AND ($publics IS NULL OR EXISTS { (s)-[:CIBLE]->(p:Public) WHERE p.code IN $publics })
  AND ($moment IS NULL OR $moment IN coalesce(s.moments, []))
MATCH (a:Acteur)-[:PROPOSE]->(s)
RETURN a.id AS acteur, a.nom AS nom_acteur, a.famille AS famille,
       s.id AS service, s.nom AS nom_service, s.thematiques AS thematiques,
       coalesce(s.publics, []) AS publics, coalesce(s.moments, []) AS moments,
       s.territoire AS territoire, size(covered) AS communes_couvertes,
       reduce(total = 0, x IN covered | total + x.population) AS population_couverte,
       s.frais AS frais, coalesce(s.modes_mobilisation, []) AS modes_mobilisation,
       coalesce(s.mobilisable_par, []) AS mobilisable_par, s.conditions_acces AS conditions_acces,
       s.score_qualite AS score_qualite, s.date_maj AS date_maj
