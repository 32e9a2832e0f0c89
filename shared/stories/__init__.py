"""Stories and related lists in Redis: the related worker writes, search and reindex read."""
