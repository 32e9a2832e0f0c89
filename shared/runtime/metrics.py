"""Prometheus metrics of the pipeline, and the /metrics server of the processes without HTTP.

Every metric lives in prometheus_client's default registry, so one scrape of a process shows
them all, with the process's own (CPU, memory, open files, GC). Labels are bounded: service,
stream and group names, a few outcome kinds; never an article, a path or an error text.
"""

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

import structlog
from prometheus_client import Counter, Gauge, Histogram, start_http_server

# Seconds: a related batch takes a second or more, an enrichment batch of 64 up to a minute.
BATCH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
GROUP = ("service", "stream", "group")

ARTICLES = Counter(
    "ontheme_articles",
    "Articles submitted to ingest (API or feeds), by outcome: accepted, duplicate, rejected",
    ["service", "outcome"],
)
FEED_POLLS = Counter("ontheme_feed_polls", "Feed polls, by outcome: ok, failed", ["outcome"])
EVENTS = Counter(
    "ontheme_events_processed",
    "Stream events a consumer group processed and acknowledged (dead-lettered ones included)",
    GROUP,
)
FAILED = Counter(
    "ontheme_events_failed",
    "Stream events in batches that failed: kind=retry (a dependency was down; retried at "
    "once, per attempt) or kind=error (left pending for the reaper)",
    [*GROUP, "kind"],
)
DEAD_LETTERS = Counter(
    "ontheme_dead_letters",
    "Events sent to the dead-letter stream: cause=invalid (undecodable or of the wrong "
    "shape) or cause=exhausted (failed max_deliveries times)",
    ["service", "stream", "cause"],
)
BATCH_SECONDS = Histogram(
    "ontheme_batch_duration_seconds",
    "Time a worker took over a batch, retries included",
    GROUP,
    buckets=BATCH_BUCKETS,
)
BATCH_SIZE = Histogram(
    "ontheme_batch_events", "Events per batch a worker processed", GROUP, buckets=SIZE_BUCKETS
)
GROUP_LAG = Gauge(
    "ontheme_group_lag", "Entries of the stream the group has not read yet (XINFO GROUPS)", GROUP
)
GROUP_PENDING = Gauge(
    "ontheme_group_pending", "Entries the group has read but not acknowledged yet", GROUP
)
MEILI_BACKLOG = Gauge(
    "ontheme_meili_task_backlog",
    "Meilisearch tasks enqueued or processing on the articles index and its stories index",
    ["service", "index"],
)

log = structlog.stdlib.get_logger(__name__)


@dataclass(frozen=True)
class StreamMeter:
    """The metrics of one service's consumer group on one stream, labelled once."""

    processed: Counter
    retried: Counter
    failed: Counter
    seconds: Histogram
    sizes: Histogram

    @classmethod
    def of(cls, service: str, stream: str, group: str) -> "StreamMeter":
        """Return the meter of `service` reading `stream` in `group`."""
        labels = (service, stream, group)
        return cls(
            processed=EVENTS.labels(*labels),
            retried=FAILED.labels(*labels, "retry"),
            failed=FAILED.labels(*labels, "error"),
            seconds=BATCH_SECONDS.labels(*labels),
            sizes=BATCH_SIZE.labels(*labels),
        )

    @contextlib.contextmanager
    def batch(self, size: int) -> Iterator[None]:
        """Time a batch; count its events as processed, or as failed when the block raises."""
        started = time.perf_counter()
        self.sizes.observe(size)
        try:
            yield
        except Exception:
            self.failed.inc(size)
            raise
        else:
            self.processed.inc(size)
        finally:
            self.seconds.observe(time.perf_counter() - started)


def count_articles(service: str, new: Sequence[bool], rejected: int = 0) -> None:
    """Count submitted articles: the new ones, the duplicates and the rejected."""
    accepted = sum(new)
    ARTICLES.labels(service, "accepted").inc(accepted)
    ARTICLES.labels(service, "duplicate").inc(len(new) - accepted)
    ARTICLES.labels(service, "rejected").inc(rejected)


@contextlib.asynccontextmanager
async def metrics_server(host: str, port: int | None, service: str) -> AsyncIterator[int | None]:
    """Serve /metrics on host:port while the block runs; yield the port, None when not served.

    A port already taken (a second worker of a service on one machine) is logged and the
    process goes on without metrics, rather than failing over an optional feature.
    """
    started = _start(host, port, service) if port else None
    if started is None:
        yield None
        return
    try:
        yield port
    finally:
        # shutdown() waits for the server loop's next poll (up to half a second): off the loop.
        await asyncio.to_thread(_stop, *started)


def _start(host: str, port: int, service: str) -> tuple[WSGIServer, threading.Thread] | None:
    try:
        started = start_http_server(port, addr=host)
    except OSError as exc:
        log.warning(
            "metrics port unavailable; running without /metrics",
            service=service,
            host=host,
            port=port,
            error=str(exc),
        )
        return None
    log.info("serving metrics", url=f"http://{host}:{port}/metrics")
    return started


def _stop(server: WSGIServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
