"""The embeddings of processed articles, by hour of publication in Redis, searched in memory.

Meilisearch's vector search was the worker's largest cost: about 3.4 ms of its CPU per article
on 10k headlines, more than all the worker's Python. An exact search of the window's vectors in
numpy costs a fraction of that. The story join script appends each article it places (id,
publication time, float16 vector: fixed-size records) to its hour's string, so every worker sees
the same articles, those with a story, as the filtered search did; each worker keeps a copy of
the hours it needs and reads only the bytes appended since it last looked.
"""

import struct
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from shared.contracts.events import ArticleEnriched

if TYPE_CHECKING:
    from redis.asyncio import Redis

HOUR_SECONDS = 3_600
ID_BYTES = 24  # article ids are 24 hex digits
# float16, as on the wire (shared.contracts.vectors.pack): half the Redis memory of float32, cosines
# within 1e-4.
VALUE = "<f2"
VALUE_BYTES = 2
_TS = struct.Struct("<q")
Matrix = npt.NDArray[np.float32]


def record_of(article_id: str, published_ts: int, vector: Matrix) -> bytes:
    """Return the bytes one article appends to its hour."""
    return article_id.encode("ascii") + _TS.pack(published_ts) + vector.astype(VALUE).tobytes()


def hour_of(published_ts: int) -> int:
    """Return the hour a publication time falls in."""
    return published_ts // HOUR_SECONDS


@dataclass(frozen=True)
class Window:
    """The stored vectors of some hours: ids, publication times, unit vectors (one row each)."""

    ids: list[str]
    ts: npt.NDArray[np.int64]
    units: Matrix

    @cached_property
    def column(self) -> dict[str, int]:
        """Return the row of each id."""
        return {article_id: c for c, article_id in enumerate(self.ids)}


class VectorCache:
    """A worker's copy of the stored vectors of the hours it searches."""

    def __init__(self, redis: "Redis", prefix: str) -> None:
        self.redis, self.prefix = redis, prefix
        self._hours: dict[tuple[int, int], bytearray] = {}
        self._parsed: dict[tuple[int, int], Window] = {}

    def key(self, dimensions: int, hour: int) -> str:
        """Return the Redis key of an hour's records of vectors of `dimensions` floats."""
        return f"{self.prefix}{dimensions}:{hour}"

    async def around(self, events: list[ArticleEnriched], span_s: int) -> Window | None:
        """Return the stored vectors within `span_s` of the articles; None if widths differ."""
        widths = {len(e.enrichment.embedding or []) for e in events} - {0}
        if len(widths) != 1:
            return None
        # Each article's own hours: one far off in time must not make the window span the gap.
        hours = {
            h
            for ts in {e.timestamp for e in events}
            for h in range(hour_of(ts - span_s), hour_of(ts + span_s) + 1)
        }
        return await self.window(widths.pop(), sorted(hours))

    async def window(self, dimensions: int, hours: list[int]) -> Window:
        """Return the stored vectors of these hours, read up to now."""
        wanted = [(dimensions, h) for h in hours]
        self._hours = {h: self._hours.get(h, bytearray()) for h in wanted}
        stale = await self._read({h: len(held) for h, held in self._hours.items()})
        if stale:
            # An hour that expired and started again: what we held of it is gone.
            for hour in stale:
                self._hours[hour].clear()
            await self._read(dict.fromkeys(stale, 0))
        self._parsed = {h: self._parsed[h] for h in wanted if h in self._parsed}
        return _joined([self._parsed[h] for h in wanted if h in self._parsed])

    async def _read(self, offsets: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
        """Add the bytes of each hour from its offset on; return the hours that started again."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for hour, offset in offsets.items():
                pipe.getrange(self.key(*hour), 0, ID_BYTES - 1)
                pipe.getrange(self.key(*hour), offset, -1)
            replies = await pipe.execute()
        stale = []
        for hour, first, more in zip(offsets, replies[::2], replies[1::2], strict=True):
            if offsets[hour] and first != self._hours[hour][:ID_BYTES]:
                stale.append(hour)
            elif more:
                self._hours[hour] += more
                self._parsed[hour] = _parse(bytes(self._hours[hour]), hour[0])
        return stale


def _parse(data: bytes, dimensions: int) -> Window:
    rows = np.frombuffer(data, dtype=np.uint8).reshape(
        -1, ID_BYTES + _TS.size + VALUE_BYTES * dimensions
    )
    ids = [bytes(row).decode("ascii") for row in rows[:, :ID_BYTES]]
    ts = rows[:, ID_BYTES : ID_BYTES + _TS.size].copy().view("<i8").ravel().astype(np.int64)
    vectors = rows[:, ID_BYTES + _TS.size :].copy().view(VALUE).astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    units = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    return Window(ids, ts, units)


def _joined(parts: list[Window]) -> Window:
    if not parts:
        return Window([], np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32))
    ids = [i for part in parts for i in part.ids]
    ts = np.concatenate([part.ts for part in parts])
    return Window(ids, ts, np.concatenate([part.units for part in parts]))
