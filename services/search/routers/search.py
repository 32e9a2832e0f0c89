"""/search: full-text and hybrid search over the articles."""

from typing import Annotated

from fastapi import APIRouter, Query

from services.search.deps import Deps
from services.search.queries.search import search_results
from services.search.schemas import SearchParams, SearchResult

router = APIRouter()


@router.get("/search")
def search(params: Annotated[SearchParams, Query()], deps: Deps) -> SearchResult:
    """Full-text search with filters, recency sort, highlights and pagination."""
    return search_results(deps, params)
