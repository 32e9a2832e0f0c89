"""Articles from web pages: fetch the page (or take the caller's HTML), extract, validate."""

import asyncio
import time

import structlog
from fastapi import HTTPException, status
from pydantic import ValidationError

from services.ingest.extract import NotAnArticleError, Page, extract_page
from services.ingest.page_head import decode_html
from services.ingest.schemas import ArticleRequest
from shared.adapters.fetch import FetchError, FetchPolicy, fetch
from shared.articles.convert import describe, to_article
from shared.articles.submitted import ArticleIn
from shared.contracts.events import Article

log = structlog.stdlib.get_logger(__name__)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


class PageRefusedError(Exception):
    """No article could be taken from the page; `reason` is for the client (a 422)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def submitted_article(item: ArticleRequest, policy: FetchPolicy) -> Article:
    """The article a request names; a page that yields none is answered 422, with why."""
    if not item.is_page:
        return to_article(item.as_article())
    try:
        return await page_article(item, policy)
    except PageRefusedError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.reason) from exc


async def page_article(item: ArticleRequest, policy: FetchPolicy) -> Article:
    """The article of the page `item` names: its `html` when sent, else fetched from `url`."""
    if item.url is None:  # the request's validator makes this impossible
        raise PageRefusedError("a web page needs its url")
    if item.html is not None:
        page_html, url = item.html, item.url
    else:
        page_html, url = await fetch_page(item.url, policy)
    started = time.perf_counter()
    try:
        # trafilatura is CPU-bound: in a thread, the event loop keeps serving other requests.
        page = await asyncio.to_thread(extract_page, page_html, url)
    except NotAnArticleError as exc:
        log.info("page refused", url=url, reason=exc.reason)
        raise PageRefusedError(f"not an article: {exc.reason}") from exc
    log.info("page extracted", url=url, ms=round((time.perf_counter() - started) * 1000))
    return to_article(merged(item, page, url), canonical_from=page.canonical)


async def fetch_page(url: str, policy: FetchPolicy) -> tuple[str, str]:
    """The HTML at `url` and the URL it was found at, after redirects."""
    try:
        fetched = await fetch(url, policy, headers={"accept": ACCEPT})
    except FetchError as exc:
        log.info("page not fetched", url=url, reason=exc.reason)
        raise PageRefusedError(f"could not fetch the page: {exc.reason}") from exc
    if not 200 <= fetched.status < 300:
        raise PageRefusedError(f"could not fetch the page: the site answered {fetched.status}")
    content_type = fetched.headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    # No Content-Type at all is let through: the extractor finds out soon enough.
    if mime and mime not in HTML_TYPES:
        raise PageRefusedError(f"could not fetch the page: not an HTML page ({mime})")
    return decode_html(fetched.body, content_type), fetched.url


def merged(item: ArticleRequest, page: Page, url: str) -> ArticleIn:
    """The article: what the caller sent, else what the page says; validated like any."""
    found = {
        "title": page.title,
        "body": page.text,
        "description": page.description,
        "source": page.site_name,
        "published_at": page.published_at,
        "language": page.language,
    }
    sent = item.model_dump(exclude={"html", "url"}, exclude_none=True)
    fields = {k: v for k, v in found.items() if v is not None} | sent | {"url": url}
    if not fields.get("title"):
        raise PageRefusedError("not an article: the page has no title")
    try:
        return ArticleIn.model_validate(fields)
    except ValidationError as exc:
        raise PageRefusedError(f"the page's article is not valid: {describe(exc)}") from exc
