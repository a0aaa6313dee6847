// Before writing: forget the hash, so that a load cut short is never taken as complete.
MATCH (d:SpieChargement {dataset: $dataset})
DELETE d
RETURN count(*) AS removed
