"""The query parameters and response bodies of /search and /articles, and their shared types."""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

ARTICLE_ID = r"^[a-f0-9]{24}$"
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _plain_date(value: Any) -> Any:
    # Pydantic reads "2014-03-10" as midnight; a day must stay a day, so that `until` takes
    # in all of it. It would also read a number as Unix time, which the schema does not offer.
    if not isinstance(value, str):
        return value
    if _PLAIN_DATE.fullmatch(value):
        return date.fromisoformat(value)
    if not _PLAIN_DATE.match(value):
        raise ValueError("expected a date (YYYY-MM-DD) or an ISO 8601 date-time")
    return value


DateOrTime = Annotated[datetime | date, BeforeValidator(_plain_date)]
THEME_SLUG = r"^[a-z0-9-]*$"


class SearchParams(BaseModel):
    """What a reader can ask /search for."""

    q: str = Field(default="", max_length=500)
    theme: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=200)
    # A person, organisation or place the article names, as enrichment wrote it.
    entity: str | None = Field(default=None, max_length=200)
    entity_type: Literal["person", "organisation", "place"] | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    story: str | None = Field(default=None, pattern=ARTICLE_ID)
    since: DateOrTime | None = None
    until: DateOrTime | None = None
    sort: Literal["relevance", "recent"] = "relevance"
    # 0 is keyword search only, 1 meaning only (the query embedded like the articles).
    semantic_ratio: float = Field(default=0.0, ge=0.0, le=1.0)
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)


class SearchHit(BaseModel):
    """One search result."""

    id: str
    title: str
    url: str | None
    source: str | None
    published_at: str | None
    themes: list[str]
    snippet: str
    title_highlighted: str


class SearchResult(BaseModel):
    """A page of search results."""

    hits: list[SearchHit]
    total: int
    took_ms: float
    # Counts per value among all matches: themes, sources, entity_types, languages.
    facets: dict[str, dict[str, int]] = Field(default_factory=dict)


class ArticleLink(BaseModel):
    """What a list needs to show and link an article."""

    id: str
    title: str
    url: str | None = None
    source: str | None = None
    published_at: str | None = None


class RelatedArticle(ArticleLink):
    """An article related to another, with how strongly and why."""

    score: float
    same_story: bool = False
    reasons: list[str] = Field(default_factory=list)


class RelatedResult(BaseModel):
    """The related articles of one article, best first."""

    related: list[RelatedArticle]


class ThemeArticle(ArticleLink):
    """The newest article of one story on a theme, with the story's size and other outlets."""

    story_id: str | None = None
    same_story: bool = False
    story_size: int = 1
    other_sources: list[str] = Field(default_factory=list)


class MoreOnTheme(BaseModel):
    """Stories on an article's themes around its time, newest first (none without a theme)."""

    theme: str | None
    items: list[ThemeArticle]


class ArticleView(BaseModel):
    """An enriched article; fields not computed yet are empty, never missing."""

    id: str
    title: str
    body: str | None = None
    description: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: str | None = None
    language: str | None = None
    language_confidence: float | None = None
    lede: str = ""
    word_count: int = 0
    reading_time_minutes: int = 0
    themes: list[str] = Field(default_factory=list)
    primary_theme: str | None = None
    theme_scores: list[dict[str, Any]] = Field(default_factory=list)
    entities: list[dict[str, Any]] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    story_id: str | None = None
    enrichments: list[str] = Field(default_factory=list)
    enrichments_skipped: dict[str, str] = Field(default_factory=dict)
