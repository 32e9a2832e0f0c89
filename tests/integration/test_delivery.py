"""At-least-once delivery on a real Redis: poison, crashes, failures, outages, shutdown, trims."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from meilisearch.errors import MeilisearchCommunicationError
from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis

from shared.contracts.keys import ENRICHMENT_GROUP, Streams
from shared.contracts.settings import WorkerSettings
from shared.runtime.batches import Entry, check_batch, dead_letter
from shared.runtime.housekeeping import trim
from shared.runtime.worker import Worker, consume, create_worker, create_worker_app
from tests.waits import wait_for


class Ping(BaseModel):
    """A tiny event: enough to tell valid from invalid."""

    model_config = ConfigDict(extra="forbid")
    n: int


Handler = Callable[[list[Ping]], Awaitable[None]]


def settings_for(redis_server: str, namespace: str, **overrides: Any) -> WorkerSettings:
    values: dict[str, Any] = {
        "redis_url": redis_server,
        "namespace": namespace,
        "reclaim_idle_seconds": 0.1,
        "retry_cap_seconds": 0.2,
        "max_deliveries": 3,
        "batch_size": 10,
        **overrides,
    }
    return WorkerSettings(**values)


@asynccontextmanager
async def running(settings: WorkerSettings, handler: Handler) -> AsyncIterator[Worker]:
    """A worker on the ingested stream whose processing is `handler` (after validation)."""
    worker = create_worker("test", settings)
    stream = worker.streams.ingested

    async def process(entries: list[Entry]) -> None:
        checked = check_batch(Ping, entries, service="test", stream=stream)
        await dead_letter(worker.redis, worker.streams.dead_letter, checked.rejected)
        await handler(checked.valid)

    consume(worker, stream, ENRICHMENT_GROUP, process)
    async with create_worker_app(worker, groups=[ENRICHMENT_GROUP]):
        yield worker


@pytest.fixture
async def redis(redis_server: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server)
    yield client
    await client.aclose()


@pytest.fixture
async def streams(redis: Redis, namespace: str) -> Streams:
    """This test's streams, with the enrichment group created as a worker creates it."""
    created = Streams(namespace)
    await redis.xgroup_create(created.ingested, ENRICHMENT_GROUP, id="0", mkstream=True)
    return created


def recorder() -> tuple[list[int], Handler]:
    """A handler that records what it was given, and the record."""
    seen: list[int] = []

    async def handler(pings: list[Ping]) -> None:
        seen.extend(p.n for p in pings)

    return seen, handler


async def add(redis: Redis, stream: str, *bodies: Any) -> None:
    for body in bodies:
        fields = body if isinstance(body, dict) else {"__data__": body}
        await redis.xadd(stream, fields)


def ping(n: int) -> bytes:
    return json.dumps({"n": n}).encode()


async def bodies(redis: Redis, stream: str) -> list[Any]:
    found = await redis.xrange(stream) or []
    return [json.loads(fields[b"__data__"]) for _, fields in found if fields]


async def letters(redis: Redis, streams: Streams) -> list[dict[str, Any]]:
    return await bodies(redis, streams.dead_letter)


async def pending(redis: Redis, streams: Streams) -> int:
    info = await redis.xpending(streams.ingested, ENRICHMENT_GROUP)
    return int(info["pending"])


async def test_poison_goes_straight_to_dead_letters_and_the_batch_goes_on(
    redis: Redis, redis_server: str, namespace: str, streams: Streams
) -> None:
    seen, handler = recorder()
    await add(redis, streams.ingested, ping(1), b"\xff\xfe\x00", {"odd": "fields"})
    await add(redis, streams.ingested, b'{"n": "x"}', b"not json {", ping(2))
    async with running(settings_for(redis_server, namespace), handler):
        found = await wait_for(lambda: _at_least(letters(redis, streams), 4), what="4 letters")
        await wait_for(lambda: _is_zero(pending(redis, streams)), what="nothing pending")
    assert sorted(seen) == [1, 2]
    reasons = sorted(letter["error"] for letter in found)
    assert reasons[0].startswith("<event>: Input should be a valid dictionary")
    assert reasons[1] == "n: Input should be a valid integer, unable to parse string as an integer"
    assert reasons[2].startswith("not decodable: no __data__ field")
    assert reasons[3].startswith("not decodable: not UTF-8 text")
    assert all(letter["message_id"] and letter["attempts"] == 1 for letter in found)


async def test_a_crashed_consumers_messages_are_taken_over(
    redis: Redis, redis_server: str, namespace: str, streams: Streams
) -> None:
    seen, handler = recorder()
    await add(redis, streams.ingested, ping(1), ping(2), ping(3))
    # A consumer reads them and dies before acking.
    await redis.xreadgroup(ENRICHMENT_GROUP, "crashed", {streams.ingested: ">"}, count=3)
    async with running(settings_for(redis_server, namespace), handler):
        await wait_for(lambda: _is_zero(pending(redis, streams)), what="nothing pending")
    assert sorted(seen) == [1, 2, 3]
    assert await letters(redis, streams) == []


