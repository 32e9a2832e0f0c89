"""Ingest N headlines through the HTTP API of a running ontheme and time the pipeline.

    .venv/bin/python -m bench.pipeline_throughput ../shared/data/uci-news-aggregator.dev.jsonl.gz \
        --limit 20000 --ingest http://127.0.0.1:8001 --search http://127.0.0.1:8000 \
        [--api-key KEY]

The ingest API key is `--api-key`, else the first of INGEST_API_KEYS, else the one `make run`
wrote into .data/local.env. Ground-truth fields (category, story_id) are dropped before
anything is sent.
"""

import argparse
import gzip
import itertools
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from deploy.native.keys import ingest_key

FIELDS = ("title", "description", "body", "url", "source", "published_at", "language")


def articles(path: Path, limit: int) -> Iterator[dict[str, Any]]:
    """Yield up to `limit` rows of a JSON Lines file (gzip'd or not), labels stripped."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as rows:
        for line in itertools.islice(rows, limit):
            row = json.loads(line)
            yield {k: row[k] for k in FIELDS if row.get(k) is not None}


def wait_idle(search: httpx.Client, timeout: float) -> float:
    """Wait until /pipeline says idle; return when that was."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if search.get("/pipeline").json()["idle"]:
            return time.monotonic()
        time.sleep(0.2)
    raise TimeoutError("the pipeline did not go idle")


def parse_args() -> argparse.Namespace:
    """The command line; the API key defaults to the local one."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path)
    parser.add_argument("--limit", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--ingest", default="http://127.0.0.1:8001")
    parser.add_argument("--search", default="http://127.0.0.1:8000")
    parser.add_argument("--api-key", help="ingest API key (default: see above)")
    args = parser.parse_args()
    args.api_key = args.api_key or ingest_key(Path.cwd(), os.environ)
    if not args.api_key:
        parser.error("no ingest API key: pass --api-key, set INGEST_API_KEYS, or `make run` once")
    return args


def send(ingest: httpx.Client, rows: list[dict[str, Any]], batch: int) -> dict[str, int]:
    """POST the rows in batches; count the outcomes."""
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
    for i in range(0, len(rows), batch):
        response = ingest.post("/articles/batch", json=rows[i : i + batch])
        for r in response.raise_for_status().json()["results"]:
            counts[
                "rejected" if "error" in r else "duplicate" if r["duplicate"] else "accepted"
            ] += 1
    return counts


def main() -> None:
    """Send the batches, wait for the pipeline, print the figures."""
    args = parse_args()
    headers = {"Authorization": f"Bearer {args.api_key}"}
    ingest = httpx.Client(base_url=args.ingest, headers=headers, timeout=120)
    search = httpx.Client(base_url=args.search, timeout=30)
    rows = list(articles(args.data, args.limit))
    started = time.monotonic()
    counts = send(ingest, rows, args.batch)
    sent = time.monotonic()
    idle = wait_idle(search, timeout=1800)
    print(f"rows {len(rows)}: {counts}")
    print(f"ingest API: {len(rows) / (sent - started):,.0f} articles/s ({sent - started:.1f} s)")
    print(
        f"pipeline until idle: {counts['accepted'] / (idle - started):,.0f} articles/s "
        f"({idle - started:.1f} s)"
    )


if __name__ == "__main__":
    main()
