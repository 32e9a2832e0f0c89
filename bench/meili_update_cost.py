"""What each kind of document write costs Meilisearch 1.21: new documents vs partial updates.

    .venv/bin/python -m bench.meili_update_cost [--size 20000] [--batch 200] [--rounds 10] \
        [--binary-quantized] [--dimensions 512] [--no-vectors]

A fresh Meilisearch with the articles index's settings (HNSW store), `--size` documents with
512-float vectors (seeded random: the worst case for the graph), then `--rounds` tasks of
`--batch` documents each of: new documents with their vector (what indexing sends), partial
updates of `story_id` (what the related worker sends), partial updates of a 10-entry related
list (what it used to send, up to ten per article). Prints Meilisearch's CPU ms per document.
It answers whether a partial update re-indexes the document's vector (it does not on 1.21:
about 0.4 ms against 5 ms for a new document), and what `binaryQuantized` saves on inserts.
Then `--rounds` pairs of tasks as the pipeline sends them (new documents, then their story
ids), and after each kind Meilisearch's anonymous memory. Meilisearch reads its allocator's
settings from the environment, so `MIMALLOC_PURGE_DELAY=0 python -m bench.meili_update_cost`
measures mimalloc returning freed pages at once against its default (a delay).
"""

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.meili_vector_store import meilisearch, new_index, wait
from bench.related_quality import run_cli
from bench.suite.monitor import cpu_seconds, proc_status
from shared.contracts.index_schema import index_settings
from shared.contracts.vectors import INDEX_EMBEDDER

DIMENSIONS = 512
LIST = [
    {"id": f"{k:024x}", "score": 0.5, "same_story": False, "reasons": ["shared entities: A, B"]}
    for k in range(10)
]


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=20_000, help="documents indexed first")
    parser.add_argument("--batch", type=int, default=200, help="documents per task")
    parser.add_argument("--rounds", type=int, default=10, help="tasks of each kind")
    parser.add_argument("--binary-quantized", action="store_true", help="1-bit vectors")
    parser.add_argument("--dimensions", type=int, default=DIMENSIONS, help="vector width")
    parser.add_argument("--no-vectors", action="store_true", help="no embedder (the default)")
    return parser.parse_args()


def document(i: int, vector: np.ndarray | None) -> dict[str, Any]:
    """A headline-sized document with its vector (none: an index without vectors)."""
    fields = {
        "id": f"{i:024x}",
        "title": f"headline number {i} about the markets",
        "source": "Wire",
        "published_ts": 1_400_000_000 + i,
        "themes": ["economy"],
    }
    if vector is None:
        return fields
    return {**fields, "_vectors": {INDEX_EMBEDDER: vector.round(5).tolist()}}


def main() -> None:
    """Index, then time each kind of write."""
    args = parse_args()
    total = args.size + 2 * args.batch * args.rounds
    vectors = np.random.default_rng(1).normal(size=(total, args.dimensions)).astype(np.float32)
    settings = index_settings(None if args.no_vectors else args.dimensions)
    if not args.no_vectors:
        settings["embedders"][INDEX_EMBEDDER]["binaryQuantized"] = args.binary_quantized

    def vec(i: int) -> np.ndarray | None:
        return None if args.no_vectors else vectors[i]

    with tempfile.TemporaryDirectory() as work, meilisearch(Path(work)) as (client, pid):
        new_index(client, "b", settings)
        for start in range(0, args.size, 5000):
            end = min(args.size, start + 5000)
            body = [document(i, vec(i)) for i in range(start, end)]
            wait(client, client.put("/indexes/b/documents", json=body))

        def cost(name: str, make: Callable[[int], list[dict[str, Any]]], per: int = 1) -> None:
            before = cpu_seconds(pid)
            for r in range(args.rounds):
                wait(client, client.put("/indexes/b/documents", json=make(r)))
            ms = (cpu_seconds(pid) - before) * 1000 * per / (args.batch * args.rounds)
            anon = proc_status(pid).get("RssAnon", 0) / 1024
            print(
                f"{name:40} {ms:6.2f} ms of Meilisearch CPU a document, {anon:6.0f} MiB anon",
                flush=True,
            )

        b, n = args.batch, args.size
        cost("new documents" + ("" if args.no_vectors else " with a vector"), lambda r: [
            document(n + r * b + k, vec(n + r * b + k)) for k in range(b)
        ])  # fmt: skip
        cost("partial update: story_id", lambda r: [
            {"id": f"{r * b + k:024x}", "story_id": f"{r:024x}"} for k in range(b)
        ])  # fmt: skip
        cost("partial update: a 10-entry related list", lambda r: [
            {"id": f"{n // 2 + r * b + k:024x}", "related": LIST} for k in range(b)
        ])  # fmt: skip
        m = n + b * args.rounds  # past the new documents above
        cost("pipeline: an article, new then story_id", lambda r: [
            document(m + r // 2 * b + k, vec(m + r // 2 * b + k)) if r % 2 == 0
            else {"id": f"{m + r // 2 * b + k:024x}", "story_id": f"{r:024x}"}
            for k in range(b)
        ], per=2)  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(run_cli("meili_update_cost", main))
