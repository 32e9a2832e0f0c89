"""Reading stories in Redis: which story each article is in, aliases, and each story's state.

Read-only: the related worker's store (services/related/store.py) writes these keys with its
Lua scripts and reads them through this class; the reindex CLI reads them the same way.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from shared.adapters.redis import text, text_hash, texts
from shared.contracts.keys import RelatedKeys
from shared.stories.records import StoryState, resolve

if TYPE_CHECKING:
    from redis.asyncio import Redis


class StoryReader:
    """Story membership, aliases and stories under one namespace, never changed."""

    def __init__(self, redis: "Redis", namespace: str) -> None:
        self.redis = redis
        self.keys = RelatedKeys(namespace)

    async def aliases(self, story_ids: Iterable[str]) -> dict[str, str]:
        """Return the alias chain of each merged story among `story_ids` (merged -> went into)."""
        found: dict[str, str] = {}
        asked = sorted(set(story_ids))
        while asked:
            replies = await self.redis.hmget(self.keys.story_aliases, asked)
            step = {sid: text(into) for sid, into in zip(asked, replies, strict=True) if into}
            found.update(step)
            asked = sorted(set(step.values()) - set(found))
        return found

    async def stories_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Return the story of each article that has one."""
        ids = sorted(set(article_ids))
        if not ids:
            return {}
        found = await self.redis.hmget(self.keys.story_of, ids)
        joined = {aid: text(sid) for aid, sid in zip(ids, found, strict=True) if sid}
        aliases = await self.aliases(joined.values())
        return {aid: resolve(sid, aliases) for aid, sid in joined.items()}

    async def story_states(self, story_ids: Iterable[str]) -> list[StoryState]:
        """Return the stories as they stand now."""
        ids = sorted(set(story_ids))
        async with self.redis.pipeline(transaction=False) as pipe:
            for story_id in ids:
                story, sources, themes = self.keys.story(story_id)
                pipe.hgetall(story)
                pipe.smembers(sources)
                pipe.hgetall(themes)
            values = await pipe.execute()
        return [
            StoryState.from_redis(sid, text_hash(fields), texts(srcs), text_hash(themes))
            for sid, fields, srcs, themes in zip(
                ids, values[::3], values[1::3], values[2::3], strict=True
            )
        ]
