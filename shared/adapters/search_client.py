"""Meilisearch clients: the SDK for writes, a kept-alive HTTP client for searches."""

from collections.abc import Mapping
from typing import Any

import httpx
import meilisearch

from shared.contracts.settings import ServiceSettings


def meili_client(url: str, key: str, *, timeout: int = 10) -> meilisearch.Client:
    """Return a Meilisearch client that opens a fresh connection per request.

    The SDK asks for gzip; over a kept-alive connection such answers stall 40 ms (see
    `SearchHttp`), so this client closes each connection. Searches on a hot path use
    `SearchHttp`.
    """
    return meilisearch.Client(url, key, timeout=timeout, custom_headers={"Connection": "close"})


class SearchAnswerError(Exception):
    """Meilisearch refused a search: the status, its error code and its message."""

    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class SearchHttp:
    """Meilisearch searches over kept-alive connections, with uncompressed answers.

    Meilisearch gzips the answer when the client accepts gzip (the SDK and httpx do by default)
    and sends it in chunks; over a kept-alive connection a chunk held back by Nagle's algorithm
    waits for the client's delayed ACK, 40 ms. An uncompressed answer goes out whole: no stall,
    no compression work, and no connection set up per search. Safe to share between threads.
    """

    def __init__(self, url: str, key: str, *, timeout: float = 10.0) -> None:
        headers = {"Authorization": f"Bearer {key}", "Accept-Encoding": "identity"}
        self._http = httpx.Client(base_url=url, headers=headers, timeout=timeout)

    def search(self, uid: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Return Meilisearch's answer to POST /indexes/{uid}/search with `body`.

        Raises SearchAnswerError when Meilisearch refuses, httpx.TransportError when it is
        unreachable.
        """
        response = self._http.post(f"/indexes/{uid}/search", json=body)
        if response.is_error:
            raise _answer_error(response)
        found: dict[str, Any] = response.json()
        return found

    def close(self) -> None:
        """Close the connections."""
        self._http.close()


def _answer_error(response: httpx.Response) -> SearchAnswerError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return SearchAnswerError(response.status_code, None, response.text)
    return SearchAnswerError(response.status_code, body.get("code"), str(body.get("message")))


def create_search_client(settings: ServiceSettings, *, timeout: int = 10) -> meilisearch.Client:
    """Return a client with the master key of `settings`, for the services that write."""
    return meili_client(settings.meili_url, settings.meili_key.get_secret_value(), timeout=timeout)
