"""Feed documents to articles: feedparser reads them, the ingest API's model validates them."""

import io
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from services.poller.text import detail_text, headline
from shared.articles.convert import parse_batch, to_article
from shared.articles.submitted import MAX_BODY_CHARS
from shared.contracts.events import Article

# What ArticleIn accepts; longer feed text is cut rather than the item lost.
MAX_TITLE, MAX_DESCRIPTION, MAX_SOURCE = 1000, 10_000, 200
# The newest entries a poll reads: a feed that lists more is an archive, not news.
MAX_ENTRIES = 1000
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


class NotAFeedError(ValueError):
    """The document is neither RSS nor Atom."""


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> Any:
    """Parse an RSS 0.9x/1.0/2.0 or Atom document fetched from `url`."""
    headers = {"content-location": url}  # the base of relative links
    if content_type:
        headers["content-type"] = content_type  # the declared charset
    # A stream, never the bytes themselves: feedparser fetches or opens a string that looks
    # like a URL or a path, which a hostile feed could otherwise make it do.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        raise NotAFeedError("not an RSS or Atom feed" + (f": {problem}" if problem else ""))
    return parsed


def to_items(parsed: Any) -> list[dict[str, Any]]:
    """Return the feed's entries as article submissions, oldest first."""
    channel = parsed.feed
    source = detail_text(channel.get("title_detail"))[:MAX_SOURCE] or None
    language = channel.get("language") or ""
    declared = language if LANGUAGE_TAG.fullmatch(language) else None
    # Feeds list the newest entry first; publishing in time order keeps streams in it.
    newest = parsed.entries[:MAX_ENTRIES]
    return [to_item(entry, source, declared) for entry in reversed(newest)]


def to_item(entry: Any, source: str | None, language: str | None) -> dict[str, Any]:
    """Return one entry as an article submission (ArticleIn's fields)."""
    summary = detail_text(entry.get("summary_detail"))
    contents = [detail_text(c) for c in entry.get("content", [])]
    body = max(contents, key=len, default="")
    title = detail_text(entry.get("title_detail")) or headline(summary or body)
    return {
        "title": title[:MAX_TITLE],
        "description": summary[:MAX_DESCRIPTION] or None,
        # Atom's content stands in for a missing summary: do not send the same text twice.
        "body": body[:MAX_BODY_CHARS] if body and body != summary else None,
        "url": _http_link(entry.get("link")),
        "source": source,
        "published_at": _when(entry.get("published_parsed") or entry.get("updated_parsed")),
        "language": language,
    }


def to_articles(items: list[dict[str, Any]]) -> tuple[list[Article], list[str]]:
    """Validate items as the ingest API does: the articles, and why the others were rejected."""
    parsed = parse_batch(list(items))
    articles = [to_article(p) for p in parsed if not isinstance(p, str)]
    return articles, [p for p in parsed if isinstance(p, str)]


def _http_link(link: Any) -> str | None:
    # A link that is no web page (mailto:, a tag URI) is dropped; the item is still news.
    if not isinstance(link, str):
        return None
    parts = urlsplit(link.strip())
    return link.strip() if parts.scheme in {"http", "https"} and parts.hostname else None


def _when(parsed: Any) -> datetime | None:
    # feedparser gives UTC struct_times.
    if not parsed:
        return None
    try:
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None
