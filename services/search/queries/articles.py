"""Reads of one article and of the lists beside it, for the JSON routes and the article page."""

import asyncio
from typing import Any

from fastapi import HTTPException
from meilisearch.errors import MeilisearchApiError
from redis.exceptions import RedisError

from services.search.articles import article_view, display_request
from services.search.deps import SearchDeps, meili_errors
from services.search.queries.stories import story_articles
from services.search.schemas import ArticleLink, ArticleView, MoreOnTheme, RelatedResult
from services.search.side_lists import (
    MAX_STORED,
    RELATED_SOURCE,
    THEME_SOURCE,
    more_on_theme_request,
    other_outlets,
    related_articles,
    story_sizes_request,
    theme_articles,
)
from shared.stories.related_lists import Link, read_list


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


def article(deps: SearchDeps, article_id: str) -> ArticleView:
    """Return the enriched article; 404 when it is unknown or not indexed yet."""
    view = article_view(article_document(deps, article_id))
    if view is None:
        raise HTTPException(404, f"article {article_id} is not indexed yet")
    return view


async def related(deps: SearchDeps, article_id: str, limit: int) -> RelatedResult:
    """Return the article's related articles, best first; 404 until it is indexed."""
    article = await asyncio.to_thread(article_document, deps, article_id, RELATED_SOURCE)
    links = await stored_links(deps, article_id)
    if not links:
        return RelatedResult(related=[])
    hits = await asyncio.to_thread(_displayed, deps, links)
    return RelatedResult(related=related_articles(links, hits, limit, article.get("story_id")))


async def stored_links(deps: SearchDeps, article_id: str) -> list[Link]:
    """Return the related entries the related service keeps in Redis for an article."""
    try:
        return await read_list(deps.redis, deps.streams.namespace, article_id, MAX_STORED)
    except RedisError as exc:
        raise HTTPException(503, "Redis, which holds the related lists, is unreachable") from exc


def _displayed(deps: SearchDeps, links: list[Link]) -> list[dict[str, Any]]:
    with meili_errors():
        request = display_request([link.id for link in links])
        hits: list[dict[str, Any]] = deps.articles.search("", request)["hits"]
    return hits


def more_on_theme(deps: SearchDeps, article_id: str, limit: int) -> MoreOnTheme:
    """Return the article's "More on theme" list; 404 until it is indexed."""
    article = article_document(deps, article_id, THEME_SOURCE)
    request = more_on_theme_request(article, limit, deps.theme_window)
    if request is None:
        return MoreOnTheme(theme=None, items=[])
    with meili_errors():
        hits = deps.articles.search("", request)["hits"]
    return MoreOnTheme(
        theme=article.get("primary_theme"),
        items=theme_articles(hits, article.get("story_id"), _stories_of(deps, hits)),
    )


def _stories_of(deps: SearchDeps, hits: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return the stories-index documents of the hits' stories; none before the index exists."""
    ids = sorted({str(hit["story_id"]) for hit in hits if hit.get("story_id")})
    if not ids:
        return {}
    try:
        found = deps.stories.search("", story_sizes_request(ids))["hits"]
    except MeilisearchApiError as exc:
        if exc.code != "index_not_found":
            raise
        return {}
    return {str(doc["id"]): doc for doc in found}


def same_story(deps: SearchDeps, view: ArticleView, limit: int) -> list[ArticleLink]:
    """Return up to `limit` articles of the article's story from other outlets."""
    # Read more than is shown: the article's own outlet's are dropped.
    story = story_articles(deps, view.story_id, limit * 5) if view.story_id else []
    return other_outlets(view, story, limit)
