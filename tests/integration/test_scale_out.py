"""Two enrichment workers in one consumer group split the work; nothing is processed twice."""

from collections import Counter
from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from services.enrichment.app import create_app
from services.enrichment.pipeline import Enricher, Models, load_models
from services.enrichment.settings import Settings
from services.enrichment.themes import ThemeRules
from shared.contracts.events import Article, ArticleEnriched, ArticleIngested
from shared.contracts.keys import ENRICHMENT_GROUP, Streams
from shared.contracts.vectors import DEFAULT_EMBEDDER
from shared.runtime.batches import decode
from tests.waits import wait_for

ARTICLES = 300
WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)


class CountingEnricher(Enricher):
    """The real enricher, counting the articles it was given."""

    def __init__(self, models: Models) -> None:
        super().__init__(models)
        self.articles = 0

    def enrich(self, events: Sequence[ArticleIngested]) -> list[ArticleEnriched]:
        """Count, then enrich."""
        self.articles += len(events)
        return super().enrich(events)


@pytest.fixture(scope="module")
def models() -> Models:
    """The real models, loaded once and shared by both workers (each process loads its own)."""
    return load_models(DEFAULT_EMBEDDER, ThemeRules())


async def enriched_ids(redis: Redis, streams: Streams) -> list[str]:
    """The article id of every event on the enriched stream, repeats included."""
    found: list[Any] = await redis.xrange(streams.enriched) or []
    return [decode(entry_id, fields).body["article"]["id"] for entry_id, fields in found]


async def test_two_workers_split_a_backlog_and_enrich_each_article_once(
    service_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    models: Models,
    redis: Redis,
) -> None:
    for name, value in service_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ENRICHMENT_BATCH_SIZE", "20")
    streams = Streams(service_env["ONTHEME_NAMESPACE"])
    for n in range(ARTICLES):
        article = Article(id=f"{n:024x}", title=f"Markets move on day {n}", published_at=WHEN)
        event = ArticleIngested(article=article).model_dump_json()
        await redis.xadd(streams.ingested, {"__data__": event})
    workers = [CountingEnricher(models), CountingEnricher(models)]
    async with AsyncExitStack() as stack:
        for worker in workers:
            await stack.enter_async_context(create_app(Settings(), worker))
        await wait_for(
            lambda: _at_least(enriched_ids(redis, streams), ARTICLES), what="every article enriched"
        )
        consumers = await redis.xinfo_consumers(streams.ingested, ENRICHMENT_GROUP)
    ids = Counter(await enriched_ids(redis, streams))
    assert len(ids) == ARTICLES
    assert max(ids.values()) == 1, "an article was enriched twice"
    assert len(consumers) == 2
    pending = await redis.xpending(streams.ingested, ENRICHMENT_GROUP)
    assert pending["pending"] == 0
    # Both took part, and between them they were given each article once.
    assert all(worker.articles > 0 for worker in workers)
    assert sum(worker.articles for worker in workers) == ARTICLES


async def _at_least(found: Any, count: int) -> bool:
    return len(await found) >= count
