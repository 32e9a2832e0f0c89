"""Search service: the HTTP API over the Meilisearch index and the pipeline's state."""
