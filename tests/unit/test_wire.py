"""The wire format: what the encoder writes, the decoder reads back; dead letters as plain JSON."""

import hashlib
import json
from importlib import resources

import pytest

from shared.contracts.events import EventDeadLettered
from shared.contracts.keys import FeedKeys, RelatedKeys, Streams
from shared.contracts.wire import (
    DATA_FIELD,
    DEFLATED_TAG,
    TRACE_HEADER,
    body_and_headers,
    dead_letter_fields,
    deflate,
    encode,
    inflate,
    inflated,
    read_dead_letter,
    trace_of,
)
from shared.runtime.batches import UNDECODABLE, decode

TRACE = "0af7651916cd43dd8448eb211c80319c"


async def test_an_encoded_body_reads_back_with_its_content_type_and_trace() -> None:
    data = await encode(b'{"n": 1}', TRACE)
    body, headers = body_and_headers({DATA_FIELD: data})
    assert body == b'{"n": 1}'
    assert headers["content-type"] == "application/json"
    assert trace_of(headers) == TRACE
    untraced = body_and_headers({DATA_FIELD: await encode(b"{}", None)})[1]
    assert TRACE_HEADER not in untraced


# Entries in the streams were deflated with it: changing it would make them unreadable.
DICTIONARY_1_SHA256 = "ec9e0679087fda04a6ae337e098eb9c700458d2c62d02001d3dc6956de8cf66b"


def test_the_preset_dictionary_of_tag_1_never_changes() -> None:
    data = resources.files("shared.contracts").joinpath("wire-dictionary-1.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == DICTIONARY_1_SHA256
    assert DEFLATED_TAG.endswith(b"1")


async def test_entries_are_stored_deflated_and_smaller() -> None:
    body = json.dumps({"enrichment": {"themes": [{"slug": "politics", "level": 1}] * 10}})
    data = await encode(body.encode(), TRACE)
    assert data.startswith(DEFLATED_TAG)
    assert len(data) < len(body)
    assert inflate(data).endswith(body.encode())


def test_untagged_values_inflate_to_themselves() -> None:
    assert inflate(b'{"n": 1}') == b'{"n": 1}'
    assert inflated({b"other": b"x"}) == {b"other": b"x"}


@pytest.mark.parametrize("cut", [DEFLATED_TAG + b"garbage", deflate(b'{"n": 1}' * 50)[:-3]])
def test_a_corrupt_deflated_value_raises_and_is_dead_lettered_with_why(cut: bytes) -> None:
    with pytest.raises(ValueError, match="corrupt deflated entry"):
        inflate(cut)
    entry = decode(b"1-0", {DATA_FIELD: cut})
    assert entry.body[UNDECODABLE].startswith("corrupt envelope: corrupt deflated entry")


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
