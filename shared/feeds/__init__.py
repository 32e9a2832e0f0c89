"""The feed registry in Redis and its backoff, used by the ingest API and the poller."""
