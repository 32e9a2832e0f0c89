"""Routes for related articles, "More on theme" and stories."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import RedirectResponse
from meilisearch.errors import MeilisearchApiError
from redis.exceptions import RedisError

from services.search import paging
from services.search.deps import NOT_FOUND, UNAVAILABLE, SearchDeps, meili_errors
from services.search.links import (
    MAX_STORED,
    RELATED_SOURCE,
    THEME_SOURCE,
    article_links,
    display_request,
    more_on_theme_request,
    related_articles,
    story_sizes_request,
    theme_articles,
)
from services.search.routes import ArticleId, StoryId, article_document
from services.search.schemas import (
    MoreOnTheme,
    RelatedResult,
    StoriesParams,
    StoryList,
    StoryView,
)
from services.search.story_logic import (
    merged_into,
    stories_request,
    story_articles_request,
    to_story,
)
from shared.related_lists import Link, read_list

STORIES_MISSING = "the stories index does not exist yet; start the related service"
MOVED: dict[int | str, dict[str, Any]] = {
    308: {"description": "The story was merged into another; `Location` is that story's"}
}


def links_router(deps: SearchDeps) -> APIRouter:
    """Return the routes that list what an article links to: related and "More on theme"."""
    router = APIRouter()

    @router.get("/articles/{article_id}/related", responses={**NOT_FOUND, **UNAVAILABLE})
    async def get_related(
        article_id: ArticleId, limit: Annotated[int, Query(ge=1, le=50)] = 10
    ) -> RelatedResult:
        """The related articles, best first, with their scores and reasons."""
        article = await asyncio.to_thread(article_document, deps, article_id, RELATED_SOURCE)
        links = await stored_links(deps, article_id)
        if not links:
            return RelatedResult(related=[])
        hits = await asyncio.to_thread(_displayed, deps, links)
        story_id = article.get("story_id")
        return RelatedResult(related=related_articles(links, hits, limit, story_id))

    @router.get("/articles/{article_id}/more-on-theme", responses=NOT_FOUND)
    def get_more_on_theme(
        article_id: ArticleId, limit: Annotated[int, Query(ge=1, le=50)] = 10
    ) -> MoreOnTheme:
        """Stories on the article's themes, newest first, one article per story with its size.

        From two weeks before the article to a day after it (settings), so an archive page
        shows what was on theme then; each item names its story's other outlets.
        """
        return more_on_theme(deps, article_id, limit)

    return router


async def stored_links(deps: SearchDeps, article_id: str) -> list[Link]:
    """Return the related entries the related service keeps in Redis for an article."""
    try:
        return await read_list(deps.redis, deps.streams.namespace, article_id, MAX_STORED)
    except RedisError as exc:
        raise HTTPException(503, "Redis, which holds the related lists, is unreachable") from exc


def _displayed(deps: SearchDeps, links: list[Link]) -> list[dict[str, Any]]:
    with meili_errors():
        hits: list[dict[str, Any]] = deps.articles.search(
            "", display_request([x.id for x in links])
        )["hits"]
    return hits


def more_on_theme(deps: SearchDeps, article_id: str, limit: int) -> MoreOnTheme:
    """Return an article's "More on theme" list (the JSON route and the article page)."""
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


def story_document(deps: SearchDeps, story_id: str) -> dict[str, Any]:
    """Return a story's document from the stories index; 404 when there is no such story."""
    with meili_errors(STORIES_MISSING):
        try:
            return dict(deps.stories.get_document(story_id))
        except MeilisearchApiError as exc:
            if exc.code != "document_not_found":
                raise
            raise HTTPException(404, f"story {story_id} does not exist") from exc


def stories_router(deps: SearchDeps) -> APIRouter:
    """Return the routes for stories: one story's timeline, and the biggest recent stories."""
    router = APIRouter()

    @router.get("/stories")
    def list_stories(params: Annotated[StoriesParams, Query()]) -> StoryList:
        """Stories, biggest first, then the latest; filter by theme and last seen since."""
        with meili_errors(STORIES_MISSING):
            response = deps.stories.search("", stories_request(params))
        hits, total = paging.cut(response, params.offset, params.limit)
        return StoryList(stories=[to_story(hit) for hit in hits], total=total)

    @router.get("/stories/{story_id}", response_model=StoryView, responses={**NOT_FOUND, **MOVED})
    def get_story(
        story_id: StoryId, limit: Annotated[int, Query(ge=1, le=200)] = 50
    ) -> StoryView | RedirectResponse:
        """A story and its articles as a timeline, oldest first; 404 if there is no such story.

        A story merged into another answers 308 with the other's address.
        """
        document = story_document(deps, story_id)
        if kept := merged_into(document):
            return RedirectResponse(f"/stories/{kept}?limit={limit}", status_code=308)
        story = to_story(document)
        with meili_errors():
            response = deps.articles.search("", story_articles_request(story_id, limit))
        return StoryView(story=story, articles=article_links(response["hits"]))

    return router
