"""Feed poller wiring: the poll loop as a FastStream app, so it starts and stops like a worker."""

import asyncio
import contextlib
from dataclasses import dataclass, field

from faststream import FastStream
from faststream.specification import AsyncAPI
from redis.asyncio import Redis

from services.poller.poll import Poller
from services.poller.settings import Settings
from shared.articles.accept import Acceptor
from shared.contracts.events import ArticleIngested
from shared.contracts.keys import INGESTED, FeedKeys, Streams
from shared.feeds.registry import FeedStore
from shared.runtime.broker import create_broker, create_redis
from shared.runtime.heartbeat import heartbeat
from shared.runtime.metrics import metrics_server

SERVICE = "poller"


def create_poller(settings: Settings, redis: "Redis") -> Poller:
    """Return a poller publishing to the ingested stream, as the ingest API does."""
    streams = Streams(settings.namespace)
    return Poller(
        store=FeedStore(redis, FeedKeys(settings.namespace)),
        acceptor=Acceptor.of(redis, streams),
        policy=settings.fetch_policy,
        batch=settings.poll_batch,
        lease_s=settings.lease_seconds,
        max_backoff_s=settings.max_backoff_seconds,
    )


@dataclass
class PollLoop:
    """The poll loop of one process, with the heartbeat beside it."""

    poller: Poller
    redis: "Redis"
    settings: Settings
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    running: list["asyncio.Task[None]"] = field(default_factory=list)
    stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    async def start(self) -> None:
        """Start serving metrics, beating and polling."""
        settings = self.settings
        await self.stack.enter_async_context(
            metrics_server(settings.metrics_host, settings.metrics_port, SERVICE)
        )
        await self.stack.enter_async_context(heartbeat(settings.heartbeat_file, self.redis))
        self.running.append(
            asyncio.create_task(self.poller.run(self.stop, self.settings.idle_seconds))
        )

    async def finish(self) -> None:
        """Start no new round; let the polls in hand fetch, publish and record (SIGTERM)."""
        self.stop.set()
        await asyncio.gather(*self.running)

    async def close(self) -> None:
        """Stop beating and disconnect."""
        await self.stack.aclose()
        await self.redis.aclose()


def create_app(settings: Settings) -> FastStream:
    """Wire the feed poller."""
    # The poller consumes no stream; the broker gives it the workers' lifecycle (signals,
    # graceful stop) and documents what it publishes in the AsyncAPI schema.
    broker = create_broker(settings)
    ingested = Streams(settings.namespace).ingested
    broker.publisher(stream=ingested, schema=ArticleIngested, title=INGESTED)
    redis = create_redis(settings)
    loop = PollLoop(create_poller(settings, redis), redis, settings)
    return FastStream(
        broker,
        after_startup=[loop.start],
        on_shutdown=[loop.finish],
        after_shutdown=[loop.close],
        specification=AsyncAPI(broker, title=f"ontheme {SERVICE}"),
    )
