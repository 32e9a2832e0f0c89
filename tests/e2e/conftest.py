"""The running system the e2e tests share per module: every service as its own process."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest

from deploy.native.servers import free_port
from deploy.native.stack import Stack, start_stack


@pytest.fixture(scope="module")
def metrics_ports() -> dict[str, int]:
    """Where each worker and the poller serve /metrics: ports of their own, not the defaults."""
    return {name: free_port() for name in ("enrichment", "indexing", "related", "poller")}


@pytest.fixture(scope="module")
def stack(
    redis_server: str,
    meili_server: Any,
    tmp_path_factory: pytest.TempPathFactory,
    metrics_ports: dict[str, int],
) -> Iterator[tuple[Stack, httpx.Client, httpx.Client]]:
    """Every service running as its own process on a namespace and index of its own."""
    run, key = uuid.uuid4().hex[:8], uuid.uuid4().hex
    env = {
        "ONTHEME_ENV": "test",
        "REDIS_URL": redis_server,
        "MEILI_URL": meili_server.url,
        "MEILI_MASTER_KEY": meili_server.master_key,
        "MEILI_INDEX": f"e2e_{run}",
        "ONTHEME_NAMESPACE": f"e2e{run}:",
        "LOG_FORMAT": "json",
        "INGEST_API_KEYS": key,
        **{f"{name.upper()}_METRICS_PORT": str(port) for name, port in metrics_ports.items()},
    }
    ingest_port, search_port = free_port(), free_port()
    logs: Path = tmp_path_factory.mktemp("e2e-logs")
    running = start_stack(env, logs, ingest_port=ingest_port, search_port=search_port)
    auth = {"Authorization": f"Bearer {key}"}
    ingest = httpx.Client(base_url=f"http://127.0.0.1:{ingest_port}", headers=auth, timeout=30)
    search = httpx.Client(base_url=f"http://127.0.0.1:{search_port}", timeout=30)
    try:
        yield running, ingest, search
        running.check_alive()
    finally:
        ingest.close()
        search.close()
        running.stop()
        meilisearch.Client(meili_server.url, meili_server.master_key).delete_index(f"e2e_{run}")
