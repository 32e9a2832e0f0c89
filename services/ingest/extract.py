"""The article in a web page: main text and metadata (trafilatura), or why there is none."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura
from trafilatura.settings import Document

from services.ingest.page_head import read_head, same_site_canonical
from shared.articles.submitted import FUTURE_TOLERANCE
from shared.contracts.events import utcnow
from shared.contracts.text import plain_text

# Below this much prose (text in paragraph-length lines) a page is not an article: an index
# or listing page is a column of short headlines, an empty or stub page has next to nothing.
MIN_TEXT_CHARS = 200
PROSE_LINE_CHARS = 80
# A consent or cookie wall is short and talks about cookies; a real article is rarely both.
WALL_MAX_CHARS = 1500
WALL_WORDS = re.compile(r"\b(accept|agree|consent|manage (options|preferences))\b", re.IGNORECASE)


class NotAnArticleError(Exception):
    """The page has no article we can take; `reason` says why, for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Page:
    """What a page says about its article; None where it says nothing."""

    text: str
    title: str | None
    description: str | None
    author: str | None
    site_name: str | None
    published_at: datetime | None
    language: str | None
    canonical: str | None  # absolute, and on the page's own site


def extract_page(page_html: str, url: str) -> Page:
    """Read the article of a page; raise NotAnArticleError when it has none."""
    doc = _bare_extraction(page_html, url)
    text = (doc.text or "").strip() if doc is not None else ""
    if doc is None or not text:
        raise NotAnArticleError("no main text found on the page")
    title = plain_text(doc.title)
    check_article_text(text)
    head = read_head(page_html)
    return Page(
        text=_without_headline(text, title),
        title=title,
        description=plain_text(doc.description),
        author=plain_text(doc.author),
        site_name=plain_text(doc.sitename),
        published_at=published(doc.date),
        language=head.language,
        canonical=same_site_canonical(head.canonical, url),
    )


def _bare_extraction(page_html: str, url: str) -> Document | None:
    doc = trafilatura.bare_extraction(
        page_html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        # Only dates the page states, never ones guessed from its free text; with the time.
        date_extraction_params={
            "extensive_search": False,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        },
    )
    # Without as_dict, trafilatura returns a Document (or None); the dict is for as_dict=True.
    if doc is not None and not isinstance(doc, Document):
        raise TypeError("trafilatura returned a dict; expected a Document")
    return doc


def check_article_text(text: str) -> None:
    """Raise NotAnArticleError for a cookie wall, or for too little prose (listing, stub)."""
    if len(text) < WALL_MAX_CHARS and "cookie" in text.lower() and WALL_WORDS.search(text):
        raise NotAnArticleError("the page is a cookie or consent wall")
    prose = sum(len(line) for line in text.splitlines() if len(line) >= PROSE_LINE_CHARS)
    if prose < MIN_TEXT_CHARS:
        raise NotAnArticleError(
            f"too little article text ({prose} characters in paragraphs; at least "
            f"{MIN_TEXT_CHARS}): an index or listing page, or an empty one"
        )


def published(value: str | None) -> datetime | None:
    """The page's publication time in UTC; None when absent, unreadable or in the future."""
    try:
        when = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if when is None:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return None if when > utcnow() + FUTURE_TOLERANCE else when.astimezone(UTC)


def _without_headline(text: str, title: str | None) -> str:
    # trafilatura keeps the <h1>; the title is stored on its own already.
    first, _, rest = text.partition("\n")
    return rest.strip() if title and rest and plain_text(first) == title else text
