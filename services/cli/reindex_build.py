"""Retained events -> documents, a page at a time: never the whole stream in memory."""

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.cli.reindex_meili import Target
from services.cli.reindex_read import (
    Entry,
    LinkReader,
    decode,
    entry_time,
    fingerprint,
    link_fields,
    pages,
)
from shared.adapters.redis import text
from shared.contracts.documents import to_documents

if TYPE_CHECKING:
    from redis.asyncio import Redis

PROGRESS_EVERY = 10_000


@dataclass
class Tally:
    """What a rebuild has read and sent so far."""

    events: int = 0
    invalid: int = 0
    oldest: datetime | None = None
    last_id: str | None = None
    # Id -> fingerprint of what was sent, so a later pass sends only what changed since.
    links: dict[str, int] = field(default_factory=dict)
    stories: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


def summary(tally: Tally, counts: tuple[int, int], seconds: float, refreshed: int) -> list[str]:
    """Return the closing report: what was read and indexed, how fast, and what retention cut."""
    oldest = f"{tally.oldest:%Y-%m-%d %H:%M:%S} UTC" if tally.oldest else "none"
    rate = len(tally.links) / seconds if seconds else 0.0
    lines = [
        f"events read: {tally.events:,} (oldest retained event added {oldest})",
        f"invalid events skipped: {tally.invalid:,}",
        f"articles indexed: {len(tally.links):,}"
        + (f" ({refreshed:,} re-sent: their story changed meanwhile)" if refreshed else ""),
        f"stories indexed: {len(tally.stories):,}",
        f"took {seconds:,.1f} s: {rate:,.0f} articles/s",
    ]
    length, added = counts
    if added > length:
        lines.append(
            f"note: {added - length:,} older events were trimmed from the stream (retention); "
            f"articles only they held are not in the rebuilt index"
        )
    return lines


@dataclass
class Builder:
    """Reads the enriched stream and sends each page's documents to a target."""

    redis: "Redis"
    stream: str
    reader: LinkReader
    target: Target
    dimensions: int
    page: int
    say: Callable[[str], None]
    tally: Tally = field(default_factory=Tally)
    vectors: bool = False  # whether the index keeps vectors (ONTHEME_SEMANTIC)

    async def read(self) -> None:
        """Send every event after the last one read, up to the stream's end, then their stories."""
        stories: set[str] = set()
        async for entries in pages(self.redis, self.stream, self.tally.last_id, self.page):
            stories |= await self._page(entries)
        await self.send_stories(stories)

    async def _page(self, entries: list[Entry]) -> set[str]:
        """Send the documents of one page; return the stories its articles are in."""
        events = [e for e in (decode(fields, self.dimensions) for _, fields in entries) if e]
        documents = to_documents(events, vectors=self.vectors)
        links = await self.reader.links([d["id"] for d in documents])
        for document in documents:
            link = links[document["id"]]
            document.update(link_fields(link))
            self.tally.links[document["id"]] = link.digest()
        await asyncio.to_thread(self.target.articles, documents)
        self._count(entries, len(events))
        return {link.story_id for link in links.values() if link.story_id}

    def _count(self, entries: list[Entry], valid: int) -> None:
        tally = self.tally
        before = tally.events
        tally.events += len(entries)
        tally.invalid += len(entries) - valid
        tally.oldest = tally.oldest or entry_time(entries[0][0])
        tally.last_id = text(entries[-1][0])
        if tally.events // PROGRESS_EVERY > before // PROGRESS_EVERY:
            rate = tally.events / (time.perf_counter() - tally.started)
            self.say(
                f"  read {tally.events:,} events, {len(tally.links):,} articles, {rate:,.0f}/s"
            )

    async def send_stories(self, story_ids: Iterable[str]) -> None:
        """Send the stories whose document changed since sent (every story, the first time)."""
        ids = sorted(story_ids)
        for start in range(0, len(ids), self.page):
            documents = await self.reader.stories(ids[start : start + self.page])
            changed = [d for d in documents if self.tally.stories.get(d["id"]) != fingerprint(d)]
            self.tally.stories.update((d["id"], fingerprint(d)) for d in changed)
            await asyncio.to_thread(self.target.stories, changed)

    async def refresh(self) -> int:
        """Send the links Redis changed since they were read; return how many articles changed."""
        ids, changed, stories = list(self.tally.links), 0, set(self.tally.stories)
        for start in range(0, len(ids), self.page):
            links = await self.reader.links(ids[start : start + self.page])
            updates: list[dict[str, Any]] = []
            for aid, link in links.items():
                if link.digest() != self.tally.links[aid]:
                    self.tally.links[aid] = link.digest()
                    updates.append({"id": aid, **link_fields(link)})
                    stories.update([link.story_id] if link.story_id else [])
            await asyncio.to_thread(self.target.articles, updates)
            changed += len(updates)
        await self.send_stories(stories)
        return changed
