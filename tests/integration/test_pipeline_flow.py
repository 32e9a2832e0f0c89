"""Workers in-process against real Redis and Meilisearch: an event in, a document out."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import meilisearch
import pytest
from faststream.redis import RedisBroker
from meilisearch.errors import MeilisearchApiError
from redis.asyncio import Redis

from services.enrichment.app import create_app as enrichment_app
from services.enrichment.pipeline import Enricher, load_models
from services.enrichment.settings import Settings as EnrichmentSettings
from services.enrichment.themes import ThemeRules
from services.indexing.app import create_app as indexing_app
from services.indexing.settings import Settings as IndexingSettings
from services.related.app import create_app as related_app
from services.related.settings import Settings as RelatedSettings
from services.search.pipeline import pipeline_state
from shared.adapters.search_client import create_search_client
from shared.contracts.events import Article, ArticleIngested
from shared.contracts.index_schema import stories_index_uid
from shared.contracts.keys import Streams
from shared.contracts.settings import ServiceSettings
from shared.contracts.vectors import DEFAULT_EMBEDDER
from shared.stories.related_lists import Link, read_list
from tests.waits import wait_for

WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    """The real models, loaded once for the module as a worker loads them once."""
    return Enricher(load_models(DEFAULT_EMBEDDER, ThemeRules()))


@pytest.fixture
async def workers(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, enricher: Enricher
) -> AsyncIterator[ServiceSettings]:
    """The three workers running in this process on this test's streams and index."""
    for name, value in service_env.items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings()
    async with AsyncExitStack() as stack:
        for app in (
            enrichment_app(EnrichmentSettings(), enricher),
            indexing_app(IndexingSettings()),
            related_app(RelatedSettings()),
        ):
            await stack.enter_async_context(app)
        yield settings


async def publish(settings: ServiceSettings, events: list[Any]) -> None:
    """Publish raw bodies on the ingested stream, as ingest would."""
    broker = RedisBroker(settings.redis_url)
    async with broker:
        await broker.connect()
        for event in events:
            await broker.publish(event, stream=Streams(settings.namespace).ingested)


def documents(settings: ServiceSettings) -> dict[str, dict[str, Any]]:
    """Every document of the test's index, by id."""
    index = meilisearch.Client(settings.meili_url, settings.meili_key.get_secret_value()).index(
        settings.meili_index
    )
    try:
        found = index.get_documents({"limit": 1000}).results
    except MeilisearchApiError:
        return {}
    return {doc.id: dict(doc) for doc in found}


async def related(settings: ServiceSettings, article_id: str) -> list[Link]:
    """The related list the related service keeps in Redis for an article, best first."""
    redis = Redis.from_url(settings.redis_url)
    try:
        return await read_list(redis, settings.namespace, article_id, 50)
    finally:
        await redis.aclose()


def stories_of(settings: ServiceSettings) -> dict[str, dict[str, Any]]:
    """Every story of the test's stories index, by id."""
    client = meilisearch.Client(settings.meili_url, settings.meili_key.get_secret_value())
    found = client.index(stories_index_uid(settings.meili_index)).get_documents({"limit": 1000})
    return {doc.id: dict(doc) for doc in found.results}


def admin(settings: ServiceSettings) -> meilisearch.Client:
    """A Meilisearch client with the master key."""
    return meilisearch.Client(settings.meili_url, settings.meili_key.get_secret_value())


async def idle(settings: ServiceSettings) -> bool:
    """Whether the pipeline has processed everything."""
    redis = Redis.from_url(settings.redis_url)
    try:
        state = await pipeline_state(
            redis,
            Streams(settings.namespace),
            create_search_client(settings),
            settings.meili_index,
        )
    finally:
        await redis.aclose()
    return state.idle


def article(n: int, title: str, **extra: Any) -> ArticleIngested:
    return ArticleIngested(article=Article(id=f"{n:024x}", title=title, published_at=WHEN, **extra))


