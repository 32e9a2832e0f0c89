"""Feeds in Redis: a hash per feed, a schedule (sorted set) and a lease per feed being polled."""

from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from shared.adapters.redis import text, text_hash
from shared.contracts.keys import FeedKeys
from shared.feeds.feed import Feed, FeedStatus, to_feed, to_status

# Created once, or only its interval updated: concurrent registrations of one URL make one
# feed, and re-registering never resets its validators or counts.
REGISTER_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'interval', ARGV[2])
  return 0
end
redis.call('HSET', KEYS[1], 'url', ARGV[1], 'interval', ARGV[2], 'created', ARGV[3],
           'failures', 0, 'items_seen', 0, 'items_accepted', 0)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
"""

# Only the poller that still holds the lease records, and never for a feed deleted meanwhile:
# a poll that outlived its lease, or its feed, must not write over what came after it.
RECORD_SCRIPT = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] or redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HINCRBY', KEYS[1], 'items_seen', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'items_accepted', ARGV[5])
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('DEL', KEYS[3])
return 1
"""


@dataclass
class FeedStore:
    """Registers, lists, deletes, claims and records feeds."""

    redis: "Redis"
    keys: FeedKeys

    async def register(self, feed_id: str, url: str, interval_s: int, now: float) -> bool:
        """Register a feed, due at once; for a known one, set its interval. Whether it is new."""
        script = self.redis.register_script(REGISTER_SCRIPT)
        keys = [self.keys.feed(feed_id), self.keys.schedule]
        return bool(await script(keys=keys, args=[url, interval_s, repr(now), feed_id]))

    async def get(self, feed_id: str) -> Feed | None:
        """Return a feed as a poll needs it, or None when it is not registered."""
        fields = text_hash(await self.redis.hgetall(self.keys.feed(feed_id)))
        return to_feed(feed_id, fields) if fields else None

    async def status(self, feed_id: str) -> FeedStatus | None:
        """Return a feed and how its polls went, or None when it is not registered."""
        found = await self.statuses([feed_id])
        return found[0] if found else None

    async def statuses(self, feed_ids: list[str] | None = None) -> list[FeedStatus]:
        """Return the given feeds (every feed by default) that exist, sorted by URL."""
        if feed_ids is None:
            members = await self.redis.zrange(self.keys.schedule, 0, -1)
            feed_ids = [text(cast("bytes", member)) for member in members]
        async with self.redis.pipeline(transaction=False) as pipe:
            for feed_id in feed_ids:
                pipe.hgetall(self.keys.feed(feed_id))
                pipe.zscore(self.keys.schedule, feed_id)
            answers = await pipe.execute()
        found = [
            to_status(feed_id, text_hash(fields), due)
            for feed_id, fields, due in zip(feed_ids, answers[::2], answers[1::2], strict=True)
            if fields
        ]
        return sorted(found, key=lambda s: (s.url, s.id))

    async def delete(self, feed_id: str) -> bool:
        """Remove a feed, its schedule entry and any lease; whether it existed."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.keys.feed(feed_id))
            pipe.zrem(self.keys.schedule, feed_id)
            pipe.delete(self.keys.lease(feed_id))
            removed, _, _ = await pipe.execute()
        return bool(removed)

    async def claim_due(self, now: float, limit: int, token: str, lease_s: float) -> list[str]:
        """Lease up to `limit` feeds due by `now` to `token`; return their ids."""
        due = await self.redis.zrangebyscore(self.keys.schedule, "-inf", now, start=0, num=limit)
        claimed = []
        for feed_id in (text(cast("bytes", member)) for member in due):
            # The lease alone decides who polls: SET NX succeeds for one poller only.
            if not await self.redis.set(
                self.keys.lease(feed_id), token, nx=True, px=int(lease_s * 1000)
            ):
                continue
            # Out of the due range while polled, so other pollers look further down the
            # schedule; if this one dies the feed comes due again as its lease ends.
            await self.redis.zadd(self.keys.schedule, {feed_id: now + lease_s}, xx=True)
            claimed.append(feed_id)
        return claimed

    async def record(
        self,
        feed_id: str,
        token: str,
        next_poll: float,
        fields: dict[str, str],
        counts: tuple[int, int],
    ) -> bool:
        """Store a poll's outcome, schedule the next one and release the lease; whether stored."""
        script = self.redis.register_script(RECORD_SCRIPT)
        keys = [self.keys.feed(feed_id), self.keys.schedule, self.keys.lease(feed_id)]
        pairs = [part for item in fields.items() for part in item]
        args: list[str | int] = [token, repr(next_poll), feed_id, *counts, *pairs]
        return bool(await script(keys=keys, args=args))
