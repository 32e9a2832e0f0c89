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

from services.search.logic import article_view, search_request, to_hit
from services.search.pipeline import pipeline_state
from services.search.schemas import (
    ARTICLE_ID,
    ArticleView,
    PipelineState,
    RelatedResult,
    SearchParams,
    SearchResult,
)
from shared.streams import Streams

ArticleId = Annotated[str, Path(pattern=ARTICLE_ID, description="24 hex characters")]
REDIS_DOWN = "the event stream (Redis) is unreachable"


@dataclass(frozen=True)
class SearchDeps:
    """The clients and settings the routes use."""

    client: meilisearch.Client
    index_uid: str
    redis: "Redis"
    streams: Streams
    snippet_words: int


@contextmanager
def meili_errors() -> Iterator[None]:
    """Turn Meilisearch failures into HTTP errors with the reason, never an empty result."""
    try:
        yield
    except MeilisearchApiError as exc:
        if exc.code == "index_not_found":
            raise HTTPException(503, "the index does not exist yet; start indexing") from exc
        raise HTTPException(502, f"search engine error: {exc.message}") from exc
    except MeilisearchCommunicationError as exc:
        raise HTTPException(503, "the search engine (Meilisearch) is unreachable") from exc


def _article(deps: SearchDeps, article_id: str) -> ArticleView:
    with meili_errors():
        try:
            document: dict[str, Any] = dict(
                deps.client.index(deps.index_uid).get_document(article_id)
            )
        except MeilisearchApiError as exc:
            if exc.code != "document_not_found":
                raise
            raise HTTPException(404, f"article {article_id} is not indexed") from exc
    view = article_view(document)
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
        )

    @router.get("/articles/{article_id}")
    def get_article(article_id: ArticleId) -> ArticleView:
        """The enriched article; 404 until it is indexed."""
        return _article(deps, article_id)

    @router.get("/articles/{article_id}/related")
    def get_related(
        article_id: ArticleId, limit: Annotated[int, Query(ge=1, le=50)] = 10
    ) -> RelatedResult:
        """The related articles, best first."""
        return RelatedResult(related=_article(deps, article_id).related[:limit])

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
