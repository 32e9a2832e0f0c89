"""The reader's pages: server-rendered HTML over the same logic as the JSON API, no JavaScript."""

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.search import pages_data
from services.search.deps import SearchDeps
from services.search.pages_render import environment
from services.search.schemas import ARTICLE_ID, THEME_SLUG, SearchParams
from services.search.stories import story_document
from services.search.story_logic import merged_into
from shared.themes import load_taxonomy

PER_PAGE = 10
MAX_PAGE = 1_000
# What the search page's links and forms carry from one page to the next.
KEPT = ("q", "theme", "source", "entity", "entity_type", "since", "until", "sort")
_ID = re.compile(ARTICLE_ID)
_SLUG = re.compile(THEME_SLUG)


def page_number(raw: str | None) -> int:
    """Return the 1-based page number asked for; anything unreadable is page 1."""
    number = int(raw) if raw and raw.isdigit() else 1
    return min(max(number, 1), MAX_PAGE)


def last_page(total: int) -> int:
    """Return the number of the last page for `total` results (1 when there are none)."""
    return max(1, -(-total // PER_PAGE))


def search_params(query: dict[str, str], page: int) -> SearchParams:
    """Return the search the page's query string asks for; ValidationError when it is bad."""
    kept = {k: v for k, v in query.items() if k in KEPT and v != ""}
    return SearchParams.model_validate({**kept, "limit": PER_PAGE, "offset": (page - 1) * PER_PAGE})


def problems(exc: ValidationError) -> str:
    """Return a validation error as one line a reader can act on."""
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


class Pages:
    """Renders each page from the search deps; HTTP errors become HTML error pages."""

    def __init__(self, deps: SearchDeps) -> None:
        self.deps = deps
        self.env = environment()
        self.taxonomy = load_taxonomy()

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """Return the template `name` rendered with `context`."""
        return HTMLResponse(self.env.get_template(name).render(**context), status_code=status)

    def error(self, status: int, title: str, detail: str) -> HTMLResponse:
        """Return the error page."""
        return self.render("error.html", status, title=title, detail=detail)

    def guarded(self, build: Callable[[], Response]) -> Response:
        """Return what `build` renders, or the error page for the HTTP error it raises."""
        try:
            return build()
        except HTTPException as exc:
            title = "Not found" if exc.status_code == 404 else "Unavailable"
            return self.error(exc.status_code, title, str(exc.detail))

    def home(self, query: dict[str, str]) -> HTMLResponse:
        """The search page; recent stories when nothing is asked."""
        page = page_number(query.get("page"))
        try:
            params = search_params(query, page)
        except ValidationError as exc:
            return self.error(422, "Bad search", problems(exc))
        current = {k: query[k] for k in KEPT if query.get(k)}
        found = pages_data.search_results(self.deps, params)
        browsing = not current and page == 1
        return self.render(
            "index.html",
            params=params,
            current=current,
            page=page,
            last=last_page(found["total"]),
            stories=pages_data.recent_stories(self.deps) if browsing else [],
            **found,
        )

    def article(self, article_id: str) -> HTMLResponse:
        """An article with its same-story coverage and "More on theme"."""
        if not _ID.fullmatch(article_id):
            return self.error(404, "Not found", "No such article.")
        view = pages_data.article(self.deps, article_id)
        return self.render(
            "article.html",
            article=view,
            more_on_theme=pages_data.more_on_theme(self.deps, article_id),
            same_story=pages_data.same_story(self.deps, view),
        )

    def theme(self, slug: str, page: int) -> HTMLResponse:
        """A theme's articles, newest first."""
        topic = self.taxonomy.by_slug(slug) if _SLUG.fullmatch(slug) else None
        if topic is None:
            return self.error(404, "Not found", "No such theme.")
        found = pages_data.theme_page(self.deps, slug, PER_PAGE, (page - 1) * PER_PAGE)
        last = last_page(found["total"])
        return self.render("theme.html", topic=topic, page=page, last=last, **found)

    def story(self, story_id: str) -> Response:
        """A story's articles as a timeline; a merged story's page sends on to its new one."""
        if not _ID.fullmatch(story_id):
            return self.error(404, "Not found", "No such story.")
        document = story_document(self.deps, story_id)
        if kept := merged_into(document):
            return RedirectResponse(f"/s/{kept}", status_code=308)
        return self.render("story.html", **pages_data.story_page(self.deps, document))


def pages_router(deps: SearchDeps) -> APIRouter:
    """Return the HTML routes; none of them is in the OpenAPI schema."""
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    pages = Pages(deps)

    @router.get("/")
    def home(request: Request) -> Response:
        return pages.guarded(lambda: pages.home(dict(request.query_params)))

    @router.get("/a/{article_id}")
    def article(article_id: str) -> Response:
        return pages.guarded(lambda: pages.article(article_id))

    @router.get("/themes/{slug}")
    def theme(slug: str, page: str | None = None) -> Response:
        return pages.guarded(lambda: pages.theme(slug, page_number(page)))

    # /stories/{id} is the JSON API's: a story's page is /s/{id}, as an article's is /a/{id}.
    @router.get("/s/{story_id}")
    def story(story_id: str) -> Response:
        return pages.guarded(lambda: pages.story(story_id))

    return router
