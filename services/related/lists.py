"""Related lists in Redis: one hash per article, entry per other article, bounded and expiring.

Entries are keyed by the other article's id, so concurrent workers and replays merge rather
than overwrite; the score is symmetric, so both directions agree. Lists expire once their
article is out of the candidate window for a while; a later update re-seeds from the index.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from services.related.scoring import Match, reasons
from services.related.store import decoded

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import Pipeline
    from redis.typing import EncodableT, FieldT


class RelatedLists:
    """Every article's related entries, under one namespace."""

    def __init__(self, redis: "Redis", namespace: str, ttl_s: int):
        self.redis = redis
        self.prefix = f"{namespace}related.list:"
        self.ttl_s = ttl_s

    def _key(self, article_id: str) -> str:
        return f"{self.prefix}{article_id}"

    async def missing_lists(self, article_ids: Iterable[str]) -> list[str]:
        """Return the articles whose related list Redis no longer holds (expired)."""
        ids = sorted(set(article_ids))
        async with self.redis.pipeline(transaction=False) as pipe:
            for article_id in ids:
                pipe.exists(self._key(article_id))
            found = await pipe.execute()
        return [aid for aid, exists in zip(ids, found, strict=True) if not exists]

    async def add_entries(
        self, entries: Mapping[str, Mapping[str, dict[str, Any]]], *, only_new: bool = False
    ) -> None:
        """Store entries (article id -> other id -> entry); `only_new` keeps existing ones."""
        async with self.redis.pipeline(transaction=False) as pipe:
            self._queue_entries(pipe, entries, only_new=only_new)
            await pipe.execute()

    def _queue_entries(
        self,
        pipe: "Pipeline",
        entries: Mapping[str, Mapping[str, dict[str, Any]]],
        *,
        only_new: bool,
    ) -> None:
        for article_id, by_other in entries.items():
            key = self._key(article_id)
            values: dict[FieldT, EncodableT] = {
                other: json.dumps(e, separators=(",", ":")) for other, e in by_other.items()
            }
            if only_new:
                for other, value in values.items():
                    pipe.hsetnx(key, other, value)
            elif values:
                # One command per list rather than per entry: a batch touches thousands.
                pipe.hset(key, mapping=values)

    async def add_and_top(
        self,
        entries: Mapping[str, Mapping[str, dict[str, Any]]],
        article_ids: Iterable[str],
        keep: int,
    ) -> dict[str, list[dict[str, Any]]]:
        """Store entries, then return each article's best `keep` entries, dropping the rest."""
        ids = sorted(set(article_ids))
        async with self.redis.pipeline(transaction=False) as pipe:
            self._queue_entries(pipe, entries, only_new=False)
            for article_id in ids:
                pipe.hgetall(self._key(article_id))
            replies = await pipe.execute()
        stored = replies[len(replies) - len(ids) :]
        lists = {aid: ranked_entries(decoded(raw)) for aid, raw in zip(ids, stored, strict=True)}
        await self._trim(lists, keep)
        return {aid: ranked[:keep] for aid, ranked in lists.items()}

    async def _trim(self, lists: Mapping[str, list[dict[str, Any]]], keep: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for article_id, ranked in lists.items():
                dropped = [entry["id"] for entry in ranked[keep:]]
                if dropped:
                    pipe.hdel(self._key(article_id), *dropped)
                pipe.expire(self._key(article_id), self.ttl_s)
            await pipe.execute()


def ranked_entries(raw: Mapping[str, str]) -> list[dict[str, Any]]:
    """Return a stored list's entries best first (ties by id, so every reader agrees)."""
    entries = [{"id": other, **json.loads(value)} for other, value in raw.items()]
    return sorted(entries, key=lambda e: (-float(e["score"]), e["id"]))


def cut_relative(entries: list[dict[str, Any]], ratio: float) -> list[dict[str, Any]]:
    """Return the entries, best first, that score at least `ratio` times the best one."""
    if not entries:
        return []
    floor = ratio * float(entries[0]["score"])
    return [entry for entry in entries if float(entry["score"]) >= floor]


def shown_entries(entries: list[dict[str, Any]], ratio: float) -> list[dict[str, Any]]:
    """Return what a reader sees of ranked entries: the same story first, then the best scores."""
    kept = cut_relative(entries, ratio)
    return sorted(kept, key=lambda e: not e.get("same_story"))  # stable: scores stay in order


def entries_of(
    ids: list[str],
    scored: list[list[Match]],
    story_of: Mapping[str, str],
    min_score: float,
    limit: int,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Return the entries to store: each article's best matches, and each match's back-link."""
    entries: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for mine, matches in zip(ids, scored, strict=True):
        kept = [m for m in matches if m.score >= min_score][:limit]
        for match in kept:
            same = story_of.get(mine) is not None and story_of.get(mine) == story_of.get(match.id)
            entries[mine][match.id] = entries[match.id][mine] = _entry(match, same)
    return entries


def _entry(match: Match, same_story: bool) -> dict[str, Any]:
    return {
        "score": match.score,
        "same_story": same_story,
        "reasons": reasons(match, same_story=same_story),
    }


def seed_of(document: Any) -> dict[str, dict[str, Any]]:
    """Return the entries an index document stores, keyed by the other article's id."""
    stored = getattr(document, "related", None) or []
    return {
        e["id"]: {k: v for k, v in e.items() if k != "id"}
        for e in stored
        if isinstance(e, dict) and "id" in e
    }


def index_updates(
    lists: Mapping[str, list[dict[str, Any]]],
    story_of: Mapping[str, str],
    batch: set[str],
    ratio: float,
) -> list[dict[str, Any]]:
    """Return the partial updates for the index: the batch, and older articles whose list changed.

    An older article's shown list changes only if an article of the batch made it in; the
    others are left alone, which spares Meilisearch most of the re-indexing of back-links.
    """
    updates = []
    for article_id, entries in lists.items():
        shown = shown_entries(entries, ratio)
        if article_id in batch:
            updates.append({"id": article_id, "related": shown, "story_id": story_of[article_id]})
        elif any(entry["id"] in batch for entry in shown):
            updates.append({"id": article_id, "related": shown})
    return updates
