"""What the search routes share: the clients, and Meilisearch errors as HTTP errors."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import meilisearch
from fastapi import Depends, HTTPException, Request
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError
from meilisearch.index import Index
from redis.asyncio import Redis

from services.search.query_embedder import QueryEmbedder
from services.search.side_lists import DEFAULT_WINDOW, ThemeWindow
from shared.adapters.search_client import SearchAnswerError, SearchHttp
from shared.contracts.index_schema import stories_index_uid
from shared.contracts.keys import Streams

INDEX_MISSING = "the index does not exist yet; start indexing"
# For the OpenAPI schema: what routes answer besides 200 and 422.
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such article, story, theme or entity; `detail` says which"}
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    502: {"description": "Meilisearch refused the request; `detail` gives its reason"},
    503: {"description": "Meilisearch or Redis is unreachable, or an index does not exist yet"},
}


@dataclass
class SearchDeps:
    """The clients and settings the routes use; the Meilisearch client is set at start-up."""

    index_uid: str
    redis: "Redis"
    streams: Streams
    snippet_words: int
    embedder: QueryEmbedder = field(default_factory=lambda: QueryEmbedder(None))
    theme_window: ThemeWindow = DEFAULT_WINDOW
    _client: meilisearch.Client | None = None
    _http: SearchHttp | None = None

    def connect(self, client: meilisearch.Client) -> None:
        """Use `client` (holding the search key) from now on; searches keep connections."""
        self._client = client
        self._http = SearchHttp(client.config.url, client.config.api_key or "")

    def close(self) -> None:
        """Close the kept-alive search connections."""
        if self._http is not None:
            self._http.close()

    def search(self, uid: str, q: str, request: dict[str, Any]) -> dict[str, Any]:
        """Return Meilisearch's answer to a search for `q` in index `uid`."""
        if self._http is None:
            raise RuntimeError("the search service has not started")
        return self._http.search(uid, {"q": q, **request})

    @property
    def client(self) -> meilisearch.Client:
        """The Meilisearch client; the app's lifespan sets it before any request."""
        if self._client is None:
            raise RuntimeError("the search service has not started")
        return self._client

    @property
    def articles(self) -> Index:
        """The articles index."""
        return self.client.index(self.index_uid)

    @property
    def stories(self) -> Index:
        """The stories index that goes with the articles index."""
        return self.client.index(self.stories_uid)

    @property
    def stories_uid(self) -> str:
        """The uid of the stories index that goes with the articles index."""
        return stories_index_uid(self.index_uid)


@contextmanager
def meili_errors(missing: str = INDEX_MISSING) -> Iterator[None]:
    """Turn Meilisearch failures into HTTP errors with the reason, never an empty result."""
    try:
        yield
    except (MeilisearchApiError, SearchAnswerError) as exc:
        if exc.code == "index_not_found":
            raise HTTPException(503, missing) from exc
        raise HTTPException(502, f"search engine error: {exc.message}") from exc
    except (MeilisearchCommunicationError, httpx.TransportError) as exc:
        raise HTTPException(503, "the search engine (Meilisearch) is unreachable") from exc


# Async: FastAPI would run a plain function in a worker thread, for a mere attribute read.
async def app_deps(request: Request) -> SearchDeps:
    """Return the deps the app was built with."""
    deps: SearchDeps = request.app.state.deps
    return deps


# What each route declares to get the app's clients; FastAPI leaves it out of the schema.
Deps = Annotated[SearchDeps, Depends(app_deps)]
