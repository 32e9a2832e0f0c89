"""Embedding models by name and size, shared by enrichment (writes) and the index (stores)."""

# Meilisearch's name for the article vectors (a user-provided embedder).
INDEX_EMBEDDER = "article"

# Every model enrichment can run, with its output size; the index is configured from this.
EMBEDDER_DIMENSIONS: dict[str, int] = {
    "minilm-l6-int8": 384,
    "use-multilingual-v3": 512,
}

# Chosen by measurement: see services/enrichment/embeddings.py and bench/embeddings.py.
DEFAULT_EMBEDDER = "minilm-l6-int8"
