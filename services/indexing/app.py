"""Indexing worker wiring: enriched articles in, Meilisearch documents out."""

import asyncio

import structlog
from faststream import FastStream

from services.indexing.meili import put
from services.indexing.settings import Settings
from shared.adapters.indexes import ensure_index
from shared.adapters.search_client import create_search_client
from shared.contracts.documents import to_documents
from shared.contracts.events import ArticleEnriched
from shared.contracts.keys import INDEXING_GROUP
from shared.runtime.batches import Entry, check_batch, dead_letter, letter
from shared.runtime.gauges import backlog_probe
from shared.runtime.worker import consume, create_worker, create_worker_app

SERVICE = "indexing"
log = structlog.stdlib.get_logger(__name__)


def create_app(settings: Settings) -> FastStream:
    """Wire the indexing worker."""
    worker = create_worker(SERVICE, settings)
    streams = worker.streams
    client = create_search_client(settings, timeout=30)
    index = client.index(settings.meili_index)
    # Its own client, with a short timeout: a slow Meilisearch only makes the gauge stale.
    probe_client = create_search_client(settings, timeout=5)
    worker.probes.append(backlog_probe(probe_client, settings.meili_index, SERVICE))

    async def on_enriched(entries: list[Entry]) -> None:
        checked = check_batch(ArticleEnriched, entries, service=SERVICE, stream=streams.enriched)
        await dead_letter(worker.redis, streams.dead_letter, checked.rejected)
        documents = to_documents(checked.valid, vectors=settings.semantic)
        if not documents:
            return
        # Acked once Meilisearch has done the task, or at least holds it (it persists enqueued
        # tasks); an upsert by id is idempotent, so a replay never indexes an article twice.
        wait_ms = int(settings.task_wait_seconds * 1000)
        refused = await asyncio.to_thread(put, index, documents, wait_ms)
        letters = [
            letter(entry, service=SERVICE, stream=streams.enriched, error=refused[event.article.id])
            for event, entry in zip(checked.valid, checked.entries, strict=True)
            if event.article.id in refused
        ]
        await dead_letter(worker.redis, streams.dead_letter, letters)
        log.info("indexed", article_ids=[d["id"] for d in documents if d["id"] not in refused])

    consume(worker, streams.enriched, INDEXING_GROUP, on_enriched)

    async def prepare_index() -> None:
        await asyncio.to_thread(
            ensure_index, client, settings.meili_index, settings.index_dimensions
        )

    return create_worker_app(worker, groups=[INDEXING_GROUP], on_startup=prepare_index)
