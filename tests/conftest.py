"""Test tiers by folder; real Redis and Meilisearch come from tests.fixtures.servers."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import meilisearch
import pytest
import redis

from shared.contracts.index_schema import stories_index_uid

pytest_plugins = ["tests.fixtures.servers", "tests.fixtures.web"]

TIERS = ("integration", "e2e", "slow")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier, taken from its folder."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in TIERS:
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture
def namespace() -> str:
    """A stream namespace of this test's own."""
    return f"t{uuid.uuid4().hex[:10]}:"


@pytest.fixture
def service_env(
    redis_server: str, meili_server: object, namespace: str
) -> Iterator[dict[str, str]]:
    """Environment for services in this test: its own streams and its own index."""
    index = f"test_{namespace.rstrip(':')}"
    url, key = meili_server.url, meili_server.master_key  # type: ignore[attr-defined]
    yield {
        "ONTHEME_ENV": "test",
        "REDIS_URL": redis_server,
        "MEILI_URL": url,
        "MEILI_MASTER_KEY": key,
        "MEILI_INDEX": index,
        "ONTHEME_NAMESPACE": namespace,
        "LOG_FORMAT": "json",
        "INGEST_API_KEYS": uuid.uuid4().hex,
    }
    meili = meilisearch.Client(url, key)
    meili.delete_index(index)
    meili.delete_index(stories_index_uid(index))
    client = redis.Redis.from_url(redis_server)
    keys = list(client.scan_iter(match=f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def meili_admin(meili_server: object) -> meilisearch.Client:
    """A Meilisearch client with the master key, for tests that set up indexes."""
    url, key = meili_server.url, meili_server.master_key  # type: ignore[attr-defined]
    return meilisearch.Client(url, key)
