"""POST /articles with a web page: fetched from a real local server, or sent as HTML.

Fetch refusals and pages that are not articles are answered 422 with the reason.
"""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from services.ingest.app import create_app
from services.ingest.settings import Settings
from shared.contracts.events import Article, ArticleIngested
from shared.contracts.ids import article_id, canonical_url
from shared.contracts.keys import Streams
from shared.contracts.wire import DATA_FIELD, unwrap
from tests.fixtures.web import WebServer

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
ARTICLE = (PAGES / "article.html").read_bytes()
Client = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def client(service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Client:
    """Start the ingest API with these INGEST_FETCH_* settings (127.0.0.1 allowed by default)."""

    @contextmanager
    def started(**fetch: str) -> Iterator[TestClient]:
        settings = {"INGEST_FETCH_ALLOW": "127.0.0.1", **fetch}
        for name, value in {**service_env, **settings}.items():
            monkeypatch.setenv(name, value)
        auth = {"Authorization": f"Bearer {service_env['INGEST_API_KEYS']}"}
        with TestClient(create_app(Settings()), headers=auth) as api:
            yield api

    return started


@pytest.fixture
def api(client: Client) -> Iterator[TestClient]:
    with client() as started:
        yield started


@pytest.fixture
def published(service_env: dict[str, str]) -> Iterator[Callable[[], list[Article]]]:
    """A function returning the articles on the ingested stream."""
    store = redis.Redis.from_url(service_env["REDIS_URL"])
    stream = Streams(service_env["ONTHEME_NAMESPACE"]).ingested

    def articles() -> list[Article]:
        entries: list[tuple[bytes, dict[bytes, bytes]]] = store.xrange(stream)  # type: ignore[assignment]
        bodies = [unwrap(f[DATA_FIELD])[0] for _, f in entries]
        return [ArticleIngested.model_validate_json(body).article for body in bodies]

    yield articles
    store.close()


def test_a_url_alone_is_fetched_and_its_article_accepted(
    api: TestClient, web_server: WebServer, published: Callable[[], list[Article]]
) -> None:
    url = web_server.route("/news/bridge?utm_source=feed", ARTICLE)
    answer = api.post("/articles", json={"url": url})
    assert answer.status_code == 202, answer.text
    canonical = canonical_url(web_server.url("/2024/05/14/harbour-bridge-reopens"))
    (article,) = published()
    assert article.title == "Harbour bridge reopens after two-year restoration"
    assert "rivet for rivet" in (article.body or "")
    assert answer.json() == {"id": article.id, "duplicate": False}
    # The id comes from the page's rel=canonical, not from the address it was fetched at.
    assert (article.url, article.canonical_url) == (url, canonical)
    assert article.id == article_id(canonical=canonical, source=None, title="", published_at=None)
    assert (article.source, article.language) == ("The Riverside Courier", "en-GB")
    assert article.published_at == datetime(2024, 5, 14, 7, 30, tzinfo=UTC)
    assert web_server.requests[0][1]["accept"].startswith("text/html")


def test_the_same_page_again_is_a_duplicate(
    api: TestClient, web_server: WebServer, published: Callable[[], list[Article]]
) -> None:
    first = api.post("/articles", json={"url": web_server.route("/a", ARTICLE)}).json()
    # Another address of the same story: its rel=canonical gives it the same id.
    again = api.post("/articles", json={"url": web_server.route("/b?ref=x", ARTICLE)}).json()
    assert again == {"id": first["id"], "duplicate": True}
    assert len(published()) == 1


def test_html_sent_by_the_caller_is_read_without_fetching(
    api: TestClient, web_server: WebServer, published: Callable[[], list[Article]]
) -> None:
    html = (PAGES / "article_de.html").read_text(encoding="utf-8")
    url = "https://tageblatt.example/lokales/bibliothek"
    answer = api.post("/articles", json={"url": url, "html": html, "source": "Tageblatt"})
    assert answer.status_code == 202, answer.text
    (article,) = published()
    assert article.title == "Neue Stadtbibliothek am Marktplatz eröffnet"  # <em> stripped
    assert (article.source, article.language, article.url) == ("Tageblatt", "de", url)
    assert web_server.requests == []


def test_a_page_that_is_not_an_article_is_refused_with_the_reason(
    api: TestClient, web_server: WebServer, published: Callable[[], list[Article]]
) -> None:
    url = web_server.route("/news", (PAGES / "listing.html").read_bytes())
    answer = api.post("/articles", json={"url": url})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("not an article: too little article text")
    wall = api.post(
        "/articles", json={"url": url, "html": (PAGES / "cookie_wall.html").read_text()}
    )
    assert wall.json()["detail"] == "not an article: the page is a cookie or consent wall"
    assert published() == []


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ({"body": b"{}", "headers": {"Content-Type": "application/json"}}, "not an HTML page"),
        ({"body": b"gone", "status": 404}, "the site answered 404"),
        ({"body": b"", "status": 302, "headers": {"Location": "file:///etc/passwd"}}, "only http"),
    ],
)
def test_pages_that_cannot_be_fetched_are_refused(
    api: TestClient, web_server: WebServer, route: dict[str, object], reason: str
) -> None:
    url = web_server.route("/page", **route)  # type: ignore[arg-type]
    answer = api.post("/articles", json={"url": url})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("could not fetch the page: ")
    assert reason in answer.json()["detail"]


