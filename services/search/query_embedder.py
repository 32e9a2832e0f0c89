"""The query embedder, loaded after start-up: the API answers while the model loads.

Loading the model takes seconds (more on a busy machine), and a restarted search service
should answer keyword searches, article pages and /health at once: only semantic queries
need the model, and they get a 503 with Retry-After until it is loaded.
"""

import asyncio
import threading
from collections.abc import Callable
from enum import StrEnum

import structlog

from shared.adapters.embeddings import Embedder

log = structlog.get_logger(__name__)


class EmbedderState(StrEnum):
    """Where the query embedder is: what /health reports and semantic queries are told."""

    OFF = "off"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class QueryEmbedder:
    """The model hybrid search embeds queries with; `loader` None means semantic search is off."""

    def __init__(self, loader: Callable[[], Embedder] | None) -> None:
        self._loader = loader
        self._embedder: Embedder | None = None
        self.error: str | None = None
        self._done = threading.Event()
        if loader is None:
            self._done.set()

    async def load(self) -> None:
        """Load the model in a thread; a failure is kept as the reason semantic queries get."""
        if self._loader is None or self._done.is_set():
            return
        try:
            self._embedder = await asyncio.to_thread(self._loader)
            log.info("query embedder loaded", embedder=self._embedder.name)
        # Any error of the model library: keyword search goes on, semantic queries say why.
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("query embedder failed to load")
        finally:
            self._done.set()

    def wait(self, timeout_s: float) -> bool:
        """Block until loading has ended (loaded or failed), or `timeout_s` passes; say which."""
        return self._done.wait(timeout_s)

    @property
    def state(self) -> EmbedderState:
        """Off, loading, ready or failed."""
        if self._loader is None:
            return EmbedderState.OFF
        if self._embedder is not None:
            return EmbedderState.READY
        return EmbedderState.FAILED if self.error is not None else EmbedderState.LOADING

    @property
    def embedder(self) -> Embedder | None:
        """The loaded model, None while there is none."""
        return self._embedder
