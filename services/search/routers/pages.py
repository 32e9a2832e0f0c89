"""The reader's pages: server-rendered HTML over the same reads as the JSON API, no JavaScript."""

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.search.deps import Deps, SearchDeps
from services.search.page_params import (
    PER_PAGE,
    carried,
    last_page,
    offset,
    page_number,
    problems,
    search_params,
)
from services.search.pages_render import error, guarded, render
from services.search.queries import articles, search, stories, themes
from services.search.schemas import ARTICLE_ID, THEME_SLUG
from services.search.stories import merged_into
from shared.contracts.themes import load_taxonomy

SIDE_LIMIT = 10
RECENT_STORIES = 8
# A story's page shows its whole timeline, up to what the JSON route allows.
STORY_LIMIT = 200
_ID = re.compile(ARTICLE_ID)
_SLUG = re.compile(THEME_SLUG)
# None of them is in the OpenAPI schema: they are for people, the schema is for programs.
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/")
def home(request: Request, deps: Deps) -> Response:
    """The search page; recent stories when nothing is asked."""
    return guarded(lambda: _home(deps, dict(request.query_params)))


def _home(deps: SearchDeps, query: dict[str, str]) -> HTMLResponse:
    page = page_number(query.get("page"))
    try:
        params = search_params(query, page)
    except ValidationError as exc:
        return error(422, "Bad search", problems(exc))
    current = carried(query)
    found = search.search_results(deps, params)
    browsing = not current and page == 1
    return render(
        "index.html",
        params=params,
        current=current,
        page=page,
        last=last_page(found.total),
        stories=stories.recent_stories(deps, RECENT_STORIES) if browsing else [],
        hits=found.hits,
        total=found.total,
        facets=found.facets,
    )


@router.get("/a/{article_id}")
def article(article_id: str, deps: Deps) -> Response:
    """An article with its same-story coverage and "More on theme"."""
    return guarded(lambda: _article(deps, article_id))


def _article(deps: SearchDeps, article_id: str) -> HTMLResponse:
    if not _ID.fullmatch(article_id):
        return error(404, "Not found", "No such article.")
    view = articles.article(deps, article_id)
    return render(
        "article.html",
        article=view,
        more_on_theme=articles.more_on_theme(deps, article_id, SIDE_LIMIT).items,
        same_story=articles.same_story(deps, view, SIDE_LIMIT),
    )


@router.get("/themes/{slug}")
def theme(slug: str, deps: Deps, page: str | None = None) -> Response:
    """A theme's articles, newest first."""
    return guarded(lambda: _theme(deps, slug, page_number(page)))


def _theme(deps: SearchDeps, slug: str, page: int) -> HTMLResponse:
    topic = load_taxonomy().by_slug(slug) if _SLUG.fullmatch(slug) else None
    if topic is None:
        return error(404, "Not found", "No such theme.")
    found = themes.articles_on_theme(deps, topic, PER_PAGE, offset(page))
    last = last_page(found.total)
    return render(
        "theme.html", topic=topic, page=page, last=last, articles=found.articles, total=found.total
    )


# /stories/{id} is the JSON API's: a story's page is /s/{id}, as an article's is /a/{id}.
@router.get("/s/{story_id}")
def story(story_id: str, deps: Deps) -> Response:
    """A story's articles as a timeline; a merged story's page sends on to its new one."""
    return guarded(lambda: _story(deps, story_id))


def _story(deps: SearchDeps, story_id: str) -> Response:
    if not _ID.fullmatch(story_id):
        return error(404, "Not found", "No such story.")
    document = stories.story_document(deps, story_id)
    if kept := merged_into(document):
        return RedirectResponse(f"/s/{kept}", status_code=308)
    view = stories.story_view(deps, document, STORY_LIMIT)
    return render("story.html", story=view.story, articles=view.articles)
