"""What a rebuild reads: retained enriched events, and what the related service keeps in Redis."""

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from shared.adapters.redis import text
from shared.contracts.events import ArticleEnriched
from shared.contracts.keys import RELATED_GROUP
from shared.contracts.wire import body_and_headers
from shared.stories.reader import StoryReader
from shared.stories.records import story_document

if TYPE_CHECKING:
    from redis.asyncio import Redis

Entry = tuple[bytes, dict[bytes, bytes]]


def decode(fields: Mapping[bytes, bytes], dimensions: int) -> ArticleEnriched | None:
    """Return the enriched article of a stream entry, or None when it holds no valid one."""
    try:
        body = body_and_headers(fields)[0]
        if body is None:
            return None
        event = ArticleEnriched.model_validate_json(body)
    except ValueError:  # a corrupt deflated entry, or pydantic's ValidationError
        return None
    vector = event.enrichment.embedding
    # A vector of another size would fail its whole Meilisearch batch: skip this one event.
    return None if vector is not None and len(vector) != dimensions else event


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
    """What the related service keeps in Redis about one article that its document copies.

    Its related list is not among it: the search service reads lists in Redis itself.
    """

    story_id: str | None

    def digest(self) -> int:
        """Return a fingerprint, to tell later whether Redis changed."""
        return fingerprint([self.story_id])


def fingerprint(value: Any) -> int:
    """Return a small fingerprint of a JSON value: 340k articles must fit in memory."""
    return hash(json.dumps(value, sort_keys=True))


def link_fields(links: Links) -> dict[str, Any]:
    """Return the fields the document takes from Redis: its story, once it has one."""
    return {} if links.story_id is None else {"story_id": links.story_id}


class LinkReader:
    """Reads story membership and stories, never changing them."""

    def __init__(self, redis: "Redis", namespace: str):
        self.redis = redis
        self.store = StoryReader(redis, namespace)

    async def links(self, article_ids: list[str]) -> dict[str, Links]:
        """Return what Redis holds about each article."""
        story_of = await self.store.stories_of(article_ids)
        return {aid: Links(story_of.get(aid)) for aid in article_ids}

    async def stories(self, story_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Return the stories-index documents of the stories, as they stand now."""
        return [story_document(state) for state in await self.store.story_states(story_ids)]
