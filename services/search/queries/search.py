"""The reader's search, for /search and the search page."""

import time

from fastapi.exceptions import RequestValidationError

from services.search import paging
from services.search.deps import SearchDeps, meili_errors
from services.search.schemas import SearchParams, SearchResult
from services.search.search_query import facet_counts, search_request, to_hit, wants_vector


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
