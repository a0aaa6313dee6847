// What the database holds of a data set before a load: the content hash, source key and
// counts of its last complete load (null while a load runs or after one was cut short), and
// whether any of its nodes is there.
OPTIONAL MATCH (d:SpieChargement {dataset: $dataset})
RETURN d.hash AS hash, d.source AS source, d.counts AS counts,
       EXISTS { MATCH (n:Spie {dataset: $dataset}) } AS present
