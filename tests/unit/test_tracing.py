"""Trace ids: parsing, headers in and out of events, and log lines that name them (no I/O)."""

import json
from typing import Any

import pytest
from pydantic import BaseModel

from services.ingest.app import request_traces
from shared.articles.accept import envelope
from shared.contracts.events import Article, ArticleIngested
from shared.contracts.wire import DATA_FIELD, DEFLATED_TAG, TRACE_HEADER, trace_of, unwrap
from shared.runtime.batches import Entry, check_batch, decode
from shared.runtime.delivery import article_ids, traces_by_article
from shared.runtime.logging import configure_logging, get_logger
from shared.runtime.tracing import (
    add_trace_ids,
    article_id_of,
    batch_traces,
    from_traceparent,
    new_trace_id,
)

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OTHER = "0af7651916cd43dd8448eb211c80319c"


class Ping(BaseModel):
    n: int


def body(article_id: str) -> dict[str, Any]:
    return {"article": {"id": article_id, "title": "t"}}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"00-{TRACE}-00f067aa0ba902b7-01", TRACE),
        (f" 00-{TRACE}-00f067aa0ba902b7-00 ", TRACE),
        # A later version may append fields; version 00 may not.
        (f"01-{TRACE}-00f067aa0ba902b7-01-future", TRACE),
        (f"00-{TRACE}-00f067aa0ba902b7-01-extra", None),
        (f"ff-{TRACE}-00f067aa0ba902b7-01", None),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", None),
        (f"00-{TRACE}-0000000000000000-01", None),
        (f"00-{TRACE.upper()}-00f067aa0ba902b7-01", None),
        (f"00-{TRACE[:-1]}-00f067aa0ba902b7-01", None),
        ("garbage", None),
        ("", None),
        (None, None),
    ],
)
def test_a_traceparent_gives_its_trace_id_only_when_valid(
    header: str | None, expected: str | None
) -> None:
    assert from_traceparent(header) == expected


def test_new_trace_ids_are_w3c_shaped_and_unique() -> None:
    ids = {new_trace_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(trace_of({TRACE_HEADER: i}) == i for i in ids)


def test_a_batch_request_shares_the_clients_trace_or_gets_one_per_article() -> None:
    assert request_traces(f"00-{TRACE}-00f067aa0ba902b7-01", 3) == [TRACE] * 3
    assert request_traces(None, 3) is None
    assert request_traces("not a traceparent", 3) is None


@pytest.mark.parametrize("value", [None, 42, "short", TRACE.upper(), TRACE + "0", "x" * 32])
def test_malformed_trace_headers_are_ignored(value: object) -> None:
    assert trace_of({TRACE_HEADER: value}) is None


def test_article_ids_are_read_from_event_bodies_only() -> None:
    assert article_id_of(body("a1")) == "a1"
    assert article_id_of({"article": {"id": 5}}) is None
    assert article_id_of({"article": "a1"}) is None
    assert article_id_of("text") is None


async def test_ingests_envelope_carries_the_trace_into_the_entry_a_worker_decodes() -> None:
    event = ArticleIngested(article=Article(id="0" * 24, title="Fed holds rates"))
    data = await envelope(event, TRACE)
    assert data.startswith(DEFLATED_TAG)
    _, headers = unwrap(data)
    assert headers[TRACE_HEADER] == TRACE
    assert headers["content-type"] == "application/json"
    entry = decode(b"1-0", {DATA_FIELD: data})
    assert entry.trace_id == TRACE
    assert entry.body["article"]["id"] == "0" * 24
    untraced = decode(b"2-0", {DATA_FIELD: await envelope(event)})
    assert TRACE_HEADER not in untraced.headers
    assert untraced.trace_id is None


def test_raw_json_entries_decode_without_headers() -> None:
    assert decode(b"1-0", {DATA_FIELD: b'{"n": 1}'}) == Entry("1-0", {"n": 1}, {})


def test_checked_batches_keep_each_valid_events_trace_and_letters_keep_theirs() -> None:
    entries = [
        Entry("1-0", {"n": 1}, {TRACE_HEADER: TRACE}),
        Entry("2-0", {"n": "x"}, {TRACE_HEADER: OTHER}),
        Entry("3-0", {"n": 3}),
    ]
    checked = check_batch(Ping, entries, service="s", stream="st")
    assert [p.n for p in checked.valid] == [1, 3]
    assert checked.traces == [TRACE, None]
    (letter,) = checked.rejected
    assert letter.trace_id == OTHER


def test_a_batch_maps_its_articles_to_their_traces() -> None:
    entries = [
        Entry("1-0", body("a1"), {TRACE_HEADER: TRACE}),
        Entry("2-0", body("a2")),
        Entry("3-0", "poison", {TRACE_HEADER: OTHER}),
    ]
    assert traces_by_article(entries) == {"a1": TRACE}
    assert article_ids(entries) == ["a1", "a2"]


def test_log_lines_naming_articles_get_their_traces_in_a_batch_only() -> None:
    line = {"event": "x", "article_ids": ["a1", "a2"], "article_id": "a1"}
    assert add_trace_ids(None, "info", dict(line)) == line
    with batch_traces({"a1": TRACE}):
        traced = add_trace_ids(None, "info", dict(line))
        own = add_trace_ids(None, "info", {"article_id": "a1", "trace_id": OTHER})
    assert traced["trace_ids"] == [TRACE, None]
    assert traced["trace_id"] == TRACE
    assert own["trace_id"] == OTHER
    assert add_trace_ids(None, "info", dict(line)) == line


def test_json_logs_carry_trace_ids(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("unit", "INFO", "json")
    with batch_traces({"a1": TRACE, "a2": OTHER}):
        get_logger("t").info("indexed", article_ids=["a2", "a1"])
        get_logger("t").warning("step failed", article_id="a1")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["trace_ids"] == [OTHER, TRACE]
    assert lines[1]["trace_id"] == TRACE
