"""Redis side of `ontheme dlq`: read dead letters, replay one atomically, drop."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis

from services.cli.dlq_view import Letter, parse_entry
from shared.contracts.keys import Streams
from shared.contracts.wire import DATA_FIELD

PAGE = 500
CONNECT_TIMEOUT_S = 5.0
# XDEL, then XADD only when this call removed the entry, in one script: Redis runs it
# atomically, so a crash never leaves the event in both streams or in neither. MULTI/EXEC
# alone cannot make the XADD depend on the XDEL, so two replays (or a replay and a drop)
# racing on one entry would both put it back on the stream.
REPLAY_SCRIPT = """
if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then
    return false
end
return redis.call('XADD', KEYS[2], '*', ARGV[2], ARGV[3])
"""


@dataclass(frozen=True)
class Dlq:
    """The dead-letter stream of one namespace, and the client to reach it."""

    client: "redis.Redis"
    streams: Streams

    @property
    def key(self) -> str:
        """Redis key of the dead-letter stream."""
        return self.streams.dead_letter


def connect(redis_url: str) -> "redis.Redis":
    """Return a client that fails fast when Redis is unreachable; nothing connects yet."""
    return redis.Redis.from_url(
        redis_url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=30.0
    )


def scan(client: "redis.Redis", key: str, *, newest_first: bool) -> Iterator[Letter]:
    """Yield every entry of a stream, page by page, in the order asked for."""
    read = client.xrevrange if newest_first else client.xrange
    start, end = ("+", "-") if newest_first else ("-", "+")
    while True:
        page = cast(list[tuple[bytes, dict[bytes, bytes]]], read(key, start, end, count=PAGE))
        for entry_id, fields in page:
            yield parse_entry(entry_id, fields)
        if len(page) < PAGE:
            return
        # Exclusive range: the next page starts after the last entry read.
        start = "(" + page[-1][0].decode()


def fetch(client: "redis.Redis", key: str, entry_id: str) -> Letter | None:
    """Return one entry by id, or None when the stream has no such entry."""
    found = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(key, entry_id, entry_id))
    return parse_entry(*found[0]) if found else None


def length(client: "redis.Redis", key: str) -> int:
    """Return how many entries a stream holds (0 when it does not exist)."""
    return int(cast(Any, client.xlen(key)))


def replay(
    client: "redis.Redis", key: str, entry_id: str, stream: str, original: bytes | str
) -> str | None:
    """Move an original back to its stream; return its new id, None if the entry was gone."""
    script = client.register_script(REPLAY_SCRIPT)
    added = script(keys=[key, stream], args=[entry_id, DATA_FIELD, original])
    return None if added is None else cast(bytes, added).decode()


def drop(client: "redis.Redis", key: str, entry_ids: Sequence[str]) -> list[bool]:
    """Delete entries by id; tell for each whether it was there."""
    with client.pipeline(transaction=False) as pipe:
        for entry_id in entry_ids:
            pipe.xdel(key, entry_id)
        return [bool(n) for n in pipe.execute()]
