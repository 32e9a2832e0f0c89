"""The query embedder loads after start-up; a semantic query meanwhile says why it waits."""

import asyncio
import threading
from typing import Any, cast

import numpy as np
import pytest
from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from redis.asyncio import Redis

from services.search.deps import SearchDeps
from services.search.queries.search import query_vector
from services.search.query_embedder import EmbedderState, QueryEmbedder
from services.search.schemas import SearchParams
from shared.adapters.embeddings import Embedder
from shared.contracts.keys import Streams


class Fixed:
    """An embedder that gives every text the same unit row."""

    name = "fixed"
    dimensions = 2
    batch_size = 8

    def embed(self, texts: Any) -> Any:
        return np.tile(np.array([0.6, 0.8], dtype=np.float32), (len(texts), 1))


def deps_with(embedder: QueryEmbedder) -> SearchDeps:
    # No route runs here, so the Redis client is never used.
    return SearchDeps(
        "articles",
        redis=cast("Redis", None),
        streams=Streams("t"),
        snippet_words=5,
        embedder=embedder,
    )


SEMANTIC = SearchParams(q="rates", semantic_ratio=0.5)


async def test_a_loaded_model_embeds_the_query() -> None:
    embedder = QueryEmbedder(Fixed)
    assert embedder.state.value == "loading"
    await embedder.load()
    assert embedder.state is EmbedderState.READY
    assert embedder.wait(0)
    assert query_vector(deps_with(embedder), SEMANTIC) == pytest.approx([0.6, 0.8])


def test_while_loading_a_semantic_query_gets_503_with_retry_after() -> None:
    embedder = QueryEmbedder(Fixed)
    with pytest.raises(HTTPException) as raised:
        query_vector(deps_with(embedder), SEMANTIC)
    assert raised.value.status_code == 503
    assert "still loading" in raised.value.detail
    assert raised.value.headers == {"Retry-After": "5"}
    assert not embedder.wait(0)


def test_a_keyword_query_needs_no_model() -> None:
    embedder = QueryEmbedder(Fixed)
    assert query_vector(deps_with(embedder), SearchParams(q="rates")) is None
    assert query_vector(deps_with(embedder), SearchParams(q=" ", semantic_ratio=1.0)) is None


async def test_a_failed_load_is_the_reason_semantic_queries_get() -> None:
    def broken() -> Embedder:
        raise OSError("model file missing")

    embedder = QueryEmbedder(broken)
    await embedder.load()
    assert embedder.state is EmbedderState.FAILED
    assert embedder.wait(0)
    with pytest.raises(HTTPException) as raised:
        query_vector(deps_with(embedder), SEMANTIC)
    assert raised.value.status_code == 503
    assert "failed to load: OSError: model file missing" in raised.value.detail


async def test_off_is_a_422_on_the_ratio() -> None:
    embedder = QueryEmbedder(None)
    await embedder.load()
    assert embedder.state is EmbedderState.OFF
    with pytest.raises(RequestValidationError) as raised:
        query_vector(deps_with(embedder), SEMANTIC)
    assert raised.value.errors()[0]["loc"] == ("query", "semantic_ratio")


async def test_the_model_loads_off_the_event_loop() -> None:
    started, release = threading.Event(), threading.Event()

    def slow() -> Embedder:
        started.set()
        release.wait(5)
        return Fixed()

    embedder = QueryEmbedder(slow)
    loading = asyncio.create_task(embedder.load())
    # The loop keeps running while the loader blocks its thread.
    await asyncio.to_thread(started.wait, 5)
    assert embedder.state.value == "loading"
    release.set()
    await loading
    assert embedder.state is EmbedderState.READY
