"""Enrichment worker wiring: ingested articles in, enriched articles out."""

import asyncio

import structlog
from faststream import FastStream

from services.enrichment.pipeline import Enricher, load_models
from services.enrichment.settings import Settings
from shared.contracts.events import ArticleEnriched, ArticleIngested
from shared.contracts.keys import ENRICHMENT_GROUP
from shared.runtime.batches import Entry, check_batch, dead_letter
from shared.runtime.broker import publish_many
from shared.runtime.worker import consume, create_worker, create_worker_app

SERVICE = "enrichment"
log = structlog.stdlib.get_logger(__name__)


def create_app(settings: Settings, enricher: Enricher | None = None) -> FastStream:
    """Wire the enrichment worker; models load at start-up unless an enricher is given."""
    worker = create_worker(SERVICE, settings)
    streams = worker.streams
    loaded: list[Enricher] = [enricher] if enricher else []
    # Declared for the AsyncAPI document; events go out through publish_many's pipeline.
    worker.broker.publisher(
        stream=streams.enriched, schema=ArticleEnriched, title="articles.enriched"
    )

    async def on_ingested(entries: list[Entry]) -> None:
        checked = check_batch(ArticleIngested, entries, service=SERVICE, stream=streams.ingested)
        await dead_letter(worker.redis, streams.dead_letter, checked.rejected)
        # The models hold the CPU for a while: off the event loop, so heartbeats go on.
        enriched = await asyncio.to_thread(loaded[0].enrich, checked.valid)
        # In input order: each enriched event carries on the trace id of the one it came from.
        await publish_many(worker.redis, streams.enriched, enriched, checked.traces)
        log.info(
            "enriched",
            article_ids=[e.article.id for e in enriched],
            rejected=len(checked.rejected),
        )

    consume(worker, streams.ingested, ENRICHMENT_GROUP, on_ingested)

    async def load() -> None:
        if not loaded:
            models = await asyncio.to_thread(load_models, settings.embedder, settings.theme_rules)
            loaded.append(Enricher(models))
            log.info("models loaded", embedder=settings.embedder)

    return create_worker_app(worker, groups=[ENRICHMENT_GROUP], on_startup=load)
