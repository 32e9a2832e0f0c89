"""API docs pages load every asset from the service itself, so they work offline."""

from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.ingest.app import create_app as create_ingest
from services.ingest.settings import Settings as IngestSettings
from services.search.app import create_app as create_search
from services.search.settings import Settings as SearchSettings


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONTHEME_ENV", "development")
    monkeypatch.setenv("MEILI_MASTER_KEY", "a-real-secret-of-enough-length")
    monkeypatch.setenv("INGEST_API_KEYS", "a-real-secret-of-enough-length")


def search_app() -> FastAPI:
    return create_search(SearchSettings())


def ingest_app() -> FastAPI:
    return create_ingest(IngestSettings())


class AssetLinks(HTMLParser):
    """Collects the URLs a page loads: script sources and link targets."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [v for k, v in attrs if k == wanted and v is not None]


def asset_urls(html: str) -> list[str]:
    parser = AssetLinks()
    parser.feed(html)
    return parser.urls


# No lifespan (no `with`): building the apps and serving these pages needs no Redis or Meilisearch.
@pytest.mark.parametrize("build", [search_app, ingest_app])
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_same_origin_assets(build: Callable[[], FastAPI], page: str) -> None:
    client = TestClient(build())
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = asset_urls(response.text)
    assert any(url.endswith(".js") for url in urls), urls
    for url in urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), url
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("build", [search_app, ingest_app])
def test_the_openapi_schema_is_served(build: Callable[[], FastAPI]) -> None:
    response = TestClient(build()).get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"]
