"""The feed poller against a real Redis and a real local web server serving the fixture feeds."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from services.poller.app import create_poller
from services.poller.poll import Poller
from services.poller.settings import Settings
from shared.contracts.keys import FeedKeys, Streams
from shared.runtime.batches import decode
from tests.fixtures.web import WebServer
from tests.waits import wait_for

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
MakePoller = Callable[..., Poller]


@pytest.fixture
def api(ingest_api: TestClient) -> TestClient:
    return ingest_api


@pytest.fixture
async def make_poller(api: TestClient) -> AsyncIterator[MakePoller]:
    """Pollers of this test's namespace, allowed to fetch from the local web server."""
    clients: list[Redis] = []

    def make(**overrides: Any) -> Poller:
        settings = Settings(**{"fetch_allow": "127.0.0.1", **overrides})
        clients.append(Redis.from_url(settings.redis_url))
        return create_poller(settings, clients[-1])

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def published(service_env: dict[str, str]) -> Iterator[Callable[[], int]]:
    client = redis.Redis.from_url(service_env["REDIS_URL"])
    stream = Streams(service_env["ONTHEME_NAMESPACE"]).ingested
    yield lambda: int(client.xlen(stream))
    client.close()


def serve(web: WebServer, path: str, fixture: str, **options: Any) -> str:
    return web.route(path, (FEEDS / fixture).read_bytes(), headers=RSS, **options)


def register(api: TestClient, url: str, interval_s: int = 600) -> str:
    response = api.post("/feeds", json={"url": url, "interval_s": interval_s})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_items_are_published_once_and_a_second_poll_is_conditional(
    api: TestClient, make_poller: MakePoller, web_server: WebServer, published: Any
) -> None:
    feed_id = register(api, serve(web_server, "/rss.xml", "rss20.xml", etag='"v1"'))
    poller, now = make_poller(), time.time()
    assert await poller.cycle(now) == 1
    assert published() == 3
    status = api.get(f"/feeds/{feed_id}").json()
    assert (status["last_status"], status["items_seen"], status["items_accepted"]) == (200, 3, 3)
    assert status["next_poll_at"] is not None
    assert await poller.cycle(now + 60) == 0  # not due again before its interval
    assert await poller.cycle(now + 601) == 1
    assert web_server.requests[-1][1]["if-none-match"] == '"v1"'
    assert published() == 3
    status = api.get(f"/feeds/{feed_id}").json()
    assert (status["last_status"], status["items_seen"], status["items_accepted"]) == (304, 3, 3)


def counted() -> dict[str, float]:
    """The poller's counts so far (of every test in this process: compare before and after)."""
    names = {
        f"articles {outcome}": ("ontheme_articles_total", {"service": "poller", "outcome": outcome})
        for outcome in ("accepted", "duplicate", "rejected")
    }
    names |= {
        f"polls {outcome}": ("ontheme_feed_polls_total", {"outcome": outcome})
        for outcome in ("ok", "failed")
    }
    return {key: REGISTRY.get_sample_value(*found) or 0.0 for key, found in names.items()}


async def test_polls_and_their_items_are_counted_and_each_new_item_traced(
    api: TestClient, make_poller: MakePoller, web_server: WebServer, service_env: dict[str, str]
) -> None:
    register(api, serve(web_server, "/rss.xml", "rss20.xml"))
    register(api, web_server.url("/missing"))
    second = serve(web_server, "/again.xml", "rss20.xml")  # the same three items
    before = counted()
    await make_poller().cycle(time.time())
    register(api, second)
    await make_poller().cycle(time.time() + 1)
    after = counted()
    assert {key: after[key] - before[key] for key in before} == {
        "articles accepted": 3,
        "articles duplicate": 3,
        "articles rejected": 0,
        "polls ok": 2,
        "polls failed": 1,
    }
    client = redis.Redis.from_url(service_env["REDIS_URL"])
    found: list[Any] = client.xrange(Streams(service_env["ONTHEME_NAMESPACE"]).ingested) or []
    client.close()
    traces = [decode(entry_id, fields).trace_id for entry_id, fields in found]
    assert len(set(traces)) == 3
    assert all(trace and len(trace) == 32 for trace in traces)


async def test_a_changed_feed_without_validators_publishes_only_its_new_items(
    api: TestClient, make_poller: MakePoller, web_server: WebServer, published: Any
) -> None:
    feed_id = register(api, serve(web_server, "/atom", "atom10.xml"))
    poller, now = make_poller(), time.time()
    await poller.cycle(now)
    assert published() == 2
    grown = (
        (FEEDS / "atom10.xml")
        .read_text()
        .replace(
            "<entry>",
            "<entry><title>New</title><link href='/new'/><id>urn:n</id></entry><entry>",
            1,
        )
    )
    web_server.route("/atom", grown.encode(), headers=RSS)
    await poller.cycle(now + 601)
    assert "if-none-match" not in web_server.requests[-1][1]
    assert published() == 3
    status = api.get(f"/feeds/{feed_id}").json()
    assert (status["items_seen"], status["items_accepted"]) == (5, 3)


