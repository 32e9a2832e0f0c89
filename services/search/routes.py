"""Search API routes; each takes its dependencies from the `SearchDeps` it is built with."""

import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError
from meilisearch.errors import MeilisearchApiError
from redis.exceptions import RedisError

from services.search import paging
from services.search.deps import NOT_FOUND, SearchDeps, meili_errors
from services.search.logic import (
    article_view,
    facet_counts,
    search_request,
    to_hit,
    wants_vector,
)
from services.search.pipeline import pipeline_state
from services.search.schemas import (
    ARTICLE_ID,
    ArticleView,
    PipelineState,
    SearchParams,
    SearchResult,
)

ArticleId = Annotated[str, Path(pattern=ARTICLE_ID, description="24 hex characters")]
StoryId = Annotated[str, Path(pattern=ARTICLE_ID, description="24 hex characters")]
REDIS_DOWN = "the event stream (Redis) is unreachable"


def article_document(
    deps: SearchDeps, article_id: str, fields: list[str] | None = None
) -> dict[str, Any]:
    """Return the indexed article's document (only `fields` if given); 404 until indexed."""
    with meili_errors():
        try:
            parameters = {"fields": fields} if fields else None
            found = deps.articles.get_document(article_id, parameters)
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


def query_vector(deps: SearchDeps, params: SearchParams) -> list[float] | None:
    """Return the query embedded like the articles, when the query asks for meaning."""
    if not wants_vector(params):
        return None
    if deps.embedder is None:
        # Shaped like every other 422, so clients read one error format.
        off = "semantic search is off here (SEARCH_SEMANTIC=false)"
        loc = ("query", "semantic_ratio")
        raise RequestValidationError([{"type": "value_error", "loc": loc, "msg": off}])
    vector: list[float] = deps.embedder.embed([params.q])[0].tolist()
    return vector


def search_router(deps: SearchDeps) -> APIRouter:
    """Return the routes for searching and reading articles."""
    router = APIRouter()

    @router.get("/search")
    def search(params: Annotated[SearchParams, Query()]) -> SearchResult:
        """Full-text search with filters, recency sort, highlights and pagination."""
        started = time.perf_counter()
        request = search_request(params, deps.snippet_words, query_vector(deps, params))
        with meili_errors():
            response = deps.search(deps.index_uid, params.q, request)
        hits, total = paging.cut(response, params.offset, params.limit)
        return SearchResult(
            hits=[to_hit(hit) for hit in hits],
            total=total,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            facets=facet_counts(response),
        )

    @router.get("/articles/{article_id}", responses=NOT_FOUND)
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
