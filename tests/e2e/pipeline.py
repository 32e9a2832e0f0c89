"""What e2e tests wait on: the pipeline as clients see it."""

from typing import Any

import httpx

from deploy.native.stack import Stack
from tests.waits import wait_for_sync

Running = tuple[Stack, httpx.Client, httpx.Client]


def wait_idle(search: httpx.Client) -> dict[str, Any]:
    """Wait on /pipeline, as clients do, until everything accepted is processed."""

    def probe() -> dict[str, Any] | None:
        state: dict[str, Any] = search.get("/pipeline").raise_for_status().json()
        return state if state["idle"] else None

    return wait_for_sync(probe, within=60, what="/pipeline idle")
