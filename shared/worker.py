"""Wiring shared by the stream workers: broker, Redis, groups, heartbeat, AsyncAPI."""

import contextlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from faststream import FastStream
from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI
from redis.asyncio import Redis

from shared.broker import create_broker, create_redis, ensure_groups
from shared.heartbeat import heartbeat
from shared.settings import WorkerSettings
from shared.streams import Streams, consumer_name


@dataclass
class Worker:
    """The connections one worker process holds."""

    service: str
    settings: WorkerSettings
    broker: RedisBroker
    redis: "Redis"
    streams: Streams
    consumer: str
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)


def create_worker(service: str, settings: WorkerSettings) -> Worker:
    """Return the broker and clients of a worker; nothing connects until the app starts."""
    return Worker(
        service=service,
        settings=settings,
        broker=create_broker(settings),
        redis=create_redis(settings),
        streams=Streams(settings.namespace),
        consumer=consumer_name(service),
    )


def create_worker_app(
    worker: Worker,
    groups: Iterable[str],
    on_startup: Callable[[], Awaitable[None]] | None = None,
) -> FastStream:
    """Return the FastStream app: groups created before subscribing, heartbeat while up."""
    wanted = tuple(groups)

    async def start() -> None:
        await ensure_groups(worker.redis, worker.streams, wanted)
        if on_startup is not None:
            await on_startup()

    async def beat() -> None:
        await worker._stack.enter_async_context(
            heartbeat(worker.settings.heartbeat_file, worker.redis)
        )

    async def stop() -> None:
        await worker._stack.aclose()
        await worker.redis.aclose()

    return FastStream(
        worker.broker,
        on_startup=[start],
        after_startup=[beat],
        after_shutdown=[stop],
        specification=AsyncAPI(worker.broker, title=f"ontheme {worker.service}"),
    )
