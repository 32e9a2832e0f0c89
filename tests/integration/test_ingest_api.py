"""The ingest API against a real Redis: accepted, duplicate, rejected, never half-accepted,
and nothing at all without an API key."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from fastapi.testclient import TestClient

from shared.contracts.keys import Streams


@pytest.fixture
def api(ingest_api: TestClient) -> TestClient:
    return ingest_api


@pytest.fixture
def published(service_env: dict[str, str]) -> Iterator[object]:
    """A function returning how many events are on the ingested stream."""
    client = redis.Redis.from_url(service_env["REDIS_URL"])
    stream = Streams(service_env["ONTHEME_NAMESPACE"]).ingested
    yield lambda: client.xlen(stream)
    client.close()


ARTICLE = {
    "title": "Fed holds rates",
    "url": "https://news.example/fed?utm_source=x",
    "source": "Example",
    "published_at": "2014-03-10T10:00:00Z",
    "language": "en",
}


def test_an_article_is_accepted_once(api: TestClient, published: object) -> None:
    first = api.post("/articles", json=ARTICLE)
    assert first.status_code == 202
    assert first.json()["duplicate"] is False
    again = api.post("/articles", json={**ARTICLE, "url": "https://NEWS.example/fed#top"})
    assert again.json() == {"id": first.json()["id"], "duplicate": True}
    assert published() == 1  # type: ignore[operator]


def test_concurrent_requests_for_one_article_publish_it_once(
    api: TestClient, published: object
) -> None:
    body = {**ARTICLE, "url": "https://news.example/race"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: api.post("/articles", json=body).json(), range(16)))
    assert sum(not a["duplicate"] for a in answers) == 1
    assert len({a["id"] for a in answers}) == 1
    assert published() == 1  # type: ignore[operator]


TEXT = "The central bank held its key rate steady on Monday. " * 6


def test_the_same_text_from_the_same_source_is_a_duplicate_of_the_first(
    api: TestClient, published: object
) -> None:
    first = api.post("/articles", json={**ARTICLE, "url": "https://news.example/a", "body": TEXT})
    # The same story at another address of the same outlet, spacing and case aside.
    moved = {**ARTICLE, "url": "https://news.example/amp/a", "body": "  " + TEXT.upper()}
    again = api.post("/articles", json=moved)
    assert again.json() == {"id": first.json()["id"], "duplicate": True}
    # Syndicated: the same text from another publisher is an article of its own.
    other = {**ARTICLE, "url": "https://other.example/a", "source": "Other", "body": TEXT}
    syndicated = api.post("/articles", json=other).json()
    assert syndicated["duplicate"] is False
    assert syndicated["id"] != first.json()["id"]
    assert published() == 2  # type: ignore[operator]


def test_a_batch_answers_in_input_order_and_bad_items_stand_alone(
    api: TestClient, published: object
) -> None:
    items = [
        {"title": "One", "source": "S"},
        {"title": 5},
        {"title": "One", "source": "S"},
        {"title": "Two", "surprise": 1},
        {"title": "Three", "published_at": "2014-03-10"},
    ]
    response = api.post("/articles/batch", json=items)
    assert response.status_code == 202
    results = response.json()["results"]
    assert results[0]["duplicate"] is False
    assert results[1] == {"error": "title: Input should be a valid string"}
    assert results[2] == {"id": results[0]["id"], "duplicate": True}
    assert "surprise: Extra inputs are not permitted" in results[3]["error"]
    assert results[4]["duplicate"] is False
    assert published() == 2  # type: ignore[operator]


@pytest.mark.parametrize(
    ("path", "content", "status", "reason"),
    [
        ("/articles", b'{"title": "unterminated', 422, "JSON decode error"),
        ("/articles", b'{"body": "no title"}', 422, "Field required"),
        ("/articles", b'{"title": ["not", "a", "string"]}', 422, "valid string"),
        ("/articles", b'{"title": "t", "unknown": 1}', 422, "Extra inputs"),
        ("/articles", b'{"title": "t", "body": "' + b"x" * 1_200_000 + b'"}', 413, "limit"),
        ("/articles/batch", b'{"title": "not a list"}', 422, "valid list"),
        ("/articles/batch", b"[" + b",".join([b'{"title": "t"}'] * 1001) + b"]", 413, "1001"),
    ],
)
def test_bad_requests_get_a_clear_4xx_and_publish_nothing(
    api: TestClient, published: object, path: str, content: bytes, status: int, reason: str
) -> None:
    response = api.post(path, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert reason in response.text
    assert published() == 0  # type: ignore[operator]
    assert api.get("/health").status_code == 200


@pytest.mark.parametrize("path", ["/articles", "/articles/batch"])
@pytest.mark.parametrize("key", [None, "not-the-key-0123456789abcdef"])
def test_without_the_key_nothing_is_accepted_or_published(
    api: TestClient, published: object, path: str, key: str | None
) -> None:
    del api.headers["authorization"]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = ARTICLE if path == "/articles" else [ARTICLE]
    response = api.post(path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert published() == 0  # type: ignore[operator]
    assert api.get("/health").status_code == 200


def test_a_refused_article_is_not_marked_seen(api: TestClient, published: object) -> None:
    key = api.headers.pop("authorization")
    assert api.post("/articles", json=ARTICLE).status_code == 401
    api.headers["authorization"] = key
    # Had the refused request recorded the id, this would be taken for a duplicate.
    assert api.post("/articles", json=ARTICLE).json()["duplicate"] is False
    assert published() == 1  # type: ignore[operator]
