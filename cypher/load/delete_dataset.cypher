// A first load that failed: delete what it wrote (the data set held nothing before), in
// transactions of 10,000 nodes so that a national data set fits in the server's memory.
MATCH (n:Spie {dataset: $dataset})
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
