"""Stories in Redis, written: articles join stories, stories merge, vectors are kept.

Reads (membership, aliases, story states) are shared/stories/reader.py's. Redis is the source
of truth for both, because several related workers update them at once:
a story join is one Lua script: atomic, and a no-op when the article already has a story.
A merged story's id is an alias of the story it went into (merges.py); an article's entry
keeps the id it joined, and reads resolve it. Meilisearch gets copies to serve. Related
lists are in `list_writer.py`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from services.related.merges import MERGE_TRIES, StoryMerges
from services.related.stories import Vector
from services.related.titles import WORDS, words_record
from services.related.vectors import VectorCache, hour_of, record_of
from shared.adapters.redis import text
from shared.contracts.events import ArticleEnriched
from shared.stories.reader import StoryReader
from shared.stories.records import StoryState, resolve

if TYPE_CHECKING:
    from redis.asyncio import Redis

# Adds the article to the story unless it already has one (and its vector and title words to
# its hour's, for the searches in memory: see vectors.py, titles.py); returns the article's
# story id, or '>' and the story the asked one was merged into (the caller joins that one).
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
redis.call('APPEND', KEYS[7], ARGV[9])
redis.call('EXPIRE', KEYS[7], ARGV[7])
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


class RelatedStore:
    """Stories and vectors in Redis, under one namespace."""

    def __init__(self, redis: "Redis", namespace: str, vectors_ttl_s: int):
        self.redis = redis
        self.reader = StoryReader(redis, namespace)
        self.keys = self.reader.keys
        self.vectors_ttl_s = vectors_ttl_s
        self._join = redis.register_script(JOIN)
        self.merges = StoryMerges(redis, self.reader)
        self.vectors = VectorCache(redis, self.keys.vectors)

    async def aliases(self, story_ids: Iterable[str]) -> dict[str, str]:
        """Return the alias chain of each merged story among `story_ids` (merged -> went into)."""
        return await self.reader.aliases(story_ids)

    async def stories_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Return the story of each article that has one."""
        return await self.reader.stories_of(article_ids)

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
                hour = hour_of(j.published_ts)
                args.append(words_record(j.article_id, j.published_ts, j.title))
                keys = [self.keys.story_of, *self.keys.story(j.story_id)]
                keys += [self.vectors.key(width, hour), self.keys.story_aliases]
                keys.append(self.vectors.key(0, hour, WORDS))
                await self._join(keys=keys, args=args, client=pipe)
            results = await pipe.execute()
        return {j.article_id: text(r) for j, r in zip(joins, results, strict=True)}

    async def story_states(self, story_ids: Iterable[str]) -> list[StoryState]:
        """Return the stories as they stand now."""
        return await self.reader.story_states(story_ids)


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
