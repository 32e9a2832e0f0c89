"""Hybrid search: the query embedded with the articles' model finds meaning, not only words."""

from collections.abc import Iterator
from typing import Any

import meilisearch
import pytest
from fastapi.testclient import TestClient

from services.search.app import create_app
from services.search.settings import Settings
from shared.adapters.embeddings import load_embedder
from tests.fixtures.search import search_api, search_settings, seed_indexes

TITLES = {
    1: "Central bank lifts interest rates to curb inflation",
    2: "Football club wins the cup final after penalties",
    3: "New smartphone goes on sale with a bigger screen",
}


@pytest.fixture
def settings(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> Settings:
    settings = search_settings(service_env, monkeypatch, semantic=True)
    vectors = load_embedder(settings.embedder).embed(list(TITLES.values()))
    documents = [
        {"id": f"{n:024x}", "title": title, "published_ts": n, "_vectors": {"article": v.tolist()}}
        for (n, title), v in zip(TITLES.items(), vectors, strict=True)
    ]
    seed_indexes(meili_admin, settings, documents)
    return settings


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with search_api(settings) as client:
        yield client


def search(api: TestClient, **params: Any) -> list[int]:
    response = api.get("/search", params=params)
    assert response.status_code == 200, response.text
    return [int(hit["id"], 16) for hit in response.json()["hits"]]


def test_meaning_finds_what_words_miss(api: TestClient) -> None:
    query = "monetary policy tightening"
    assert search(api, q=query) == []
    assert search(api, q=query, semantic_ratio=1.0)[0] == 1
    assert search(api, q="soccer trophy", semantic_ratio=0.8)[0] == 2
    # Words still count in a hybrid search, and filters still hold.
    assert search(api, q="smartphone", semantic_ratio=0.5)[0] == 3
    assert search(api, q=query, semantic_ratio=1.0, since="2030-01-01") == []


def test_a_ratio_out_of_range_is_refused(api: TestClient) -> None:
    for ratio in ("-0.1", "1.5", "half"):
        response = api.get("/search", params={"q": "x", "semantic_ratio": ratio})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "semantic_ratio"]


def test_without_the_model_a_semantic_query_says_why(settings: Settings) -> None:
    off = settings.model_copy(update={"semantic": False})
    with TestClient(create_app(off)) as client:
        response = client.get("/search", params={"q": "rates", "semantic_ratio": 0.5})
        assert response.status_code == 422
        assert "semantic search is off" in response.json()["detail"][0]["msg"]
        assert client.get("/search", params={"q": "rates"}).status_code == 200
        assert client.get("/health").json()["query_embedder"] == "off"


def test_health_says_the_model_is_ready(api: TestClient) -> None:
    assert api.get("/health").json() == {"status": "ok", "query_embedder": "ready"}
