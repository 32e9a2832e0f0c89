"""The pipeline's state: stream lengths, group progress, dead letters, index backlog."""

import asyncio
from typing import Any

import meilisearch
from pydantic import BaseModel
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.adapters.indexes import index_backlog
from shared.adapters.redis import text
from shared.contracts.keys import Streams
from shared.runtime.gauges import group_lag


class GroupState(BaseModel):
    """A consumer group's progress on a stream."""

    group: str
    exists: bool
    pending: int
    lag: int | None


class StreamState(BaseModel):
    """A stream and the groups that read it."""

    stream: str
    length: int
    groups: list[GroupState]


class PipelineState(BaseModel):
    """Where every accepted article is; `idle` when all of it has been processed."""

    streams: list[StreamState]
    dead_letters: int
    index_backlog: int
    idle: bool


def group_state(group: str, info: dict[str, Any] | None, length: int, last_id: str) -> GroupState:
    """Return a group's state from XINFO GROUPS, also when the group does not exist yet."""
    if info is None:
        return GroupState(group=group, exists=False, pending=0, lag=length)
    lag = group_lag(info, last_id)
    return GroupState(group=group, exists=True, pending=int(info["pending"]), lag=lag)


def is_idle(streams: list[StreamState], index_backlog: int) -> bool:
    """Return whether everything accepted so far has been fully processed."""
    groups = [group for stream in streams for group in stream.groups]
    caught_up = all(group.lag == 0 and group.pending == 0 for group in groups)
    return caught_up and index_backlog == 0


async def stream_state(redis: "Redis", stream: str, groups: tuple[str, ...]) -> StreamState:
    """Read one stream's length and its groups' progress."""
    try:
        info = await redis.xinfo_stream(stream)
        raw_groups = await redis.xinfo_groups(stream)
    except ResponseError:  # the stream does not exist yet: nothing was published
        return StreamState(
            stream=stream, length=0, groups=[group_state(g, None, 0, "") for g in groups]
        )
    by_name = {text(g["name"]): g for g in raw_groups}
    last_id = text(info["last-generated-id"])
    length = int(info["length"])
    states = [group_state(g, by_name.get(g), length, last_id) for g in groups]
    return StreamState(stream=stream, length=length, groups=states)


async def pipeline_state(
    redis: "Redis", streams: Streams, client: meilisearch.Client, index: str
) -> PipelineState:
    """Return the whole pipeline's state."""
    states = [await stream_state(redis, name, g) for name, g in streams.groups().items()]
    dead_letters = int(await redis.xlen(streams.dead_letter))
    backlog = await asyncio.to_thread(index_backlog, client, index)
    return PipelineState(
        streams=states,
        dead_letters=dead_letters,
        index_backlog=backlog,
        idle=is_idle(states, backlog),
    )
