"""Same-story quality of the related baseline, on a labelled JSON Lines file.

    .venv/bin/python -m bench.related_baseline ../shared/data/uci-news-aggregator.dev.jsonl.gz \
        --limit 20000 --queries 300

Indexes the first N rows (labels stripped) into a throwaway Meilisearch started here, runs the
related service's own query and scoring for a seeded sample, and reports, against the
`story_id` labels: related articles per query, precision (share in the query's story) and
hit@1 (top related in the query's story), next to Meilisearch's own ranking score.
"""

import argparse
import gzip
import itertools
import json
import random
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import meilisearch

from deploy.native.binaries import meilisearch_binary
from deploy.native.servers import free_port, start_meilisearch
from services.related.logic import RelatedQuery, related_list
from shared import filters
from shared.search_client import ensure_index

KEY = "bench-master-key-0123456789"
DAY = 86_400


def load(path: Path, limit: int) -> list[dict[str, Any]]:
    """Read rows with a time and a story label."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in itertools.islice(lines, limit)]
    return [r for r in rows if r.get("published_at") and r.get("story_id")]


def documents(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Index documents: no label reaches the index."""
    return [
        {
            "id": r["id"],
            "title": r["title"],
            "published_ts": int(datetime.fromisoformat(r["published_at"]).timestamp()),
            "_vectors": {"article": None},
        }
        for r in rows
    ]


def report(name: str, results: list[tuple[str, list[str]]], story: dict[str, str]) -> None:
    """Print related per query, precision and hit@1."""
    returned = sum(len(ids) for _, ids in results)
    same = sum(story[i] == story[q] for q, ids in results for i in ids)
    hit1 = sum(bool(ids) and story[ids[0]] == story[q] for q, ids in results)
    print(
        f"{name:34} related/query {returned / len(results):5.2f}  "
        f"precision {same / max(returned, 1):.3f}  hit@1 {hit1 / len(results):.3f}"
    )


def main() -> None:
    """Index, query, score, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--limit", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rows = load(args.data, args.limit)
    story = {r["id"]: r["story_id"] for r in rows}
    docs = documents(rows)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_meilisearch(meilisearch_binary(Path(".cache")), Path(tmp) / "db", port, KEY)
        try:
            run(meilisearch.Client(f"http://127.0.0.1:{port}", KEY), docs, story, args.queries)
        finally:
            server.stop()


def run(
    client: meilisearch.Client, docs: list[dict[str, Any]], story: dict[str, str], queries: int
) -> None:
    """Index the documents and compare the baseline with Meilisearch's ranking score."""
    ensure_index(client, "bench", dimensions=1)
    task = client.index("bench").add_documents(docs)
    client.wait_for_task(task.task_uid, timeout_in_ms=600_000)
    sample = random.Random(1).sample(docs, queries)
    query = RelatedQuery(limit=10, candidates=30, window_days=3, min_score=0.3)
    searches = [
        {
            "indexUid": "bench",
            "q": d["title"],
            "filter": filters.all_of(
                [
                    filters.not_equals("id", d["id"]),
                    filters.at_least("published_ts", d["published_ts"] - 3 * DAY),
                    filters.at_most("published_ts", d["published_ts"] + 3 * DAY),
                ]
            ),
            "limit": query.candidates,
            "matchingStrategy": "last",
            "showRankingScore": True,
        }
        for d in sample
    ]
    hits = [r["hits"] for r in client.multi_search(searches)["results"]]
    baseline = [
        (d["id"], [e["id"] for e in related_list(d["title"], h, query)])
        for d, h in zip(sample, hits, strict=True)
    ]
    meili = [
        (d["id"], [x["id"] for x in h if x["_rankingScore"] >= 0.2][:10])
        for d, h in zip(sample, hits, strict=True)
    ]
    report("baseline (title cosine >= 0.3)", baseline, story)
    report("Meilisearch ranking score >= 0.2", meili, story)


if __name__ == "__main__":
    main()
