"""Related worker wiring: enriched articles in; related lists and stories stored."""

import asyncio
from typing import TYPE_CHECKING

import meilisearch
import structlog
from faststream import FastStream

from services.related.candidate_query import CandidateQuery
from services.related.evidence import SameEvent, load_model
from services.related.list_writer import RelatedLists
from services.related.meili import MeiliArticleIndex
from services.related.processor import RelatedProcessor, Rules
from services.related.settings import DAY_SECONDS, Settings
from services.related.store import RelatedStore
from services.related.stories import StoryRules
from shared.adapters.indexes import ensure_index, ensure_stories_index
from shared.adapters.search_client import create_search_client
from shared.contracts.events import ArticleEnriched
from shared.contracts.index_schema import stories_index_uid
from shared.contracts.keys import RELATED_GROUP
from shared.runtime.batches import Entry, check_batch, dead_letter
from shared.runtime.worker import consume, create_worker, create_worker_app

if TYPE_CHECKING:
    from redis.asyncio import Redis

SERVICE = "related"
log = structlog.stdlib.get_logger(__name__)


def rules_of(settings: Settings, model: SameEvent | None = None) -> Rules:
    """Return the scoring and story rules the settings ask for, with the shipped model."""
    model = model or load_model()
    join = settings.story_join_probability
    merge = settings.story_merge_probability
    return Rules(
        query=CandidateQuery(
            candidates=settings.candidates,
            window_days=settings.window_days,
            meili_vectors=settings.semantic,
        ),
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


def create_processor(
    settings: Settings, redis: "Redis", client: meilisearch.Client
) -> RelatedProcessor:
    """Return the batch processor on Redis and Meilisearch."""
    rules = rules_of(settings)
    stories_uid = stories_index_uid(settings.meili_index)
    return RelatedProcessor(
        MeiliArticleIndex(
            client, (settings.meili_index, stories_uid), rules.query, rules.model.rarity.idf
        ),
        RelatedStore(redis, settings.namespace, int(settings.vectors_days * DAY_SECONDS)),
        RelatedLists(redis, settings.namespace, lists_ttl_s(settings)),
        rules,
    )


def create_app(settings: Settings) -> FastStream:
    """Wire the related worker."""
    worker = create_worker(SERVICE, settings)
    streams = worker.streams
    client = create_search_client(settings, timeout=30)
    processor = create_processor(settings, worker.redis, client)

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
            ensure_index, client, settings.meili_index, settings.index_dimensions
        )
        await asyncio.to_thread(ensure_stories_index, client, settings.meili_index)

    return create_worker_app(worker, groups=[RELATED_GROUP], on_startup=prepare_indexes)
