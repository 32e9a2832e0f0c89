"""Enrichment worker: reads ingested articles, publishes enriched ones."""
