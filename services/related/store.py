"""Stories in Redis: which story each article is in, and each story's state.

Redis is the source of truth for both, because several related workers update them at once:
a story join is one Lua script: atomic, and a no-op when the article already has a story.
A merged story's id is an alias of the story it went into (merges.py); an article's entry
keeps the id it joined, and reads resolve it. Meilisearch gets copies to serve. Related
lists are in `lists.py`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from services.related.merges import MERGE_TRIES, StoryMerges
from services.related.stories import StoryState, Vector, resolve
from services.related.vectors import VectorCache, hour_of, record_of
from shared.events import ArticleEnriched

if TYPE_CHECKING:
    from redis.asyncio import Redis

# Adds the article to the story unless it already has one (and its vector to its hour's, for
# the vector search: see vectors.py); returns the article's story id, or '>' and the story
# the asked one was merged into (the caller joins that one instead).
JOIN = """
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev then return prev end
local moved = redis.call('HGET', KEYS[6], ARGV[2])
if moved then return '>' .. moved end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ts = tonumber(ARGV[3])
if redis.call('HSETNX', KEYS[2], 'title', ARGV[4]) == 1 then
  redis.call('HSET', KEYS[2], 'first_ts', ts, 'last_ts', ts)
else
  if ts < tonumber(redis.call('HGET', KEYS[2], 'first_ts')) then
    redis.call('HSET', KEYS[2], 'first_ts', ts) end
  if ts > tonumber(redis.call('HGET', KEYS[2], 'last_ts')) then
    redis.call('HSET', KEYS[2], 'last_ts', ts) end
end
redis.call('HINCRBY', KEYS[2], 'count', 1)
if ARGV[5] ~= '' then redis.call('SADD', KEYS[3], ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HINCRBY', KEYS[4], ARGV[6], 1) end
if ARGV[8] ~= '' then
  redis.call('APPEND', KEYS[5], ARGV[8])
  redis.call('EXPIRE', KEYS[5], ARGV[7])
end
return ARGV[2]
"""


@dataclass(frozen=True)
class Join:
    """An article joining a story."""

    article_id: str
    story_id: str
    published_ts: int
    title: str
    source: str | None
    theme: str | None
    embedding: Vector | None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RelatedStore:
    """Stories and related lists in Redis, under one namespace."""

    def __init__(self, redis: "Redis", namespace: str, vectors_ttl_s: int):
        self.redis = redis
        self.prefix = f"{namespace}related."
        self.vectors_ttl_s = vectors_ttl_s
        self._join = redis.register_script(JOIN)
        aliases_key = f"{self.prefix}story-alias"
        self.merges = StoryMerges(redis, aliases_key, self._story_keys)
        self.aliases = self.merges.aliases
        self.vectors = VectorCache(redis, f"{self.prefix}vectors:")

    def _story_keys(self, story_id: str) -> list[str]:
        base = f"{self.prefix}story:{story_id}"
        return [base, f"{base}:sources", f"{base}:themes"]

    async def stories_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Return the story of each article that has one."""
        ids = sorted(set(article_ids))
        if not ids:
            return {}
        found = await self.redis.hmget(f"{self.prefix}story-of", ids)
        joined = {aid: _text(sid) for aid, sid in zip(ids, found, strict=True) if sid}
        aliases = await self.aliases(joined.values())
        return {aid: resolve(sid, aliases) for aid, sid in joined.items()}

    async def join(self, joins: list[Join]) -> dict[str, str]:
        """Add each article to its story unless it has one; return the story of each."""
        stories: dict[str, str] = {}
        for _ in range(MERGE_TRIES):
            replies = await self._join_once(joins)
            moved = {aid: sid[1:] for aid, sid in replies.items() if sid.startswith(">")}
            stories.update({aid: sid for aid, sid in replies.items() if aid not in moved})
            aliases = await self.aliases(moved.values())
            joins = [replace(j, story_id=resolve(moved[j.article_id], aliases))
                     for j in joins if j.article_id in moved]  # fmt: skip
            if not joins:
                break
        return stories

    async def _join_once(self, joins: list[Join]) -> dict[str, str]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for j in joins:
                args: list[bytes | str | int] = [j.article_id, j.story_id, j.published_ts]
                args += [j.title, j.source or "", j.theme or "", self.vectors_ttl_s]
                width = 0 if j.embedding is None else len(j.embedding)
                args.append(
                    b""
                    if j.embedding is None
                    else record_of(j.article_id, j.published_ts, j.embedding)
                )
                hour = self.vectors.key(width, hour_of(j.published_ts))
                keys = [f"{self.prefix}story-of", *self._story_keys(j.story_id), hour]
                keys.append(self.merges.key)
                await self._join(keys=keys, args=args, client=pipe)
            results = await pipe.execute()
        return {j.article_id: _text(r) for j, r in zip(joins, results, strict=True)}

    async def story_states(self, story_ids: Iterable[str]) -> list[StoryState]:
        """Return the stories as they stand now."""
        ids = sorted(set(story_ids))
        async with self.redis.pipeline(transaction=False) as pipe:
            for story_id in ids:
                story, sources, themes = self._story_keys(story_id)
                pipe.hgetall(story)
                pipe.smembers(sources)
                pipe.hgetall(themes)
            values = await pipe.execute()
        return [
            StoryState.from_redis(sid, decoded(fields), [_text(s) for s in srcs], decoded(th))
            for sid, fields, srcs, th in zip(
                ids, values[::3], values[1::3], values[2::3], strict=True
            )
        ]


def decoded(raw: Mapping[Any, Any]) -> dict[str, str]:
    """Return a Redis hash reply as text."""
    return {_text(k): _text(v) for k, v in raw.items()}


def join_of(event: ArticleEnriched, story_id: str) -> Join:
    """Return the join of an article to a story."""
    themes = event.enrichment.themes
    embedding = event.enrichment.embedding
    return Join(
        article_id=event.article.id,
        story_id=story_id,
        published_ts=event.timestamp,
        title=event.article.title,
        source=event.article.source,
        theme=themes[0].top if themes else None,
        embedding=None if embedding is None else np.asarray(embedding, dtype=np.float32),
    )
