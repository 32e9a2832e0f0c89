"""Adapters: Redis replies as text, Meilisearch, guarded page fetching, embedding models."""
