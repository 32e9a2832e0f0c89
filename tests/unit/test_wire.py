"""The wire format: what the encoder writes, the decoder reads back; dead letters as plain JSON."""

import json

import pytest

from shared.contracts.events import EventDeadLettered
from shared.contracts.keys import FeedKeys, RelatedKeys, Streams
from shared.contracts.wire import (
    DATA_FIELD,
    TRACE_HEADER,
    body_and_headers,
    dead_letter_fields,
    encode,
    read_dead_letter,
    trace_of,
)

TRACE = "0af7651916cd43dd8448eb211c80319c"


async def test_an_encoded_body_reads_back_with_its_content_type_and_trace() -> None:
    data = await encode(b'{"n": 1}', TRACE)
    body, headers = body_and_headers({DATA_FIELD: data})
    assert body == b'{"n": 1}'
    assert headers["content-type"] == "application/json"
    assert trace_of(headers) == TRACE
    untraced = body_and_headers({DATA_FIELD: await encode(b"{}", None)})[1]
    assert TRACE_HEADER not in untraced


def test_raw_json_reads_as_a_body_without_headers_and_no_data_as_none() -> None:
    assert body_and_headers({DATA_FIELD: b'{"n": 1}'}) == (b'{"n": 1}', {})
    assert body_and_headers({b"other": b"x"}) == (None, {})


@pytest.mark.parametrize("value", [None, 7, "A" * 32, TRACE + "0"])
def test_a_malformed_trace_header_is_no_trace(value: object) -> None:
    assert trace_of({TRACE_HEADER: value}) is None


def test_a_dead_letter_is_plain_json_and_reads_back() -> None:
    letter = EventDeadLettered(service="indexing", stream="s", error="bad", original="{}")
    fields = dead_letter_fields(letter)
    assert json.loads(fields[DATA_FIELD])["error"] == "bad"  # type: ignore[arg-type]
    read = read_dead_letter({DATA_FIELD: str(fields[DATA_FIELD]).encode()})
    assert (read.event, read.problem) == (letter, None)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({b"other": b"x"}, "no __data__ field"),
        ({DATA_FIELD: b"not json"}, "not an EventDeadLettered"),
    ],
)
def test_an_unreadable_dead_letter_says_why(fields: dict[bytes, bytes], problem: str) -> None:
    read = read_dead_letter(fields)
    assert read.event is None
    assert read.problem is not None
    assert read.problem.startswith(problem)


def test_every_key_family_lives_under_its_namespace() -> None:
    streams, feeds, related = Streams("t1:"), FeedKeys("t1:"), RelatedKeys("t1:")
    keys = [streams.ingested, streams.seen_ids, feeds.schedule, feeds.lease("f")]
    keys += [related.story_of, related.story_aliases, related.vectors, related.related_list("a")]
    keys += related.story("s")
    assert all(key.startswith("t1:") for key in keys)
    assert len(set(keys)) == len(keys)
