// After a bulk import: the importer writes no property for an empty list. Every node of
// $label has $property (a list) in the data set, so a node without it held []: give it back.
// $value: {<property>: []}.
MATCH (n:Spie:$($label) {dataset: $dataset})
WHERE n[$property] IS NULL
SET n += $value
