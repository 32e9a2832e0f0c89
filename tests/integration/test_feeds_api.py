"""`/feeds` on the ingest API against a real Redis: register, list, get, delete, and the key."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from fastapi.testclient import TestClient

from shared.contracts.keys import FeedKeys

FEED = "https://news.example/rss.xml"


@pytest.fixture
def api(ingest_api: TestClient) -> TestClient:
    return ingest_api


@pytest.fixture
def keys(service_env: dict[str, str]) -> Iterator[tuple[redis.Redis, FeedKeys]]:
    client = redis.Redis.from_url(service_env["REDIS_URL"])
    yield client, FeedKeys(service_env["ONTHEME_NAMESPACE"])
    client.close()


def test_registering_is_idempotent_by_canonical_url(api: TestClient) -> None:
    first = api.post("/feeds", json={"url": FEED, "interval_s": 300})
    assert first.status_code == 201
    feed = first.json()
    assert (feed["url"], feed["interval_s"], feed["failures"], feed["items_seen"]) == (
        FEED,
        300,
        0,
        0,
    )
    assert feed["next_poll_at"] is not None  # due at once
    again = api.post("/feeds", json={"url": "https://NEWS.example/rss.xml?utm_source=a#x"})
    assert again.status_code == 200
    assert again.json()["id"] == feed["id"]
    assert again.json()["interval_s"] == 900  # the default, as this request asked
    assert [f["id"] for f in api.get("/feeds").json()["feeds"]] == [feed["id"]]


def test_concurrent_registrations_make_one_feed(api: TestClient) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(
            pool.map(lambda _: api.post("/feeds", json={"url": FEED}).status_code, range(8))
        )
    assert sorted(codes) == [200] * 7 + [201]
    assert len(api.get("/feeds").json()["feeds"]) == 1


def test_feeds_are_listed_by_url_and_fetched_by_id(api: TestClient) -> None:
    ids = [api.post("/feeds", json={"url": f"https://{h}.example/f"}).json()["id"] for h in "ba"]
    listed = api.get("/feeds").json()["feeds"]
    assert [f["url"] for f in listed] == ["https://a.example/f", "https://b.example/f"]
    assert api.get(f"/feeds/{ids[0]}").json()["url"] == "https://b.example/f"
    assert api.get(f"/feeds/{'0' * 24}").status_code == 404


def test_delete_removes_the_feed_and_its_schedule(
    api: TestClient, keys: tuple[redis.Redis, FeedKeys]
) -> None:
    client, names = keys
    feed_id = api.post("/feeds", json={"url": FEED}).json()["id"]
    assert client.zscore(names.schedule, feed_id) is not None
    assert api.delete(f"/feeds/{feed_id}").status_code == 204
    assert client.exists(names.feed(feed_id), names.lease(feed_id)) == 0
    assert client.zscore(names.schedule, feed_id) is None
    assert api.get("/feeds").json() == {"feeds": []}
    assert api.delete(f"/feeds/{feed_id}").status_code == 404
    assert api.get(f"/feeds/{feed_id}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://news.example/rss"},
        {"url": "news.example/rss"},
        {"url": FEED, "interval_s": 59},
        {"url": FEED, "interval_s": 86_401},
        {"url": FEED, "surprise": 1},
    ],
)
def test_bad_registrations_are_refused(api: TestClient, body: dict[str, object]) -> None:
    assert api.post("/feeds", json=body).status_code == 422
    assert api.get("/feeds").json() == {"feeds": []}


def test_malformed_ids_are_refused(api: TestClient) -> None:
    assert api.delete("/feeds/not-an-id:lease").status_code == 422


def test_every_feed_route_needs_the_api_key(api: TestClient) -> None:
    feed_id = api.post("/feeds", json={"url": FEED}).json()["id"]
    anonymous = {"Authorization": ""}
    for method, path in [
        ("POST", "/feeds"),
        ("GET", "/feeds"),
        ("GET", f"/feeds/{feed_id}"),
        ("DELETE", f"/feeds/{feed_id}"),
    ]:
        response = api.request(method, path, json={"url": FEED}, headers=anonymous)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"
    wrong = {"Authorization": "Bearer wrong-key-0123456789"}
    assert api.get("/feeds", headers=wrong).status_code == 401
    assert len(api.get("/feeds").json()["feeds"]) == 1
