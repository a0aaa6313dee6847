// After a bulk import: wait until the indexes just created are filled (5 minutes at most).
CALL db.awaitIndexes(300)
