"""The embeddings of processed articles, by hour of publication in Redis, searched in memory.

Meilisearch's vector search was the worker's largest cost: about 3.4 ms of its CPU per article
on 10k headlines, more than all the worker's Python. An exact search of the window's vectors in
numpy costs a fraction of that. The story join script appends each article it places (id,
publication time, int8 vector: fixed-size records) to its hour's string, so every worker sees
the same articles, those with a story, as the filtered search did; each worker keeps a copy of
the hours it needs and reads only the bytes appended since it last looked.
"""

import struct
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from services.related.titles import (
    WORDS,
    Titles,
    joined_titles,
    no_titles,
    parse_titles,
    rows_of,
)
from shared.contracts.events import ArticleEnriched
from shared.contracts.vectors import quantise

if TYPE_CHECKING:
    from redis.asyncio import Redis

HOUR_SECONDS = 3_600
ID_BYTES = 24  # article ids are 24 hex digits
# int8 values, as on the wire (shared.contracts.vectors.pack) less its scale, which unit length
# divides out: a quarter of float32's memory. Hours written before hold float16 values.
INT8, FLOAT16 = "i8", "f2"
FORMATS = (FLOAT16, INT8)
_TS = struct.Struct("<q")
Matrix = npt.NDArray[np.float32]
# An hour's records: (format, dimensions, hour); title-word hours (titles.py) have dimensions 0.
Hour = tuple[str, int, int]
COLUMNS = 4096  # rows of a window turned into float32 at once


def record_of(article_id: str, published_ts: int, vector: Matrix) -> bytes:
    """Return the bytes one article appends to its hour: id, time, int8 values."""
    _, steps = quantise(vector)
    return article_id.encode("ascii") + _TS.pack(published_ts) + steps.tobytes()


def record_bytes(dimensions: int, fmt: str) -> int:
    """Return the size of one record of `dimensions` values in a format."""
    head = ID_BYTES + _TS.size
    return head + dimensions if fmt == INT8 else head + 2 * dimensions


def hour_of(published_ts: int) -> int:
    """Return the hour a publication time falls in."""
    return published_ts // HOUR_SECONDS


@dataclass(frozen=True)
class Window:
    """The stored vectors of some hours: ids, publication times, vectors (one row each).

    The values stay as stored (int8 steps; float16 in older hours), with each row's inverse
    length in `scales`: float32 unit rows cost four times the memory, and the window of a
    dense stream holds tens of thousands. With the title words of the same hours (titles.py).
    """

    ids: list[str]
    ts: npt.NDArray[np.int64]
    steps: npt.NDArray[Any]
    titles: Titles = field(default_factory=no_titles)
    scales: npt.NDArray[np.float32] | None = None  # None: the rows are unit vectors already

    @cached_property
    def column(self) -> dict[str, int]:
        """Return the row of each id."""
        return rows_of(self.ids)

    def units(self, rows: slice | list[int] | None = None) -> Matrix:
        """Return the unit vectors of `rows` (all when None) as float32."""
        picked = slice(None) if rows is None else rows
        units = self.steps[picked].astype(np.float32)
        if self.scales is not None:
            units *= self.scales[picked][:, None]
        return units

    def similarities(self, vectors: Matrix) -> Matrix:
        """Return the cosine of each unit vector in `vectors` with every row."""
        sims = np.empty((len(vectors), len(self.ids)), dtype=np.float32)
        # A block of rows at a time in float32 bounds the memory whatever the window.
        for start in range(0, len(self.ids), COLUMNS):
            rows = slice(start, start + COLUMNS)
            sims[:, rows] = vectors @ self.units(rows).T
        return sims


class VectorCache:
    """A worker's copy of the stored vectors of the hours it searches."""

    def __init__(self, redis: "Redis", prefix: str) -> None:
        self.redis, self.prefix = redis, prefix
        # Each hour's bytes as read; its parsed Window's values are views into them.
        self._hours: dict[Hour, bytes] = {}
        self._parsed: dict[Hour, Window | Titles] = {}

    def key(self, dimensions: int, hour: int, fmt: str = INT8) -> str:
        """Return the Redis key of an hour's records of vectors of `dimensions` values."""
        if fmt == WORDS:
            return f"{self.prefix}{WORDS}:{hour}"
        if fmt == FLOAT16:
            return f"{self.prefix}{dimensions}:{hour}"
        return f"{self.prefix}{fmt}:{dimensions}:{hour}"

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
        wanted = [(fmt, dimensions, h) for h in hours for fmt in FORMATS] + [
            (WORDS, 0, h) for h in hours
        ]
        self._hours = {h: self._hours.get(h, b"") for h in wanted}
        stale = await self._read({h: len(held) for h, held in self._hours.items()})
        if stale:
            # An hour that expired and started again: what we held of it is gone.
            for hour in stale:
                self._hours[hour] = b""
            await self._read(dict.fromkeys(stale, 0))
        self._parsed = {h: self._parsed[h] for h in wanted if h in self._parsed}
        parsed = [self._parsed[h] for h in wanted if h in self._parsed]
        window = _joined([p for p in parsed if isinstance(p, Window)])
        return replace(window, titles=joined_titles([p for p in parsed if isinstance(p, Titles)]))

    async def _read(self, offsets: dict[Hour, int]) -> list[Hour]:
        """Add the bytes of each hour from its offset on; return the hours that started again."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for (fmt, dimensions, hour_no), offset in offsets.items():
                key = self.key(dimensions, hour_no, fmt)
                pipe.getrange(key, 0, ID_BYTES - 1)
                pipe.getrange(key, offset, -1)
            replies = await pipe.execute()
        stale: list[Hour] = []
        for hour, first, more in zip(offsets, replies[::2], replies[1::2], strict=True):
            if offsets[hour] and first != self._hours[hour][:ID_BYTES]:
                stale.append(hour)
            elif more:
                data = self._hours[hour] = self._hours[hour] + more
                self._parsed[hour] = (
                    parse_titles(data) if hour[0] == WORDS else _parse(data, hour[1], hour[0])
                )
        return stale


def _parse(data: bytes, dimensions: int, fmt: str) -> Window:
    rows = np.frombuffer(data, dtype=np.uint8).reshape(-1, record_bytes(dimensions, fmt))
    ids = [bytes(row).decode("ascii") for row in rows[:, :ID_BYTES]]
    head = ID_BYTES + _TS.size
    ts = rows[:, ID_BYTES:head].copy().view("<i8").ravel().astype(np.int64)
    # int8 values are a view into `data`, no copy; the older float16 ones are few.
    steps = rows[:, head:].view(np.int8) if fmt == INT8 else rows[:, head:].copy().view("<f2")
    norms = np.linalg.norm(steps.astype(np.float32), axis=1)
    scales = (1.0 / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    return Window(ids, ts, steps, scales=scales)


def _joined(parts: list[Window]) -> Window:
    if not parts:
        empty = np.zeros((0, 0), dtype=np.int8)
        return Window([], np.zeros(0, dtype=np.int64), empty, scales=np.zeros(0, np.float32))
    ids = [i for part in parts for i in part.ids]
    ts = np.concatenate([part.ts for part in parts])
    # Older float16 hours beside int8 ones: the joined values are float16 (exact for int8).
    steps = np.concatenate([part.steps for part in parts])
    scales = np.concatenate([_scales_of(part) for part in parts])
    return Window(ids, ts, steps, scales=scales)


def _scales_of(part: Window) -> npt.NDArray[np.float32]:
    return part.scales if part.scales is not None else np.ones(len(part.ids), np.float32)
