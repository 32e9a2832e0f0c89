"""Creating the articles and stories indexes idempotently, and waiting for their tasks."""

from typing import Any

import meilisearch
import structlog
from meilisearch.errors import MeilisearchApiError, MeilisearchTimeoutError
from meilisearch.models.task import Task

from shared.contracts.index_schema import STORIES_SETTINGS, index_settings, stories_index_uid

log = structlog.stdlib.get_logger(__name__)

# Settings wait behind the index's queued tasks: at start, a backlog of documents can take
# minutes. (Turning 30,000 float vectors into bits took Meilisearch 0.8 s itself.)
TASK_TIMEOUT_MS = 15 * 60_000
# Tasks Meilisearch has not finished yet: its indexing backlog.
BACKLOG_STATUSES = "enqueued,processing"


def index_backlog(client: meilisearch.Client, index: str) -> int:
    """Count the Meilisearch tasks not finished yet on the articles index and its stories."""
    uids = [index, stories_index_uid(index)]
    tasks = client.get_tasks({"statuses": BACKLOG_STATUSES, "indexUids": uids, "limit": 1})
    return int(tasks.total)


def ensure_index(client: meilisearch.Client, uid: str, dimensions: int | None) -> None:
    """Create the articles index if missing and apply its settings; safe to repeat.

    `dimensions` is the width of the vectors it keeps for hybrid search; None: none.
    """
    if dimensions is not None:
        enable_vector_store(client)
    _apply(client, uid, index_settings(dimensions))


def enable_vector_store(client: meilisearch.Client) -> None:
    """Let indexes choose the HNSW vector store (an experimental feature in Meilisearch 1.21)."""
    client.update_experimental_features({"vectorStoreSetting": True})


def ensure_stories_index(client: meilisearch.Client, articles_uid: str) -> None:
    """Create the stories index of `articles_uid` if missing and apply its settings."""
    _apply(client, stories_index_uid(articles_uid), STORIES_SETTINGS)


def _apply(client: meilisearch.Client, uid: str, settings: dict[str, Any]) -> None:
    try:
        client.get_index(uid)
    except MeilisearchApiError as exc:
        if exc.code != "index_not_found":
            raise
        task = client.create_index(uid, {"primaryKey": "id"})
        client.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
    task = client.index(uid).update_settings(settings)
    done = client.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
    if done.status != "succeeded":
        raise RuntimeError(f"applying settings to index {uid!r} failed: {done.error}")


def settle(
    client: meilisearch.Client | meilisearch.index.Index,
    task_uid: int,
    timeout_ms: int,
    poll_ms: int,
) -> Task | None:
    """Wait for a task to finish and return it; None, with a warning, if still queued by then.

    Meilisearch persists enqueued tasks, so one left queued still runs.
    """
    try:
        return client.wait_for_task(task_uid, timeout_in_ms=timeout_ms, interval_in_ms=poll_ms)
    except MeilisearchTimeoutError:
        log.warning("meilisearch task still queued, not waiting longer", task_uid=task_uid)
        return None
