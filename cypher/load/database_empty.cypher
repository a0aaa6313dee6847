// Whether the database holds no node at all (the bulk import replaces the whole database).
RETURN NOT EXISTS { MATCH (n) } AS empty
