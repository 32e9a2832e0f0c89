"""Latency of the reader's pages (`/`, `/a/{id}`) next to `GET /search`, on a built index.

    .venv/bin/python -m bench.pages_latency --workdir /tmp/searchbench [--requests 500] [--seed 1]

`--workdir` is one that `bench.search_latency` filled (100,000+ UCI headlines indexed): the
system starts on it without ingesting anything. Queries are one or two words of sampled
titles (10% empty: the recent-stories page); article ids are sampled from the index. Requests
go one at a time over a kept-alive connection, after 50 discarded warm-up requests.
Target (issue 8): p95 under 100 ms for the pages.
"""

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.related_quality import run_cli, running_system

WARMUP = 50
Request = tuple[str, dict[str, str] | None]


def percentile(values: list[float], pct: float) -> float:
    """Return the nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def samples(meili: httpx.Client, index: str, count: int, seed: int) -> tuple[list[str], list[str]]:
    """Return `count` queries and `count` article ids drawn from the index."""
    found = meili.get(f"/indexes/{index}/documents", params={"limit": 2000, "fields": "id,title"})
    docs: list[dict[str, Any]] = found.json()["results"]
    rng = random.Random(seed)
    words = [w for d in docs for w in str(d["title"]).split() if w.isalpha() and len(w) > 3]
    queries = [
        "" if rng.random() < 0.1 else " ".join(rng.sample(words, rng.choice([1, 1, 2])))
        for _ in range(count)
    ]
    return queries, [str(rng.choice(docs)["id"]) for _ in range(count)]


def timed(client: httpx.Client, make: Callable[[int], Request], count: int) -> list[float]:
    """Return the milliseconds of each request after the warm-up; every answer must be 200."""
    times = []
    for i in range(count):
        path, params = make(i)
        started = time.perf_counter()
        response = client.get(path, params=params)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} {params}: {response.status_code}")
        if i >= WARMUP:
            times.append(elapsed)
    return times


def measure(args: argparse.Namespace) -> None:
    """Start the system on the workdir and print p50/p95/p99 per page."""
    count = args.requests + WARMUP
    with running_system(args.workdir) as system:
        queries, ids = samples(system.meili, system.index, count, args.seed)
        paths: dict[str, Callable[[int], Request]] = {
            "/ (HTML)": lambda i: ("/", {"q": queries[i]}),
            "/search (JSON)": lambda i: ("/search", {"q": queries[i], "limit": "10"}),
            "/a/{id} (HTML)": lambda i: (f"/a/{ids[i]}", None),
        }
        with httpx.Client(base_url=system.search, timeout=30) as client:
            for name, make in paths.items():
                ms = timed(client, make, count)
                figures = [f"p{p} {percentile(ms, p):6.1f} ms" for p in (50, 95, 99)]
                print(f"{name:16} n={len(ms)}  " + "  ".join(figures))


def main() -> None:
    """Parse the arguments and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    raise SystemExit(run_cli("pages_latency", lambda: measure(args), RuntimeError))


if __name__ == "__main__":
    main()
