"""Metrics and trace ids against real Redis and Meilisearch: scraped after real events."""

import io
import json
import logging
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import httpx
import meilisearch
import pytest
from fastapi.testclient import TestClient
from prometheus_client import generate_latest
from redis.asyncio import Redis

from deploy.native.servers import free_port
from services.enrichment.app import create_app as enrichment_app
from services.enrichment.pipeline import Enricher
from services.enrichment.settings import Settings as EnrichmentSettings
from services.indexing.app import create_app as indexing_app
from services.indexing.settings import Settings as IndexingSettings
from services.related.app import create_app as related_app
from services.related.settings import Settings as RelatedSettings
from services.search.app import create_app as search_app
from services.search.pipeline import pipeline_state
from shared.adapters.search_client import create_search_client
from shared.contracts.events import Article, ArticleEnriched, ArticleIngested, Enrichment
from shared.contracts.keys import ENRICHMENT_GROUP, INDEXING_GROUP, Streams
from shared.contracts.settings import ServiceSettings
from shared.runtime.batches import Entry, decode
from shared.runtime.broker import publish_many
from shared.runtime.gauges import refresh_groups
from shared.runtime.logging import configure_logging
from tests.fixtures.metrics import sample
from tests.fixtures.search import search_settings, seed_indexes
from tests.waits import wait_for

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE}-00f067aa0ba902b7-01"
WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)
Logs = Callable[[], list[dict[str, Any]]]


def delta(before: str, after: str, name: str, **labels: str) -> float:
    return (sample(after, name, **labels) or 0.0) - (sample(before, name, **labels) or 0.0)


@pytest.fixture
def json_logs() -> Iterator[Logs]:
    """Every service's log lines in this process, as the JSON objects they are written as."""
    configure_logging("test", "INFO", "json")
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(sys.stderr)


async def entries(redis: Redis, stream: str) -> list[Entry]:
    found: list[Any] = await redis.xrange(stream) or []
    return [decode(entry_id, fields) for entry_id, fields in found]


def test_ingest_counts_articles_times_routes_and_logs_each_trace(
    ingest_api: TestClient, json_logs: Logs
) -> None:
    before = ingest_api.get("/metrics").text
    article = {"title": "Fed holds rates", "source": "A", "url": "https://news.example/a"}
    first = ingest_api.post("/articles", json=article, headers={"traceparent": TRACEPARENT})
    again = ingest_api.post("/articles", json=article)
    batch = ingest_api.post("/articles/batch", json=[{"title": "One", "source": "B"}, {"x": 5}])
    page = ingest_api.post("/articles", json={"url": "http://127.0.0.1:9/private"})
    invalid = ingest_api.post("/articles", json={"title": ""})
    assert [first.status_code, again.json()["duplicate"], page.status_code] == [202, True, 422]
    assert invalid.status_code == 422
    assert ingest_api.get(f"/feeds/{'f' * 24}").status_code == 404
    assert ingest_api.get("/no/such/route").status_code == 404
    after = ingest_api.get("/metrics").text

    articles = "ontheme_articles_total"
    assert delta(before, after, articles, service="ingest", outcome="accepted") == 2
    assert delta(before, after, articles, service="ingest", outcome="duplicate") == 1
    assert delta(before, after, articles, service="ingest", outcome="rejected") == 3
    timed = "ontheme_http_request_duration_seconds_count"
    for method, route, status, count in [
        ("POST", "/articles", "202", 2),
        ("POST", "/articles", "422", 2),
        ("POST", "/articles/batch", "202", 1),
        ("GET", "/feeds/{feed_id}", "404", 1),
        ("GET", "unmatched", "404", 1),
    ]:
        labels = {"service": "ingest", "method": method, "route": route, "status": status}
        assert delta(before, after, timed, **labels) == count, labels
    assert "f" * 24 not in after

    traced = [line for line in json_logs() if line.get("logger") == "services.ingest.app"]
    accepted = next(line for line in traced if line["event"] == "article accepted")
    assert (accepted["article_id"], accepted["trace_id"]) == (first.json()["id"], TRACE)
    batch_line = next(line for line in traced if line["event"] == "batch accepted")
    assert batch_line["article_ids"] == [batch.json()["results"][0]["id"]]
    (batch_trace,) = batch_line["trace_ids"]
    assert batch_trace != TRACE
    assert len(batch_trace) == 32


