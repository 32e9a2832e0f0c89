"""Wiring shared by the stream workers: broker, Redis, groups, delivery, reaper, metrics."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from faststream import FastStream
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from faststream.specification import AsyncAPI
from redis.asyncio import Redis

from shared.adapters.redis import text
from shared.contracts.events import EventDeadLettered
from shared.contracts.keys import DEAD_LETTER, Streams, consumer_name
from shared.contracts.settings import WorkerSettings
from shared.runtime.batches import Entry
from shared.runtime.broker import create_broker, create_redis, ensure_groups, tolerant_parser
from shared.runtime.delivery import Delivery, Process
from shared.runtime.gauges import Probe, group_probe
from shared.runtime.heartbeat import heartbeat
from shared.runtime.housekeeping import upkeep
from shared.runtime.metrics import metrics_server
from shared.runtime.reaper import Reaper

DEAD_LETTER_DOC = (
    "Events a worker gave up on, with the cause and the original. Appended with plain XADD "
    "as JSON in the `__data__` field (no FastStream envelope, no headers) by "
    "shared.runtime.batches.dead_letter; declared here for the AsyncAPI document only."
)


@dataclass
class Worker:
    """The connections one worker process holds, and what runs beside its subscribers."""

    service: str
    settings: WorkerSettings
    broker: RedisBroker
    redis: "Redis"
    streams: Streams
    consumer: str
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    reapers: list[Reaper] = field(default_factory=list)
    # Refresh the gauges of its metrics (beside the groups' lag, which every worker has).
    probes: list[Probe] = field(default_factory=list)
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)


def create_worker(service: str, settings: WorkerSettings) -> Worker:
    """Return the broker and clients of a worker; nothing connects until the app starts."""
    worker = Worker(
        service=service,
        settings=settings,
        broker=create_broker(settings),
        redis=create_redis(settings),
        streams=Streams(settings.namespace),
        consumer=consumer_name(service),
    )
    worker.broker.publisher(
        stream=worker.streams.dead_letter,
        schema=EventDeadLettered,
        title=DEAD_LETTER,
        description=DEAD_LETTER_DOC,
    )
    return worker


def consume(worker: Worker, stream: str, group: str, process: Process) -> None:
    """Subscribe `process` to a stream in a group: batches, retries, reclaims, dead letters."""
    settings = worker.settings
    delivery = Delivery(
        redis=worker.redis,
        stream=stream,
        group=group,
        consumer=worker.consumer,
        errors_key=worker.streams.delivery_errors(stream, group),
        reclaim_idle_ms=int(settings.reclaim_idle_seconds * 1000),
        retry_cap_seconds=settings.retry_cap_seconds,
        stopping=worker.stopping,
        service=worker.service,
    )
    sub = StreamSub(
        stream, group=group, consumer=worker.consumer, batch=True, max_records=settings.batch_size
    )

    @worker.broker.subscriber(stream=sub, parser=tolerant_parser, title=f"{stream}:{group}")
    async def handle(bodies: list[Any], message: RedisBatchStreamMessage) -> None:
        ids = message.raw_message["message_ids"]
        # Each entry's own envelope headers (its trace id); FastStream keeps them in order.
        headers = message.batch_headers or [{}] * len(bodies)
        entries = [
            Entry(text(i), body, head) for i, body, head in zip(ids, bodies, headers, strict=True)
        ]
        await delivery.run(process, entries)

    worker.reapers.append(
        Reaper(
            delivery=delivery,
            process=process,
            service=worker.service,
            dead_letter_stream=worker.streams.dead_letter,
            max_deliveries=settings.max_deliveries,
            batch=settings.batch_size,
        )
    )


def create_worker_app(
    worker: Worker,
    groups: Iterable[str],
    on_startup: Callable[[], Awaitable[None]] | None = None,
) -> FastStream:
    """Return the FastStream app: groups created before subscribing, then upkeep and heartbeat."""
    wanted = tuple(groups)

    async def start() -> None:
        await ensure_groups(worker.redis, worker.streams, wanted)
        if on_startup is not None:
            await on_startup()

    async def beat() -> None:
        stack, settings = worker._stack, worker.settings
        await stack.enter_async_context(
            metrics_server(settings.metrics_host, settings.metrics_port, worker.service)
        )
        await stack.enter_async_context(heartbeat(settings.heartbeat_file, worker.redis))
        probes = _probes(worker) if settings.metrics_port else []
        await stack.enter_async_context(upkeep(worker.reapers, settings, worker.stopping, probes))

    async def stopping() -> None:
        # Before the broker drains its handlers: retries give up, upkeep stops sweeping.
        worker.stopping.set()

    async def stop() -> None:
        await worker._stack.aclose()
        await worker.redis.aclose()

    return FastStream(
        worker.broker,
        on_startup=[start],
        after_startup=[beat],
        on_shutdown=[stopping],
        after_shutdown=[stop],
        specification=AsyncAPI(worker.broker, title=f"ontheme {worker.service}"),
    )


def _probes(worker: Worker) -> list[Probe]:
    groups = [(r.delivery.stream, r.delivery.group) for r in worker.reapers]
    return [group_probe(worker.redis, worker.service, groups), *worker.probes]
