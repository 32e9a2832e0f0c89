"""Reads of stories, for the JSON story routes, the home page and a story's page."""

from typing import Any

from fastapi import HTTPException
from meilisearch.errors import MeilisearchApiError

from services.search import paging
from services.search.articles import article_links
from services.search.deps import SearchDeps, meili_errors
from services.search.schemas import ArticleLink
from services.search.stories import (
    StoriesParams,
    Story,
    StoryList,
    StoryView,
    stories_request,
    story_articles_request,
    to_story,
)

STORIES_MISSING = "the stories index does not exist yet; start the related service"


def story_document(deps: SearchDeps, story_id: str) -> dict[str, Any]:
    """Return a story's document from the stories index; 404 when there is no such story."""
    with meili_errors(STORIES_MISSING):
        try:
            return dict(deps.stories.get_document(story_id))
        except MeilisearchApiError as exc:
            if exc.code != "document_not_found":
                raise
            raise HTTPException(404, f"story {story_id} does not exist") from exc


def stories(deps: SearchDeps, params: StoriesParams) -> StoryList:
    """Return a page of stories, biggest and then latest first, and their total."""
    with meili_errors(STORIES_MISSING):
        response = deps.stories.search("", stories_request(params))
    hits, total = paging.cut(response, params.offset, params.limit)
    return StoryList(stories=[to_story(hit) for hit in hits], total=total)


def recent_stories(deps: SearchDeps, limit: int) -> list[Story]:
    """Return the biggest recent stories; none while the stories index cannot be read."""
    try:
        return stories(deps, StoriesParams(limit=limit)).stories
    except HTTPException:
        return []


def story_articles(deps: SearchDeps, story_id: str, limit: int) -> list[ArticleLink]:
    """Return a story's articles as a timeline, oldest first."""
    with meili_errors():
        response = deps.articles.search("", story_articles_request(story_id, limit))
    return article_links(response["hits"])


def story_view(deps: SearchDeps, document: dict[str, Any], limit: int) -> StoryView:
    """Return a story (its stories-index document) with up to `limit` of its articles."""
    story = to_story(document)
    return StoryView(story=story, articles=story_articles(deps, story.id, limit))
