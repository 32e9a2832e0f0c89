"""Related worker wiring: enriched articles in, related lists stored on the index."""

import asyncio
from typing import Any

import structlog
from faststream import FastStream
from faststream.redis import StreamSub

from services.related.logic import (
    RelatedQuery,
    related_list,
    search_query,
    wait_until_indexed,
)
from services.related.settings import Settings
from shared.consume import check_batch, dead_letter
from shared.events import ArticleEnriched
from shared.search_client import create_search_client, ensure_index
from shared.streams import RELATED_GROUP
from shared.worker import create_worker, create_worker_app

SERVICE = "related"
INDEXED_WAIT_S = 10.0
log = structlog.stdlib.get_logger(__name__)


def create_app(settings: Settings) -> FastStream:
    """Wire the related worker."""
    worker = create_worker(SERVICE, settings)
    streams = worker.streams
    client = create_search_client(settings, timeout=30)
    index = client.index(settings.meili_index)
    query = RelatedQuery(
        limit=settings.limit,
        candidates=settings.candidates,
        window_days=settings.window_days,
        min_score=settings.min_score,
    )

    def store_related(events: list[ArticleEnriched]) -> int:
        # Indexing reads the same stream; let it catch up so articles of this batch find
        # each other. Bounded: a stopped indexer delays related lists, it never blocks them.
        wait_until_indexed(index, [event.article.id for event in events], INDEXED_WAIT_S)
        # One multi-search for the whole batch, then one partial update for all of it.
        queries = [search_query(event, settings.meili_index, query) for event in events]
        results = client.multi_search(queries)["results"]
        updates = [
            {
                "id": event.article.id,
                "related": related_list(event.article.title, result["hits"], query),
            }
            for event, result in zip(events, results, strict=True)
        ]
        task = index.update_documents(updates, "id")
        return int(task.task_uid)

    @worker.broker.subscriber(
        stream=StreamSub(
            streams.enriched,
            group=RELATED_GROUP,
            consumer=worker.consumer,
            batch=True,
            max_records=settings.batch_size,
        ),
        title="articles.enriched:related",
    )
    async def on_enriched(bodies: list[Any]) -> None:
        checked = check_batch(ArticleEnriched, bodies, service=SERVICE, stream=streams.enriched)
        await dead_letter(worker.redis, streams.dead_letter, checked.rejected)
        if checked.valid:
            task_uid = await asyncio.to_thread(store_related, checked.valid)
            log.info(
                "related stored",
                article_ids=[e.article.id for e in checked.valid],
                task_uid=task_uid,
            )

    async def prepare_index() -> None:
        # Related may start before indexing; both apply the same settings idempotently.
        await asyncio.to_thread(
            ensure_index, client, settings.meili_index, settings.embedding_dimensions
        )

    return create_worker_app(worker, groups=[RELATED_GROUP], on_startup=prepare_index)
