"""At-least-once processing of stream batches: retry what is transient, record what is not.

FastStream acks a batch only when its handler returns; a batch whose handler raised stays
pending, and nothing redelivers it (see the reaper). Here a batch is processed until it
succeeds or fails for a reason retrying cannot fix:
- transient failures (Redis or Meilisearch unreachable, Meilisearch 5xx) are retried with
  capped exponential backoff for as long as the worker runs, so an outage keeps events
  pending instead of spending their delivery attempts;
- any other failure is recorded per message (the reaper dead-letters with that reason once
  the attempts are spent) and raised, so the batch stays pending.
While a batch is being worked on, its messages are re-claimed now and then (XCLAIM JUSTID,
which resets their idle time without counting a delivery), so no reaper takes them away.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from requests.exceptions import ChunkedEncodingError
from requests.exceptions import ConnectionError as RequestsConnectionError

from shared.adapters.redis import text
from shared.runtime.batches import Entry
from shared.runtime.metrics import StreamMeter
from shared.runtime.tracing import article_id_of, batch_traces

Process = Callable[[list[Entry]], Awaitable[None]]
log = structlog.stdlib.get_logger(__name__)
ERROR_TTL_SECONDS = 30 * 86_400
MAX_ERROR_CHARS = 2_000


def is_transient(exc: BaseException) -> bool:
    """Return whether retrying later may succeed: a dependency is down or overloaded."""
    if isinstance(exc, MeilisearchApiError):
        return exc.status_code >= 500 or exc.status_code == 429
    transient = (
        RedisConnectionError,
        RedisTimeoutError,
        MeilisearchCommunicationError,
        MeilisearchTimeoutError,
        # The SDK lets these through unwrapped: a Meilisearch restarting mid-answer.
        ChunkedEncodingError,
        RequestsConnectionError,
        ConnectionError,
        TimeoutError,
    )
    return isinstance(exc, transient)


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Return the wait before retry number `attempt` (1, 2, ...): doubling, capped."""
    return float(min(cap, base * 2 ** max(0, attempt - 1)))


def describe(exc: BaseException) -> str:
    """Return an error as one bounded line: its type and message."""
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text[:MAX_ERROR_CHARS]


@dataclass
class Delivery:
    """How one consumer of one stream processes batches; shared by its handler and reaper."""

    redis: "Redis"
    stream: str
    group: str
    consumer: str
    errors_key: str
    reclaim_idle_ms: int
    retry_base_seconds: float = 0.5
    retry_cap_seconds: float = 30.0
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    service: str = "worker"  # the metrics' service label
    meter: StreamMeter = field(init=False)

    def __post_init__(self) -> None:
        self.meter = StreamMeter.of(self.service, self.stream, self.group)

    async def run(self, process: Process, entries: list[Entry]) -> None:
        """Process a batch; retry transient failures; record others and raise."""
        ids = [entry.id for entry in entries]
        # Log lines about an article of the batch carry its trace id; the meter times it all.
        with batch_traces(traces_by_article(entries)), self.meter.batch(len(entries)):
            async with self._kept(ids):
                await self._until_done(process, entries)

    async def _until_done(self, process: Process, entries: list[Entry]) -> None:
        attempt = 0
        while True:
            try:
                await process(entries)
            except Exception as exc:
                if not is_transient(exc) or self.stopping.is_set():
                    await self._record(entries, exc)
                    raise
                attempt += 1
                self.meter.retried.inc(len(entries))
                await self._wait(attempt, exc, entries)
            else:
                return

    async def last_errors(self, ids: Sequence[bytes | str]) -> list[str | None]:
        """Return the recorded error of each message, None where none was recorded."""
        if not ids:
            return []
        raw = await self.redis.hmget(self.errors_key, list(ids))
        return [text(value) for value in raw]

    async def forget(self, ids: Sequence[bytes | str]) -> None:
        """Drop the recorded errors of messages that are done with."""
        if ids:
            await self.redis.hdel(self.errors_key, *ids)

    async def _wait(self, attempt: int, exc: BaseException, entries: list[Entry]) -> None:
        delay = backoff_seconds(attempt, self.retry_base_seconds, self.retry_cap_seconds)
        log.warning(
            "dependency unavailable; retrying",
            error=describe(exc),
            retry_in_s=delay,
            article_ids=article_ids(entries),
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=delay)

    async def _record(self, entries: list[Entry], exc: BaseException) -> None:
        ids = [entry.id for entry in entries]
        error = describe(exc)
        log.error(
            "batch failed; left pending for retry",
            error=error,
            messages=len(ids),
            article_ids=article_ids(entries),
        )
        with contextlib.suppress(Exception):  # Redis may be what failed; the reaper copes
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.hset(self.errors_key, mapping=dict.fromkeys(ids, error))
                pipe.expire(self.errors_key, ERROR_TTL_SECONDS)
                await pipe.execute()

    @contextlib.asynccontextmanager
    async def _kept(self, ids: Sequence[bytes | str]) -> AsyncIterator[None]:
        # Stopped by an event, not by cancelling it: redis-py can turn a cancellation that
        # lands mid-command into a connection error, which would end up swallowed here.
        done = asyncio.Event()
        keeper = asyncio.create_task(self._keep_claimed(list(ids), done))
        try:
            yield
        finally:
            done.set()
            await keeper

    async def _keep_claimed(self, ids: list[bytes | str], done: asyncio.Event) -> None:
        interval = self.reclaim_idle_ms / 3000
        while ids and not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=interval)
                return
            with contextlib.suppress(Exception):  # a missed touch only risks a replay
                await self.redis.xclaim(
                    self.stream, self.group, self.consumer, 0, ids_arg(ids), justid=True
                )


def article_ids(entries: Sequence[Entry]) -> list[str]:
    """Return the article ids of a batch's entries, for its log lines (bad entries have none)."""
    return [found for found in (article_id_of(entry.body) for entry in entries) if found]


def traces_by_article(entries: Sequence[Entry]) -> dict[str, str]:
    """Return the trace id of each article of a batch, by article id (traced ones only)."""
    traces = {}
    for entry in entries:
        article_id, trace_id = article_id_of(entry.body), entry.trace_id
        if article_id is not None and trace_id is not None:
            traces[article_id] = trace_id
    return traces


def ids_arg(ids: Sequence[bytes | str]) -> list[Any]:
    """Return message ids as redis-py's stubs want them: an invariant list of its id type."""
    return list(ids)
