// Whether the spie-graph schema exists (the uniqueness constraint on uid): without it, a
// first load writes without index upkeep and creates the schema once its data is written.
SHOW CONSTRAINTS YIELD name
WHERE name = 'spie_uid'
RETURN count(*) > 0 AS present
