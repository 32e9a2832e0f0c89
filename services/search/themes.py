"""Themed lookup: the taxonomy with article counts, and the newest articles of a theme."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel

from services.search import paging
from services.search.deps import NOT_FOUND, SearchDeps, meili_errors
from services.search.links import article_links, newest_request
from services.search.schemas import THEME_SLUG, ArticleLink
from shared import filters
from shared.themes import Taxonomy, Topic, load_taxonomy

ThemeSlug = Annotated[str, Path(pattern=THEME_SLUG, max_length=100)]


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
    return [_theme(t, counts) for t in ordered]


def _theme(topic: Topic, counts: dict[str, int]) -> Theme:
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


def themes_router(deps: SearchDeps) -> APIRouter:
    """Return the routes for themed lookup."""
    router = APIRouter()
    taxonomy = load_taxonomy()

    def counts() -> dict[str, int]:
        with meili_errors():
            found = deps.articles.search("", {"facets": ["themes"], "limit": 0})
        return dict((found.get("facetDistribution") or {}).get("themes") or {})

    @router.get("/themes")
    def list_themes(level: Annotated[int | None, Query(ge=1, le=3)] = None) -> ThemeList:
        """The IPTC Media Topics taxonomy with the number of articles in each theme."""
        return ThemeList(themes=theme_list(taxonomy, counts(), level))

    @router.get("/themes/{slug}/articles", responses=NOT_FOUND)
    def list_theme_articles(
        slug: ThemeSlug,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> ThemeArticles:
        """A theme's articles, newest first; 404 for a theme the taxonomy does not have."""
        topic = taxonomy.by_slug(slug)
        if topic is None:
            raise HTTPException(404, f"no theme {slug!r} in the taxonomy")
        with meili_errors():
            found = deps.articles.search("", theme_articles_request(slug, limit, offset))
        hits, total = paging.cut(found, offset, limit)
        return ThemeArticles(
            theme=_theme(topic, {slug: total}),
            articles=article_links(hits),
            total=total,
        )

    return router