async def test_ingested_events_carry_their_trace_in_the_envelope(
    ingest_api: TestClient, redis: Redis, service_env: dict[str, str]
) -> None:
    headers = {"traceparent": TRACEPARENT}
    ingest_api.post("/articles", json={"title": "Traced", "source": "A"}, headers=headers)
    ingest_api.post("/articles/batch", json=[{"title": "One"}, {"title": "Two"}], headers=headers)
    ingest_api.post("/articles/batch", json=[{"title": "Three"}, {"title": "Four"}])
    found = await entries(redis, Streams(service_env["ONTHEME_NAMESPACE"]).ingested)
    traces = [entry.trace_id for entry in found]
    assert traces[:3] == [TRACE] * 3
    assert None not in traces[3:]
    assert len({*traces[3:], TRACE}) == 3, "an article of its own, a trace of its own"


def test_search_times_requests_by_route_template(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> None:
    settings = search_settings(service_env, monkeypatch, semantic=False)
    doc = {"id": "a" * 24, "title": "Fed", "published_ts": 1, "_vectors": {"article": None}}
    seed_indexes(meili_admin, settings, [doc])
    with TestClient(search_app(settings)) as client:
        before = client.get("/metrics").text
        assert client.get(f"/articles/{'a' * 24}").status_code == 200
        assert client.get(f"/articles/{'b' * 24}").status_code == 404
        assert client.get(f"/a/{'b' * 24}").status_code == 404
        after = client.get("/metrics").text
    timed = "ontheme_http_request_duration_seconds_count"
    for route, status in [("/articles/{article_id}", "200"), ("/articles/{article_id}", "404")]:
        labels = {"service": "search", "method": "GET", "route": route, "status": status}
        assert delta(before, after, timed, **labels) == 1, labels
    assert delta(before, after, timed, service="search", route="/a/{article_id}") == 1
    assert "b" * 24 not in after


def enriched(n: int) -> ArticleEnriched:
    article = Article(id=f"{n:024x}", title=f"Markets move on day {n}", published_at=WHEN)
    return ArticleEnriched(article=article, enrichment=Enrichment(), ingested_at=WHEN)


async def publish_enriched(settings: ServiceSettings, events: Sequence[ArticleEnriched]) -> None:
    redis = Redis.from_url(settings.redis_url)
    stream = Streams(settings.namespace).enriched
    await publish_many(redis, stream, events)
    await redis.xadd(stream, {"__data__": b'{"not": "an event"}'})
    await redis.aclose()


async def scrape(port: int) -> str:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics")
    response.raise_for_status()
    return response.text


async def test_a_worker_serves_metrics_that_follow_its_work(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    for name, value in {**service_env, "INDEXING_METRICS_PORT": str(port)}.items():
        monkeypatch.setenv(name, value)
    settings = IndexingSettings()
    stream = Streams(settings.namespace).enriched
    group = {"service": "indexing", "stream": stream, "group": INDEXING_GROUP}
    async with indexing_app(settings):
        await publish_enriched(settings, [enriched(n) for n in range(3)])

        async def processed() -> str | None:
            text = await scrape(port)
            done = sample(text, "ontheme_events_processed_total", **group)
            return text if done == 4 else None

        text = await wait_for(processed, what="4 events processed")

        async def caught_up() -> str | None:
            text = await scrape(port)
            gauges = [sample(text, f"ontheme_group_{g}", **group) for g in ("lag", "pending")]
            return text if gauges == [0, 0] else None

        await wait_for(caught_up, what="lag and pending back to 0")
    letters = {"service": "indexing", "stream": stream, "cause": "invalid"}
    assert sample(text, "ontheme_dead_letters_total", **letters) == 1
    assert sample(text, "ontheme_batch_events_sum", **group) == 4
    assert (sample(text, "ontheme_batch_duration_seconds_count", **group) or 0) >= 1
    for kind in ("retry", "error"):  # present from the start, at 0: rates work from there
        assert sample(text, "ontheme_events_failed_total", **group, kind=kind) == 0
    backlog = sample(text, "ontheme_meili_task_backlog", index=settings.meili_index)
    assert backlog is not None
    assert backlog >= 0
    assert sample(text, "process_cpu_seconds_total") is not None


async def test_a_busy_metrics_port_is_named_and_the_worker_works_without(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, json_logs: Logs
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for name, value in {**service_env, "INDEXING_METRICS_PORT": str(port)}.items():
            monkeypatch.setenv(name, value)
        settings = IndexingSettings()
        async with indexing_app(settings):
            await publish_enriched(settings, [enriched(9)])
            await wait_for(lambda: _caught_up(settings), what="the event indexed and acked")
    (warning,) = [line for line in json_logs() if line["event"].startswith("metrics port")]
    assert warning["event"] == "metrics port unavailable; running without /metrics"
    assert (warning["level"], warning["port"], warning["service"]) == ("warning", port, "indexing")


async def _caught_up(settings: ServiceSettings) -> bool:
    redis = Redis.from_url(settings.redis_url)
    try:
        (group,) = await redis.xinfo_groups(Streams(settings.namespace).enriched)
    finally:
        await redis.aclose()
    return bool(group["lag"] == 0 and group["pending"] == 0)


async def test_group_gauges_show_what_a_group_has_not_read_or_acked(
    redis: Redis, namespace: str
) -> None:
    stream = Streams(namespace).ingested
    for n in range(3):
        await redis.xadd(stream, {"__data__": json.dumps({"n": n})})
    await redis.xgroup_create(stream, ENRICHMENT_GROUP, id="0")
    await redis.xreadgroup(ENRICHMENT_GROUP, "c", {stream: ">"}, count=1)
    service = f"probe-{namespace}"
    await refresh_groups(redis, service, [(stream, ENRICHMENT_GROUP), (f"{namespace}none", "g")])
    registry_text = generate_latest().decode()
    labels = {"service": service, "stream": stream, "group": ENRICHMENT_GROUP}
    assert sample(registry_text, "ontheme_group_lag", **labels) == 2
    assert sample(registry_text, "ontheme_group_pending", **labels) == 1
    assert sample(registry_text, "ontheme_group_lag", service=service, group="g") is None


class Passthrough(Enricher):
    """Enrichment without its models (none loaded): an empty enrichment for each article."""

    def __init__(self) -> None:
        pass

    def enrich(self, events: Sequence[ArticleIngested]) -> list[ArticleEnriched]:
        """Return each article with nothing computed."""
        return [
            ArticleEnriched(article=e.article, enrichment=Enrichment(), ingested_at=e.ingested_at)
            for e in events
        ]


async def idle(settings: ServiceSettings) -> bool:
    redis = Redis.from_url(settings.redis_url)
    try:
        state = await pipeline_state(
            redis, Streams(settings.namespace), create_search_client(settings), settings.meili_index
        )
    finally:
        await redis.aclose()
    return state.idle


async def test_one_article_is_followed_through_every_service_by_its_trace_id(
    ingest_api: TestClient,
    service_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    redis: Redis,
    json_logs: Logs,
) -> None:
    for service in ("ENRICHMENT", "INDEXING", "RELATED"):
        monkeypatch.setenv(f"{service}_METRICS_PORT", "0")
    settings = ServiceSettings()
    async with AsyncExitStack() as stack:
        for app in (
            enrichment_app(EnrichmentSettings(), Passthrough()),
            indexing_app(IndexingSettings()),
            related_app(RelatedSettings()),
        ):
            await stack.enter_async_context(app)
        body = {"title": "Fed holds rates", "source": "A"}
        posted = ingest_api.post("/articles", json=body, headers={"traceparent": TRACEPARENT})
        article_id = posted.json()["id"]
        await wait_for(lambda: idle(settings), what="pipeline idle")
    streams = Streams(settings.namespace)
    for stream in (streams.ingested, streams.enriched):
        (entry,) = await entries(redis, stream)
        assert (entry.body["article"]["id"], entry.trace_id) == (article_id, TRACE), stream
    lines: dict[str, dict[str, Any]] = {}
    for line in json_logs():
        if line.get("trace_id") == TRACE or TRACE in line.get("trace_ids", []):
            lines.setdefault(line["logger"], line)
    assert set(lines) >= {
        "services.ingest.app",
        "services.enrichment.app",
        "services.indexing.app",
        "services.related.app",
    }
    for line in lines.values():
        assert article_id in (line.get("article_id"), *line.get("article_ids", [])), line
