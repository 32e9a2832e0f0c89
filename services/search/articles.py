"""Articles as the API shows them: the whole view, and the link that lists show. No I/O."""

from typing import Any

from services.search import paging
from services.search.schemas import ArticleLink, ArticleView
from shared.contracts import filters

DISPLAY = ["id", "title", "url", "source", "published_at"]


def article_view(document: dict[str, Any]) -> ArticleView | None:
    """Return the article, or None while it is not fully indexed (no title yet)."""
    if not document.get("title"):
        return None
    known = {k: v for k, v in document.items() if k in ArticleView.model_fields and v is not None}
    return ArticleView.model_validate(known)


def link_fields(document: dict[str, Any]) -> dict[str, Any] | None:
    """Return an article's display fields, or None while it has no title (not indexed)."""
    if not document.get("title"):
        return None
    return {name: document.get(name) for name in DISPLAY}


def article_links(hits: list[dict[str, Any]]) -> list[ArticleLink]:
    """Return the display form of article hits, skipping any not indexed yet."""
    return [ArticleLink(**fields) for hit in hits if (fields := link_fields(hit)) is not None]


def display_request(ids: list[str]) -> dict[str, Any]:
    """Return the search parameters that fetch the display fields of `ids` in one call."""
    return {
        "filter": filters.any_of("id", ids),
        "limit": len(ids),
        "attributesToRetrieve": [*DISPLAY, "story_id"],
    }


def newest_request(filter_: str, limit: int, offset: int) -> dict[str, Any]:
    """Return the search parameters for a page of the articles matching `filter_`, newest first."""
    return {
        "filter": filter_,
        "sort": ["published_ts:desc"],
        **paging.window(offset, limit),
        "attributesToRetrieve": DISPLAY,
    }
