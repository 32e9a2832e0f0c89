"""Related lists in Redis, where the search service reads them: bounded, merged, never rewritten.

Entries are keyed by the other article's id, so concurrent workers and replays merge rather
than overwrite; the score is symmetric, so both directions agree. The lists are the only copy
(the article documents hold none: writing back-links into them re-indexed each document and
its vector up to ten times), so they expire only when `ttl_s` says so. The format is in
`shared/stories/related_lists.py`.
"""

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from services.related.scoring import Match
from shared.stories.related_lists import Link, encode, list_key, ranked

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.typing import EncodableT, FieldT

Entries = Mapping[str, Mapping[str, Link]]  # article id -> other article id -> entry


class RelatedLists:
    """Every article's related entries, under one namespace."""

    def __init__(self, redis: "Redis", namespace: str, ttl_s: int | None = None):
        self.redis, self.namespace, self.ttl_s = redis, namespace, ttl_s

    def _key(self, article_id: str) -> str:
        return list_key(self.namespace, article_id)

    async def add(self, entries: Entries, keep: int) -> None:
        """Store entries, then keep each touched list's best `keep` entries, dropping the rest."""
        ids = sorted(entries)
        async with self.redis.pipeline(transaction=False) as pipe:
            for article_id, by_other in entries.items():
                values: dict[FieldT, EncodableT] = {o: encode(e) for o, e in by_other.items()}
                if values:
                    # One command per list rather than per entry: a batch touches thousands.
                    pipe.hset(self._key(article_id), mapping=values)
            for article_id in ids:
                pipe.hgetall(self._key(article_id))
            replies = await pipe.execute()
        lists = {aid: ranked(raw) for aid, raw in zip(ids, replies[-len(ids) :], strict=True)}
        await self._trim(lists, keep)

    async def _trim(self, lists: Mapping[str, list[Link]], keep: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for article_id, links in lists.items():
                dropped = [link.id for link in links[keep:]]
                if dropped:
                    pipe.hdel(self._key(article_id), *dropped)
                if self.ttl_s:
                    pipe.expire(self._key(article_id), self.ttl_s)
            await pipe.execute()


def link_to(other_id: str, match: Match) -> Link:
    """Return the entry about `other_id` that a match makes (either way: the score is symmetric)."""
    return Link(
        other_id, match.score, match.similarity, match.shared_entities, match.shared_keywords
    )


def entries_of(
    ids: list[str], scored: list[list[Match]], min_score: float, limit: int
) -> dict[str, dict[str, Link]]:
    """Return the entries to store: each article's best matches, and each match's back-link."""
    entries: dict[str, dict[str, Link]] = defaultdict(dict)
    for mine, matches in zip(ids, scored, strict=True):
        for match in [m for m in matches if m.score >= min_score][:limit]:
            entries[mine][match.id] = link_to(match.id, match)
            entries[match.id][mine] = link_to(mine, match)
    return entries
