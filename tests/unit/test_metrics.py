"""Metric helpers and the HTTP middleware, in process: no network, no Redis (no I/O)."""

import uuid
from collections.abc import MutableMapping
from typing import Any, cast

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.contracts.wire import TRACE_HEADER
from shared.runtime.batches import Entry
from shared.runtime.delivery import Delivery
from shared.runtime.gauges import group_lag
from shared.runtime.metrics import StreamMeter, count_articles
from shared.runtime.tracing import add_trace_ids
from shared.web.metrics_http import instrument

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def group_labels() -> dict[str, str]:
    """Labels no other test uses: the registry is the process's, shared by every test."""
    return {"service": "unit", "stream": f"s{uuid.uuid4().hex[:8]}", "group": "g"}


def test_a_meter_counts_processed_and_failed_batches_and_times_them() -> None:
    labels = group_labels()
    meter = StreamMeter.of(**labels)
    with meter.batch(3):
        pass
    with pytest.raises(ValueError, match="bad"), meter.batch(2):
        raise ValueError("bad")
    assert value("ontheme_events_processed_total", **labels) == 3
    assert value("ontheme_events_failed_total", **labels, kind="error") == 2
    assert value("ontheme_batch_duration_seconds_count", **labels) == 2
    assert value("ontheme_batch_events_sum", **labels) == 5
    assert value("ontheme_batch_events_bucket", **labels, le="2.0") == 1


def test_articles_are_counted_by_outcome() -> None:
    service = f"svc{uuid.uuid4().hex[:6]}"
    count_articles(service, [True, False, True], rejected=4)
    count_articles(service, [], rejected=1)
    assert value("ontheme_articles_total", service=service, outcome="accepted") == 2
    assert value("ontheme_articles_total", service=service, outcome="duplicate") == 1
    assert value("ontheme_articles_total", service=service, outcome="rejected") == 5


def test_group_lag_is_known_when_caught_up_after_a_trim_and_unknown_otherwise() -> None:
    assert group_lag({"lag": 4, "last-delivered-id": b"1-0"}, "9-0") == 4
    assert group_lag({"lag": None, "last-delivered-id": b"9-0"}, "9-0") == 0
    assert group_lag({"lag": None, "last-delivered-id": b"8-0"}, "9-0") is None


def delivery(labels: dict[str, str]) -> Delivery:
    # No Redis: a batch that finishes at once never touches it, and a failure's record of its
    # error is best effort (what fails to reach Redis is suppressed).
    return Delivery(
        redis=cast(Redis, None),
        stream=labels["stream"],
        group=labels["group"],
        consumer="c",
        errors_key="k",
        reclaim_idle_ms=60_000,
        retry_base_seconds=0.001,
        service=labels["service"],
    )


async def test_delivery_meters_retries_failures_and_binds_each_articles_trace() -> None:
    labels = group_labels()
    entries = [Entry("1-0", {"article": {"id": "a1"}}, {TRACE_HEADER: TRACE})]
    attempts: list[MutableMapping[str, Any]] = []

    async def flaky(batch: list[Entry]) -> None:
        attempts.append(add_trace_ids(None, "info", {"article_ids": ["a1"]}))
        if len(attempts) == 1:
            raise RedisConnectionError("down")

    await delivery(labels).run(flaky, entries)
    assert attempts[-1]["trace_ids"] == [TRACE]
    assert value("ontheme_events_failed_total", **labels, kind="retry") == 1
    assert value("ontheme_events_processed_total", **labels) == 1

    async def broken(batch: list[Entry]) -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        await delivery(labels).run(broken, entries)
    assert value("ontheme_events_failed_total", **labels, kind="error") == 1
    assert value("ontheme_batch_duration_seconds_count", **labels) == 2


def app_with_routes() -> FastAPI:
    app = FastAPI()
    instrument(app, "unitweb")

    @app.get("/a/{article_id}")
    async def article(article_id: str) -> dict[str, str]:
        if article_id == "missing":
            raise HTTPException(404, "no")
        return {"id": article_id}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    return app


def requests(method: str, route: str, status: str) -> float:
    labels = {"service": "unitweb", "method": method, "route": route, "status": status}
    return value("ontheme_http_request_duration_seconds_count", **labels)


def test_requests_are_recorded_by_route_template_never_by_path() -> None:
    before = {
        key: requests(*key)
        for key in [
            ("GET", "/a/{article_id}", "200"),
            ("GET", "/a/{article_id}", "404"),
            ("GET", "unmatched", "404"),
            ("GET", "/boom", "500"),
            ("other", "/a/{article_id}", "405"),
        ]
    }
    client = TestClient(app_with_routes(), raise_server_exceptions=False)
    for n in range(3):
        assert client.get(f"/a/{n:024x}").status_code == 200
    assert client.get("/a/missing").status_code == 404
    assert client.get("/no/such/path").status_code == 404
    assert client.get("/boom").status_code == 500
    assert client.request("BREW", "/a/x").status_code == 405
    after = {key: requests(*key) for key in before}
    assert [after[k] - before[k] for k in before] == [3, 1, 1, 1, 1]
    text = client.get("/metrics").text
    assert f"{2:024x}" not in text
    assert "/no/such/path" not in text


def test_metrics_are_served_in_the_text_format_and_left_out_of_the_openapi_document() -> None:
    client = TestClient(app_with_routes())
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"ontheme_http_request_duration_seconds", "ontheme_events_processed"} <= names
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_an_openmetrics_scraper_gets_openmetrics() -> None:
    accept = {"accept": "application/openmetrics-text; version=1.0.0"}
    response = TestClient(app_with_routes()).get("/metrics", headers=accept)
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")
