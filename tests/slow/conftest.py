"""A whole ontheme whose parts the slow tests kill: started per test, stopped after."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slow.cluster import SERVICES, Cluster
from tests.waits import wait_for_sync


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path)
    try:
        running.start_redis()
        running.start_meili()
        for service in SERVICES:
            running.start(service)
        wait_for_sync(running.answers, within=90, what="ingest and search to answer")
        yield running
    finally:
        running.stop()
