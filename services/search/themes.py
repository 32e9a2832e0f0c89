"""Themes: the taxonomy's topics with article counts, and the request for a theme's articles."""

from typing import Any

from pydantic import BaseModel

from services.search.articles import newest_request
from services.search.schemas import ArticleLink
from shared.contracts import filters
from shared.contracts.themes import Taxonomy, Topic


class Theme(BaseModel):
    """A topic of the taxonomy (IPTC Media Topics) and how many articles have it."""

    slug: str
    name: str
    level: int
    top: str
    article_count: int


class ThemeList(BaseModel):
    """The taxonomy, top-level topics first, with counts."""

    themes: list[Theme]


class ThemeArticles(BaseModel):
    """A page of a theme's articles, newest first."""

    theme: Theme
    articles: list[ArticleLink]
    total: int


def theme_list(taxonomy: Taxonomy, counts: dict[str, int], level: int | None) -> list[Theme]:
    """Return the topics (of one level, if given), top-level first, each with its count."""
    topics = [t for t in taxonomy.topics if level is None or t.level == level]
    ordered = sorted(topics, key=lambda t: (t.level, t.top, t.name))
    return [theme(t, counts) for t in ordered]


def theme(topic: Topic, counts: dict[str, int]) -> Theme:
    """Return the API form of a topic, with its count from `counts` (0 when it has none)."""
    return Theme(
        slug=topic.slug,
        name=topic.name,
        level=topic.level,
        top=topic.top,
        article_count=counts.get(topic.slug, 0),
    )


def theme_articles_request(slug: str, limit: int, offset: int) -> dict[str, Any]:
    """Return the search parameters for a page of a theme's articles, newest first."""
    return newest_request(filters.equals("themes", slug), limit, offset)
