// After the schema is created on a database already holding data (first load into an
// empty database, bulk import): wait until its indexes are filled (10 minutes at most).
CALL db.awaitIndexes(600)
