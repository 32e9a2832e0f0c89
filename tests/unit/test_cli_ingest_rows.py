"""`ontheme ingest`: reading lines, validating them as the API does, recording rejects."""

import gzip
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from services.cli import ingest_file
from services.cli.ingest_file import Rejects, Source, parse_line, reject_record
from services.cli.ingest_progress import Tally, first_interrupt_stops, peak_rss_mib, summary
from services.cli.main import main
from shared.articles.convert import parse_batch, to_article
from shared.articles.submitted import ArticleIn
from shared.contracts.events import Article, ArticleIngested

MIXED = Path(__file__).parents[1] / "fixtures" / "bulk" / "mixed.jsonl"
ROW: dict[str, Any] = {
    "id": "uci-1",
    "dataset": "uci_news_aggregator",
    "title": "Fed official says weak data caused by weather",
    "description": None,
    "body": None,
    "url": "https://news.example/fed?utm_source=rss",
    "source": "Example Times",
    "published_at": "2014-03-10T16:52:50.698Z",
    "category": "b",
    "story_id": "ddUyU0VZz0BRneMioxUPQVP6sIxvM",
    "language": "en",
    "extra": {"hostname": "news.example", "uci_id": 1},
}


def line(value: Any) -> bytes:
    return json.dumps(value).encode() + b"\n"


def test_a_data_set_row_becomes_the_article_the_api_would_build() -> None:
    article = parse_line(line(ROW))
    api_fields = {k: v for k, v in ROW.items() if k not in ingest_file.DATASET_FIELDS}
    assert article == to_article(ArticleIn.model_validate(api_fields))
    assert isinstance(article, Article)
    assert article.id != "uci-1"  # ontheme's own id: a hash of the canonical URL
    assert article.canonical_url == "https://news.example/fed"


def test_labels_never_reach_the_event() -> None:
    article = parse_line(line(ROW))
    assert isinstance(article, Article)
    event = ArticleIngested(article=article).model_dump_json()
    for label in ("category", "story_id", "ddUyU0VZz0BRneMioxUPQVP6sIxvM", "uci_id", "dataset"):
        assert label not in event


def test_labels_are_dropped_explicitly() -> None:
    assert {"category", "story_id"} <= ingest_file.LABELS <= ingest_file.DATASET_FIELDS


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"title": "x", "author": "A. Writer"}, "author: Extra inputs are not permitted"),
        ({"url": "https://news.example/a"}, "title: Field required"),
        ({"title": "   "}, "title: String should have at least 1 character"),
        ({"title": "x", "url": "ftp://a.example/b"}, "must be an absolute http(s) URL"),
        ({"title": "x", "published_at": "2999-01-01T00:00:00Z"}, "is in the future"),
        ({"title": 5}, "title: Input should be a valid string"),
        (["not", "an", "object"], "Input should be a valid dictionary"),
    ],
)
def test_invalid_rows_get_the_api_s_reason(row: Any, reason: str) -> None:
    rejected = parse_line(line(row))
    assert isinstance(rejected, str)
    assert reason in rejected
    (api_answer,) = parse_batch([row])
    assert rejected == api_answer


def test_lines_that_are_not_json_or_not_utf8_are_rejected() -> None:
    assert str(parse_line(b'{"title": "broken",\n')).startswith("not JSON: ")
    assert str(parse_line(b'{"title": "caf\xe9"}\n')).startswith("not UTF-8: ")


def test_a_byte_order_mark_is_ignored() -> None:
    assert isinstance(parse_line(b'\xef\xbb\xbf{"title": "x"}\n'), Article)


def test_the_fixture_s_outcomes() -> None:
    with Source(MIXED) as source:
        outcomes = {n: parse_line(data) for n, data in source.lines()}
    assert 3 not in outcomes  # the blank line: skipped, yet counted in the numbering
    accepted = [n for n, o in outcomes.items() if isinstance(o, Article)]
    assert accepted == [1, 2, 4, 11]
    assert len(outcomes) == 11


def test_gzip_is_told_by_its_first_bytes_not_its_name(tmp_path: Path) -> None:
    text = MIXED.read_bytes()
    hidden = tmp_path / "articles.jsonl"  # gzip'd, without .gz
    hidden.write_bytes(gzip.compress(text, mtime=0))
    plain = tmp_path / "articles.jsonl.gz"  # plain, despite .gz
    plain.write_bytes(text)
    for path in (hidden, plain):
        with Source(path) as source:
            assert [d for _, d in source.lines()] == [d for d in text.splitlines(True) if d.strip()]
            assert source.position() == source.size == path.stat().st_size


def test_an_overlong_line_is_rejected_without_being_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_file, "MAX_LINE_BYTES", 100)
    path = tmp_path / "long.jsonl"
    path.write_bytes(line({"title": "x" * 5000}) + line({"title": "after"}))
    with Source(path) as source:
        (n1, head), (n2, after) = source.lines()
    assert (n1, n2) == (1, 2)
    assert len(head) < 200
    assert "longer than 100 bytes" in str(parse_line(head))
    assert isinstance(parse_line(after), Article)


def test_a_reject_record_keeps_the_line_number_reason_and_raw_text() -> None:
    record = json.loads(reject_record(7, "title: Field required", b'{"url": "x"}\r\n'))
    assert record == {"line": 7, "reason": "title: Field required", "raw": '{"url": "x"}'}
    long = json.loads(reject_record(1, "r", b"y" * 50_000))
    assert len(long["raw"]) == ingest_file.MAX_RAW_CHARS


def test_the_rejects_file_is_replaced_and_only_made_when_needed(tmp_path: Path) -> None:
    path = tmp_path / "x.rejected.jsonl"
    path.write_text("from an earlier run\n")
    with Rejects(path):
        pass
    assert not path.exists()
    with Rejects(path) as rejects:
        rejects.add(2, "not JSON", b"{")
        rejects.add(5, "not JSON", b"[")
    assert [json.loads(r)["line"] for r in path.read_text().splitlines()] == [2, 5]
    assert rejects.count == 2


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot open" in capsys.readouterr().err
    path = tmp_path / "a.jsonl"
    path.write_text("")
    assert main(["ingest", str(path), "--rejects", str(path)]) == 2
    with pytest.raises(SystemExit) as exit_:
        main(["ingest", str(path), "--batch", "0"])
    assert exit_.value.code == 2


def test_ctrl_c_stops_after_the_chunk_in_hand_and_twice_at_once() -> None:
    tally = Tally()
    before = signal.getsignal(signal.SIGINT)
    with first_interrupt_stops(tally):
        os.kill(os.getpid(), signal.SIGINT)
        assert tally.interrupted
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


def test_the_summary_names_the_rejects_file_only_when_it_has_lines(tmp_path: Path) -> None:
    tally = Tally(read=10, accepted=6, duplicate=2)
    rejects = Rejects(tmp_path / "r.jsonl")
    lines = summary(tally, rejects)
    assert [line.split()[0] for line in lines] == [
        "read", "accepted", "duplicate", "rejected", "seconds", "rate", "peak",
    ]  # fmt: skip
    assert "r.jsonl" not in lines[3]
    rejects.count = 2
    assert str(tmp_path / "r.jsonl") in summary(tally, rejects)[3]
    assert 10 < peak_rss_mib() < 10_000