async def test_failures_are_retried_then_dead_lettered_with_the_cause(
    redis: Redis, redis_server: str, namespace: str, streams: Streams
) -> None:
    seen: list[int] = []

    async def handler(pings: list[Ping]) -> None:
        if any(p.n == 13 for p in pings):
            raise ValueError("13 is unlucky")
        seen.extend(p.n for p in pings)

    await add(redis, streams.ingested, ping(1), ping(13), ping(2))
    async with running(settings_for(redis_server, namespace), handler):
        found = await wait_for(lambda: _at_least(letters(redis, streams), 1), what="a letter")
        await wait_for(lambda: _is_zero(pending(redis, streams)), what="nothing pending")
    assert sorted(seen) == [1, 2]  # each once: the failed batch recorded nothing
    [letter] = found
    assert letter["error"] == "ValueError: 13 is unlucky"
    assert letter["attempts"] == 3
    assert json.loads(letter["original"]) == {"n": 13}
    assert not await redis.exists(streams.delivery_errors(streams.ingested, ENRICHMENT_GROUP))


async def test_an_outage_keeps_events_pending_without_spending_attempts(
    redis: Redis, redis_server: str, namespace: str, streams: Streams
) -> None:
    seen: list[int] = []
    calls = 0
    back = asyncio.Event()

    async def handler(pings: list[Ping]) -> None:
        nonlocal calls
        calls += 1
        if not back.is_set():
            raise MeilisearchCommunicationError("connection refused")
        seen.extend(p.n for p in pings)

    await add(redis, streams.ingested, ping(1), ping(2))
    async with running(settings_for(redis_server, namespace), handler):
        await wait_for(lambda: _true(calls >= 6), what="several retries")
        assert await pending(redis, streams) == 2
        back.set()
        await wait_for(lambda: _is_zero(pending(redis, streams)), what="the backlog drained")
    assert sorted(seen) == [1, 2]
    assert await letters(redis, streams) == []


async def test_shutdown_during_an_outage_hands_the_batch_back(
    redis: Redis, redis_server: str, namespace: str, streams: Streams
) -> None:
    async def handler(pings: list[Ping]) -> None:
        raise MeilisearchCommunicationError("connection refused")

    await add(redis, streams.ingested, ping(1))
    settings = settings_for(redis_server, namespace, retry_cap_seconds=30.0)
    async with running(settings, handler):
        await wait_for(lambda: _is_zero_not(pending(redis, streams)), what="the batch taken")
        stopped_at = time.monotonic()
    assert time.monotonic() - stopped_at < 5.0
    assert await pending(redis, streams) == 1
    assert await letters(redis, streams) == []


async def test_streams_are_trimmed_by_age(redis: Redis, namespace: str) -> None:
    stream = Streams(namespace).ingested
    old_ms = int(time.time() * 1000) - 9 * 86_400_000
    await redis.xadd(stream, {"__data__": ping(1)}, id=f"{old_ms}-0")
    for n in range(2, 5):
        await redis.xadd(stream, {"__data__": ping(n)})
    await trim(redis, [stream], retention_days=7.0)
    assert [body["n"] for body in await bodies(redis, stream)] == [2, 3, 4]


async def test_a_work_queue_is_trimmed_to_what_its_groups_still_need(
    redis: Redis, namespace: str
) -> None:
    stream, groups = Streams(namespace).ingested, ("first", "second")
    ids: list[Any] = [await redis.xadd(stream, {"__data__": ping(n)}) for n in range(1, 7)]
    for group in groups:
        await redis.xgroup_create(stream, group, id="0")
    await redis.xreadgroup("first", "c", {stream: ">"}, count=4)
    await redis.xack(stream, "first", ids[0], ids[1], ids[3])  # the third stays pending
    await redis.xreadgroup("second", "c", {stream: ">"}, count=6)
    await redis.xack(stream, "second", *ids)
    await trim(redis, [stream], retention_days=7.0, when_acked={stream: groups})
    assert [body["n"] for body in await bodies(redis, stream)] == [3, 4, 5, 6]
    await redis.xack(stream, "first", ids[2])
    await trim(redis, [stream], retention_days=7.0, when_acked={stream: groups})
    assert [body["n"] for body in await bodies(redis, stream)] == [5, 6]
    infos = await redis.xinfo_groups(stream)
    assert sorted(int(info["lag"]) for info in infos) == [0, 2]


async def test_a_work_queue_keeps_everything_for_a_group_not_created_yet(
    redis: Redis, namespace: str
) -> None:
    stream = Streams(namespace).ingested
    for n in range(1, 4):
        await redis.xadd(stream, {"__data__": ping(n)})
    await redis.xgroup_create(stream, "first", id="$")
    await trim(redis, [stream], retention_days=7.0, when_acked={stream: ("first", "later")})
    assert [body["n"] for body in await bodies(redis, stream)] == [1, 2, 3]
    await trim(redis, [stream], retention_days=7.0, when_acked={stream: ("first",)})
    assert await bodies(redis, stream) == []


async def _at_least(found: Awaitable[list[Any]], count: int) -> list[Any] | None:
    items = await found
    return items if len(items) >= count else None


async def _is_zero(value: Awaitable[int]) -> bool:
    return await value == 0


async def _is_zero_not(value: Awaitable[int]) -> bool:
    return await value != 0


async def _true(value: bool) -> bool:
    return value
