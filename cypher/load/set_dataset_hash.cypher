// After a complete load: remember the content hash of what was written and the key of the
// files it was read from (null when unknown), so that an unchanged reload writes nothing.
MERGE (d:SpieChargement {dataset: $dataset})
SET d.hash = $hash, d.source = $source
RETURN d.hash AS hash