def test_loopback_is_refused_without_the_allow_list(client: Client, web_server: WebServer) -> None:
    url = web_server.route("/a", ARTICLE)
    with client(INGEST_FETCH_ALLOW="") as api:
        answer = api.post("/articles", json={"url": url})
    assert answer.status_code == 422
    assert "resolves to a non-public address (127.0.0.1)" in answer.json()["detail"]
    assert web_server.requests == []


def test_a_redirect_to_a_private_address_is_refused(client: Client, web_server: WebServer) -> None:
    web_server.route("/internal", ARTICLE)
    web_server.redirect("/go", web_server.url("/internal"))
    with client(INGEST_FETCH_ALLOW="localhost") as api:
        answer = api.post("/articles", json={"url": f"http://localhost:{web_server.port}/go"})
    assert answer.status_code == 422
    assert "host 127.0.0.1 resolves to a non-public address" in answer.json()["detail"]
    assert web_server.hits("/internal") == 0


def test_an_oversized_page_is_refused(client: Client, web_server: WebServer) -> None:
    url = web_server.route("/big", ARTICLE)
    with client(INGEST_FETCH_MAX_BYTES="2048") as api:
        answer = api.post("/articles", json={"url": url})
    assert answer.json()["detail"] == "could not fetch the page: response larger than 2048 bytes"


def test_a_slow_page_times_out(client: Client, web_server: WebServer) -> None:
    url = web_server.route("/slow", ARTICLE, delay_s=3)
    with client(INGEST_FETCH_TIMEOUT_S="0.3") as api:
        started = time.monotonic()
        answer = api.post("/articles", json={"url": url})
    assert answer.json()["detail"] == "could not fetch the page: timed out after 0.3 s"
    assert time.monotonic() - started < 2


def test_other_schemes_are_refused(api: TestClient) -> None:
    answer = api.post("/articles", json={"url": "file:///etc/passwd"})
    assert answer.status_code == 422
    assert "must be an absolute http(s) URL" in answer.text


def test_a_slow_fetch_does_not_hold_up_other_requests(
    api: TestClient, web_server: WebServer
) -> None:
    url = web_server.route("/slow", ARTICLE, delay_s=2)
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(api.post, "/articles", json={"url": url})
        while not web_server.requests:
            time.sleep(0.01)
        assert api.get("/health").status_code == 200
        assert not slow.done()  # answered while the page was still on its way
        assert slow.result().status_code == 202
