// Services that cover a thématique on a territory (spie-graph who-covers).
// $communes: the communes of the territory asked (from the COG); a service covers a
// commune when its area (COUVRE) is that commune or a territory the commune is part of.
// $thematiques: codes that match the question (a category and its sub-themes...);
// $publics: null for any public, else ['tous-publics', <public>]; $moment: null or a moment.
// The score de qualité and date de mise à jour filters apply to the rows (coverage.finish_rows).
// Each area that meets the territory (a commune asked, or an EPCI, département, région,
// France above one) is intersected with it once, not once per service: asking about all
// of France reads each of its 35,000 communes five times, not once per service.
UNWIND $communes AS code
MATCH (c:Territoire {dataset: $dataset, code: code})
MATCH (c)-[:FAIT_PARTIE_DE*0..3]->(area:Territoire)
WITH area, collect(DISTINCT c) AS inside
WITH area, inside, size(inside) AS n, reduce(total = 0, x IN inside | total + x.population) AS people
MATCH (area)<-[:COUVRE]-(s:Service)
WHERE EXISTS { (s)-[:TRAITE]->(t:Thematique) WHERE t.code IN $thematiques }
  AND ($publics IS NULL OR EXISTS { (s)-[:CIBLE]->(p:Public) WHERE p.code IN $publics })
  AND ($moment IS NULL OR $moment IN coalesce(s.moments, []))
WITH s, collect({inside: inside, n: n, people: people}) AS parts
// A service with several areas meeting the territory: the union of their communes.
WITH s, parts, CASE WHEN size(parts) = 1 THEN null
                    ELSE COLLECT { UNWIND parts AS part UNWIND part.inside AS x RETURN DISTINCT x }
               END AS covered
MATCH (a:Acteur)-[:PROPOSE]->(s)
RETURN a.id AS acteur, a.nom AS nom_acteur, a.famille AS famille,
       s.id AS service, s.nom AS nom_service, s.thematiques AS thematiques,
       coalesce(s.publics, []) AS publics, coalesce(s.moments, []) AS moments,
       s.territoire AS territoire,
       CASE WHEN covered IS NULL THEN parts[0].n ELSE size(covered) END AS communes_couvertes,
       CASE WHEN covered IS NULL THEN parts[0].people
            ELSE reduce(total = 0, x IN covered | total + x.population) END AS population_couverte,
       s.frais AS frais, coalesce(s.modes_mobilisation, []) AS modes_mobilisation,
       coalesce(s.mobilisable_par, []) AS mobilisable_par, s.conditions_acces AS conditions_acces,
       s.score_qualite AS score_qualite, s.date_maj AS date_maj
