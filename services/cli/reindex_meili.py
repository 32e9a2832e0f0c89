"""What a rebuild does to Meilisearch: new indexes, batches, task checks, the swap, clean-up."""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchError
from pydantic_core import to_json

from shared.adapters.indexes import ensure_index, ensure_stories_index
from shared.contracts.index_schema import stories_index_uid

# Task uids per status query: they travel in the URL.
TASKS_PER_QUERY = 100
POLL_S = 0.2
TELL_EVERY_S = 5.0
QUIET_S = 60.0
# No task finished for this long: Meilisearch is stuck. Generous: it may index everything
# enqueued as one batch, which took minutes for 100k articles here.
STALL_S = 3600.0


class RebuildError(Exception):
    """The rebuild cannot go on; the message says why."""


def rebuild_uid(live: str, now: datetime) -> str:
    """Return the uid of the index a rebuild of `live` fills before the swap."""
    return f"{live}-rebuild-{now:%Y%m%d%H%M%S}"


def uids_of(articles_uid: str) -> list[str]:
    """Return an articles index uid and the uid of its stories index."""
    return [articles_uid, stories_index_uid(articles_uid)]


class Target:
    """The indexes documents go to; a dry run has none and sends nothing."""

    def __init__(self, client: meilisearch.Client, uid: str | None, live: str):
        self.client, self.uid, self.live = client, uid, live
        self.tasks: list[int] = []

    def articles(self, documents: list[dict[str, Any]]) -> None:
        """Send article documents (merged into any stored ones), without waiting."""
        if documents and self.uid is not None:
            self._send(self.uid, documents)

    def stories(self, documents: list[dict[str, Any]]) -> None:
        """Send story documents, without waiting."""
        if documents and self.uid is not None:
            self._send(stories_index_uid(self.uid), documents)

    def _send(self, uid: str, documents: list[dict[str, Any]]) -> None:
        # pydantic-core's encoder: 8x faster than the SDK's json.dumps on 512-float vectors,
        # which made the CLI, not Meilisearch, the bottleneck. The SDK sends bytes as they are.
        body = cast(str, to_json(documents))
        task = self.client.index(uid).update_documents_raw(body, "id", "application/json")
        self.tasks.append(task.task_uid)


def prepare(client: meilisearch.Client, uid: str, dimensions: int | None) -> None:
    """Create the rebuild's indexes with the live indexes' settings."""
    ensure_index(client, uid, dimensions)
    ensure_stories_index(client, uid)


def _count(client: meilisearch.Client, tasks: list[int], statuses: list[str]) -> tuple[int, Any]:
    """Return how many of the tasks have one of the statuses, and the first such task."""
    total, first = 0, None
    for start in range(0, len(tasks), TASKS_PER_QUERY):
        chunk = [str(uid) for uid in tasks[start : start + TASKS_PER_QUERY]]
        found = client.get_tasks({"uids": chunk, "statuses": statuses, "limit": 1})
        total += found.total
        first = first or (found.results[0] if found.results else None)
    return total, first


def wait_tasks(client: meilisearch.Client, tasks: list[int], say: Callable[[str], None]) -> None:
    """Wait until Meilisearch has processed every task; raise if one did not succeed."""
    last, told, moved = len(tasks), time.monotonic(), time.monotonic()
    while left := _count(client, tasks, ["enqueued", "processing"])[0]:
        now = time.monotonic()
        moved = now if left != last else moved
        if now - moved > STALL_S:
            raise RebuildError(f"Meilisearch finished no task for {STALL_S:.0f} s")
        # Told when a batch lands, and now and then while a long one runs.
        if (left != last and now - told >= TELL_EVERY_S) or now - told >= QUIET_S:
            say(f"  Meilisearch: {len(tasks) - left:,} of {len(tasks):,} batches indexed")
            told = now
        last = left
        time.sleep(POLL_S)
    failed, first = _count(client, tasks, ["failed", "canceled"])
    if failed:
        raise RebuildError(f"{failed} Meilisearch task(s) failed, first: {first.error}")


def swap(client: meilisearch.Client, live: str, rebuilt: str) -> None:
    """Swap the rebuilt indexes with the live ones in one atomic step, creating missing ones."""
    for uid in uids_of(live):
        # A swap needs both indexes: an empty one stands in for a live one never created.
        if count(client, uid) is None:
            task = client.create_index(uid, {"primaryKey": "id"})
            wait_tasks(client, [task.task_uid], print_none)
    pairs: list[Any] = [
        {"indexes": list(pair)} for pair in zip(uids_of(live), uids_of(rebuilt), strict=True)
    ]
    wait_tasks(client, [client.swap_indexes(pairs).task_uid], print_none)


def drop(client: meilisearch.Client, articles_uid: str) -> bool:
    """Delete an articles index and its stories index; False when that failed (no harm done)."""
    try:
        tasks = [client.delete_index(uid).task_uid for uid in uids_of(articles_uid)]
        wait_tasks(client, tasks, print_none)
    except (MeilisearchError, RebuildError):
        return False
    return True


def count(client: meilisearch.Client, uid: str) -> int | None:
    """Return how many documents an index holds, None when it does not exist."""
    try:
        return int(client.index(uid).get_stats().number_of_documents)
    except MeilisearchApiError as exc:
        if exc.code != "index_not_found":
            raise
        return None


def print_none(_: str) -> None:
    """Say nothing (short waits)."""
