import json

import pytest
from meilisearch.errors import MeilisearchCommunicationError, MeilisearchTimeoutError
from pydantic import BaseModel
from redis.exceptions import ConnectionError as RedisConnectionError
from requests.exceptions import ChunkedEncodingError
from requests.exceptions import ConnectionError as RequestsConnectionError

from shared.contracts.keys import ENRICHMENT_GROUP, Streams
from shared.runtime.batches import Entry, check_batch, decode, undecodable
from shared.runtime.delivery import backoff_seconds, describe, is_transient
from shared.runtime.housekeeping import after, id_order, min_id, sweep_interval
from shared.runtime.reaper import Pending, due, exhausted


class Ping(BaseModel):
    n: int


@pytest.mark.parametrize(
    "exc",
    [
        RedisConnectionError("down"),
        MeilisearchCommunicationError("refused"),
        MeilisearchTimeoutError("slow"),
        TimeoutError(),
        ConnectionResetError(),
        ChunkedEncodingError("Response ended prematurely"),
        RequestsConnectionError("reset"),
    ],
)
def test_unreachable_dependencies_are_transient(exc: Exception) -> None:
    assert is_transient(exc)


@pytest.mark.parametrize("exc", [ValueError("bad"), KeyError("x"), RuntimeError("bug")])
def test_bugs_and_bad_data_are_not(exc: Exception) -> None:
    assert not is_transient(exc)


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff_seconds(n, 0.5, 3.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_errors_are_one_bounded_line() -> None:
    text = describe(ValueError("line one\nline two" + "x" * 5000))
    assert text.startswith("ValueError: line one line two")
    assert len(text) == 2000


def test_each_delivery_waits_twice_as_long_as_the_last() -> None:
    first, third = Pending("1-0", 1), Pending("1-0", 3)
    assert due(first, 100, 100)
    assert not due(third, 399, 100)
    assert due(third, 400, 100)


def test_failed_messages_get_max_deliveries_crashing_ones_three_times_as_many() -> None:
    assert not exhausted(Pending("1-0", 4), "ValueError: x", 5)
    assert exhausted(Pending("1-0", 5), "ValueError: x", 5)
    assert not exhausted(Pending("1-0", 14), None, 5)
    assert exhausted(Pending("1-0", 15), None, 5)


def test_retention_keeps_ids_newer_than_the_cutoff() -> None:
    assert min_id(10 * 86_400_000, 7) == f"{3 * 86_400_000}-0"
    assert min_id(1000, 7) == "0-0"


def test_stream_ids_order_by_time_then_sequence() -> None:
    ids = ["10-2", "9-15", "10-10", "10-0"]
    assert sorted(ids, key=id_order) == ["9-15", "10-0", "10-2", "10-10"]
    assert after("10-2") == "10-3"
    assert after("0-0") == "0-1"


def test_only_the_ingested_stream_is_a_work_queue_done_by_enrichment() -> None:
    assert Streams("ns:").work_queues() == {"ns:articles.ingested": (ENRICHMENT_GROUP,)}


def test_sweeps_come_often_enough_but_not_in_a_hot_loop() -> None:
    assert sweep_interval(60) == 15.0
    assert sweep_interval(2) == 0.5
    assert sweep_interval(0.01) == 0.2


def test_entries_decode_as_json_text_or_a_marker_with_the_cause() -> None:
    assert decode(b"1-0", {b"__data__": b'{"n": 1}'}) == Entry("1-0", {"n": 1})
    assert decode("2-0", {b"__data__": b"plain"}).body == "plain"
    poison = decode("3-0", {b"__data__": b"\xff\xfe"}).body
    assert poison["__undecodable__"].startswith("not UTF-8 text")
    assert undecodable({b"other": b"x"}) is not None
    assert undecodable({b"__data__": b"{}"}) is None


def test_dead_letters_say_why_and_which_message() -> None:
    entries = [
        Entry("1-0", {"n": 1}),
        Entry("2-0", {"n": "x"}),
        decode("3-0", {b"__data__": b"\xff"}),
    ]
    checked = check_batch(Ping, entries, service="s", stream="st")
    assert [p.n for p in checked.valid] == [1]
    first, second = checked.rejected
    assert (first.message_id, first.error.split(",")[0]) == (
        "2-0",
        "n: Input should be a valid integer",
    )
    assert second.message_id == "3-0"
    assert second.error.startswith("not decodable: not UTF-8 text")
    assert json.loads(second.original)["fields"] == {"__data__": "b'\\xff'"}
