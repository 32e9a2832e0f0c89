"""A registered feed: its id, its stored fields and how the API shows it."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from shared.contracts.ids import canonical_url

MIN_INTERVAL_S = 60
MAX_INTERVAL_S = 86_400
DEFAULT_INTERVAL_S = 900


def feed_id(url: str) -> str:
    """Return the stable id of a feed: a hash of its canonical URL."""
    key = f"feed\n{canonical_url(url)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class Feed:
    """What a poll needs to know about a feed."""

    id: str
    url: str
    interval_s: int
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0


class FeedStatus(BaseModel):
    """A registered feed and how its polls went."""

    id: str
    url: str
    interval_s: int
    created_at: datetime
    next_poll_at: datetime | None = Field(description="When it is next due")
    last_poll_at: datetime | None = None
    last_status: int | None = Field(
        default=None, description="HTTP status of the last poll; null when it got no answer"
    )
    last_error: str | None = Field(default=None, description="Why the latest failed poll failed")
    last_error_at: datetime | None = None
    failures: int = Field(default=0, description="Failed polls in a row; 0 when the last worked")
    items_seen: int = Field(default=0, description="Entries read, over every poll that got some")
    items_accepted: int = Field(default=0, description="New articles published from them")


def to_feed(id_: str, fields: Mapping[str, str]) -> Feed:
    """Return the poll view of a stored feed."""
    return Feed(
        id=id_,
        url=fields["url"],
        interval_s=int(fields["interval"]),
        etag=fields.get("etag") or None,
        last_modified=fields.get("last_modified") or None,
        failures=int(fields.get("failures", 0)),
    )


def to_status(id_: str, fields: Mapping[str, str], next_poll: float | None) -> FeedStatus:
    """Return the API view of a stored feed."""
    status = fields.get("last_status")
    return FeedStatus(
        id=id_,
        url=fields["url"],
        interval_s=int(fields["interval"]),
        created_at=_time(fields["created"]) or datetime.fromtimestamp(0, UTC),
        next_poll_at=_time(next_poll),
        last_poll_at=_time(fields.get("last_poll")),
        last_status=int(status) if status else None,
        last_error=fields.get("last_error") or None,
        last_error_at=_time(fields.get("last_error_at")),
        failures=int(fields.get("failures", 0)),
        items_seen=int(fields.get("items_seen", 0)),
        items_accepted=int(fields.get("items_accepted", 0)),
    )


def _time(value: str | float | None) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if value not in (None, "") else None
