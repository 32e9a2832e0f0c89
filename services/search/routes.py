"""Search API routes; each takes its dependencies from the `SearchDeps` it is built with."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import meilisearch
from fastapi import APIRouter, HTTPException, Path, Query
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.search.logic import article_view, facet_counts, search_request, to_hit
from services.search.pipeline import pipeline_state
from services.search.schemas import (
    ARTICLE_ID,
    ArticleView,
    PipelineState,
    SearchParams,
    SearchResult,
)
from shared.search_client import stories_index_uid
from shared.streams import Streams

ArticleId = Annotated[str, Path(pattern=ARTICLE_ID, description="24 hex characters")]
StoryId = Annotated[str, Path(pattern=ARTICLE_ID, description="24 hex characters")]
REDIS_DOWN = "the event stream (Redis) is unreachable"
INDEX_MISSING = "the index does not exist yet; start indexing"


@dataclass(frozen=True)
class SearchDeps:
    """The clients and settings the routes use."""

    client: meilisearch.Client
    index_uid: str
    redis: "Redis"
    streams: Streams
    snippet_words: int

    @property
    def stories_uid(self) -> str:
        """The uid of the stories index that goes with the articles index."""
        return stories_index_uid(self.index_uid)


@contextmanager
def meili_errors(missing: str = INDEX_MISSING) -> Iterator[None]:
    """Turn Meilisearch failures into HTTP errors with the reason, never an empty result."""
    try:
        yield
    except MeilisearchApiError as exc:
        if exc.code == "index_not_found":
            raise HTTPException(503, missing) from exc
        raise HTTPException(502, f"search engine error: {exc.message}") from exc
    except MeilisearchCommunicationError as exc:
        raise HTTPException(503, "the search engine (Meilisearch) is unreachable") from exc


def article_document(
    deps: SearchDeps, article_id: str, fields: list[str] | None = None
) -> dict[str, Any]:
    """Return the indexed article's document (only `fields` if given); 404 until indexed."""
    with meili_errors():
        try:
            parameters = {"fields": fields} if fields else None
            found = deps.client.index(deps.index_uid).get_document(article_id, parameters)
        except MeilisearchApiError as exc:
            if exc.code != "document_not_found":
                raise
            raise HTTPException(404, f"article {article_id} is not indexed") from exc
    document: dict[str, Any] = dict(found)
    if not document.get("title"):
        raise HTTPException(404, f"article {article_id} is not indexed yet")
    return document


def _article(deps: SearchDeps, article_id: str) -> ArticleView:
    view = article_view(article_document(deps, article_id))
    if view is None:
        raise HTTPException(404, f"article {article_id} is not indexed yet")
    return view


def search_router(deps: SearchDeps) -> APIRouter:
    """Return the routes for searching and reading articles."""
    router = APIRouter()
    index = deps.client.index(deps.index_uid)

    @router.get("/search")
    def search(params: Annotated[SearchParams, Query()]) -> SearchResult:
        """Full-text search with filters, recency sort, highlights and pagination."""
        started = time.perf_counter()
        with meili_errors():
            response = index.search(params.q, search_request(params, deps.snippet_words))
        return SearchResult(
            hits=[to_hit(hit) for hit in response["hits"]],
            total=int(response.get("estimatedTotalHits", 0)),
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            facets=facet_counts(response),
        )

    @router.get("/articles/{article_id}")
    def get_article(article_id: ArticleId) -> ArticleView:
        """The enriched article; 404 until it is indexed."""
        return _article(deps, article_id)

    return router


def ops_router(deps: SearchDeps) -> APIRouter:
    """Return the routes for operators and clients that wait: /pipeline and /health."""
    router = APIRouter()

    @router.get("/pipeline")
    async def pipeline() -> PipelineState:
        """Per stream and group: length, pending and lag; the index backlog; idle or not."""
        try:
            with meili_errors():
                return await pipeline_state(deps.redis, deps.streams, deps.client, deps.index_uid)
        except RedisError as exc:
            raise HTTPException(503, REDIS_DOWN) from exc

    @router.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the service runs and reaches Redis and Meilisearch."""
        try:
            await deps.redis.ping()
        except RedisError as exc:
            raise HTTPException(503, REDIS_DOWN) from exc
        with meili_errors():
            deps.client.health()
        return {"status": "ok"}

    return router
