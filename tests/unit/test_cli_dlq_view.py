import json
from datetime import UTC, datetime

import pytest

from services.cli.dlq_view import (
    Filters,
    Letter,
    collect,
    letter_json,
    list_line,
    parse_entry,
    pretty,
    replay_problem,
    short_stream,
    show_lines,
    summary_line,
)
from services.cli.main import main
from shared.contracts.events import EventDeadLettered
from shared.contracts.keys import Streams
from shared.runtime.batches import decode, dump_body

STREAMS = Streams("ns:")
WHEN = datetime(2026, 11, 5, 12, 30, tzinfo=UTC)
ORIGINAL = json.dumps({"schema_version": 1, "article": {"id": "a" * 24, "title": "Fed holds"}})


def letter(
    entry_id: str = "1700000000000-0",
    *,
    service: str = "enrichment",
    stream: str = "ns:articles.ingested",
    original: str = ORIGINAL,
    error: str = "article.title: Field required",
    attempts: int = 1,
) -> Letter:
    event = EventDeadLettered(
        service=service,
        stream=stream,
        error=error,
        original=original,
        attempts=attempts,
        failed_at=WHEN,
    )
    return Letter(entry_id, event, event.model_dump_json())


def test_an_entry_is_read_as_the_event_the_workers_wrote() -> None:
    written = letter()
    assert written.event is not None
    read = parse_entry(b"1-0", {b"__data__": written.event.model_dump_json().encode()})
    assert (read.entry_id, read.event, read.problem) == ("1-0", written.event, None)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({b"other": b"x"}, "no __data__ field"),
        ({b"__data__": b"not json"}, "not an EventDeadLettered"),
        ({b"__data__": b'{"service": "x"}'}, "stream: Field required"),
    ],
)
def test_an_entry_that_is_no_dead_letter_is_kept_with_the_reason(
    fields: dict[bytes, bytes], problem: str
) -> None:
    read = parse_entry(b"1-0", fields)
    assert read.event is None
    assert read.problem is not None
    assert problem in read.problem


def test_filters_match_service_and_stream_by_short_name_or_key() -> None:
    enriched = letter(service="indexing", stream="ns:articles.enriched")
    assert Filters().accepts(enriched, STREAMS)
    assert Filters(service="indexing").accepts(enriched, STREAMS)
    assert not Filters(service="related").accepts(enriched, STREAMS)
    assert Filters(stream="articles.enriched").accepts(enriched, STREAMS)
    assert Filters(stream="ns:articles.enriched").accepts(enriched, STREAMS)
    assert not Filters(stream="articles.ingested").accepts(enriched, STREAMS)
    assert not Filters(service="indexing", stream="articles.ingested").accepts(enriched, STREAMS)


def test_a_short_name_is_only_taken_from_this_namespace() -> None:
    assert short_stream("ns:articles.enriched", STREAMS) == "articles.enriched"
    assert short_stream("other:articles.enriched", STREAMS) == "other:articles.enriched"
    assert not Filters(stream="articles.enriched").accepts(
        letter(stream="other:articles.enriched"), STREAMS
    )


def test_unreadable_letters_pass_no_filter() -> None:
    unreadable = parse_entry(b"1-0", {b"other": b"x"})
    assert Filters().accepts(unreadable, STREAMS)
    assert not Filters(service="enrichment").accepts(unreadable, STREAMS)


def test_collect_keeps_the_first_matches_and_counts_every_letter() -> None:
    letters = [letter(f"{n}-0", service="indexing" if n % 2 else "related") for n in range(9)]
    letters.append(parse_entry(b"99-0", {b"other": b"x"}))
    listing = collect(letters, Filters(service="indexing"), STREAMS, limit=2)
    assert [x.entry_id for x in listing.shown] == ["1-0", "3-0"]
    assert listing.matching == 4
    assert listing.by_service == {"indexing": 4, "related": 5, "?": 1}
    assert (
        summary_line(listing, 10)
        == "2 shown of 4 matching; 10 in total: ? 1, indexing 4, related 5"
    )


