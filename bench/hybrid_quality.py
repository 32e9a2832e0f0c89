"""Hybrid search quality against the vectors' cost in Meilisearch: float32 or binary-quantised.

    .venv/bin/python -m bench.hybrid_quality ../shared/data [--size 30000] [--queries 400] \
        [--seed 1] [--ratios 0,0.5,0.8,1] [--stores float32,binary]

A contiguous window of `--size` UCI dev headlines (seeded within the file's newest 30%), each
with its vector from the default embedder (int8 as the wire carries it), indexed with the
articles index's settings into a fresh Meilisearch per store: `float32` (as today) or
`binary` (`binaryQuantized`). Then, per store, the Meilisearch CPU a new document costs in
tasks of 100 (the indexing worker's size at a steady 50/s), RSS and database on disk; and for
a seeded sample of headlines whose story has at least 3 rows in the window, two searches
through the API's own `search_request`, the query embedded as the search service does:
`headline` (the whole title: "more like this") and `words` (its three rarest words: what a
reader types). P@10: same-story hits in the top 10 (the query's own headline left out),
divided by 10; `agree@10`: the share of a store's top 10 that float32 also returns.
"""

import argparse
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.embeddings import story_queries
from bench.meili_vector_store import disk_mib, meilisearch, new_index, wait
from bench.quality_data import Row, uci_window
from bench.suite.monitor import cpu_seconds, proc_status
from services.search.schemas import SearchParams
from services.search.search_query import search_request
from shared.adapters.embeddings import load_embedder
from shared.contracts.index_schema import index_settings
from shared.contracts.vectors import INDEX_EMBEDDER, pack, unpack

WORD = re.compile(r"[a-z0-9][a-z0-9'&-]*")
STOP = frozenset("a an and the of to in on for with at by from as is are be new says after".split())
NEW_TASKS, NEW_TASK_SIZE = 5, 100
BULK = 5000
Query = tuple[int, str, list[float]]  # row, query text, its vector
Tops = dict[tuple[str, float], list[list[str]]]  # (kind, ratio) -> each query's top 10 ids


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("--size", type=int, default=30_000, help="contiguous headlines")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ratios", default="0,0.5,0.8,1", help="semantic ratios searched")
    parser.add_argument("--stores", default="float32,binary")
    return parser.parse_args()


def wire_vectors(titles: list[str]) -> np.ndarray:
    """The titles' vectors as indexing receives them: packed for the wire, then unpacked."""
    raw = load_embedder().embed(titles)
    return np.array([unpack(pack(v.tolist())) for v in raw], dtype=np.float32)


def document(i: int, row: Row, vector: np.ndarray) -> dict[str, Any]:
    """The indexed fields a headline has: title, source, time and vector."""
    return {
        "id": f"{i:024x}",
        "title": row.payload["title"],
        "source": row.payload.get("source"),
        "published_ts": int(row.ts),
        "_vectors": {INDEX_EMBEDDER: vector.round(6).tolist()},
    }


def rare_words(titles: list[str]) -> list[str]:
    """Each title's three rarest words over the window (idf), in title order."""
    words = [[w for w in WORD.findall(t.lower()) if w not in STOP and len(w) > 2] for t in titles]
    df = Counter(w for ws in words for w in set(ws))
    picked = [sorted(set(ws), key=lambda w: (df[w], w))[:3] for ws in words]
    return [" ".join(w for w in ws if w in keep) for ws, keep in zip(words, picked, strict=True)]


def index_all(client: httpx.Client, docs: list[dict[str, Any]], binary: bool) -> None:
    """A fresh index with the articles' settings (binary-quantised or not), every document."""
    settings = index_settings(len(docs[0]["_vectors"][INDEX_EMBEDDER]))
    settings["embedders"][INDEX_EMBEDDER]["binaryQuantized"] = binary
    new_index(client, "bench", settings)
    tasks = [
        client.put("/indexes/bench/documents", json=docs[s : s + BULK])
        for s in range(0, len(docs), BULK)
    ]
    for task in tasks:
        wait(client, task)


def new_document_cost(client: httpx.Client, pid: int, docs: list[dict[str, Any]]) -> float:
    """Meilisearch CPU ms a document, re-sent in tasks of 100 under new ids."""
    cpu = cpu_seconds(pid)
    for t in range(NEW_TASKS):
        batch = docs[t * NEW_TASK_SIZE : (t + 1) * NEW_TASK_SIZE]
        fresh = [{**d, "id": f"f{t}{d['id'][2:]}"} for d in batch]
        wait(client, client.put("/indexes/bench/documents", json=fresh))
    return (cpu_seconds(pid) - cpu) * 1000 / (NEW_TASKS * NEW_TASK_SIZE)


