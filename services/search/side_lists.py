"""The lists beside an article (related, "More on theme", same story): requests, items. No I/O."""

from dataclasses import dataclass
from typing import Any

from services.search.articles import DISPLAY, link_fields
from services.search.schemas import ArticleLink, ArticleView, RelatedArticle, ThemeArticle
from shared.contracts import filters
from shared.stories.related_lists import Link, reasons

# Of the article itself: what each list is built from.
RELATED_SOURCE = ["id", "title", "story_id"]
THEME_SOURCE = ["id", "title", "published_ts", "primary_theme", "theme_scores", "story_id"]
DAY_SECONDS = 86_400
# The related service keeps up to RELATED_LIMIT (10, at most 50); never read more than this.
MAX_STORED = 100


def related_articles(
    links: list[Link], hits: list[dict[str, Any]], limit: int, story_id: str | None = None
) -> list[RelatedArticle]:
    """Join the stored links, best first, to their documents; drop links whose article is gone."""
    # Links into the story `story_id` as the index has it now (stories merge after links are
    # written) are same-story and come first, each side in score order.
    shown = {hit.get("id"): link_fields(hit) for hit in hits}
    same = {hit.get("id") for hit in hits if story_id and hit.get("story_id") == story_id}
    related = []
    for link in links:
        fields = shown.get(link.id)
        if fields is not None:
            now_same = link.id in same
            why = reasons(link, same_story=now_same)
            related.append(
                RelatedArticle(**fields, score=link.score, same_story=now_same, reasons=why)
            )
    related.sort(key=lambda r: not r.same_story)  # stable: scores stay in order
    return related[:limit]


@dataclass(frozen=True)
class ThemeWindow:
    """How long before and after an article "More on theme" looks (archive pages stay on then)."""

    before_s: int = 14 * DAY_SECONDS
    after_s: int = DAY_SECONDS


DEFAULT_WINDOW = ThemeWindow()


def top_themes(article: dict[str, Any]) -> list[str]:
    """Return the article's top-level themes, best first; its primary theme when none is scored."""
    scored = [
        str(t["slug"])
        for t in article.get("theme_scores") or []
        if isinstance(t, dict) and t.get("level") == 1 and t.get("slug")
    ]
    primary = article.get("primary_theme")
    return scored or ([str(primary)] if primary else [])


def more_on_theme_request(
    article: dict[str, Any], limit: int, window: ThemeWindow = DEFAULT_WINDOW
) -> dict[str, Any] | None:
    """Return the search for the newest article per story on the article's themes, or None."""
    tops = top_themes(article)
    if not tops:
        return None
    clauses = [filters.any_of("themes", tops), filters.not_equals("id", article["id"])]
    published = article.get("published_ts")
    if isinstance(published, int):
        clauses.append(filters.at_least("published_ts", published - window.before_s))
        clauses.append(filters.at_most("published_ts", published + window.after_s))
    return {
        "filter": filters.all_of(clauses),
        # One article per story; articles without a story yet are each kept (checked on 1.21).
        "distinct": "story_id",
        "sort": ["published_ts:desc"],
        "limit": limit,
        "attributesToRetrieve": [*DISPLAY, "story_id"],
    }


def story_sizes_request(story_ids: list[str]) -> dict[str, Any]:
    """Return the search for the size and outlets of each of `story_ids` in the stories index."""
    return {
        "filter": filters.any_of("id", story_ids),
        "limit": len(story_ids),
        "attributesToRetrieve": ["id", "article_count", "sources"],
    }


def theme_articles(
    hits: list[dict[str, Any]],
    story_id: str | None,
    stories: dict[str, dict[str, Any]] | None = None,
) -> list[ThemeArticle]:
    """Return the theme list, marking the article's own story, with each story's size."""
    items = []
    for hit in hits:
        fields = link_fields(hit)
        if fields is None:
            continue
        hit_story = hit.get("story_id")
        known = (stories or {}).get(hit_story or "", {})
        items.append(
            ThemeArticle(
                **fields,
                story_id=hit_story,
                same_story=story_id is not None and hit_story == story_id,
                story_size=max(int(known.get("article_count") or 1), 1),
                other_sources=sorted(set(known.get("sources") or []) - {fields.get("source")}),
            )
        )
    return items


def other_outlets(view: ArticleView, story: list[ArticleLink], limit: int) -> list[ArticleLink]:
    """Return the articles of `view`'s story from other outlets (any, if it has no outlet)."""
    seen = {view.id}
    others = []
    for link in story:
        if link.id not in seen and (link.source != view.source or not view.source):
            seen.add(link.id)
            others.append(link)
    return others[:limit]
