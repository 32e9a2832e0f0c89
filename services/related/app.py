"""Related worker wiring: enriched articles in; related lists and stories stored."""

import asyncio

import structlog
from faststream import FastStream

from services.related.evidence import SameEvent, load_model
from services.related.lists import RelatedLists
from services.related.logic import CandidateQuery
from services.related.process import RelatedProcessor, Rules
from services.related.settings import DAY_SECONDS, Settings
from services.related.store import RelatedStore
from services.related.stories import StoryRules
from shared.consume import Entry, check_batch, dead_letter
from shared.events import ArticleEnriched
from shared.indexes import ensure_index, ensure_stories_index, stories_index_uid
from shared.search_client import create_search_client
from shared.streams import RELATED_GROUP
from shared.worker import consume, create_worker, create_worker_app

SERVICE = "related"
log = structlog.stdlib.get_logger(__name__)


def rules_of(settings: Settings, model: SameEvent | None = None) -> Rules:
    """Return the scoring and story rules the settings ask for, with the shipped model."""
    model = model or load_model()
    join = settings.story_join_probability
    merge = settings.story_merge_probability
    return Rules(
        query=CandidateQuery(candidates=settings.candidates, window_days=settings.window_days),
        model=model,
        stories=StoryRules(
            join_probability=model.join_probability if join is None else join,
            merge_probability=model.merge_probability if merge is None else merge,
        ),
        min_score=settings.min_score,
        limit=settings.limit,
    )


def lists_ttl_s(settings: Settings) -> int | None:
    """Return how long a related list is kept after its last update; None: as long as Redis."""
    return int(settings.list_days * DAY_SECONDS) or None


def create_app(settings: Settings) -> FastStream:
    """Wire the related worker."""
    worker = create_worker(SERVICE, settings)
    streams = worker.streams
    client = create_search_client(settings, timeout=30)
    processor = RelatedProcessor(
        client,
        settings.meili_index,
        stories_index_uid(settings.meili_index),
        RelatedStore(worker.redis, settings.namespace, int(settings.vectors_days * DAY_SECONDS)),
        RelatedLists(
            worker.redis, settings.namespace, int(settings.list_days * DAY_SECONDS) or None
        ),
        rules_of(settings),
    )

    async def on_enriched(entries: list[Entry]) -> None:
        checked = check_batch(ArticleEnriched, entries, service=SERVICE, stream=streams.enriched)
        await dead_letter(worker.redis, streams.dead_letter, checked.rejected)
        if checked.valid:
            took = await processor.process(checked.valid)
            log.info("related stored", article_ids=[e.article.id for e in checked.valid], **took)

    consume(worker, streams.enriched, RELATED_GROUP, on_enriched)

    async def prepare_indexes() -> None:
        # Related may start before indexing; both apply the same settings idempotently.
        await asyncio.to_thread(
            ensure_index, client, settings.meili_index, settings.embedding_dimensions
        )
        await asyncio.to_thread(ensure_stories_index, client, settings.meili_index)

    return create_worker_app(worker, groups=[RELATED_GROUP], on_startup=prepare_indexes)
