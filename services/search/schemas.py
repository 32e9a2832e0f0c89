"""The search API's query parameters and response bodies."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ARTICLE_ID = r"^[a-f0-9]{24}$"


class SearchParams(BaseModel):
    """What a reader can ask /search for."""

    q: str = Field(default="", max_length=500)
    theme: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=200)
    since: datetime | date | None = None
    until: datetime | date | None = None
    sort: Literal["relevance", "recent"] = "relevance"
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


class RelatedArticle(BaseModel):
    """An article related to another, with how strongly."""

    id: str
    title: str | None
    url: str | None
    source: str | None
    published_at: str | None
    score: float


class RelatedResult(BaseModel):
    """The related articles of one article, best first."""

    related: list[RelatedArticle]


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
    related: list[RelatedArticle] = Field(default_factory=list)
    enrichments: list[str] = Field(default_factory=list)
    enrichments_skipped: dict[str, str] = Field(default_factory=dict)


class GroupState(BaseModel):
    """A consumer group's progress on a stream."""

    group: str
    exists: bool
    pending: int
    lag: int | None


class StreamState(BaseModel):
    """A stream and the groups that read it."""

    stream: str
    length: int
    groups: list[GroupState]


class PipelineState(BaseModel):
    """Where every accepted article is; `idle` when all of it has been processed."""

    streams: list[StreamState]
    dead_letters: int
    index_backlog: int
    idle: bool
