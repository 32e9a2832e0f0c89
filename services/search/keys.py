"""The search service's own Meilisearch key: read-only, limited to its two indexes."""

import time
import uuid

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError

from services.search.settings import Settings
from shared.adapters.search_client import meili_client
from shared.contracts.index_schema import stories_index_uid

# Read and search, nothing else: no document, setting, index or key can be changed with it.
# tasks.get and stats.get serve /pipeline's index backlog.
SEARCH_ACTIONS = ["search", "documents.get", "indexes.get", "tasks.get", "stats.get"]
# Key uids are derived from the index, so every replica looks up the same key.
_KEY_NAMESPACE = uuid.UUID("6f1d5c1e-4b8a-4f43-9a8e-2f0c3d7e9b11")


def search_key_uid(index_uid: str) -> str:
    """Return the uid of the search key for the articles index `index_uid`."""
    return str(uuid.uuid5(_KEY_NAMESPACE, index_uid))


def key_request(index_uid: str) -> dict[str, object]:
    """Return the Meilisearch request that creates the search key of `index_uid`."""
    return {
        "uid": search_key_uid(index_uid),
        "name": f"ontheme-search-{index_uid}",
        "description": "ontheme search service: read-only",
        "actions": SEARCH_ACTIONS,
        "indexes": [index_uid, stories_index_uid(index_uid)],
        "expiresAt": None,
    }


def provision_search_key(admin: meilisearch.Client, index_uid: str) -> str:
    """Return the search key of `index_uid`, creating it if it does not exist yet."""
    try:
        return admin.get_key(search_key_uid(index_uid)).key
    except MeilisearchApiError as exc:
        if exc.code != "api_key_not_found":
            raise
    try:
        return admin.create_key(key_request(index_uid)).key
    except MeilisearchApiError as exc:
        if exc.code != "api_key_already_exists":
            raise
        # Another replica created it between our lookup and our create.
        return admin.get_key(search_key_uid(index_uid)).key


def search_client(settings: Settings, wait_seconds: float = 30.0) -> meilisearch.Client:
    """Return a client holding only the search key; waits for Meilisearch to come up."""
    if settings.meili_search_key is not None:
        return meili_client(settings.meili_url, settings.meili_search_key.get_secret_value())
    if settings.meili_key is None:
        raise ValueError("neither MEILI_SEARCH_KEY nor MEILI_MASTER_KEY is set")
    admin = meili_client(settings.meili_url, settings.meili_key.get_secret_value())
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            key = provision_search_key(admin, settings.meili_index)
            return meili_client(settings.meili_url, key)
        except MeilisearchCommunicationError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
