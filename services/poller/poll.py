"""One poll of a feed, and the rounds that poll every due feed: fetch, read, publish, record."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import structlog
from redis.exceptions import RedisError

from services.poller.entries import NotAFeedError, parse_feed, to_articles, to_items
from shared.adapters.fetch import FetchError, FetchPolicy, fetch
from shared.articles.accept import Acceptor
from shared.feeds.backoff import (
    PollResult,
    conditional_headers,
    failure,
    judge,
    next_poll,
    read,
    stored_fields,
)
from shared.feeds.feed import Feed
from shared.feeds.registry import FeedStore
from shared.runtime.delivery import describe
from shared.runtime.metrics import FEED_POLLS, count_articles

log = structlog.stdlib.get_logger(__name__)
# Waits after a round that failed (Redis unreachable), doubling up to the cap.
RETRY_FIRST_S, RETRY_CAP_S = 0.5, 30.0


@dataclass
class Poller:
    """Polls the feeds that are due, each by one poller at a time, and publishes new items."""

    store: FeedStore
    acceptor: Acceptor
    policy: FetchPolicy
    batch: int = 10
    lease_s: float = 120.0
    max_backoff_s: float = 86_400.0

    async def cycle(self, now: float | None = None) -> int:
        """Poll every feed due by `now` (up to `batch`); return how many were claimed."""
        now = time.time() if now is None else now
        token = uuid.uuid4().hex
        claimed = await self.store.claim_due(now, self.batch, token, self.lease_s)
        outcomes = await asyncio.gather(
            *(self.poll(feed_id, token, now) for feed_id in claimed), return_exceptions=True
        )
        failed = [o for o in outcomes if isinstance(o, BaseException)]
        if failed:
            # Unrecorded polls keep their lease: they are retried when it ends.
            raise failed[0]
        return len(claimed)

    async def poll(self, feed_id: str, token: str, now: float) -> PollResult | None:
        """Poll one claimed feed and record how it went; None when it was deleted meanwhile."""
        feed = await self.store.get(feed_id)
        if feed is None:
            return None
        result = await self._attempt(feed)
        FEED_POLLS.labels("failed" if result.failed else "ok").inc()
        stored = await self.store.record(
            feed.id,
            token,
            next_poll(feed, result, now, self.max_backoff_s),
            stored_fields(feed, result, now),
            (result.seen, result.accepted),
        )
        _log(feed, result, stored)
        return result

    async def _attempt(self, feed: Feed) -> PollResult:
        try:
            return await self._fetch_and_publish(feed)
        except FetchError as exc:
            return failure(exc.reason)
        except NotAFeedError as exc:
            return failure(str(exc), status=200)
        except RedisError:
            raise  # not the feed's fault: retried once the lease ends
        except Exception as exc:  # one bad feed must not stop the others
            log.exception("poll failed", feed_id=feed.id)
            return failure(f"internal error: {describe(exc)}")

    async def _fetch_and_publish(self, feed: Feed) -> PollResult:
        started = time.time()
        fetched = await fetch(feed.url, self.policy, headers=conditional_headers(feed))
        judged = judge(fetched, started)
        if judged is not None:
            return judged
        # feedparser is pure Python: a large feed would stall the other polls' I/O.
        parsed = await asyncio.to_thread(_parse, fetched.body, fetched.url, fetched.headers)
        articles, rejected = to_articles(to_items(parsed))
        if rejected:
            log.info("feed items rejected", feed_id=feed.id, reasons=rejected[:5])
        admissions = await self.acceptor.admit(articles)
        count_articles("poller", [a.new for a in admissions], rejected=len(rejected))
        fresh = [a for a in admissions if a.new]
        if fresh:
            # The start of each new article's trace, as ingest logs it for the API's.
            ids, traces = [a.id for a in fresh], [a.trace_id for a in fresh]
            log.info("feed items published", feed_id=feed.id, article_ids=ids, trace_ids=traces)
        return read(fetched, seen=len(articles) + len(rejected), accepted=len(fresh))

    async def run(self, stop: asyncio.Event, idle_s: float = 1.0) -> None:
        """Poll rounds until `stop` is set; the round in hand is finished first."""
        retry = RETRY_FIRST_S
        while not stop.is_set():
            try:
                busy = await self.cycle() >= self.batch
                wait, retry = (0.0 if busy else idle_s), RETRY_FIRST_S
            except Exception as exc:  # noqa: BLE001 - Redis may be down; the next round retries
                log.warning("poll round failed; retrying", error=describe(exc), retry_s=retry)
                wait, retry = retry, min(retry * 2, RETRY_CAP_S)
            if wait:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)


def _parse(body: bytes, url: str, headers: Mapping[str, str]) -> object:
    return parse_feed(body, url, headers.get("content-type"))


def _log(feed: Feed, result: PollResult, stored: bool) -> None:
    fields = {"feed_id": feed.id, "status": result.status, "stored": stored}
    if result.failed:
        log.warning("feed poll failed", error=result.error, failures=feed.failures + 1, **fields)
    else:
        log.info("feed polled", seen=result.seen, accepted=result.accepted, **fields)