async def test_503_with_retry_after_backs_off_and_records_the_error(
    api: TestClient, make_poller: MakePoller, web_server: WebServer
) -> None:
    url = web_server.route("/busy", b"", 503, {"Retry-After": "3600"})
    feed_id = register(api, url, interval_s=60)
    poller, now = make_poller(), time.time()
    await poller.cycle(now)
    status = api.get(f"/feeds/{feed_id}").json()
    assert status["last_error"] == "HTTP 503 Service Unavailable (retry after 3600 s)"
    assert (status["last_status"], status["failures"]) == (503, 1)
    assert await poller.cycle(now + 3000) == 0  # backoff is 120 s; the server asked for 3600
    assert web_server.hits("/busy") == 1
    serve(web_server, "/busy", "rss10.xml")
    assert await poller.cycle(now + 3601) == 1
    status = api.get(f"/feeds/{feed_id}").json()
    assert (status["failures"], status["items_accepted"]) == (0, 1)
    assert status["last_error"].startswith("HTTP 503")  # kept, with when it happened


async def test_errors_back_off_exponentially(
    api: TestClient, make_poller: MakePoller, web_server: WebServer
) -> None:
    feed_id = register(api, web_server.url("/missing"), interval_s=60)
    poller, now = make_poller(), time.time()
    for failures, delay in [(1, 120), (2, 240), (3, 480)]:
        assert await poller.cycle(now) == 1
        status = api.get(f"/feeds/{feed_id}").json()
        assert (status["failures"], status["last_error"]) == (failures, "HTTP 404 Not Found")
        due = datetime.fromisoformat(status["next_poll_at"]).timestamp()
        assert due == pytest.approx(now + delay, abs=0.01)
        assert await poller.cycle(due - 1) == 0
        now += delay  # exact: the API's time is rounded to microseconds
    assert web_server.hits("/missing") == 3


async def test_pages_and_private_hosts_are_errors_of_their_feed(
    api: TestClient, make_poller: MakePoller, web_server: WebServer
) -> None:
    page = register(api, web_server.route("/page", b"<html><body>Hi</body></html>"))
    private = register(api, "http://127.0.0.1:9/feed")
    # Without an allow-list the SSRF guard refuses loopback before connecting.
    await make_poller(fetch_allow="").cycle(time.time())
    for feed_id in (page, private):
        refused = api.get(f"/feeds/{feed_id}").json()
        assert "non-public address" in refused["last_error"]
        assert refused["last_status"] is None
    assert web_server.hits("/page") == 0
    await make_poller().cycle(time.time() + 10_000)
    status = api.get(f"/feeds/{page}").json()
    assert status["last_error"].startswith("not an RSS or Atom feed")
    assert (status["last_status"], status["failures"]) == (200, 2)


async def test_two_pollers_never_poll_one_feed_at_once(
    api: TestClient, make_poller: MakePoller, web_server: WebServer, published: Any
) -> None:
    paths = [f"/slow/{n}" for n in range(8)]
    for path in paths:
        register(api, serve(web_server, path, "rss091.xml", delay_s=0.2))
    pollers, now = [make_poller(poll_batch=3) for _ in range(3)], time.time()
    while sum(await asyncio.gather(*(p.cycle(now) for p in pollers))):
        pass
    assert [web_server.hits(path) for path in paths] == [1] * 8
    assert published() == 1  # the same item, from the same URL, in every copy of the feed
    feeds = api.get("/feeds").json()["feeds"]
    assert sum(f["items_seen"] for f in feeds) == 8


async def test_a_poll_outliving_its_feed_does_not_bring_it_back(
    api: TestClient, make_poller: MakePoller, web_server: WebServer, service_env: dict[str, str]
) -> None:
    feed_id = register(api, serve(web_server, "/slow", "rss10.xml", delay_s=0.5))
    polling = asyncio.create_task(make_poller().cycle(time.time()))
    await wait_for(lambda: _true(web_server.hits("/slow")), what="the poll to start")
    assert api.delete(f"/feeds/{feed_id}").status_code == 204
    assert await polling == 1
    client = redis.Redis.from_url(service_env["REDIS_URL"])
    keys = FeedKeys(service_env["ONTHEME_NAMESPACE"])
    assert client.exists(keys.feed(feed_id)) == 0
    assert client.zscore(keys.schedule, feed_id) is None
    client.close()


async def test_the_poll_loop_picks_up_new_feeds_and_stops_when_asked(
    api: TestClient, make_poller: MakePoller, web_server: WebServer, published: Any
) -> None:
    stop = asyncio.Event()
    loop = asyncio.create_task(make_poller().run(stop, idle_s=0.05))
    register(api, serve(web_server, "/rss.xml", "rss20.xml"))
    await wait_for(lambda: _true(published() == 3), what="the feed's three items")
    stop.set()
    await asyncio.wait_for(loop, timeout=5)


async def _true(value: object) -> bool:
    return bool(value)
