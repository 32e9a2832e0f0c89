"""The feed store on a real Redis: schedule, leases, and records made only by the lease holder."""

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.contracts.keys import FeedKeys
from shared.feeds.feed import feed_id
from shared.feeds.registry import FeedStore
from tests.waits import wait_for

NOW = 1_700_000_000.0
FIELDS = {"last_poll": repr(NOW), "last_status": "200", "failures": "0"}


@pytest.fixture
async def store(service_env: dict[str, str]) -> AsyncIterator[FeedStore]:
    client = Redis.from_url(service_env["REDIS_URL"])
    yield FeedStore(client, FeedKeys(service_env["ONTHEME_NAMESPACE"]))
    await client.aclose()


async def add(store: FeedStore, n: int, at: float = NOW) -> list[str]:
    ids = []
    for i in range(n):
        url = f"https://e.example/{i}"
        assert await store.register(feed_id(url), url, 600, at + i)
        ids.append(feed_id(url))
    return ids


async def test_due_feeds_are_claimed_oldest_first_within_the_limit(store: FeedStore) -> None:
    ids = await add(store, 4)
    assert await store.claim_due(NOW + 2, 2, "a", 60) == ids[:2]
    # Claimed feeds leave the due range, so the next poller takes the next ones.
    assert await store.claim_due(NOW + 2, 2, "b", 60) == ids[2:3]
    assert await due_at(store, ids[0]) == NOW + 2 + 60  # due again if its poller dies


async def test_only_the_lease_holder_records(store: FeedStore) -> None:
    [feed] = await add(store, 1)
    assert await store.claim_due(NOW, 5, "a", 0.05) == [feed]
    # The lease runs out (a stalled poller); another claims the feed when it is due again.
    await wait_for(lambda: _claims(store, NOW + 60, "b"), within=5, what="the lease to end")
    assert not await store.record(feed, "a", NOW + 600, FIELDS, (3, 3))
    assert await store.record(feed, "b", NOW + 600, FIELDS, (2, 1))
    status = await store.status(feed)
    assert status is not None
    assert (status.items_seen, status.items_accepted, status.last_status) == (2, 1, 200)
    assert await due_at(store, feed) == NOW + 600
    assert await store.claim_due(NOW + 599, 5, "c", 60) == []
    assert await store.claim_due(NOW + 600, 5, "c", 60) == [feed]  # released on record


async def test_re_registering_keeps_state_and_updates_the_interval(store: FeedStore) -> None:
    [feed] = await add(store, 1)
    assert await store.claim_due(NOW, 1, "a", 60) == [feed]
    assert await store.record(feed, "a", NOW + 600, FIELDS, (4, 4))
    assert not await store.register(feed, "https://e.example/0", 3600, NOW + 1)
    status = await store.status(feed)
    assert status is not None
    assert (status.interval_s, status.items_accepted, status.last_status) == (3600, 4, 200)


async def due_at(store: FeedStore, feed: str) -> float:
    status = await store.status(feed)
    assert status is not None
    assert status.next_poll_at is not None
    return status.next_poll_at.timestamp()


async def _claims(store: FeedStore, now: float, token: str) -> bool:
    return bool(await store.claim_due(now, 5, token, 60))
