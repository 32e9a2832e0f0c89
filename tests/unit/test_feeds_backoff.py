"""Poll outcomes: conditional GET, errors, Retry-After, backoff and the next poll time."""

from email.utils import formatdate

import pytest

from shared.adapters.fetch import Fetched
from shared.feeds.backoff import (
    PollResult,
    backoff_s,
    conditional_headers,
    failure,
    judge,
    next_poll,
    read,
    retry_after_s,
    stored_fields,
)
from shared.feeds.feed import Feed, feed_id

NOW = 1_700_000_000.0
DAY = 86_400.0
FEED = Feed(id="f", url="https://e.example/rss", interval_s=600)


def answer(status: int, **headers: str) -> Fetched:
    return Fetched(url=FEED.url, status=status, headers=headers, body=b"")


def test_feed_ids_follow_the_canonical_url() -> None:
    assert feed_id("https://E.example/rss?utm_source=x#top") == feed_id("https://e.example/rss")
    assert feed_id("https://e.example/rss") != feed_id("https://e.example/atom")


def test_conditional_headers_carry_the_stored_validators() -> None:
    assert conditional_headers(FEED) == {}
    feed = Feed("f", FEED.url, 600, etag='"v1"', last_modified="Mon, 10 Mar 2014 16:52:50 GMT")
    assert conditional_headers(feed) == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "Mon, 10 Mar 2014 16:52:50 GMT",
    }


def test_not_modified_keeps_or_refreshes_validators_and_is_no_failure() -> None:
    result = judge(answer(304), NOW)
    assert result == PollResult(304)
    assert judge(answer(304, etag='"v2"'), NOW) == PollResult(304, etag='"v2"')
    assert judge(answer(200), NOW) is None  # a feed to read


def test_a_read_feed_replaces_its_validators_and_clears_absent_ones() -> None:
    assert read(answer(200, etag='"v3"'), seen=3, accepted=2) == PollResult(
        200, etag='"v3"', last_modified="", seen=3, accepted=2
    )


@pytest.mark.parametrize(
    ("status", "headers", "error", "retry"),
    [
        (404, {}, "HTTP 404 Not Found", None),
        (500, {"retry-after": "60"}, "HTTP 500 Internal Server Error", None),
        (503, {"retry-after": "120"}, "HTTP 503 Service Unavailable (retry after 120 s)", 120.0),
        (429, {}, "HTTP 429 Too Many Requests", None),
        (599, {}, "HTTP 599", None),
    ],
)
def test_error_answers_fail_the_poll(
    status: int, headers: dict[str, str], error: str, retry: float | None
) -> None:
    result = judge(answer(status, **headers), NOW)
    assert result == PollResult(status, error=error, retry_after_s=retry)
    assert result.failed


def test_retry_after_as_seconds_or_http_date() -> None:
    assert retry_after_s("3600", NOW) == 3600.0
    assert retry_after_s(formatdate(NOW + 90, usegmt=True), NOW) == 90.0
    assert retry_after_s(formatdate(NOW - 90, usegmt=True), NOW) == 0.0
    assert retry_after_s("soon", NOW) is None
    assert retry_after_s(None, NOW) is None


def test_backoff_doubles_per_failure_up_to_the_cap() -> None:
    assert [backoff_s(600, n, DAY) for n in range(1, 5)] == [1200, 2400, 4800, 9600]
    assert backoff_s(600, 10, DAY) == DAY
    assert backoff_s(600, 10_000, DAY) == DAY  # no overflow
    assert backoff_s(DAY, 3, 3600) == DAY  # the cap never polls sooner than the interval


def test_next_poll_after_success_failure_and_retry_after() -> None:
    assert next_poll(FEED, PollResult(200), NOW, DAY) == NOW + 600
    assert next_poll(FEED, PollResult(304), NOW, DAY) == NOW + 600
    failing = Feed("f", FEED.url, 600, failures=2)
    assert next_poll(failing, failure("boom"), NOW, DAY) == NOW + 600 * 8
    asks_more = PollResult(503, error="x", retry_after_s=7200)
    assert next_poll(FEED, asks_more, NOW, DAY) == NOW + 7200
    asks_less = PollResult(503, error="x", retry_after_s=5)
    assert next_poll(FEED, asks_less, NOW, DAY) == NOW + 1200  # never sooner than backoff
    asks_too_much = PollResult(503, error="x", retry_after_s=30 * DAY)
    assert next_poll(FEED, asks_too_much, NOW, DAY) == NOW + DAY


def test_stored_fields_of_a_success_and_a_failure() -> None:
    failing = Feed("f", FEED.url, 600, etag='"v1"', failures=2)
    assert stored_fields(failing, PollResult(304), NOW) == {
        "last_poll": repr(NOW),
        "last_status": "304",
        "failures": "0",
    }
    stored = stored_fields(failing, failure("could not resolve host e.example"), NOW)
    assert stored == {
        "last_poll": repr(NOW),
        "last_status": "",
        "failures": "3",
        "last_error": "could not resolve host e.example",
        "last_error_at": repr(NOW),
    }
    assert len(failure("x" * 5000).error or "") == 500
