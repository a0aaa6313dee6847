// Whether the load's warm-up may commit its made-up rows (then delete them): the database
// holds no node but, at most, those of a warm-up cut short ($dataset: the warm-up's).
RETURN NOT EXISTS { MATCH (n) WHERE n.dataset IS NULL OR n.dataset <> $dataset } AS may
