"""Ingest service: the HTTP API that validates articles and publishes the new ones."""
