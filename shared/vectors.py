"""Embedding models by name and size, shared by enrichment (writes) and the index (stores)."""

# Meilisearch's name for the article vectors (a user-provided embedder).
INDEX_EMBEDDER = "article"

# Every model enrichment can run, with its output size; the index is configured from this.
EMBEDDER_DIMENSIONS: dict[str, int] = {
    "minilm-l6-int8": 384,
    "use-multilingual-v3": 512,
}

# Chosen by measurement (bench/embeddings.py, bench/enrichment_quality.py): multilingual USE
# themes HuffPost dev top-1 0.447 against MiniLM's 0.349, and it is the faster of the two.
DEFAULT_EMBEDDER = "use-multilingual-v3"
