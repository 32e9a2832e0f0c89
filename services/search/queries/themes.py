"""Reads of themes' article counts and of a theme's articles, for the JSON routes and pages."""

from services.search import paging
from services.search.articles import article_links
from services.search.deps import SearchDeps, meili_errors
from services.search.themes import ThemeArticles, theme, theme_articles_request
from shared.contracts.themes import Topic


def theme_counts(deps: SearchDeps) -> dict[str, int]:
    """Return how many articles each theme has."""
    with meili_errors():
        found = deps.articles.search("", {"facets": ["themes"], "limit": 0})
    return dict((found.get("facetDistribution") or {}).get("themes") or {})


def articles_on_theme(deps: SearchDeps, topic: Topic, limit: int, offset: int) -> ThemeArticles:
    """Return a page of a theme's articles, newest first, and their total."""
    with meili_errors():
        found = deps.articles.search("", theme_articles_request(topic.slug, limit, offset))
    hits, total = paging.cut(found, offset, limit)
    return ThemeArticles(
        theme=theme(topic, {topic.slug: total}), articles=article_links(hits), total=total
    )