def test_summary_of_an_empty_stream() -> None:
    assert (
        summary_line(collect([], Filters(), STREAMS, 20), 0) == "0 shown of 0 matching; 0 in total"
    )


def test_a_list_line_has_every_column_and_fits_the_width() -> None:
    line = list_line(letter(error="x" * 500, attempts=3), STREAMS)
    assert len(line) == 120
    assert line.startswith("1700000000000-0 2026-11-05T12:30:00Z enrichment articles.ingested")
    assert "  3 xxx" in line
    assert line.endswith("x...")


def test_a_list_line_flattens_a_multi_line_error() -> None:
    line = list_line(letter(error="first\n  second"), STREAMS)
    assert line.endswith("first second")


def test_an_unreadable_letter_has_a_line_too() -> None:
    line = list_line(parse_entry(b"1-0", {b"other": b"x"}), STREAMS)
    assert line.endswith("unreadable: no __data__ field")


def test_a_letter_that_can_go_back_has_no_problem() -> None:
    assert replay_problem(letter(), STREAMS) is None
    assert replay_problem(letter(stream="ns:articles.enriched"), STREAMS) is None


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"original": "b'\\x89PNG'"}, "original is not valid JSON"),
        ({"original": '"just a string"'}, "not a JSON object"),
        ({"original": "[1, 2]"}, "not a JSON object"),
        ({"original": '{"data": "x", "n": 1}'}, "FastStream would unwrap"),
        ({"stream": "other:articles.ingested"}, "not a pipeline stream"),
        ({"stream": "ns:articles.dead-letter"}, "not a pipeline stream"),
        ({"stream": "articles.ingested"}, "not a pipeline stream"),
    ],
)
def test_a_letter_that_cannot_go_back_is_refused_with_the_reason(
    changes: dict[str, str], problem: str
) -> None:
    reason = replay_problem(letter(**changes), STREAMS)  # type: ignore[arg-type]
    assert reason is not None
    assert problem in reason


def test_an_event_the_workers_could_not_decode_is_never_replayed() -> None:
    # As a worker dead-letters an entry that is not UTF-8: its original is the marker.
    original = dump_body(decode(b"1-0", {b"__data__": b"\xff\xfe{"}).body)
    reason = replay_problem(letter(original=original), STREAMS)
    assert reason is not None
    assert reason.startswith("original was not decodable (not UTF-8 text")


def test_an_unreadable_letter_is_never_replayed() -> None:
    reason = replay_problem(parse_entry(b"1-0", {b"other": b"x"}), STREAMS)
    assert reason is not None
    assert "unreadable" in reason


def test_show_prints_every_field_and_the_original_pretty() -> None:
    lines = show_lines(letter(attempts=4))
    text = "\n".join(lines)
    for expected in ("1700000000000-0", "enrichment", "ns:articles.ingested", "Field required"):
        assert expected in text
    assert "attempts:       4" in lines
    assert "failed_at:      2026-11-05T12:30:00Z" in lines
    at = lines.index("original:")
    assert json.loads("\n".join(lines[at + 1 :])) == json.loads(ORIGINAL)
    assert lines[at + 2].startswith('  "')


def test_an_original_that_is_not_json_is_shown_as_it_is() -> None:
    assert pretty("b'\\x89PNG'") == "b'\\x89PNG'"


def test_json_output_carries_the_id_and_every_field() -> None:
    document = letter_json(letter())
    assert document["id"] == "1700000000000-0"
    assert document["original"] == ORIGINAL
    assert document["failed_at"] == "2026-11-05T12:30:00Z"
    unreadable = letter_json(parse_entry(b"1-0", {b"other": b"x"}))
    assert unreadable == {"id": "1-0", "unreadable": "no __data__ field", "data": '{"other": "x"}'}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dlq", "replay"], "give entry IDs, or --all"),
        (["dlq", "drop", "1-0", "--all"], "not both"),
        (["dlq", "replay", "1-0", "--service", "indexing"], "only go with --all"),
    ],
)
def test_bad_targets_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["dlq", "show", "nope"], ["dlq", "drop", "17"], ["dlq", "list", "--limit", "0"]]
)
def test_malformed_arguments_are_refused_by_the_parser(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
