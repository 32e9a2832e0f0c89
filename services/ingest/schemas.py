"""The ingest API's request and response bodies."""

from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shared.events import utcnow

MAX_BODY_CHARS = 1_000_000
# Clocks and time zones disagree a little; a day ahead is a bad date, not a skew.
FUTURE_TOLERANCE = timedelta(days=1)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    return value


class ArticleIn(BaseModel):
    """An article as a client submits it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=1000)
    body: str | None = Field(default=None, max_length=MAX_BODY_CHARS)
    description: str | None = Field(default=None, max_length=10_000)
    url: Annotated[str, AfterValidator(_http_url)] | None = Field(default=None, max_length=2048)
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


class Accepted(BaseModel):
    """The outcome for one accepted or duplicate article."""

    id: str
    duplicate: bool


class Rejected(BaseModel):
    """The outcome for one article of a batch that failed validation."""

    error: str


class BatchResult(BaseModel):
    """Outcomes of a batch, in input order."""

    results: list[Accepted | Rejected]
