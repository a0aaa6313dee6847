// After a complete load: remember the content hash of what was written.
MERGE (d:SpieChargement {dataset: $dataset})
SET d.hash = $hash
RETURN d.hash AS hash
