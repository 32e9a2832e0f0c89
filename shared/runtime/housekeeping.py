"""What a worker does beside consuming: sweep pending messages, trim streams, read gauges."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence

import structlog
from redis.asyncio import Redis

from shared.adapters.redis import text
from shared.contracts.keys import Streams
from shared.contracts.settings import WorkerSettings
from shared.runtime.delivery import describe
from shared.runtime.gauges import Probe
from shared.runtime.reaper import Reaper

log = structlog.stdlib.get_logger(__name__)
TRIM_EVERY_SECONDS = 60.0
PROBE_EVERY_SECONDS = 5.0
# Consumers of past processes linger in their group; forget them once idle and empty.
FORGET_CONSUMERS_AFTER_MS = 3_600_000


def sweep_interval(reclaim_idle_seconds: float) -> float:
    """Return how often to look for due messages: often enough to reclaim them in time."""
    return min(max(reclaim_idle_seconds / 4, 0.2), 15.0)


def min_id(now_ms: int, retention_days: float) -> str:
    """Return the oldest stream id to keep: everything older than the retention goes."""
    return f"{max(now_ms - int(retention_days * 86_400_000), 0)}-0"


def id_order(entry_id: str) -> tuple[int, int]:
    """Return a stream id as (milliseconds, sequence), which sorts as Redis orders ids."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def after(entry_id: str) -> str:
    """Return the smallest stream id greater than `entry_id`."""
    ms, seq = id_order(entry_id)
    return f"{ms}-{seq + 1}"


async def acked_floor(redis: "Redis", stream: str, groups: Sequence[str]) -> str | None:
    """Return the oldest id of `stream` one of `groups` may still read; None: keep everything.

    A group needs its oldest pending entry (a retry or a reclaim reads it again) and what it
    has not been delivered yet; a group that does not exist yet will read from the start.
    """
    found = {text(g["name"]): g for g in await redis.xinfo_groups(stream)}
    needed: list[str] = []
    for group in groups:
        if group not in found:
            return None
        oldest = None
        if int(found[group]["pending"]):
            oldest = (await redis.xpending(stream, group))["min"]
        # Acknowledged meanwhile: nothing pending, so all it was delivered is done.
        needed.append(text(oldest) if oldest else after(text(found[group]["last-delivered-id"])))
    return min(needed, key=id_order) if needed else None


async def trim(
    redis: "Redis",
    streams: Sequence[str],
    retention_days: float,
    when_acked: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Trim each stream to its retention; those in `when_acked` also once its groups are done."""
    keep_from = min_id(int(time.time() * 1000), retention_days)
    for stream in streams:
        floor = keep_from
        if when_acked and stream in when_acked:
            acked = await acked_floor(redis, stream, when_acked[stream])
            floor = max(floor, acked or floor, key=id_order)
        # Exact: costs what it removes, like the approximate form, and says what it keeps.
        await redis.xtrim(stream, minid=floor, approximate=False)


async def forget_consumers(redis: "Redis", stream: str, group: str, me: str) -> None:
    """Delete the group's consumers that hold nothing and have been idle for an hour."""
    for consumer in await redis.xinfo_consumers(stream, group):
        name = text(consumer["name"])
        if name != me and not consumer["pending"] and consumer["idle"] > FORGET_CONSUMERS_AFTER_MS:
            await redis.xgroup_delconsumer(stream, group, name)


async def _tidy(reapers: Sequence[Reaper], settings: WorkerSettings) -> None:
    redis = reapers[0].delivery.redis
    streams = sorted({r.delivery.stream for r in reapers})
    when_acked = Streams(settings.namespace).work_queues() if settings.trim_acked else {}
    await trim(redis, streams, settings.retention_days, when_acked)
    for reaper in reapers:
        d = reaper.delivery
        await forget_consumers(redis, d.stream, d.group, d.consumer)


async def _loop(reapers: Sequence[Reaper], settings: WorkerSettings, stop: asyncio.Event) -> None:
    interval, tidied = sweep_interval(settings.reclaim_idle_seconds), 0.0
    while not stop.is_set():
        busy = False
        try:
            for reaper in reapers:
                busy = await reaper.sweep() >= reaper.batch or busy
            if time.monotonic() - tidied > TRIM_EVERY_SECONDS:
                await _tidy(reapers, settings)
                tidied = time.monotonic()
        except Exception as exc:  # noqa: BLE001 - Redis may be down; the next round retries
            log.warning("upkeep failed; retrying", error=describe(exc))
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)


async def run_probes(probes: Sequence[Probe]) -> None:
    """Run each probe; one that fails (Meilisearch down) does not stop the others."""
    for probe in probes:
        try:
            await probe()
        except Exception as exc:  # noqa: BLE001 - a stale gauge is all a failed probe costs
            log.warning("metrics probe failed; retrying", error=describe(exc))


async def _probe_loop(probes: Sequence[Probe], stop: asyncio.Event) -> None:
    # Beside the sweeps, not in their loop: a slow Meilisearch must never delay a reclaim.
    while not stop.is_set():
        await run_probes(probes)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=PROBE_EVERY_SECONDS)


@contextlib.asynccontextmanager
async def upkeep(
    reapers: Sequence[Reaper],
    settings: WorkerSettings,
    stop: asyncio.Event,
    probes: Sequence[Probe] = (),
) -> AsyncIterator[None]:
    """Run the sweeps and trims, and the metrics probes, in the background while it runs."""
    tasks = [asyncio.create_task(_loop(reapers, settings, stop))] if reapers else []
    if probes:
        tasks.append(asyncio.create_task(_probe_loop(probes, stop)))
    try:
        yield
    finally:
        if tasks:
            stop.set()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
