"""Stories: their API models, their Meilisearch requests, their documents as API stories."""

from typing import Any

from pydantic import BaseModel, Field

from services.search import paging
from services.search.articles import DISPLAY
from services.search.schemas import THEME_SLUG, ArticleLink, DateOrTime
from services.search.search_query import epoch
from shared.contracts import filters

STORIES_SORT = ["article_count:desc", "last_seen_ts:desc"]


class StoriesParams(BaseModel):
    """What a reader can ask /stories for."""

    theme: str | None = Field(default=None, max_length=100, pattern=THEME_SLUG)
    since: DateOrTime | None = None
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)


class Story(BaseModel):
    """A story: the articles about one event, grouped by the related service."""

    id: str
    title: str = ""
    first_seen_ts: int | None = None
    last_seen_ts: int | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    article_count: int = 0
    sources: list[str] = Field(default_factory=list)
    primary_theme: str | None = None
    themes: list[str] = Field(default_factory=list)


class StoryView(BaseModel):
    """A story and its articles, oldest first."""

    story: Story
    articles: list[ArticleLink]


class StoryList(BaseModel):
    """A page of stories, biggest first."""

    stories: list[Story]
    total: int


def story_articles_request(story_id: str, limit: int) -> dict[str, Any]:
    """Return the search parameters for a story's articles as a timeline, oldest first."""
    return {
        "filter": filters.equals("story_id", story_id),
        "sort": ["published_ts:asc"],
        "limit": limit,
        "attributesToRetrieve": DISPLAY,
    }


def merged_into(document: dict[str, Any]) -> str | None:
    """Return the story a merged story's document names as where it went; None for a story."""
    kept = document.get("merged_into")
    return str(kept) if kept else None


def stories_filter(params: StoriesParams) -> str:
    """Return the filter expression for the reader's story filters, from the allow-list."""
    clauses = [filters.missing("merged_into")]  # a merged story's document only points on
    if params.theme:
        clauses.append(filters.equals("themes", params.theme))
    if params.since:
        clauses.append(filters.at_least("last_seen_ts", epoch(params.since, end_of_day=False)))
    return filters.all_of(clauses) or ""


def stories_request(params: StoriesParams) -> dict[str, Any]:
    """Return the search parameters for a page of stories, biggest and then latest first."""
    return {
        "filter": stories_filter(params),
        "sort": STORIES_SORT,
        **paging.window(params.offset, params.limit),
    }


def to_story(document: dict[str, Any]) -> Story:
    """Return the API form of a story document; missing or null fields get their defaults."""
    known = {k: v for k, v in document.items() if k in Story.model_fields and v is not None}
    return Story.model_validate(known)
