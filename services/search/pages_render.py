"""HTML rendering for the reader's pages: the Jinja2 environment, its filters, the responses."""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from services.search.search_query import HIGHLIGHT_POST, HIGHLIGHT_PRE
from shared.contracts.themes import load_taxonomy

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# Meilisearch's highlight tags, once the whole text is escaped: the only markup put back.
_ESCAPED_TAGS = {
    str(escape(HIGHLIGHT_PRE)): HIGHLIGHT_PRE,
    str(escape(HIGHLIGHT_POST)): HIGHLIGHT_POST,
}


def highlight(text: str | None) -> Markup:
    """Return untrusted highlighted text escaped, with only its <mark> tags kept as markup."""
    escaped = str(escape(text or ""))
    for quoted, tag in _ESCAPED_TAGS.items():
        escaped = escaped.replace(quoted, tag)
    # Every tag is one of the two; close what the crop left open, so marks never leak.
    missing = escaped.count(HIGHLIGHT_PRE) - escaped.count(HIGHLIGHT_POST)
    return Markup(escaped + HIGHLIGHT_POST * max(missing, 0))  # noqa: S704 - escaped above


def when(value: str | int | None) -> str:
    """Return an ISO date-time or epoch seconds as a short UTC date and time for people."""
    if value is None or value == "":
        return ""
    try:
        if isinstance(value, int):
            moment = datetime.fromtimestamp(value, UTC)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return str(value)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def iso(value: str | int | None) -> str:
    """Return the machine-readable form for a <time datetime=...> attribute."""
    if isinstance(value, int):
        return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
    return value or ""


def theme_name(slug: str | None) -> str:
    """Return the taxonomy's name for a theme slug (the slug itself when unknown)."""
    topic = load_taxonomy().by_slug(slug or "")
    name = topic.name if topic is not None else (slug or "")
    return name[:1].upper() + name[1:]


def paragraphs(body: str | None) -> list[str]:
    """Return the body's paragraphs: blank-line separated, or one per line when there are none."""
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        return []
    blocks = [b for b in text.split("\n\n") if b.strip()]
    parts = blocks if len(blocks) > 1 else text.split("\n")
    return [" ".join(p.split()) for p in parts if p.strip()]


def web_link(address: str | None) -> str | None:
    """Return the address if it is an http(s) URL, else None: never a javascript: link."""
    scheme = (address or "").split(":", 1)[0].strip().lower()
    return address if scheme in ("http", "https") else None


def url(path: str, params: dict[str, Any] | None = None, **changes: Any) -> str:
    """Return `path` with the query `params` updated by `changes`; empty values are dropped."""
    merged = {**(params or {}), **changes}
    kept = [(k, str(v)) for k, v in merged.items() if v not in (None, "")]
    return f"{path}?{urlencode(kept)}" if kept else path


def environment() -> Environment:
    """Return the Jinja2 environment of the pages, escaping everything by default."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        highlight=highlight, when=when, iso=iso, theme_name=theme_name, web_link=web_link
    )
    env.globals.update(url=url, paragraphs=paragraphs)
    return env


# One for the process, so each template is compiled once, whichever app renders it.
@cache
def _shared_environment() -> Environment:
    return environment()


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Return the template `name` rendered with `context`."""
    page = _shared_environment().get_template(name).render(**context)
    return HTMLResponse(page, status_code=status)


def error(status: int, title: str, detail: str) -> HTMLResponse:
    """Return the error page."""
    return render("error.html", status, title=title, detail=detail)


def guarded(build: Callable[[], Response]) -> Response:
    """Return what `build` renders, or the error page for the HTTP error it raises."""
    try:
        return build()
    except HTTPException as exc:
        title = "Not found" if exc.status_code == 404 else "Unavailable"
        return error(exc.status_code, title, str(exc.detail))
