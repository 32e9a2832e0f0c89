"""Worker liveness for container healthchecks: a file touched while Redis answers."""

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from redis.asyncio import Redis

INTERVAL_SECONDS = 5.0


async def _beat(path: Path, redis: "Redis") -> None:
    while True:
        with contextlib.suppress(Exception):
            # Touch only when the broker's Redis answers: a worker that lost Redis is not healthy.
            await redis.ping()
            path.touch()
        await asyncio.sleep(INTERVAL_SECONDS)


@contextlib.asynccontextmanager
async def heartbeat(path: Path | None, redis: "Redis") -> AsyncIterator[None]:
    """Touch `path` every few seconds while the block runs; no-op without a path."""
    if path is None:
        yield
        return
    task = asyncio.create_task(_beat(path, redis))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        path.unlink(missing_ok=True)


def is_fresh(path: Path, max_age_seconds: float) -> bool:
    """Return whether the heartbeat file was touched within `max_age_seconds`."""
    try:
        return time.time() - path.stat().st_mtime <= max_age_seconds
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    # `python -m shared.runtime.heartbeat PATH MAX_AGE_SECONDS`: exit 0 when fresh (Docker
    # healthcheck).
    sys.exit(0 if is_fresh(Path(sys.argv[1]), float(sys.argv[2])) else 1)