def top10(client: httpx.Client, q: str, vector: list[float], ratio: float, own: str) -> list[str]:
    """The ids of a search's top 10 with the query's own headline left out."""
    params = SearchParams(q=q, semantic_ratio=ratio, limit=11)
    body = {"q": q, **search_request(params, 30, vector if ratio > 0 else None)}
    body["attributesToRetrieve"] = ["id"]
    response = client.post("/indexes/bench/search", json=body)
    if response.is_error:
        raise RuntimeError(f"search {q!r} at {ratio}: {response.status_code} {response.text}")
    hits = response.json()["hits"]
    return [h["id"] for h in hits if h["id"] != own][:10]


def measure_store(
    store: str,
    docs: list[dict[str, Any]],
    queries: dict[str, list[Query]],
    ratios: list[float],
    work: Path,
) -> tuple[dict[str, float], Tops]:
    """A store's cost figures, and every query's top 10 by (kind, ratio)."""
    with meilisearch(work / store) as (client, pid):
        index_all(client, docs, store == "binary")
        figures = {"anon_mib": proc_status(pid)["RssAnon"] / 1024}
        figures["rss_mib"] = proc_status(pid)["VmRSS"] / 1024
        tops = {
            (kind, ratio): [top10(client, q, v, ratio, docs[i]["id"]) for i, q, v in asked]
            for kind, asked in queries.items()
            for ratio in ratios
        }
        # Last: the copies it adds would show up in the searches.
        figures["new_doc_cpu_ms"] = new_document_cost(client, pid, docs)
    figures["disk_mib"] = disk_mib(work / store)
    return figures, tops


def p_at_10(tops: list[list[str]], asked: list[Query], story: dict[str, str]) -> float:
    """Same-story hits in each top 10, divided by 10, averaged."""
    return float(
        np.mean(
            [
                sum(story[h] == story[f"{i:024x}"] for h in top) / 10
                for top, (i, _, _) in zip(tops, asked, strict=True)
            ]
        )
    )


def agreement(tops: list[list[str]], reference: list[list[str]]) -> float:
    """The share of each top 10 that the reference's top 10 also holds, averaged."""
    # Both empty is full agreement.
    shares = [
        len(set(a) & set(b)) / len(b) if b else float(not a)
        for a, b in zip(tops, reference, strict=True)
    ]
    return float(np.mean(shares))


def main() -> None:
    """Embed, index per store, search, print a table."""
    args = parse_args()
    rows, _ = uci_window(args.data, args.size, args.seed)
    titles = [r.payload["title"] for r in rows]
    vectors = wire_vectors(titles)
    docs = [document(i, r, v) for i, (r, v) in enumerate(zip(rows, vectors, strict=True))]
    story = {d["id"]: r.story for d, r in zip(docs, rows, strict=True)}
    picked = sorted(story_queries([r.story for r in rows], args.queries, args.seed))
    words = rare_words(titles)
    texts = {"headline": [titles[i] for i in picked], "words": [words[i] for i in picked]}
    embedder = load_embedder()
    queries = {
        k: list(zip(picked, t, embedder.embed(t).tolist(), strict=True)) for k, t in texts.items()
    }
    ratios = [float(r) for r in args.ratios.split(",")]
    with tempfile.TemporaryDirectory() as work:
        results = {
            s: measure_store(s, docs, queries, ratios, Path(work)) for s in args.stores.split(",")
        }
    report(results, queries, story, len(docs))


def report(
    results: dict[str, tuple[dict[str, float], Tops]],
    queries: dict[str, list[Query]],
    story: dict[str, str],
    size: int,
) -> None:
    """Print quality per store, kind and ratio, then cost per store."""
    stores = list(results)
    print(f"{size} headlines, {len(next(iter(queries.values())))} queries per kind")
    print(
        f"{'kind':9}{'ratio':>6}" + "".join(f"{s + ' P@10':>14}{s + ' agree':>15}" for s in stores)
    )
    for kind, ratio in results[stores[0]][1]:
        asked, reference = queries[kind], results[stores[0]][1][(kind, ratio)]
        cells = "".join(
            f"{p_at_10(t, asked, story):14.3f}{agreement(t, reference):15.3f}"
            for t in (tops[(kind, ratio)] for _, tops in results.values())
        )
        print(f"{kind:9}{ratio:6.2f}{cells}")
    for name in ("new_doc_cpu_ms", "anon_mib", "rss_mib", "disk_mib"):
        print(f"{name:15}" + "".join(f"{r[name]:14.2f}" for r, _ in results.values()))


if __name__ == "__main__":
    main()
