"""Ingest delays: articles POSTed one by one at a steady rate, polled in the index.

Two delays per article: until the index returns it (searchable), and until its document has
its story (the related worker writes `story_id` once it has stored the article's related list
and the back-links to it, so its related box is complete from then on).
"""

import itertools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.pipeline_throughput import articles
from bench.quality_data import UCI_FILE
from bench.related_speed import enriched_times, spread
from bench.suite.system import System
from shared.contracts.keys import Streams

POLL_S = 0.05
FETCH_MAX = 1000
DRAIN_TIMEOUT_S = 300.0


@dataclass
class Tracker:
    """When each accepted article was sent, and how long until the index returned it."""

    sent: dict[str, float] = field(default_factory=dict)
    sent_epoch: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    related: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sending: bool = True

    def pending(self) -> list[str]:
        """Ids sent but not found yet, or found without their story yet, oldest first."""
        with self.lock:
            return [i for i in self.sent if i not in self.related][:FETCH_MAX]


def steady(system: System, data: Path, skip: int, rate: float, seconds: float) -> dict[str, Any]:
    """POST `rate` x `seconds` fresh headlines on a fixed schedule; delay until each is found."""
    rows = list(itertools.islice(articles(data / UCI_FILE, skip + int(rate * seconds)), skip, None))
    tracker = Tracker()
    poller = threading.Thread(target=_poll, args=(system, tracker), daemon=True)
    poller.start()
    late = _send(system, rows, rate, tracker)
    tracker.sending = False
    poller.join(DRAIN_TIMEOUT_S + 5)
    values = np.array(list(tracker.delays.values()))
    found = len(values)
    related = list(tracker.related.values())
    return _parts(system, tracker) | {
        "rate": rate,
        "sent": len(rows),
        "accepted": len(tracker.sent),
        "found": found,
        "p50_s": float(np.percentile(values, 50)) if found else None,
        "p95_s": float(np.percentile(values, 95)) if found else None,
        "max_s": float(values.max()) if found else None,
        "related_stored": len(related),
        "related_s": spread(related) if related else None,
        "sends_late_over_100ms": late,
    }


def _parts(system: System, tracker: Tracker) -> dict[str, Any]:
    """Where the time went: p50/p95 from sending to the API's answer and to enriched.

    The answer comes after the XADD; the enriched entry's id is its time. Not the ingested
    stream's: enrichment trims what it has acknowledged.
    """
    accepted = [tracker.answered[i] - at for i, at in tracker.sent.items()]
    entered = enriched_times(system.redis_url, Streams().enriched)
    waits = [entered[i] - at for i, at in tracker.sent_epoch.items() if i in entered]
    parts = {"to_accepted": spread(accepted) if accepted else None}
    return {"parts_s": parts | {"to_enriched": spread(waits) if waits else None}}


def _send(system: System, rows: list[dict[str, Any]], rate: float, tracker: Tracker) -> int:
    """Send each row at its time on a monotonic schedule; count sends more than 100 ms late."""
    late = 0
    with system.ingest_client(timeout=30) as client:
        start = time.monotonic()
        for n, row in enumerate(rows):
            due = start + n / rate
            now = time.monotonic()
            if now < due:
                time.sleep(due - now)
            late += time.monotonic() - due > 0.1
            sent, epoch = time.monotonic(), time.time()
            answer = client.post("/articles", json=row).raise_for_status().json()
            if not answer["duplicate"]:
                with tracker.lock:
                    tracker.answered[answer["id"]] = time.monotonic()
                    tracker.sent[answer["id"]] = sent
                    tracker.sent_epoch[answer["id"]] = epoch
    return late


def _poll(system: System, tracker: Tracker) -> None:
    """Fetch the pending ids from the index every 50 ms; record when each appears, and its story."""
    deadline = None
    while True:
        if not tracker.sending:
            deadline = deadline or time.monotonic() + DRAIN_TIMEOUT_S
        ids = tracker.pending()
        if not ids and not tracker.sending:
            return
        if ids:
            body = {"ids": ids, "fields": ["id", "story_id"], "limit": FETCH_MAX}
            found = system.meili.post(f"/indexes/{system.index}/documents/fetch", json=body)
            now = time.monotonic()
            with tracker.lock:
                for doc in found.raise_for_status().json()["results"]:
                    tracker.delays.setdefault(doc["id"], now - tracker.sent[doc["id"]])
                    if doc.get("story_id"):
                        tracker.related.setdefault(doc["id"], now - tracker.sent[doc["id"]])
        if deadline is not None and time.monotonic() > deadline:
            return
        time.sleep(POLL_S)
