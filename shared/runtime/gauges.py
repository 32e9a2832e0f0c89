"""Gauges a worker refreshes beside its work: group lag and pending, Meilisearch's backlog.

Read from Redis and Meilisearch on the worker's own schedule (shared.runtime.housekeeping), so a
scrape costs no round trip and never waits on either.
"""

import asyncio
import functools
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import meilisearch
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.adapters.indexes import index_backlog
from shared.adapters.redis import text
from shared.runtime.metrics import GROUP_LAG, GROUP_PENDING, MEILI_BACKLOG

Probe = Callable[[], Awaitable[None]]


def group_lag(info: Mapping[str, Any], last_id: str) -> int | None:
    """Return a group's lag from its XINFO GROUPS entry; None when Redis cannot tell."""
    lag = info.get("lag")
    if lag is None and text(info.get("last-delivered-id")) == last_id:
        # Redis leaves lag unset after trims and deletions; caught up is still caught up.
        return 0
    return None if lag is None else int(lag)


async def refresh_groups(redis: "Redis", service: str, groups: Sequence[tuple[str, str]]) -> None:
    """Set the lag and pending gauges of each (stream, group) from XINFO STREAM and GROUPS."""
    for stream in sorted({stream for stream, _ in groups}):
        try:
            info = await redis.xinfo_stream(stream)
            found = {text(g["name"]): g for g in await redis.xinfo_groups(stream)}
        except ResponseError:  # the stream does not exist (yet)
            continue
        last_id = text(info["last-generated-id"])
        for group in (g for s, g in groups if s == stream and g in found):
            lag = group_lag(found[group], last_id)
            GROUP_LAG.labels(service, stream, group).set(math.nan if lag is None else lag)
            GROUP_PENDING.labels(service, stream, group).set(int(found[group]["pending"]))


def group_probe(redis: "Redis", service: str, groups: Sequence[tuple[str, str]]) -> Probe:
    """Return a probe refreshing the lag and pending gauges of `groups` (stream, group)."""
    return functools.partial(refresh_groups, redis, service, tuple(groups))


def backlog_probe(client: meilisearch.Client, index: str, service: str) -> Probe:
    """Return a probe refreshing the Meilisearch task backlog gauge of `index`."""
    gauge = MEILI_BACKLOG.labels(service, index)

    async def probe() -> None:
        # The SDK is synchronous: off the event loop, which keeps consuming meanwhile.
        gauge.set(await asyncio.to_thread(index_backlog, client, index))

    return probe
