"""Meilisearch 1.21's two vector stores on news headlines: indexing cost, recall, memory.

    .venv/bin/python -m bench.meili_vector_store ../shared/data [--size 55000]

For each store (`stable`: arroy trees; `experimental`: hannoy, HNSW), a fresh Meilisearch on
a free port, the articles index's settings, then: the first `--size` UCI dev headlines with
their real vectors (the default embedder) in batches of 5,000; then five batches each of 20,
100 and 500 new documents, one task at a time as the indexing worker sends them, and the
Meilisearch CPU each batch cost; then top-10 recall of 50 pure vector searches against the
exact neighbours; then Meilisearch's RSS and its database on disk. Only titles and sources
are read.
"""

import argparse
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.quality_data import UCI_FILE, read_jsonl
from bench.suite.monitor import cpu_seconds, proc_status
from deploy.native.binaries import meilisearch_binary
from deploy.native.servers import free_port, start_meilisearch
from shared.adapters.embeddings import load_embedder
from shared.contracts.index_schema import index_settings
from shared.contracts.vectors import INDEX_EMBEDDER

SOURCE_ROOT = Path(__file__).resolve().parent.parent
BATCHES = (20, 100, 500)
ROUNDS = 5
QUERIES = 50


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("--size", type=int, default=55_000, help="headlines indexed first")
    parser.add_argument("--stores", default="stable,experimental")
    return parser.parse_args()


@contextlib.contextmanager
def meilisearch(workdir: Path) -> Iterator[tuple[httpx.Client, int]]:
    """A fresh Meilisearch; a client with its key, and its pid."""
    key, port = "bench-" + "k" * 26, free_port()
    process = start_meilisearch(meilisearch_binary(SOURCE_ROOT / ".cache"), workdir, port, key)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600) as c:
            yield c, process.pid
    finally:
        process.stop()


def wait(client: httpx.Client, response: httpx.Response) -> None:
    """Until the task `response` enqueued has finished; fail if it failed."""
    uid = response.json()["taskUid"]
    while (task := client.get(f"/tasks/{uid}").json())["status"] not in ("succeeded", "failed"):
        time.sleep(0.01)
    if task["status"] == "failed":
        raise RuntimeError(f"task {uid} failed: {task['error']}")


def new_index(client: httpx.Client, uid: str, settings: dict[str, Any]) -> None:
    """Create index `uid` with `settings`, the HNSW store allowed; wait until both are done."""
    client.patch("/experimental-features", json={"vectorStoreSetting": True})
    wait(client, client.post("/indexes", json={"uid": uid, "primaryKey": "id"}))
    wait(client, client.patch(f"/indexes/{uid}/settings", json=settings))


def disk_mib(path: Path) -> float:
    """The size of every file under `path`, in MiB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def documents(rows: list[dict[str, Any]], vectors: np.ndarray, start: int, end: int) -> list[Any]:
    """Documents `start` to `end`, each with its vector."""
    return [
        {
            "id": f"{i:024x}",
            "title": rows[i]["title"],
            "source": rows[i]["source"],
            "published_ts": 1_400_000_000 + i,
            "_vectors": {INDEX_EMBEDDER: vectors[i].round(5).tolist()},
        }
        for i in range(start, end)
    ]


def measure(
    store: str, rows: list[Any], vectors: np.ndarray, size: int, work: Path
) -> dict[str, Any]:
    """Every figure of one store."""
    with meilisearch(work / store) as (client, pid):
        new_index(client, "bench", {**index_settings(vectors.shape[1]), "vectorStore": store})
        started, cpu = time.monotonic(), cpu_seconds(pid)
        tasks = [
            client.put(
                "/indexes/bench/documents", json=documents(rows, vectors, s, min(size, s + 5000))
            )
            for s in range(0, size, 5000)
        ]
        for task in tasks:
            wait(client, task)
        figures: dict[str, Any] = {"bulk_per_s": size / (time.monotonic() - started)}
        figures["bulk_cpu_ms_per_doc"] = (cpu_seconds(pid) - cpu) * 1000 / size
        added = size
        for batch in BATCHES:
            cpu = cpu_seconds(pid)
            for _ in range(ROUNDS):
                new = documents(rows, vectors, added, added + batch)
                wait(client, client.put("/indexes/bench/documents", json=new))
                added += batch
            figures[f"cpu_s_per_batch_of_{batch}"] = (cpu_seconds(pid) - cpu) / ROUNDS
        figures["recall_at_10"] = recall(client, vectors[:added], size)
        figures["rss_mib"] = proc_status(pid)["VmRSS"] / 1024
    figures["disk_mib"] = disk_mib(work / store)
    return figures


def recall(client: httpx.Client, indexed: np.ndarray, size: int) -> float:
    """Share of the exact 10 nearest neighbours that pure vector searches return."""
    found = 0
    for q in range(size - 1, size - 1 - 3 * QUERIES, -3):
        body = {
            "vector": indexed[q].tolist(),
            "hybrid": {"embedder": INDEX_EMBEDDER, "semanticRatio": 1.0},
            "limit": 10,
            "attributesToRetrieve": ["id"],
        }
        hits = client.post("/indexes/bench/search", json=body).json()["hits"]
        exact = set(np.argsort(-(indexed @ indexed[q]))[:10].tolist())
        found += len(exact & {int(hit["id"], 16) for hit in hits})
    return found / (10 * QUERIES)


def main() -> None:
    """Embed the headlines once, measure each store, print a table."""
    args = parse_args()
    total = args.size + sum(BATCHES) * ROUNDS
    rows = [row for _, row in zip(range(total), read_jsonl(args.data / UCI_FILE), strict=False)]
    vectors = load_embedder().embed([row["title"] for row in rows])
    with tempfile.TemporaryDirectory() as work:
        results = {
            s: measure(s, rows, vectors, args.size, Path(work)) for s in args.stores.split(",")
        }
    names = list(next(iter(results.values())))
    print(f"{'figure':28}" + "".join(f"{store:>14}" for store in results))
    for name in names:
        print(f"{name:28}" + "".join(f"{r[name]:14.3f}" for r in results.values()))


if __name__ == "__main__":
    main()