async def test_an_ingested_event_ends_up_indexed_with_its_enrichment(
    workers: ServiceSettings,
) -> None:
    event = article(
        1,
        "Fed holds rates steady as Yellen sees recovery",
        body=(
            "The Federal Reserve held interest rates steady on Wednesday. Chair Janet Yellen "
            "said the economy of the United States was improving. Yellen said rates would stay "
            "low."
        ),
        language="en-US",
        source="Wire",
    )
    await publish(workers, [event])
    await wait_for(lambda: idle(workers), what="pipeline idle")
    doc = documents(workers)[event.article.id]
    assert doc["lede"] == (
        "The Federal Reserve held interest rates steady on Wednesday. Chair Janet Yellen said "
        "the economy of the United States was improving."
    )
    assert doc["language"] == "en"
    assert doc["word_count"] == 27
    assert doc["published_ts"] == int(WHEN.timestamp())
    people = {e["name"]: e["mentions"] for e in doc["entities"] if e["type"] == "person"}
    assert people["Janet Yellen"] >= 2
    assert {"name": "United States", "type": "place", "country": "US"}.items() <= next(
        e for e in doc["entities"] if e["name"] == "United States"
    ).items()
    assert doc["keywords"]
    assert doc["primary_theme"] == "economy-business-and-finance"
    assert doc["themes"][0] == "economy-business-and-finance"
    assert set(doc["enrichments"]) >= {"language", "lede", "entities", "keywords", "embedding"}
    assert "related" not in doc  # lists stay in Redis: the document is not rewritten
    assert await related(workers, event.article.id) == []
    # Hybrid search is off by default: Meilisearch keeps no vectors (the related worker does).
    index = admin(workers).index(workers.meili_index)
    stored = dict(index.get_document(event.article.id, {"retrieveVectors": "true"}))
    assert not stored.get("_vectors")
    assert not index.get_settings()["embedders"]


async def test_articles_of_one_story_relate_to_each_other(workers: ServiceSettings) -> None:
    first = article(2, "Malaysia Airlines flight MH370 search widens to Indian Ocean")
    await publish(workers, [first])
    await wait_for(lambda: idle(workers), what="first article processed")
    second = article(3, "Search for Malaysia Airlines MH370 widens in Indian Ocean")
    unrelated = article(4, "Apple unveils new iPhone colours")
    await publish(workers, [second, unrelated])
    await wait_for(lambda: idle(workers), what="pipeline idle")
    docs = documents(workers)
    links = await related(workers, second.article.id)
    assert [r.id for r in links] == [first.article.id]
    assert 0 < links[0].score <= 1
    assert "Malaysia Airlines" in links[0].shared_entities
    # The older article learns about the newer one.
    back = await related(workers, first.article.id)
    assert [(r.id, r.score) for r in back] == [(second.article.id, links[0].score)]
    story = docs[first.article.id]["story_id"]
    assert docs[second.article.id]["story_id"] == story == first.article.id
    assert docs[unrelated.article.id]["story_id"] == unrelated.article.id
    assert await related(workers, unrelated.article.id) == []
    stories = stories_of(workers)
    assert stories[story]["article_count"] == 2
    assert stories[story]["title"] == first.article.title
    assert stories[unrelated.article.id]["article_count"] == 1


async def test_replayed_articles_keep_their_story_and_entries(workers: ServiceSettings) -> None:
    first = article(5, "Malaysia Airlines flight MH370 search widens to Indian Ocean", source="A")
    second = article(6, "Search for Malaysia Airlines MH370 widens in Indian Ocean", source="B")
    await publish(workers, [first, second])
    await wait_for(lambda: idle(workers), what="pipeline idle")
    before = documents(workers)
    lists = {e.article.id: await related(workers, e.article.id) for e in (first, second)}
    await publish(workers, [second, first])
    await wait_for(lambda: idle(workers), what="replay processed")
    after = documents(workers)
    for event in (first, second):
        key = event.article.id
        assert await related(workers, key) == lists[key]
        assert lists[key]
        assert after[key]["story_id"] == before[key]["story_id"]
    story = stories_of(workers)[before[first.article.id]["story_id"]]
    assert story["article_count"] == 2
    assert story["sources"] == ["A", "B"]


async def test_invalid_events_are_dead_lettered_and_the_rest_processed(
    workers: ServiceSettings,
) -> None:
    good = article(5, "A valid article")
    await publish(workers, [{"schema_version": 99, "article": {}}, good, {"not": "an event"}])
    await wait_for(lambda: idle(workers), what="pipeline idle")
    assert good.article.id in documents(workers)
    redis = Redis.from_url(workers.redis_url, decode_responses=True)
    letters = await redis.xrange(Streams(workers.namespace).dead_letter) or []
    await redis.aclose()
    assert len(letters) == 2
    causes = [str((fields or {})["__data__"]) for _, fields in letters]
    assert "schema_version" in causes[0]
    assert '"service":"enrichment"' in causes[0]
