"""Meilisearch client factory and the settings of the articles index."""

from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchApiError

from shared.settings import ServiceSettings
from shared.vectors import INDEX_EMBEDDER

# Entity names by type, one field each, so that facet search suggests names of one type.
ENTITY_FIELDS = {"person": "people", "organisation": "organisations", "place": "places"}
# Fields readers search in, most important first (Meilisearch ranks earlier attributes higher).
SEARCHABLE = ["title", "description", "lede", "keywords", "body", "source"]
FILTERABLE = [
    "id",
    "themes",
    "primary_theme",
    "source",
    "language",
    "published_ts",
    "story_id",
    "entities.name",
    "entities.type",
    *ENTITY_FIELDS.values(),
]
SORTABLE = ["published_ts"]
# Totals count every match up to here (Meilisearch's default stops at 1,000).
MAX_TOTAL_HITS = 10_000_000

BASE_SETTINGS: dict[str, Any] = {
    "searchableAttributes": SEARCHABLE,
    "filterableAttributes": FILTERABLE,
    "sortableAttributes": SORTABLE,
    # Measured here: byAttribute indexes news about 5x faster at a small cost in phrase ranking.
    "proximityPrecision": "byAttribute",
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    # Above the 652 themes of the taxonomy, so /themes counts every one. Entity suggestions
    # come most-named first, so a prefix finds the names readers most likely mean.
    "faceting": {
        "maxValuesPerFacet": 1000,
        "sortFacetValuesBy": {"*": "alpha", **dict.fromkeys(ENTITY_FIELDS.values(), "count")},
    },
}
TASK_TIMEOUT_MS = 60_000

# Stories (same-event groups) live in their own index, kept by the related service.
STORIES_SETTINGS: dict[str, Any] = {
    "searchableAttributes": ["title", "sources"],
    "filterableAttributes": [
        "id",
        "themes",
        "primary_theme",
        "sources",
        "first_seen_ts",
        "last_seen_ts",
        "article_count",
    ],
    "sortableAttributes": ["article_count", "last_seen_ts", "first_seen_ts"],
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
}


def meili_client(url: str, key: str, *, timeout: int = 10) -> meilisearch.Client:
    """Return a Meilisearch client that opens a fresh connection per request.

    Over a keep-alive connection every search that returned hits stalled about 44 ms here
    (see the README); `Connection: close` avoids it at a small, measured cost.
    """
    return meilisearch.Client(url, key, timeout=timeout, custom_headers={"Connection": "close"})


def create_search_client(settings: ServiceSettings, *, timeout: int = 10) -> meilisearch.Client:
    """Return a client with the master key of `settings`, for the services that write."""
    return meili_client(settings.meili_url, settings.meili_key.get_secret_value(), timeout=timeout)


def index_settings(dimensions: int) -> dict[str, Any]:
    """Return the index settings for article vectors of `dimensions` floats."""
    embedder = {"source": "userProvided", "dimensions": dimensions}
    return {**BASE_SETTINGS, "embedders": {INDEX_EMBEDDER: embedder}}


def stories_index_uid(articles_uid: str) -> str:
    """Return the uid of the stories index that goes with the articles index `articles_uid`."""
    return f"{articles_uid}-stories"


def ensure_index(client: meilisearch.Client, uid: str, dimensions: int) -> None:
    """Create the articles index if missing and apply its settings; safe to repeat."""
    _apply(client, uid, index_settings(dimensions))


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
