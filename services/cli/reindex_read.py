"""What a rebuild reads: retained enriched events, and what the related service keeps in Redis."""

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from faststream.redis.parser.binary import BinaryMessageFormatV1
from pydantic import ValidationError

# The related service's own order of a stored list, reused so both agree.
from services.related.lists import RelatedLists, ranked_entries, shown_entries
from services.related.store import RelatedStore, decoded
from services.related.stories import story_document
from shared.events import ArticleEnriched
from shared.streams import RELATED_GROUP

if TYPE_CHECKING:
    from redis.asyncio import Redis

Entry = tuple[bytes, dict[bytes, bytes]]


def decode(fields: Mapping[bytes, bytes], dimensions: int) -> ArticleEnriched | None:
    """Return the enriched article of a stream entry, or None when it holds no valid one."""
    raw = fields.get(b"__data__")
    if raw is None:
        return None
    # FastStream writes a binary envelope; others write raw JSON (its parser would decode that
    # whole, twice as slow as validating it).
    envelope = raw.startswith(BinaryMessageFormatV1.IDENTITY_HEADER)
    body = BinaryMessageFormatV1.parse(raw)[0] if envelope else raw
    try:
        event = ArticleEnriched.model_validate_json(body)
    except ValidationError:
        return None
    vector = event.enrichment.embedding
    # A vector of another size would fail its whole Meilisearch batch: skip this one event.
    return None if vector is not None and len(vector) != dimensions else event


def text(value: bytes | str) -> str:
    """Return a Redis reply as text."""
    return value.decode() if isinstance(value, bytes) else value


def entry_time(entry_id: bytes | str) -> datetime:
    """Return when a stream entry was added: its id starts with epoch milliseconds."""
    return datetime.fromtimestamp(int(text(entry_id).split("-")[0]) / 1000, UTC)


async def pages(
    redis: "Redis", stream: str, after: str | None, count: int
) -> AsyncIterator[list[Entry]]:
    """Yield the entries after id `after` (all when None), `count` at a time, oldest first."""
    start = "-" if after is None else f"({after}"
    while entries := cast("list[Entry]", await redis.xrange(stream, min=start, count=count)):
        yield entries
        start = f"({text(entries[-1][0])}"


async def stream_counts(redis: "Redis", stream: str) -> tuple[int, int]:
    """Return how many entries the stream holds and how many were ever added to it."""
    if not await redis.exists(stream):
        return 0, 0
    info = await redis.xinfo_stream(stream)
    return int(info["length"]), int(info.get("entries-added", info["length"]))


async def related_cursor(redis: "Redis", stream: str) -> tuple[str, int] | None:
    """Return the related group's last delivered id and pending count (None without a group)."""
    if not await redis.exists(stream):
        return None
    for group in await redis.xinfo_groups(stream):
        if text(group["name"]) == RELATED_GROUP:
            return text(group["last-delivered-id"]), int(group["pending"])
    return None


def related_moved(before: tuple[str, int] | None, after: tuple[str, int] | None) -> bool:
    """Whether the related service may have written between two readings of its cursor."""
    return before != after or (before is not None and before[1] > 0)


@dataclass(frozen=True)
class Links:
    """What the related service keeps in Redis about one article."""

    related: list[dict[str, Any]] | None  # the entries it shows; None when Redis has no list
    story_id: str | None

    def digest(self) -> int:
        """Return a fingerprint, to tell later whether Redis changed."""
        return fingerprint([self.related, self.story_id])


def fingerprint(value: Any) -> int:
    """Return a small fingerprint of a JSON value: 340k articles must fit in memory."""
    return hash(json.dumps(value, sort_keys=True))


def shown(raw: Mapping[str, str], limit: int, ratio: float) -> list[dict[str, Any]]:
    """Return the entries of a stored list that the related service shows, best first."""
    return shown_entries(ranked_entries(raw)[:limit], ratio)


def link_fields(links: Links, stored: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return `related` and `story_id` for the document; `stored` stands in for an expired list."""
    fields: dict[str, Any] = {}
    if links.story_id is not None:
        fields["story_id"] = links.story_id
    related = links.related if links.related is not None else stored
    if related is None and links.story_id is not None:
        related = []  # the related service has seen the article: it found nothing related
    if related is not None:
        fields["related"] = related
    return fields


class LinkReader:
    """Reads related lists, story membership and stories, never changing them."""

    def __init__(self, redis: "Redis", namespace: str, limit: int, ratio: float):
        self.redis, self.limit, self.ratio = redis, limit, ratio
        self.store = RelatedStore(redis, namespace, vectors_ttl_s=0)
        # Not RelatedLists.add_and_top: it writes, trims lists and renews their expiry.
        self.list_prefix = RelatedLists(redis, namespace, ttl_s=0).prefix

    async def links(self, article_ids: list[str]) -> dict[str, Links]:
        """Return what Redis holds about each article."""
        story_of = await self.store.stories_of(article_ids)
        async with self.redis.pipeline(transaction=False) as pipe:
            for article_id in article_ids:
                pipe.hgetall(f"{self.list_prefix}{article_id}")
            stored = await pipe.execute()
        return {
            aid: Links(
                shown(decoded(raw), self.limit, self.ratio) if raw else None, story_of.get(aid)
            )
            for aid, raw in zip(article_ids, stored, strict=True)
        }

    async def stories(self, story_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Return the stories-index documents of the stories, as they stand now."""
        return [story_document(state) for state in await self.store.story_states(story_ids)]
