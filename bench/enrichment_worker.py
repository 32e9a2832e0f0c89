"""Enrichment speed: each component alone, the enricher, and the worker through Redis.

    .venv/bin/python -m bench.enrichment_worker ../shared/data [--headlines 2000] [--batch 64]

On ECB+ full text (title + body) and UCI headlines, prints articles/s per component, the sum
of the components' times, the enricher in-process, and the enrichment worker consuming the
same events from a real Redis stream (a Valkey started here), plus the process's peak memory.
"""

import argparse
import asyncio
import gzip
import json
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.enrichment_quality import event
from deploy.native.servers import free_port, start_redis
from services.enrichment.app import create_app
from services.enrichment.batch_steps import embedding_text, full_text, language_text
from services.enrichment.pipeline import Enricher, load_models
from services.enrichment.settings import Settings
from shared.contracts.events import ArticleIngested
from shared.contracts.keys import Streams
from shared.runtime.broker import create_broker


def batches(items: Any, size: int) -> list[Any]:
    """Split into consecutive batches."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def timed(run: Callable[[Any], object], items: Any, size: int) -> float:
    """Seconds to run `run` over all items, batch by batch."""
    started = time.perf_counter()
    for batch in batches(items, size):
        run(batch)
    return time.perf_counter() - started


def components(enricher: Enricher, events: list[ArticleIngested], size: int) -> dict[str, float]:
    """Seconds each component takes alone on the same articles."""
    models = enricher.models
    articles = [e.article for e in events]
    texts = [full_text(a) for a in articles]
    embed_inputs = [embedding_text(a, a.description or "") for a in articles]
    all_vectors = models.embedder.embed(embed_inputs)
    return {
        "language": timed(models.language.detect_many, [language_text(a) for a in articles], size),
        "entities": timed(models.entities.extract_many, texts, size),
        "keywords": timed(lambda b: [models.keywords.extract(t, "en") for t in b], texts, size),
        "embedding": timed(models.embedder.embed, embed_inputs, size),
        "themes": timed(models.themes.classify, all_vectors, size),
    }


async def through_redis(enricher: Enricher, events: list[ArticleIngested], size: int) -> float:
    """Seconds for the worker to consume every event from a real Redis stream."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_redis(Path(tmp), port, appendonly=False)
        url = f"redis://127.0.0.1:{port}/0"
        try:
            settings = Settings(redis_url=url, batch_size=size)
            broker = create_broker(settings)
            async with broker:
                await broker.connect()
                for e in events:
                    await broker.publish(e, stream=Streams().ingested)
            return await _consume_all(create_app(settings, enricher), url)
        finally:
            server.stop()


async def _consume_all(app: Any, url: str) -> float:
    redis = Redis.from_url(url)
    started = time.perf_counter()
    async with app:
        while True:
            (group,) = await redis.xinfo_groups(Streams().ingested)
            if group["lag"] == 0 and group["pending"] == 0:
                break
            await asyncio.sleep(0.01)
    await redis.aclose()
    return time.perf_counter() - started


def report(name: str, enricher: Enricher, events: list[ArticleIngested], size: int) -> None:
    """Print the table for one data set."""
    enricher.enrich(events[:size])  # warm-up: first calls allocate
    parts = components(enricher, events, size)
    n = len(events)
    print(f"\n{name}: {n} articles, batches of {size}")
    for part, seconds in parts.items():
        print(f"  {part:22} {n / seconds:9.1f} articles/s")
    total = sum(parts.values())
    print(f"  {'sum of components':22} {n / total:9.1f} articles/s")
    in_process = timed(enricher.enrich, events, size)
    print(f"  {'enricher in-process':22} {n / in_process:9.1f} articles/s")
    worker = asyncio.run(through_redis(enricher, events, size))
    print(
        f"  {'worker through Redis':22} {n / worker:9.1f} articles/s "
        f"({(worker / total - 1) * 100:+.1f}% time vs the components' sum)"
    )


def load(path: Path, limit: int) -> list[ArticleIngested]:
    """Events from a gzip'd JSON Lines file, labels dropped."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for _, line in zip(range(limit), lines, strict=False)]
    return [event(r) for r in rows]


def main() -> None:
    """Measure full text, then headlines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--headlines", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    started = time.perf_counter()
    enricher = Enricher(
        load_models(
            Settings.model_fields["embedder"].default,
            Settings().theme_rules,
        )
    )
    print(f"models loaded in {time.perf_counter() - started:.1f} s")
    report("ECB+ full text", enricher, load(args.data / "ecbplus.dev.jsonl.gz", 10_000), args.batch)
    uci = load(args.data / "uci-news-aggregator.dev.jsonl.gz", args.headlines)
    report("UCI headlines", enricher, uci, args.batch)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process (models, data, worker): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
