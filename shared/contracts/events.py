"""Events exchanged over Redis Streams. Past tense: each says what has happened."""

from datetime import UTC, datetime
from typing import Annotated, Final, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from shared.contracts.themes import ThemeScore
from shared.contracts.vectors import pack, unpack

SCHEMA_VERSION: Final = 1

# In memory a list of floats; in JSON "i8:" and base64 of a float32 scale and int8 values
# (shared.contracts.vectors.pack). Read too: untagged base64 float16 and lists of floats,
# the forms of events written before.
PackedVector = Annotated[
    list[float],
    BeforeValidator(unpack),
    PlainSerializer(pack, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "contentEncoding": "base64",
            "description": (
                "'i8:' then base64 of a little-endian float32 scale and one int8 per value"
                " (value = int8 x scale); untagged base64 float16 values are read too"
            ),
        }
    ),
]


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of every event: versioned, immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION


class Article(BaseModel):
    """An article as accepted by ingest: the content every later stage works from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-f0-9]{24}$")
    title: str = Field(min_length=1)
    body: str | None = None
    description: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    source: str | None = None
    published_at: AwareDatetime | None = None
    language: str | None = None


class ArticleIngested(Event):
    """Ingest accepted a new article (never a duplicate of one accepted before)."""

    article: Article
    ingested_at: AwareDatetime = Field(default_factory=utcnow)


class EntityMention(BaseModel):
    """A person, organisation or place an article names, with how often and where first.

    `first_position` is a character offset into the title, a blank line, then the body (or
    the description when there is no body). `country` is an ISO 3166-1 alpha-2 code.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["person", "organisation", "place"]
    name: str
    mentions: int = Field(ge=1)
    first_position: int = Field(ge=0)
    country: str | None = None


class Enrichment(BaseModel):
    """What enrichment computed; fields not computed stay empty, never missing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str | None = None
    language_confidence: float | None = None
    language_source: Literal["declared", "detected", "unknown"] = "unknown"
    lede: str = ""
    word_count: int = 0
    reading_time_minutes: int = 0
    entities: list[EntityMention] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    # Top-level IPTC topics first, then the most specific topic under each.
    themes: list[ThemeScore] = Field(default_factory=list)
    embedding: PackedVector | None = None
    embedding_model: str | None = None
    # Which enrichments ran, and those skipped with the reason, so consumers can tell
    # "no entities found" from "entity extraction did not run".
    ran: list[str] = Field(default_factory=list)
    skipped: dict[str, str] = Field(default_factory=dict)


class ArticleEnriched(Event):
    """Enrichment finished for an article."""

    article: Article
    enrichment: Enrichment
    ingested_at: AwareDatetime
    enriched_at: AwareDatetime = Field(default_factory=utcnow)

    @property
    def timestamp(self) -> int:
        """Publication time in epoch seconds, the ingest time when the article has none."""
        return int((self.article.published_at or self.ingested_at).timestamp())


class EventDeadLettered(Event):
    """A service gave up on an event; the original is kept for inspection and replay."""

    service: str
    stream: str
    message_id: str | None = None
    error: str
    attempts: int = 1
    original: str
    failed_at: AwareDatetime = Field(default_factory=utcnow)
    # The trace id the original carried in its headers, so a dead letter is found by it too.
    trace_id: str | None = None
