"""Stories in Redis: which story each article is in, each story's state and centroid.

Redis is the source of truth for both, because several related workers update them at once:
a story join is one Lua script: atomic, and a no-op when the article already has a story.
Meilisearch gets copies to serve. Related lists are in `lists.py`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from services.related.stories import StoryState, Vector
from services.related.vectors import VectorCache, hour_of, record_of
from shared.events import ArticleEnriched

if TYPE_CHECKING:
    from redis.asyncio import Redis

# Adds the article to the story unless it already has one (and its vector to its hour's, for
# the vector search: see vectors.py); returns the article's story id.
JOIN = """
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev then return prev end
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
if ARGV[7] ~= '' then
  local cur = redis.call('GET', KEYS[5])
  local sum = ARGV[7]
  if cur and #cur == #sum then
    local parts = {}
    for i = 1, #cur, 4 do
      parts[#parts + 1] = struct.pack('<f', struct.unpack('<f', cur, i) +
        struct.unpack('<f', sum, i))
    end
    sum = table.concat(parts)
  end
  redis.call('SET', KEYS[5], sum, 'EX', ARGV[8])
end
if ARGV[9] ~= '' then
  redis.call('APPEND', KEYS[6], ARGV[9])
  redis.call('EXPIRE', KEYS[6], ARGV[8])
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

    def __init__(self, redis: "Redis", namespace: str, centroid_ttl_s: int):
        self.redis = redis
        self.prefix = f"{namespace}related."
        self.centroid_ttl_s = centroid_ttl_s
        self._join = redis.register_script(JOIN)
        self.vectors = VectorCache(redis, f"{self.prefix}vectors:")

    def _story_keys(self, story_id: str) -> list[str]:
        base = f"{self.prefix}story:{story_id}"
        return [base, f"{base}:sources", f"{base}:themes", f"{base}:centroid"]

    async def stories_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Return the story of each article that has one."""
        ids = sorted(set(article_ids))
        if not ids:
            return {}
        found = await self.redis.hmget(f"{self.prefix}story-of", ids)
        return {aid: _text(sid) for aid, sid in zip(ids, found, strict=True) if sid}

    async def centroids(self, story_ids: Iterable[str]) -> dict[str, tuple[Vector | None, int]]:
        """Return each story's centroid (None once expired) and when it was last seen."""
        ids = sorted(set(story_ids))
        async with self.redis.pipeline(transaction=False) as pipe:
            for story_id in ids:
                story, _, _, centroid = self._story_keys(story_id)
                pipe.get(centroid)
                pipe.hget(story, "last_ts")
            values = await pipe.execute()
        return {
            story_id: (
                np.frombuffer(raw, dtype="<f4") if raw else None,
                int(last or 0),
            )
            for story_id, raw, last in zip(ids, values[::2], values[1::2], strict=True)
        }

    async def join(self, joins: list[Join]) -> dict[str, str]:
        """Add each article to its story unless it has one; return the story of each."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for j in joins:
                story, sources, themes, centroid = self._story_keys(j.story_id)
                vector = b"" if j.embedding is None else j.embedding.astype("<f4").tobytes()
                args: list[bytes | str | int] = [j.article_id, j.story_id, j.published_ts]
                args += [j.title, j.source or "", j.theme or "", vector, self.centroid_ttl_s]
                args.append(
                    b""
                    if j.embedding is None
                    else record_of(j.article_id, j.published_ts, j.embedding)
                )
                hour = self.vectors.key(len(vector) // 4, hour_of(j.published_ts))
                keys = [f"{self.prefix}story-of", story, sources, themes, centroid, hour]
                await self._join(keys=keys, args=args, client=pipe)
            results = await pipe.execute()
        return {j.article_id: _text(r) for j, r in zip(joins, results, strict=True)}

    async def story_states(self, story_ids: Iterable[str]) -> list[StoryState]:
        """Return the stories as they stand now."""
        ids = sorted(set(story_ids))
        async with self.redis.pipeline(transaction=False) as pipe:
            for story_id in ids:
                story, sources, themes, _ = self._story_keys(story_id)
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
