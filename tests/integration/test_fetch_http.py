"""shared.adapters.fetch against a real local HTTP server: redirects, limits, deadlines, headers."""

import gzip
import time

import pytest

from shared.adapters.fetch import FetchError, FetchPolicy, fetch
from tests.fixtures.web import WebServer

LOCAL = FetchPolicy(allow=("127.0.0.1",), timeout_s=5)


async def test_a_page_is_fetched_through_redirects(web_server: WebServer) -> None:
    web_server.route("/story", b"<p>hello</p>", headers={"X-Extra": "1"})
    web_server.redirect("/short", "/moved", status=301)
    web_server.redirect("/moved", web_server.url("/story"), status=307)
    fetched = await fetch(web_server.url("/short"), LOCAL)
    assert (fetched.status, fetched.body) == (200, b"<p>hello</p>")
    assert fetched.url == web_server.url("/story")
    assert fetched.headers["x-extra"] == "1"
    assert [path for path, _ in web_server.requests] == ["/short", "/moved", "/story"]
    assert web_server.requests[0][1]["user-agent"].startswith("ontheme/")


async def test_the_host_name_is_kept_while_the_checked_address_is_dialled(
    web_server: WebServer,
) -> None:
    web_server.route("/", b"ok")
    # localhost may resolve to ::1 first, where nothing listens: the next address is tried.
    fetched = await fetch(f"http://localhost:{web_server.port}/", FetchPolicy(allow=("localhost",)))
    assert fetched.status == 200
    assert web_server.requests[0][1]["host"] == f"localhost:{web_server.port}"


async def test_error_statuses_are_returned_not_raised(web_server: WebServer) -> None:
    web_server.route("/busy", b"later", status=503, headers={"Retry-After": "120"})
    fetched = await fetch(web_server.url("/busy"), LOCAL)
    assert (fetched.status, fetched.headers["retry-after"]) == (503, "120")
    assert (await fetch(web_server.url("/nothing-here"), LOCAL)).status == 404


async def test_conditional_requests_get_304(web_server: WebServer) -> None:
    stamp = "Tue, 14 May 2024 08:00:00 GMT"
    web_server.route("/feed", b"<rss/>", etag='"v1"', last_modified=stamp)
    first = await fetch(web_server.url("/feed"), LOCAL)
    assert (first.headers["etag"], first.headers["last-modified"]) == ('"v1"', stamp)
    by_tag = await fetch(web_server.url("/feed"), LOCAL, headers={"If-None-Match": '"v1"'})
    by_date = await fetch(web_server.url("/feed"), LOCAL, headers={"If-Modified-Since": stamp})
    assert (by_tag.status, by_tag.body, by_date.status) == (304, b"", 304)
    changed = await fetch(web_server.url("/feed"), LOCAL, headers={"If-None-Match": '"v0"'})
    assert changed.status == 200


async def test_a_redirect_to_a_private_address_is_refused(web_server: WebServer) -> None:
    web_server.route("/secret", b"internal")
    web_server.redirect("/go", web_server.url("/secret"))
    policy = FetchPolicy(allow=("localhost",))  # the first host only, by name
    with pytest.raises(FetchError, match=r"host 127\.0\.0\.1 resolves to a non-public"):
        await fetch(f"http://localhost:{web_server.port}/go", policy)
    assert web_server.hits("/secret") == 0


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x"])
async def test_a_redirect_to_another_scheme_is_refused(web_server: WebServer, target: str) -> None:
    web_server.redirect("/go", target)
    with pytest.raises(FetchError, match="only http and https"):
        await fetch(web_server.url("/go"), LOCAL)


async def test_redirects_are_limited(web_server: WebServer) -> None:
    web_server.redirect("/a", "/b")
    web_server.redirect("/b", "/a")
    with pytest.raises(FetchError, match="more than 3 redirects"):
        await fetch(web_server.url("/a"), FetchPolicy(allow=("127.0.0.1",), max_redirects=3))
    assert len(web_server.requests) == 4


async def test_credentials_do_not_follow_a_redirect_to_another_host(
    web_server: WebServer,
) -> None:
    web_server.route("/end", b"ok")
    web_server.redirect("/same", "/other")
    web_server.redirect("/other", web_server.url("/end"))
    policy = FetchPolicy(allow=("127.0.0.0/8", "localhost"))
    headers = {"Authorization": "Bearer s3cret", "Accept": "text/html"}
    await fetch(f"http://localhost:{web_server.port}/same", policy, headers=headers)
    sent = dict(web_server.requests)
    assert sent["/other"]["authorization"] == "Bearer s3cret"
    assert "authorization" not in sent["/end"]
    assert sent["/end"]["accept"] == "text/html"


async def test_a_body_over_the_limit_is_refused(web_server: WebServer) -> None:
    web_server.route("/big", b"x" * 2000)
    with pytest.raises(FetchError, match="response larger than 1000 bytes"):
        await fetch(web_server.url("/big"), FetchPolicy(allow=("127.0.0.1",), max_bytes=1000))


async def test_the_limit_counts_decompressed_bytes(web_server: WebServer) -> None:
    bomb = gzip.compress(b"\0" * 200_000)
    web_server.route("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < 1000
    with pytest.raises(FetchError, match="response larger than 10000 bytes"):
        await fetch(web_server.url("/bomb"), FetchPolicy(allow=("127.0.0.1",), max_bytes=10_000))


async def test_a_slow_answer_times_out(web_server: WebServer) -> None:
    web_server.route("/slow", b"late", delay_s=3)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0\.3 s"):
        await fetch(web_server.url("/slow"), FetchPolicy(allow=("127.0.0.1",), timeout_s=0.3))
    assert time.monotonic() - started < 1.5


async def test_the_deadline_covers_every_hop_together(web_server: WebServer) -> None:
    for hop in range(4):
        web_server.route(f"/{hop}", b"", 302, {"Location": f"/{hop + 1}"}, delay_s=0.2)
    web_server.route("/4", b"done")
    with pytest.raises(FetchError, match="timed out"):
        await fetch(web_server.url("/0"), FetchPolicy(allow=("127.0.0.1",), timeout_s=0.5))


async def test_a_closed_port_is_a_fetch_error(web_server: WebServer) -> None:
    port = web_server.port
    web_server.httpd.server_close()  # nothing listens there any more
    # Refused, or (when a server thread still held an accepted socket) cut off mid-read:
    # either way a FetchError with the cause, never an exception of the HTTP library.
    with pytest.raises(FetchError, match=r"could not connect to 127\.0\.0\.1|request failed"):
        await fetch(f"http://127.0.0.1:{port}/", LOCAL)
