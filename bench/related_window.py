"""The related worker's vector window on a dense stream: its memory and a batch's search time.

    .venv/bin/python -m bench.related_window [--records 35000] [--batch 200] [--rounds 20]

A real Redis holds `--records` stored vectors (512 seeded random values as int8 records, as
the story join script appends them) spread over the ±4 days a batch searches: 35,000 is the
densest such window in the first 300,000 UCI dev headlines. The worker's `VectorCache` reads
them once; the bench prints the bytes held, what the parsed hours and the joined window add
beside them (Python allocations, tracemalloc), and, per batch of `--batch` articles, the time
to join the window and find each article's 20 nearest (`nearest`), the median of `--rounds`.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from redis.asyncio import Redis

from bench.related_quality import run_cli
from deploy.native.servers import free_port, start_redis
from services.related.nearest import nearest
from services.related.vectors import HOUR_SECONDS, VectorCache, record_of

DIMENSIONS = 512
SPAN_S = 4 * 86_400
START = 1_400_000_000
LIMIT = 20


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=35_000, help="stored vectors")
    parser.add_argument("--batch", type=int, default=200, help="articles searched at once")
    parser.add_argument("--rounds", type=int, default=20, help="batches timed")
    return parser.parse_args()


async def store(redis: Redis, cache: VectorCache, records: int, rng: np.random.Generator) -> None:
    """Append `records` random vectors to their hours, evenly over twice the span."""
    ts = START + np.sort(rng.integers(0, 2 * SPAN_S, records))
    vectors = rng.normal(size=(records, DIMENSIONS)).astype(np.float32)
    async with redis.pipeline(transaction=False) as pipe:
        for n, (at, vector) in enumerate(zip(ts, vectors, strict=True)):
            pipe.append(
                cache.key(DIMENSIONS, int(at) // HOUR_SECONDS),
                record_of(f"{n:024x}", int(at), vector),
            )
        await pipe.execute()


async def run(args: argparse.Namespace, url: str) -> None:
    """Fill Redis, read the window once, then time the batches."""
    rng = np.random.default_rng(3)
    redis = Redis.from_url(url)
    cache = VectorCache(redis, "bench:vectors:")
    await store(redis, cache, args.records, rng)
    hours = list(range(START // HOUR_SECONDS, (START + 2 * SPAN_S) // HOUR_SECONDS + 1))
    tracemalloc.start()
    window = await cache.window(DIMENSIONS, hours)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    raw = sum(len(b) for b in cache._hours.values())
    print(f"window: {len(window.ids):,} records, {raw / 2**20:.1f} MiB of bytes held")
    # The joined window's int8 copy (records x 512 bytes) is held for one batch, then freed.
    print(f"parsed hours + joined window: {(held - raw) / 2**20:.1f} MiB beside the bytes")
    queries = rng.normal(size=(args.batch, DIMENSIONS)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    published = START + SPAN_S + rng.integers(-3600, 3600, args.batch)
    own = [f"{n:024x}" for n in range(args.batch)]
    times = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        window = await cache.window(DIMENSIONS, hours)
        nearest(window, queries, published, own, SPAN_S, LIMIT)
        times.append(time.perf_counter() - started)
    median_ms = statistics.median(times) * 1000
    print(f"join + nearest, a batch of {args.batch}: {median_ms:.0f} ms (median)")
    await redis.aclose()


def main() -> None:
    """Start a Redis, run the bench, stop it."""
    args = parse_args()
    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        server = start_redis(Path(work), port, appendonly=False)
        try:
            asyncio.run(run(args, f"redis://127.0.0.1:{port}/0"))
        finally:
            server.stop()


if __name__ == "__main__":
    raise SystemExit(run_cli("related_window", main))
