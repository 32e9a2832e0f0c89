"""The articles index as the indexing worker keeps it, on a real Meilisearch."""

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import meilisearch
import pytest
from faststream.redis import RedisBroker
from meilisearch.errors import MeilisearchApiError
from redis.asyncio import Redis

from services.indexing.app import create_app
from services.indexing.meili import put
from services.indexing.settings import Settings
from shared.adapters.indexes import enable_vector_store, ensure_index
from shared.contracts.documents import to_documents
from shared.contracts.events import Article, ArticleEnriched, Enrichment
from shared.contracts.index_schema import index_settings
from shared.contracts.keys import Streams
from tests.waits import wait_for

DIMS = 8


def document(n: int, dims: int = DIMS) -> dict[str, Any]:
    """A small document whose vector has `dims` floats."""
    vector = [1.0 if i == n % dims else 0.0 for i in range(dims)]
    return {"id": f"{n:024x}", "title": f"Article {n}", "_vectors": {"article": vector}}


@pytest.fixture
def index(meili_admin: meilisearch.Client, namespace: str) -> Iterator[meilisearch.index.Index]:
    """This test's own articles index, with the service's settings."""
    uid = f"test_{namespace.rstrip(':')}"
    ensure_index(meili_admin, uid, DIMS)
    yield meili_admin.index(uid)
    meili_admin.delete_index(uid)


def test_an_index_of_float_vectors_is_binary_quantised_when_the_services_start(
    meili_admin: meilisearch.Client, namespace: str
) -> None:
    uid = f"test_{namespace.rstrip(':')}_float"
    floats = index_settings(DIMS)
    floats["embedders"]["article"]["binaryQuantized"] = False
    enable_vector_store(meili_admin)
    meili_admin.wait_for_task(meili_admin.create_index(uid, {"primaryKey": "id"}).task_uid)
    index = meili_admin.index(uid)
    try:
        meili_admin.wait_for_task(index.update_settings(floats).task_uid)
        put(index, [document(1), document(2)], 10_000)
        ensure_index(meili_admin, uid, DIMS)  # what indexing and related run at start
        assert index.get_settings()["embedders"]["article"].binary_quantized is True
        stored = dict(index.get_document(document(1)["id"], {"retrieveVectors": "true"}))
        # The documents stay; their vectors read back as bits (these are 0s and 1s already).
        assert stored["_vectors"]["article"]["embeddings"] == [document(1)["_vectors"]["article"]]
    finally:
        meili_admin.delete_index(uid)


def test_the_index_uses_the_hnsw_store_and_suggests_only_entity_names(
    index: meilisearch.index.Index,
) -> None:
    assert index.get_settings()["vectorStore"] == "experimental"
    assert index.get_settings()["embedders"]["article"].binary_quantized is True
    put(index, [{**document(1), "people": ["Ada Lovelace"], "source": "Reuters"}], 10_000)
    hits = index.facet_search("people", "ada")["facetHits"]
    assert [hit["value"] for hit in hits] == ["Ada Lovelace"]
    with pytest.raises(MeilisearchApiError):
        index.facet_search("source", "reu")


def test_a_refused_document_is_named_and_the_others_are_indexed(
    index: meilisearch.index.Index,
) -> None:
    documents = [document(1), document(2, dims=DIMS + 1), document(3), document(4)]
    refused = put(index, documents, 10_000)
    assert list(refused) == [documents[1]["id"]]
    assert "invalid_vector_dimensions" in refused[documents[1]["id"]]
    found = index.get_documents({"limit": 10}).results
    assert sorted(doc.id for doc in found) == sorted(
        d["id"] for d in documents if d != documents[1]
    )


@pytest.fixture
async def worker(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Settings]:
    """The indexing worker running in this process on this test's streams and index."""
    for name, value in service_env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(semantic=True)
    async with create_app(settings):
        yield settings


def enriched(n: int, dims: int) -> ArticleEnriched:
    """An enriched event whose embedding has `dims` floats."""
    when = datetime(2014, 3, 10, 12, tzinfo=UTC)
    article = Article(id=f"{n:024x}", title=f"Article {n}", published_at=when)
    return ArticleEnriched(
        article=article, enrichment=Enrichment(embedding=[0.5] * dims), ingested_at=when
    )


async def test_the_worker_dead_letters_what_meilisearch_refuses(
    worker: Settings, redis: Redis
) -> None:
    good, bad = enriched(1, worker.embedding_dimensions), enriched(2, 3)
    streams = Streams(worker.namespace)
    async with RedisBroker(worker.redis_url) as broker:
        await broker.connect()
        for event in (good, bad):
            await broker.publish(event, stream=streams.enriched)
    await wait_for(lambda: redis.xlen(streams.dead_letter), what="a dead letter")
    [(_, fields)] = await redis.xrange(streams.dead_letter) or []
    letter = json.loads((fields or {})[b"__data__"])
    assert letter["service"] == "indexing"
    assert "invalid_vector_dimensions" in letter["error"]
    assert json.loads(letter["original"])["article"]["id"] == bad.article.id
    index = meilisearch.Client(worker.meili_url, worker.meili_key.get_secret_value())
    assert index.index(worker.meili_index).get_document(good.article.id).id == good.article.id


def test_without_hybrid_search_the_index_keeps_no_vectors(
    meili_admin: meilisearch.Client, service_env: dict[str, str]
) -> None:
    uid = f"{service_env['MEILI_INDEX']}-novec"
    try:
        ensure_index(meili_admin, uid, DIMS)
        ensure_index(meili_admin, uid, None)  # ONTHEME_SEMANTIC turned off: the embedder goes
        index = meili_admin.index(uid)
        assert not index.get_settings()["embedders"]
        event = enriched(1, DIMS)
        assert put(index, to_documents([event], vectors=False), 10_000) == {}
        stored = dict(index.get_document(event.article.id, {"retrieveVectors": "true"}))
        assert stored["title"] == "Article 1"
        assert not stored.get("_vectors")
    finally:
        meili_admin.delete_index(uid)
