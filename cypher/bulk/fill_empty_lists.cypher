// After a bulk import: the importer writes no property for an empty list. Every node of
// $label has each of $properties (lists) in the data set, so a node lacking one held []:
// give it back, in one pass over the label's nodes.
MATCH (n:Spie:$($label) {dataset: $dataset})
FOREACH (key IN [key IN $properties WHERE n[key] IS NULL] | SET n[key] = [])
