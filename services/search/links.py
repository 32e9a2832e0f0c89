"""Related articles and "More on theme" requests and responses as plain functions: no I/O."""

from typing import Any

from services.search import paging
from services.search.schemas import ArticleLink, RelatedArticle, RelatedLink, ThemeArticle
from shared import filters

DISPLAY = ["id", "title", "url", "source", "published_at"]
# Of the article itself: what each list is built from.
RELATED_SOURCE = ["id", "title", "related"]
THEME_SOURCE = ["id", "title", "published_ts", "primary_theme", "story_id"]
# An archive page shows what was on theme then: up to a week after the article, not today's.
THEME_HORIZON_SECONDS = 7 * 86_400
# The related service stores up to RELATED_LIMIT (10, at most 50); never read more than this.
MAX_STORED = 100


def display_request(ids: list[str]) -> dict[str, Any]:
    """Return the search parameters that fetch the display fields of `ids` in one call."""
    return {
        "filter": filters.any_of("id", ids),
        "limit": len(ids),
        "attributesToRetrieve": DISPLAY,
    }


def newest_request(filter_: str, limit: int, offset: int) -> dict[str, Any]:
    """Return the search parameters for a page of the articles matching `filter_`, newest first."""
    return {
        "filter": filter_,
        "sort": ["published_ts:desc"],
        **paging.window(offset, limit),
        "attributesToRetrieve": DISPLAY,
    }


def link_fields(document: dict[str, Any]) -> dict[str, Any] | None:
    """Return an article's display fields, or None while it has no title (not indexed)."""
    if not document.get("title"):
        return None
    return {name: document.get(name) for name in DISPLAY}


def related_articles(
    links: list[RelatedLink], hits: list[dict[str, Any]], limit: int
) -> list[RelatedArticle]:
    """Join the stored links, best first, to their documents; drop links whose article is gone."""
    shown = {hit.get("id"): link_fields(hit) for hit in hits}
    related = []
    for link in links:
        fields = shown.get(link.id)
        if fields is not None:
            related.append(RelatedArticle(**fields, **link.model_dump(exclude={"id"})))
    return related[:limit]


def more_on_theme_request(article: dict[str, Any], limit: int) -> dict[str, Any] | None:
    """Return the search for the newest article per story on the article's theme, or None."""
    theme = article.get("primary_theme")
    if not theme:
        return None
    clauses = [filters.equals("primary_theme", theme), filters.not_equals("id", article["id"])]
    published = article.get("published_ts")
    if isinstance(published, int):
        clauses.append(filters.at_most("published_ts", published + THEME_HORIZON_SECONDS))
    return {
        "filter": filters.all_of(clauses),
        # One article per story; articles without a story yet are each kept (checked on 1.21).
        "distinct": "story_id",
        "sort": ["published_ts:desc"],
        "limit": limit,
        "attributesToRetrieve": [*DISPLAY, "story_id"],
    }


def theme_articles(hits: list[dict[str, Any]], story_id: str | None) -> list[ThemeArticle]:
    """Return the theme list, marking the article's own story."""
    items = []
    for hit in hits:
        fields = link_fields(hit)
        if fields is None:
            continue
        hit_story = hit.get("story_id")
        same = story_id is not None and hit_story == story_id
        items.append(ThemeArticle(**fields, story_id=hit_story, same_story=same))
    return items


def article_links(hits: list[dict[str, Any]]) -> list[ArticleLink]:
    """Return the display form of article hits, skipping any not indexed yet."""
    return [ArticleLink(**fields) for hit in hits if (fields := link_fields(hit)) is not None]
