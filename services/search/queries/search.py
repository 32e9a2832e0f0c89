"""The reader's search, for /search and the search page."""

import time

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError

from services.search import paging
from services.search.deps import SearchDeps, meili_errors
from services.search.query_embedder import EmbedderState, QueryEmbedder
from services.search.schemas import SearchParams, SearchResult
from services.search.search_query import facet_counts, search_request, to_hit, wants_vector

# Loading the model takes a few seconds, longer on a busy machine.
RETRY_AFTER_S = 5


def query_vector(deps: SearchDeps, params: SearchParams) -> list[float] | None:
    """Return the query embedded like the articles, when the query asks for meaning."""
    if not wants_vector(params):
        return None
    embedder = deps.embedder.embedder
    if embedder is None:
        raise _unavailable(deps.embedder)
    vector: list[float] = embedder.embed([params.q])[0].tolist()
    return vector


def _unavailable(embedder: QueryEmbedder) -> Exception:
    if embedder.state is EmbedderState.OFF:
        # Shaped like every other 422, so clients read one error format.
        off = "semantic search is off here (ONTHEME_SEMANTIC is not true: no vectors kept)"
        loc = ("query", "semantic_ratio")
        return RequestValidationError([{"type": "value_error", "loc": loc, "msg": off}])
    if embedder.state is EmbedderState.LOADING:
        loading = "the query embedder is still loading; retry shortly, or search without meaning"
        return HTTPException(503, loading, headers={"Retry-After": str(RETRY_AFTER_S)})
    return HTTPException(503, f"the query embedder failed to load: {embedder.error}")


def search_results(deps: SearchDeps, params: SearchParams) -> SearchResult:
    """Return a page of hits, the exact total and the facet counts for the reader's query."""
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
