"""Shared integration fixtures: the ingest API, async Redis, the related store, the CLI's Redis."""

from collections.abc import AsyncIterator, Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from redis.asyncio import Redis

from services.ingest.app import create_app
from services.ingest.settings import Settings
from services.related.store import RelatedStore


@pytest.fixture
def ingest_api(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The ingest API on this test's streams, sending the API key with every request."""
    for name, value in service_env.items():
        monkeypatch.setenv(name, value)
    auth = {"Authorization": f"Bearer {service_env['INGEST_API_KEYS']}"}
    with TestClient(create_app(Settings()), headers=auth) as client:
        yield client


@pytest.fixture(name="redis")
async def async_redis(service_env: dict[str, str]) -> AsyncIterator[Redis]:
    """An async client of the test's Redis."""
    client = Redis.from_url(service_env["REDIS_URL"])
    yield client
    await client.aclose()


@pytest.fixture(name="store")
async def related_store(redis_server: str, namespace: str) -> AsyncIterator[RelatedStore]:
    """The related service's Redis store under this test's namespace, emptied afterwards."""
    client = Redis.from_url(redis_server)
    yield RelatedStore(client, namespace, 3600)
    keys = [key async for key in client.scan_iter(match=f"{namespace}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def cli_redis(
    redis_server: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator["redis.Redis"]:
    """The CLI pointed at this test's namespace, and a client to arrange and check with."""
    monkeypatch.setenv("REDIS_URL", redis_server)
    monkeypatch.setenv("ONTHEME_NAMESPACE", namespace)
    connection = redis.Redis.from_url(redis_server)
    yield connection
    keys = list(connection.scan_iter(match=f"{namespace}*"))
    if keys:
        connection.delete(*keys)
    connection.close()
