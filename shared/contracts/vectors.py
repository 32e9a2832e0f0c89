"""Embedding models by name and size, shared by enrichment (writes) and the index (stores)."""

import base64
import binascii
from collections.abc import Sequence

import numpy as np

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


def pack(vector: Sequence[float]) -> str:
    """Encode a vector for the wire: little-endian float16 values, base64 (1,368 chars for 512).

    A fifth of its JSON list of floats: enriched events are most of what Redis holds. float16
    moves cosines between unit vectors by under 1e-4 (measured on 512 dimensions).
    """
    return base64.b64encode(np.asarray(vector, dtype="<f2").tobytes()).decode("ascii")


def unpack(value: object) -> object:
    """Decode a packed vector into floats; anything else (a list of floats, None) passes."""
    if not isinstance(value, str):
        return value
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not a base64 vector: {exc}") from exc
    if len(raw) % 2:
        raise ValueError("a packed vector has an even number of bytes (float16 values)")
    floats: list[float] = np.frombuffer(raw, dtype="<f2").astype(np.float64).tolist()
    return floats
