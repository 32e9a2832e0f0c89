"""An article as a client submits it, by any entry point: API, feed, file."""

from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shared.contracts.events import utcnow
from shared.contracts.text import plain_text

MAX_BODY_CHARS = 1_000_000
# The most one submitted article may weigh in bytes (a 1 MB body plus its fields): the ingest
# API's default request limit, and the bulk CLI's line limit.
MAX_ARTICLE_BYTES = 1_100_000
# Clocks and time zones disagree a little; a day ahead is a bad date, not a skew.
FUTURE_TOLERANCE = timedelta(days=1)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    return value


# An absolute http(s) URL: what ingest fetches from or links to, never `javascript:` or files.
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class ArticleFields(BaseModel):
    """What an article may carry besides its title."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str | None = Field(default=None, max_length=MAX_BODY_CHARS)
    description: str | None = Field(default=None, max_length=10_000)
    url: HttpUrl | None = Field(default=None, max_length=2048)
    source: str | None = Field(default=None, max_length=200)
    published_at: datetime | None = None
    language: str | None = Field(default=None, max_length=35)

    @field_validator("published_at")
    @classmethod
    def _utc_and_not_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        if aware > utcnow() + FUTURE_TOLERANCE:
            raise ValueError("is in the future")
        return aware.astimezone(UTC)


def _no_html(title: str) -> str:
    text = plain_text(title)
    if text is None:
        raise ValueError("has no text once its HTML is removed")
    return text


# HTML in a title is stripped, never stored: pages show titles, and escaping is not enough
# for every consumer (feeds, e-mail, push notifications).
Title = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_no_html)]


class ArticleIn(ArticleFields):
    """An article as a client submits it."""

    title: Title
