"""What the fault test sends (articles, poison) and reads back (index, dead letters, pending)."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import redis

from shared.contracts.events import SCHEMA_VERSION
from shared.contracts.keys import Streams

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "sample.jsonl"
BATCH = 100


def articles(count: int) -> list[dict[str, Any]]:
    """`count` distinct articles made from the demo sample's headlines (CC BY, see its README)."""
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    made = []
    for n in range(count):
        row = rows[n % len(rows)]
        made.append(
            {
                "title": f"{row['title']} (update {n // len(rows)})",
                "url": f"https://fault.example/{n}",
                "source": row.get("source") or "Example",
                "published_at": row.get("published_at"),
            }
        )
    return made


# Events no worker can use: not UTF-8, not JSON, a schema version from the future, a
# different shape. Enriched ones go to two groups, so each is dead-lettered twice.
INGESTED_POISON: list[bytes] = [
    b"\xff\xfe\x00\x01 not text",
    b"{not json",
    json.dumps({"schema_version": SCHEMA_VERSION + 99, "article": {"id": "0" * 24}}).encode(),
]
ENRICHED_POISON: list[bytes] = [
    b"\xc3\x28 broken utf-8",
    json.dumps({"article": "not an article"}).encode(),
]


def inject_poison(client: "redis.Redis", streams: Streams) -> int:
    """Put the poison events on the streams; return how many dead letters they must make."""
    for body in INGESTED_POISON:
        client.xadd(streams.ingested, {"__data__": body})
    for body in ENRICHED_POISON:
        client.xadd(streams.enriched, {"__data__": body})
    return len(INGESTED_POISON) + 2 * len(ENRICHED_POISON)


@dataclass
class Ingester:
    """Posts articles in batches from a thread, retrying refused batches as a client should."""

    url: str
    api_key: str
    items: list[dict[str, Any]]
    accepted: set[str] = field(default_factory=set)
    refusals: int = 0
    pause: float = 0.6
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def run(self) -> None:
        """Send every batch until each got a 202."""
        headers = {"Authorization": f"Bearer {self.api_key}"}
        try:
            with httpx.Client(base_url=self.url, headers=headers, timeout=30) as client:
                for start in range(0, len(self.items), BATCH):
                    self._send(client, self.items[start : start + BATCH])
                    # Spread over the chaos, as feeds arrive: pacing, not waiting for anything.
                    self.done.wait(self.pause)
        except BaseException as exc:  # noqa: BLE001 - the test reports it, never swallowed
            self.error = exc
        finally:
            self.done.set()

    def _send(self, client: httpx.Client, batch: list[dict[str, Any]]) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                response = client.post("/articles/batch", json=batch)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 202:
                results = response.json()["results"]
                self.accepted.update(r["id"] for r in results if "id" in r)
                return
            self.refusals += 1
            time.sleep(0.2)  # a real client's backoff, not a test's wait
        raise TimeoutError("ingest refused a batch for 90 s")


def indexed(client: meilisearch.Client, uid: str) -> Iterator[dict[str, Any]]:
    """Every document of the index, with the fields the test checks."""
    fields = ["id", "enrichments", "story_id", "language"]
    offset = 0
    while True:
        page = client.index(uid).get_documents({"limit": 1000, "offset": offset, "fields": fields})
        yield from (dict(doc) for doc in page.results)
        if len(page.results) < 1000:
            return
        offset += 1000


def pending_total(client: "redis.Redis", streams: Streams) -> int:
    """Pending entries over every group of every stream."""
    total = 0
    for stream, groups in streams.groups().items():
        for group in groups:
            total += int(client.xpending(stream, group)["pending"])
    return total
