"""The ingest API's request and response bodies."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from shared.events import utcnow
from shared.text import plain_text

MAX_BODY_CHARS = 1_000_000
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


class ArticleRequest(ArticleFields):
    """One article; or a web page's: `url` alone is fetched, `url` with `html` is read.

    Fields sent with a page override what the page says about itself.
    """

    title: Title | None = None
    # The page's HTML, when the caller has it already (then nothing is fetched).
    html: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _article_or_page(self) -> Self:
        if self.html is not None and (self.url is None or self.body is not None):
            raise ValueError("html needs the page's url, and comes instead of a body")
        if self.title is None and (self.url is None or self.body is not None):
            # As ArticleIn would say it (at `title`, "Field required"), with the way out.
            required = PydanticCustomError(
                "missing", "Field required, unless a url comes without a body (a web page)"
            )
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [InitErrorDetails(type=required, loc=("title",), input=self.model_dump())],
            )
        return self

    @property
    def is_page(self) -> bool:
        """Whether the article is to be read from a web page (fetched unless html is sent)."""
        return self.html is not None or self.title is None

    def as_article(self) -> ArticleIn:
        """The article as sent, for a request that is not a web page."""
        return ArticleIn.model_validate(self.model_dump(exclude={"html"}))


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
