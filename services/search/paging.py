"""Pages with an exact total: Meilisearch's page mode, for any offset and limit.

With `offset`/`limit` Meilisearch only estimates the number of matches; with
`page`/`hitsPerPage` it counts them all (up to `pagination.maxTotalHits`). An API page may
start anywhere, so it is cut from the smallest Meilisearch page that holds it whole.
"""

from typing import Any


def _size(offset: int, limit: int) -> int:
    size = limit
    # Ends at offset + limit at the latest, where page one holds the whole window.
    while offset % size + limit > size:
        size += 1
    return size


def window(offset: int, limit: int) -> dict[str, int]:
    """Return the `page` and `hitsPerPage` of the Meilisearch page that holds the window."""
    size = _size(offset, limit)
    return {"page": offset // size + 1, "hitsPerPage": size}


def cut(response: dict[str, Any], offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Return the window's hits out of the Meilisearch page, and the exact total."""
    skip = offset % _size(offset, limit)
    hits: list[dict[str, Any]] = list(response.get("hits") or [])
    return hits[skip : skip + limit], int(response.get("totalHits", 0))
