"""Indexing worker: keeps the Meilisearch index of enriched articles up to date."""
