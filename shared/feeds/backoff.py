"""What a poll's answer means for its feed: validators, errors, backoff and the next poll."""

from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from http import HTTPStatus

from shared.adapters.fetch import Fetched
from shared.feeds.feed import Feed

# Answers that ask us to come back later; their Retry-After is honoured.
SLOW_DOWN = frozenset({HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE})
MAX_ERROR_CHARS = 500
# 2**32 intervals outlast any cap; a larger exponent only makes a larger number.
MAX_EXPONENT = 32


@dataclass(frozen=True)
class PollResult:
    """How one poll went.

    `etag` and `last_modified`: None keeps the stored validator, "" clears it.
    """

    status: int | None  # the HTTP status; None when no answer came
    error: str | None = None
    retry_after_s: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    seen: int = 0
    accepted: int = 0

    @property
    def failed(self) -> bool:
        """Whether the poll failed (and the feed backs off)."""
        return self.error is not None


def conditional_headers(feed: Feed) -> dict[str, str]:
    """Return If-None-Match / If-Modified-Since for the validators the feed last sent."""
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


def judge(fetched: Fetched, now: float) -> PollResult | None:
    """Return the result of an answer without a feed to read (304, an error); else None."""
    status = fetched.status
    if status == HTTPStatus.NOT_MODIFIED:
        # A 304 may refresh the validators; absent ones stay as they were.
        headers = fetched.headers
        return PollResult(
            status, etag=headers.get("etag"), last_modified=headers.get("last-modified")
        )
    if 200 <= status < 300:
        return None
    retry = retry_after_s(fetched.headers.get("retry-after"), now) if status in SLOW_DOWN else None
    reason = f"HTTP {status} {_phrase(status)}".rstrip()
    if retry is not None:
        reason += f" (retry after {retry:.0f} s)"
    return PollResult(status, error=reason, retry_after_s=retry)


def read(fetched: Fetched, seen: int, accepted: int) -> PollResult:
    """Return the result of a feed that was read: its new validators (cleared when absent)."""
    headers = fetched.headers
    return PollResult(
        fetched.status,
        etag=headers.get("etag", ""),
        last_modified=headers.get("last-modified", ""),
        seen=seen,
        accepted=accepted,
    )


def failure(reason: str, status: int | None = None) -> PollResult:
    """Return the result of a poll that failed before or while reading the feed."""
    return PollResult(status, error=reason[:MAX_ERROR_CHARS])


def retry_after_s(value: str | None, now: float) -> float | None:
    """Return the seconds a Retry-After header asks for (delay or HTTP date), or None."""
    text = (value or "").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now, 0.0)


def backoff_s(interval_s: float, failures: int, cap_s: float) -> float:
    """Return the wait after `failures` failed polls in a row: the interval doubled each time."""
    return min(interval_s * (1 << min(failures, MAX_EXPONENT)), max(cap_s, interval_s))


def next_poll(feed: Feed, result: PollResult, now: float, cap_s: float) -> float:
    """Return when the feed is next due: its interval, or a backoff after a failure."""
    if not result.failed:
        return now + feed.interval_s
    delay = backoff_s(feed.interval_s, feed.failures + 1, cap_s)
    if result.retry_after_s is not None:
        # Never sooner than the server asked, within the cap (a bad date must not park a feed).
        delay = max(delay, min(result.retry_after_s, max(cap_s, feed.interval_s)))
    return now + delay


def stored_fields(feed: Feed, result: PollResult, now: float) -> dict[str, str]:
    """Return the feed fields a poll sets."""
    fields = {
        "last_poll": repr(now),
        "last_status": "" if result.status is None else str(result.status),
        "failures": str(feed.failures + 1 if result.failed else 0),
    }
    if result.etag is not None:
        fields["etag"] = result.etag
    if result.last_modified is not None:
        fields["last_modified"] = result.last_modified
    if result.error is not None:
        fields |= {"last_error": result.error, "last_error_at": repr(now)}
    return fields


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
