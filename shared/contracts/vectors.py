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


# Packed vectors are int8 with one float32 scale, behind this tag; untagged base64 is the
# float16 form events had before (still read: the streams keep a week of them).
INT8_TAG = "i8:"
_SCALE = np.dtype("<f4")


def quantise(vector: Sequence[float] | np.ndarray) -> tuple[float, np.ndarray]:
    """Return a vector as a scale and int8 steps (value = step x scale; largest = 127 steps)."""
    values = np.asarray(vector, dtype=np.float64)
    peak = float(np.abs(values).max()) if values.size else 0.0
    scale = peak / 127 if peak > 0 else 1.0
    return scale, np.rint(values / scale).astype(np.int8)


def pack(vector: Sequence[float]) -> str:
    """Encode a vector for the wire: a float32 scale and int8 values, base64 (691 chars for 512).

    Half the float16 form (1,368 chars): enriched events are most of what Redis holds. The
    step is the largest value / 127, which moves cosines between unit vectors by about 1e-3
    at most (measured in tests/unit/test_vectors.py), well under the story thresholds' steps.
    """
    scale, steps = quantise(vector)
    raw = np.asarray([scale], dtype=_SCALE).tobytes() + steps.tobytes()
    return INT8_TAG + base64.b64encode(raw).decode("ascii")


def unpack(value: object) -> object:
    """Decode a packed vector (int8 or the older float16) into floats; a list or None passes."""
    if not isinstance(value, str):
        return value
    tagged = value.startswith(INT8_TAG)
    try:
        raw = base64.b64decode(value.removeprefix(INT8_TAG), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not a base64 vector: {exc}") from exc
    if tagged:
        if len(raw) < _SCALE.itemsize:
            raise ValueError("an int8 vector starts with its float32 scale")
        scale = float(np.frombuffer(raw[: _SCALE.itemsize], dtype=_SCALE)[0])
        steps = np.frombuffer(raw[_SCALE.itemsize :], dtype=np.int8)
        return (steps.astype(np.float64) * scale).tolist()
    if len(raw) % 2:
        raise ValueError("a float16 packed vector has an even number of bytes")
    floats: list[float] = np.frombuffer(raw, dtype="<f2").astype(np.float64).tolist()
    return floats
