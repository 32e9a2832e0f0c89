"""Related lists in Redis: the related worker writes them, the search service reads them.

One hash per article, `{namespace}related.list:{article id}`, one field per other article; the
value is a compact JSON array `[score, similarity, [shared entities], [shared keywords]]`, so a
list of ten stays in Redis's small-hash encoding. Whether two articles are in the same story is
not stored: stories merge after lists are written, so readers take it from the stories as
they stand, and say why two articles are related from the stored evidence.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.adapters.redis import text
from shared.contracts.keys import RelatedKeys

if TYPE_CHECKING:
    from redis.asyncio import Redis

SAME_STORY = "same story"
SIMILAR_TEXT = 0.6  # the cosine from which "similar text" is worth saying


@dataclass(frozen=True)
class Link:
    """One stored entry: the other article, how likely the same event, and the evidence."""

    id: str
    score: float
    similarity: float
    shared_entities: tuple[str, ...] = ()
    shared_keywords: tuple[str, ...] = ()


def list_key(namespace: str, article_id: str) -> str:
    """Return the Redis key of an article's related list."""
    return RelatedKeys(namespace).related_list(article_id)


def encode(link: Link) -> str:
    """Return the stored value of an entry (its id is the hash field)."""
    value = [link.score, link.similarity, list(link.shared_entities), list(link.shared_keywords)]
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def decode(other_id: str, value: str | bytes) -> Link | None:
    """Return a stored entry, or None when the value is not one (never raises)."""
    try:
        score, similarity, entities, keywords = json.loads(value)
        return Link(
            other_id,
            float(score),
            float(similarity),
            tuple(str(e) for e in entities),
            tuple(str(k) for k in keywords),
        )
    except (ValueError, TypeError):
        return None


def ranked(raw: Mapping[bytes | str, bytes | str]) -> list[Link]:
    """Return a stored list's well-formed entries, best first (ties by id: every reader agrees)."""
    links = [decode(text(k), v) for k, v in raw.items()]
    return sorted((x for x in links if x is not None), key=lambda x: (-x.score, x.id))


def reasons(link: Link, *, same_story: bool) -> list[str]:
    """Return why two articles are related, in words, strongest first."""
    said = [SAME_STORY] if same_story else []
    if link.shared_entities:
        said.append("shared entities: " + ", ".join(link.shared_entities))
    if link.shared_keywords:
        said.append("shared keywords: " + ", ".join(link.shared_keywords))
    if link.similarity >= SIMILAR_TEXT or not said:
        said.append("similar text")
    return said


async def read_list(redis: "Redis", namespace: str, article_id: str, limit: int) -> list[Link]:
    """Return an article's stored related entries, best first, at most `limit`."""
    return ranked(await redis.hgetall(list_key(namespace, article_id)))[:limit]
