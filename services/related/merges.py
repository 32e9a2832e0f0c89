"""Merging two stories: in Redis (the truth, atomically) and then in the index copies.

The older story keeps its id (first seen, then the smaller id) so that links already shared stay
valid; the other id becomes an alias of it in Redis and, in the stories index, a document that
names the story it went into, which the search service follows. Its articles' index copies
are rewritten to the kept id. A merge that finds either id already merged asks the caller to
resolve the ids and try again, so concurrent workers never merge into a story that is gone.
"""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from shared.adapters.redis import texts
from shared.stories.reader import StoryReader
from shared.stories.records import resolve

if TYPE_CHECKING:
    from redis.asyncio import Redis

MERGE_TRIES = 5  # each retry follows a merge another worker made meanwhile

# KEYS: aliases, then the hash, sources and themes of story A, then of story B.
# ARGV: A's id, B's id. Returns {kept, merged}, {} when there
# is nothing to merge, or {'>'} when either id is an alias now.
MERGE = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1
then return {'>'} end
if ARGV[1] == ARGV[2] or redis.call('EXISTS', KEYS[2]) == 0 or redis.call('EXISTS', KEYS[5]) == 0
then return {} end
local fa = tonumber(redis.call('HGET', KEYS[2], 'first_ts') or '0')
local fb = tonumber(redis.call('HGET', KEYS[5], 'first_ts') or '0')
local keep, gone, kept, merged = 2, 5, ARGV[1], ARGV[2]
if fb < fa or (fb == fa and ARGV[2] < ARGV[1]) then
  keep, gone, kept, merged = 5, 2, ARGV[2], ARGV[1]
end
local lg = tonumber(redis.call('HGET', KEYS[gone], 'last_ts') or '0')
if lg > tonumber(redis.call('HGET', KEYS[keep], 'last_ts') or '0') then
  redis.call('HSET', KEYS[keep], 'last_ts', lg) end
redis.call('HINCRBY', KEYS[keep], 'count', tonumber(redis.call('HGET', KEYS[gone], 'count') or '0'))
redis.call('SUNIONSTORE', KEYS[keep + 1], KEYS[keep + 1], KEYS[gone + 1])
local themes = redis.call('HGETALL', KEYS[gone + 2])
for i = 1, #themes, 2 do redis.call('HINCRBY', KEYS[keep + 2], themes[i], themes[i + 1]) end
redis.call('DEL', KEYS[gone], KEYS[gone + 1], KEYS[gone + 2])
redis.call('HSET', KEYS[1], merged, kept)
return {kept, merged}
"""


class StoryMerges:
    """The aliases of merged stories in Redis, and the merges that make them."""

    def __init__(self, redis: "Redis", reader: StoryReader) -> None:
        self.redis, self.reader, self.keys = redis, reader, reader.keys
        self._merge = redis.register_script(MERGE)

    async def merge(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Merge each pair of stories (resolving ids merged meanwhile); return (merged, kept)."""
        done: list[tuple[str, str]] = []
        for pair in pairs:
            for _ in range(MERGE_TRIES):
                aliases = await self.reader.aliases(pair)
                a, b = resolve(pair[0], aliases), resolve(pair[1], aliases)
                keys = [self.keys.story_aliases, *self.keys.story(a), *self.keys.story(b)]
                reply = texts(await self._merge(keys=keys, args=[a, b]))
                if reply != [">"]:
                    done.extend([(reply[1], reply[0])] if reply else [])
                    break
        return done


def article_moves(
    merges: list[tuple[str, str]], member_ids: Callable[[str], Iterable[str]]
) -> list[dict[str, Any]]:
    """Return the partial updates that move the merged stories' indexed articles to the kept id."""
    final = dict(merges)
    updates: dict[str, dict[str, Any]] = {}
    for merged, _ in merges:
        kept = final[merged]
        while kept in final:  # a story merged into one that merged later in the same batch
            kept = final[kept]
        for article_id in member_ids(merged):
            updates[article_id] = {"id": article_id, "story_id": kept}
    return list(updates.values())


def alias_documents(merges: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Return the stories-index documents that stand for merged stories: where each went."""
    return [{"id": merged, "merged_into": kept} for merged, kept in merges]


def with_moves(updates: list[dict[str, Any]], moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return `updates` with the story moves folded in: one partial update per document."""
    by_id = {update["id"]: dict(update) for update in updates}
    for move in moves:
        by_id.setdefault(move["id"], {"id": move["id"]})["story_id"] = move["story_id"]
    return list(by_id.values())
