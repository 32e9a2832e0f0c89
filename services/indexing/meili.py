"""Documents into Meilisearch: one task at a time, and the documents it refuses, by id."""

from collections.abc import Sequence
from typing import Any

import meilisearch

from shared.adapters.indexes import settle

# Meilisearch's error type for a request (here: a document) it will never accept as it is.
REFUSED = "invalid_request"
POLL_MS = 50


class TaskFailedError(Exception):
    """Meilisearch failed a task for a reason of its own (disk, internal): worth retrying."""


def put(
    index: meilisearch.index.Index, documents: Sequence[dict[str, Any]], wait_ms: int
) -> dict[str, str]:
    """Upsert `documents`, wait for the task; return the error of each refused document, by id.

    Waiting before the next batch lets what arrives meanwhile gather into one bigger task, and
    Meilisearch pays a large fixed cost per batch (the vector graph, the word FSTs). A task
    still queued after `wait_ms` is left to run: Meilisearch persists enqueued tasks.
    One refused document fails its whole task, so a refused task is split in halves until
    each refused document stands alone; the others are indexed.
    """
    error = _upsert(index, documents, wait_ms)
    if error is None:
        return {}
    if error.get("type") != REFUSED:
        raise TaskFailedError(f"{error.get('code')}: {error.get('message')}")
    if len(documents) == 1:
        return {str(documents[0]["id"]): f"{error.get('code')}: {error.get('message')}"}
    half = len(documents) // 2
    return put(index, documents[:half], wait_ms) | put(index, documents[half:], wait_ms)


def _upsert(
    index: meilisearch.index.Index, documents: Sequence[dict[str, Any]], wait_ms: int
) -> dict[str, Any] | None:
    """Return the error of the finished task, None when it succeeded or is still queued."""
    task = index.update_documents(list(documents), "id")
    done = settle(index, task.task_uid, wait_ms, POLL_MS)
    if done is not None and done.status == "failed":
        return dict(done.error or {"code": "unknown", "message": "no error given"})
    return None
