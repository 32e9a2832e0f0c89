"""The reaper: takes over messages a consumer left pending, retries or dead-letters them.

A message stays pending when its consumer crashed, or when processing it failed (see
shared/runtime/delivery.py). Once idle long enough, and longer after each delivery (doubling), a
live consumer of the same group claims it (XCLAIM, which counts a delivery):
- after `max_deliveries` deliveries that failed with a recorded error, or three times as
  many without one (a message that kills its worker records nothing), it goes to the
  dead-letter stream with the error, the attempts and the original event;
- otherwise it is processed again: messages that never failed in one batch, messages that
  did one at a time, so one bad message cannot keep failing the others.
Each sweep reads a bounded number of pending entries, so a long pending list never becomes a
hot loop, and new messages keep flowing through the ordinary subscriber meanwhile.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import structlog

from shared.adapters.redis import text
from shared.contracts.events import EventDeadLettered
from shared.runtime.batches import Entry, dead_letter, decode, dump_body
from shared.runtime.delivery import Delivery, Process, ids_arg

log = structlog.stdlib.get_logger(__name__)
# A message that failed without a recorded error (its worker died) gets this many times more
# deliveries before it is dead-lettered.
CRASH_FACTOR = 3
PAGES_PER_SWEEP = 10


@dataclass(frozen=True)
class Pending:
    """A pending message: its id and how many times it has been delivered."""

    id: str
    deliveries: int


def due(pending: Pending, idle_ms: int, reclaim_idle_ms: int) -> bool:
    """Return whether a pending message has waited long enough for its next delivery."""
    return idle_ms >= reclaim_idle_ms * (1 << min(max(pending.deliveries - 1, 0), 10))


def exhausted(pending: Pending, error: str | None, max_deliveries: int) -> bool:
    """Return whether a message has had all the deliveries it gets."""
    limit = max_deliveries if error is not None else max_deliveries * CRASH_FACTOR
    return pending.deliveries >= limit


@dataclass
class Reaper:
    """Sweeps one group's pending list on behalf of one consumer."""

    delivery: Delivery
    process: Process
    service: str
    dead_letter_stream: str
    max_deliveries: int
    batch: int

    async def sweep(self) -> int:
        """Claim and handle the due messages, at most one batch; return how many."""
        found = await self._due()
        if not found:
            return 0
        d = self.delivery
        ids = [p.id for p in found]
        claimed: list[Any] = await d.redis.xclaim(
            d.stream, d.group, d.consumer, d.reclaim_idle_ms, ids_arg(ids)
        )
        entries = {text(i): decode(i, fields) for i, fields in claimed if fields}
        gone = [i for i in ids if i not in entries]  # trimmed or deleted meanwhile
        await self._done(gone)
        present = [p for p in found if p.id in entries]
        errors = dict(zip(ids, await d.last_errors(ids), strict=True))
        spent = [p for p in present if exhausted(p, errors[p.id], self.max_deliveries)]
        await self._bury(spent, entries, errors)
        rest = [p for p in present if p not in spent]
        await self._retry([entries[p.id] for p in rest if errors[p.id] is None], together=True)
        await self._retry([entries[p.id] for p in rest if errors[p.id] is not None])
        return len(found)

    async def _due(self) -> list[Pending]:
        d, found, start = self.delivery, [], "-"
        for _ in range(PAGES_PER_SWEEP):
            page = await d.redis.xpending_range(
                d.stream, d.group, start, "+", self.batch, idle=d.reclaim_idle_ms
            )
            for row in page:
                pending = Pending(_message_id(row), int(row["times_delivered"]))
                if due(pending, int(row["time_since_delivered"]), d.reclaim_idle_ms):
                    found.append(pending)
            if len(page) < self.batch or len(found) >= self.batch:
                break
            start = f"({_message_id(page[-1])}"
        return found[: self.batch]

    async def _bury(
        self, spent: Sequence[Pending], entries: dict[str, Entry], errors: dict[str, str | None]
    ) -> None:
        letters = [self._letter(p, entries[p.id], errors[p.id]) for p in spent]
        await dead_letter(self.delivery.redis, self.dead_letter_stream, letters, "exhausted")
        await self._done([p.id for p in spent])

    def _letter(self, pending: Pending, entry: Entry, error: str | None) -> EventDeadLettered:
        return EventDeadLettered(
            service=self.service,
            stream=self.delivery.stream,
            message_id=pending.id,
            error=error or "its worker stopped while processing it, every time",
            attempts=pending.deliveries,
            original=dump_body(entry.body),
            trace_id=entry.trace_id,
        )

    async def _retry(self, entries: list[Entry], *, together: bool = False) -> None:
        groups = [entries] if together else [[entry] for entry in entries]
        for group in filter(None, groups):
            try:
                await self.delivery.run(self.process, group)
            except Exception:  # noqa: BLE001 - recorded by run; a later sweep tries again
                log.info("reclaimed messages failed again", messages=len(group))
            else:
                await self._done([entry.id for entry in group])

    async def _done(self, ids: Sequence[str]) -> None:
        if ids:
            d = self.delivery
            await d.redis.xack(d.stream, d.group, *ids)
            await d.forget(ids)


def _message_id(row: Mapping[str, Any]) -> str:
    # The stubs allow an int; Redis always answers an entry id as bytes.
    return text(cast("bytes | str", row["message_id"]))
