// After a complete load: remember the content hash of what was written, the key of the
// files it was read from (null when unknown) and what the data set then holds ($counts: JSON
// text, {"node": {label: count}, "relationship": {type: count}}), so that an unchanged reload
// writes nothing and counts nothing.
MERGE (d:SpieChargement {dataset: $dataset})
SET d.hash = $hash, d.source = $source, d.counts = $counts
RETURN d.hash AS hash
