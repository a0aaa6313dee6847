// Constraints and indexes of the spie-graph schema. Every node carries the label
// Spie, a unique `uid` ("<dataset>/<Label>:<id>") and its data set's name.
CREATE CONSTRAINT spie_uid IF NOT EXISTS FOR (n:Spie) REQUIRE n.uid IS UNIQUE;
CREATE INDEX spie_dataset IF NOT EXISTS FOR (n:Spie) ON (n.dataset);
CREATE INDEX territoire_code IF NOT EXISTS FOR (n:Territoire) ON (n.dataset, n.code);
CREATE INDEX acteur_id IF NOT EXISTS FOR (n:Acteur) ON (n.dataset, n.id);
CREATE INDEX service_id IF NOT EXISTS FOR (n:Service) ON (n.dataset, n.id);
CREATE INDEX territoire_niveau IF NOT EXISTS FOR (n:Territoire) ON (n.dataset, n.niveau);
