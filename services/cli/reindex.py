"""`ontheme reindex`: rebuild the search indexes from the retained events, then swap them in.

Readers never wait: the rebuild fills new indexes while the live ones serve, and one atomic
swap puts them in place. The workers may keep running: events they handle meanwhile are read
again after the swap, and stories Redis changed meanwhile are sent again.
"""

import argparse
import asyncio
import time
from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchError
from pydantic import SecretStr
from redis.exceptions import RedisError

from services.cli import main as cli
from services.cli.args import bounded
from services.cli.reindex_build import Builder, Tally, summary
from services.cli.reindex_meili import (
    RebuildError,
    Target,
    count,
    drop,
    prepare,
    rebuild_uid,
    swap,
    wait_tasks,
)
from services.cli.reindex_read import LinkReader, related_cursor, related_moved, stream_counts
from services.cli.settings import Settings
from shared.adapters.search_client import meili_client
from shared.contracts.events import utcnow
from shared.contracts.keys import Streams
from shared.runtime.broker import create_redis

# Meilisearch answers a batch of 1,000 articles with vectors in well under a minute.
MEILI_TIMEOUT_S = 60


def add_parser(commands: Any) -> None:
    """Register `reindex`."""
    sub: argparse.ArgumentParser = commands.add_parser(
        "reindex",
        help="rebuild the search indexes from the retained events",
        description="Rebuild the articles and stories indexes from the enriched stream and "
        "the related service's Redis keys, then swap them with the live ones.",
    )
    sub.add_argument("--dry-run", action="store_true", help="count what would be indexed")
    sub.add_argument(
        "--batch",
        type=bounded(1, 10_000),
        default=1000,
        metavar="N",
        help="events per batch (1000)",
    )
    sub.add_argument(
        "--keep-old", action="store_true", help="keep the swapped-out indexes (not deleted)"
    )
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Rebuild (or count, with --dry-run); 1 when it failed, 2 when settings are missing."""
    settings = Settings()
    key = settings.meili_key
    if key is None:
        cli.fail("reindex needs MEILI_MASTER_KEY: it creates, swaps and deletes indexes")
        return 2
    try:
        return asyncio.run(_reindex(settings, key, args))
    except (RebuildError, MeilisearchError, RedisError) as exc:
        cli.fail(f"reindex failed: {exc}")
        return 1
    except KeyboardInterrupt:
        cli.fail("reindex interrupted")
        return 130


async def _reindex(settings: Settings, key: SecretStr, args: argparse.Namespace) -> int:
    client = meili_client(settings.meili_url, key.get_secret_value(), timeout=MEILI_TIMEOUT_S)
    redis = create_redis(settings)
    try:
        reader = LinkReader(redis, settings.namespace)
        builder = _builder(settings, args, reader, client)
        if not (await stream_counts(redis, builder.stream))[0]:
            cli.fail(f"stream {builder.stream!r} is empty: nothing to rebuild from")
            return 1
        if args.dry_run:
            return await _dry_run(builder, client, settings.meili_index)
        return await _rebuild(builder, client, settings.meili_index, args.keep_old)
    finally:
        await redis.aclose()


def _builder(
    settings: Settings, args: argparse.Namespace, reader: LinkReader, client: meilisearch.Client
) -> Builder:
    live = settings.meili_index
    target = Target(client, None if args.dry_run else rebuild_uid(live, utcnow()), live)
    stream = Streams(settings.namespace).enriched
    return Builder(
        reader.redis,
        stream,
        reader,
        target,
        settings.embedding_dimensions,
        args.batch,
        cli.echo,
        vectors=settings.semantic,
    )


async def _dry_run(builder: Builder, client: meilisearch.Client, live: str) -> int:
    await builder.read()
    _summary(builder.tally, await stream_counts(builder.redis, builder.stream), dry=True)
    documents = await asyncio.to_thread(count, client, live)
    cli.echo(f"dry run: nothing changed; the live index holds {documents or 0:,} documents")
    return 0


async def _rebuild(builder: Builder, client: meilisearch.Client, live: str, keep: bool) -> int:
    rebuilt = builder.target.uid or ""
    before = await related_cursor(builder.redis, builder.stream)
    swapped = False
    try:
        dimensions = builder.dimensions if builder.vectors else None
        await asyncio.to_thread(prepare, client, rebuilt, dimensions)
        cli.echo(f"rebuilding into {rebuilt!r}")
        await builder.read()
        if not builder.tally.links:
            cli.fail("no valid event in the stream: nothing to rebuild from")
            return 1
        await asyncio.to_thread(wait_tasks, client, builder.target.tasks, cli.echo)
        await builder.read()  # what the workers handled while Meilisearch was indexing
        await asyncio.to_thread(wait_tasks, client, builder.target.tasks, cli.echo)
        await asyncio.to_thread(swap, client, live, rebuilt)
        swapped = True
    finally:
        if not swapped:
            await asyncio.to_thread(drop, client, rebuilt)
            cli.fail("stopped before the swap: the live indexes are unchanged")
    refreshed = await _catch_up(builder, client, live, before)
    dropped = not keep and await asyncio.to_thread(drop, client, rebuilt)
    _summary(builder.tally, await stream_counts(builder.redis, builder.stream), refreshed=refreshed)
    cli.echo("old indexes deleted" if dropped else f"old indexes kept as {rebuilt!r}")
    return 0


async def _catch_up(
    builder: Builder, client: meilisearch.Client, live: str, before: tuple[str, int] | None
) -> int:
    """Send what the workers wrote to the old indexes while the rebuild ran; return changes."""
    builder.target = Target(client, live, live)
    await builder.read()
    refreshed = 0
    if related_moved(before, await related_cursor(builder.redis, builder.stream)):
        cli.echo("the related service ran meanwhile: sending what it changed in Redis")
        refreshed = await builder.refresh()
    await asyncio.to_thread(wait_tasks, client, builder.target.tasks, cli.echo)
    return refreshed


def _summary(
    tally: Tally, counts: tuple[int, int], *, dry: bool = False, refreshed: int = 0
) -> None:
    for line in summary(tally, counts, time.perf_counter() - tally.started, refreshed):
        cli.echo(line.replace("indexed", "to index") if dry else line)
