// The content hash of the data set as last loaded whole (none while a load runs).
MATCH (d:SpieChargement {dataset: $dataset})
RETURN d.hash AS hash
