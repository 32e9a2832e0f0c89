"""What the reader's pages show, fetched as the JSON routes fetch it: same requests, same deps."""

from typing import Any

from fastapi import HTTPException

from services.search import paging
from services.search.deps import SearchDeps, meili_errors
from services.search.links import (
    article_links,
)
from services.search.logic import article_view, facet_counts, search_request, to_hit
from services.search.routes import article_document
from services.search.schemas import (
    ArticleLink,
    ArticleView,
    SearchParams,
    StoriesParams,
    Story,
    ThemeArticle,
)
from services.search.stories import STORIES_MISSING
from services.search.stories import more_on_theme as theme_list
from services.search.story_logic import stories_request, story_articles_request, to_story
from services.search.themes import theme_articles_request

SIDE_LIMIT = 10


def search_results(deps: SearchDeps, params: SearchParams) -> dict[str, Any]:
    """Return a page of hits, the exact total and the facet counts for the reader's query."""
    request = search_request(params, deps.snippet_words)
    with meili_errors():
        response = deps.search(deps.index_uid, params.q, request)
    hits, total = paging.cut(response, params.offset, params.limit)
    return {"hits": [to_hit(h) for h in hits], "total": total, "facets": facet_counts(response)}


def recent_stories(deps: SearchDeps, limit: int = 8) -> list[Story]:
    """Return the biggest recent stories; none while the stories index does not exist."""
    try:
        with meili_errors(STORIES_MISSING):
            found = deps.stories.search("", stories_request(StoriesParams(limit=limit)))
    except HTTPException:
        return []
    hits, _ = paging.cut(found, 0, limit)
    return [to_story(hit) for hit in hits]


def article(deps: SearchDeps, article_id: str) -> ArticleView:
    """Return the article; 404 when it is unknown or not indexed yet."""
    view = article_view(article_document(deps, article_id))
    if view is None:
        raise HTTPException(404, f"article {article_id} is not indexed yet")
    return view


def more_on_theme(deps: SearchDeps, article_id: str) -> list[ThemeArticle]:
    """Return the "More on theme" list of an article, as /articles/{id}/more-on-theme does."""
    return theme_list(deps, article_id, SIDE_LIMIT).items


def same_story(deps: SearchDeps, view: ArticleView) -> list[ArticleLink]:
    """Return the article's story as told by other outlets: its story, else same-story links."""
    found: list[ArticleLink] = []
    if view.story_id:
        with meili_errors():
            request = story_articles_request(view.story_id, SIDE_LIMIT * 5)
            found = article_links(deps.articles.search("", request)["hits"])
    seen = {view.id}
    others = []
    for link in found:
        if link.id not in seen and (link.source != view.source or not view.source):
            seen.add(link.id)
            others.append(link)
    return others[:SIDE_LIMIT]


def theme_page(deps: SearchDeps, slug: str, limit: int, offset: int) -> dict[str, Any]:
    """Return a page of a theme's articles, newest first, and their total."""
    with meili_errors():
        found = deps.articles.search("", theme_articles_request(slug, limit, offset))
    hits, total = paging.cut(found, offset, limit)
    return {"articles": article_links(hits), "total": total}


def story_page(deps: SearchDeps, document: dict[str, Any]) -> dict[str, Any]:
    """Return a story (its stories-index document) and its articles as a timeline, oldest first."""
    story = to_story(document)
    story_id = story.id
    with meili_errors():
        response = deps.articles.search("", story_articles_request(story_id, 200))
    return {"story": story, "articles": article_links(response["hits"])}
