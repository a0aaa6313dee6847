// After a bulk import: the importer writes no property for an empty list. Every node of
// $label has each of $properties (lists) in the data set, so a node lacking one held []:
// give it back, in one pass over the label's nodes, in transactions of 10,000 nodes (a
// national data set's 300,000 services would not fit in the server's memory at once).
MATCH (n:Spie:$($label) {dataset: $dataset})
CALL (n) {
  FOREACH (key IN [key IN $properties WHERE n[key] IS NULL] | SET n[key] = [])
} IN TRANSACTIONS OF 10000 ROWS
