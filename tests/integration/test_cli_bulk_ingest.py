"""`ontheme ingest PATH` against the session's real Redis, on this test's own namespace."""

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import redis

from deploy.native.servers import free_port
from services.cli.main import main
from shared.contracts.keys import Streams
from shared.runtime.batches import decode

MIXED = Path(__file__).parents[1] / "fixtures" / "bulk" / "mixed.jsonl"
ROWS = 3000
BAD_EVERY = 250  # every 250th line is broken, so 12 rejects in 3,000


def row(i: int) -> dict[str, Any]:
    """A data-set row with its labels; rows 2k and 2k+1 are one article (tracking parameter)."""
    query = "?utm_source=feed" if i % 2 else ""
    return {
        "id": f"gen-{i}",
        "dataset": "generated",
        "title": f"Headline number {i // 2} about the harbour",
        "url": f"https://news.example/story-{i // 2}{query}",
        "source": "Example Post",
        "published_at": "2014-03-10T16:52:50Z",
        "language": "en",
        "category": f"LABEL-CAT-{i % 4}",
        "story_id": f"LABEL-STORY-{i // 10}",
        "extra": {"n": i},
    }


def write(path: Path, start: int, count: int) -> Path:
    """Generated rows, every BAD_EVERY-th broken; gzip'd when the name ends in .gz."""
    lines = [
        '{"title": "cut off' if i % BAD_EVERY == 0 else json.dumps(row(i))
        for i in range(start, start + count)
    ]
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def ingest(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, int]:
    """Run the command; return its counts."""
    assert main(["ingest", "--quiet", *argv]) == 0
    lines = capsys.readouterr().out.splitlines()
    return {
        name: int(value.replace(",", ""))
        for name, value, *_ in (text.split() for text in lines)
        if name in {"read", "accepted", "duplicate", "rejected"}
    }


def events(cli_redis: "redis.Redis", namespace: str) -> list[dict[str, Any]]:
    found: list[tuple[bytes, dict[bytes, bytes]]]
    found = cli_redis.xrange(Streams(namespace).ingested)  # type: ignore[assignment]
    return [decode(entry_id, fields).body for entry_id, fields in found]


@pytest.mark.parametrize("name", ["rows.jsonl", "rows.jsonl.gz"])
def test_a_file_is_ingested_once(
    cli_redis: "redis.Redis",
    namespace: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    path = write(tmp_path / name, 0, ROWS)
    bad = ROWS // BAD_EVERY
    counts = ingest(capsys, str(path), "--batch", "300")
    assert counts == {
        "read": ROWS,
        "accepted": ROWS // 2,  # one of each pair of rows; the broken ones are all even
        "duplicate": ROWS // 2 - bad,
        "rejected": bad,
    }
    published = events(cli_redis, namespace)
    assert len(published) == ROWS // 2
    text = json.dumps(published)
    assert "LABEL-" not in text
    assert all(set(e["article"]) >= {"id", "title", "canonical_url"} for e in published)
    assert not {"category", "story_id", "dataset", "extra"} & set(published[0]["article"])
    again = ingest(capsys, str(path))
    assert again == {"read": ROWS, "accepted": 0, "duplicate": ROWS - bad, "rejected": bad}
    assert cli_redis.xlen(Streams(namespace).ingested) == ROWS // 2


def test_rejected_lines_go_to_the_side_file(
    cli_redis: "redis.Redis", tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "rows.jsonl", 0, 1000)
    ingest(capsys, str(path))
    records = [json.loads(r) for r in (tmp_path / "rows.jsonl.rejected.jsonl").open()]
    assert [r["line"] for r in records] == [1, 251, 501, 751]
    assert all(r["reason"].startswith("not JSON") for r in records)
    assert records[0]["raw"] == '{"title": "cut off'


def test_the_fixture_with_limit_and_own_rejects_file(
    cli_redis: "redis.Redis", namespace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rejects = tmp_path / "why.jsonl"
    counts = ingest(capsys, str(MIXED), "--rejects", str(rejects), "--batch", "2")
    assert counts == {"read": 11, "accepted": 3, "duplicate": 1, "rejected": 7}
    reasons = {r["line"]: r["reason"] for r in map(json.loads, rejects.open())}
    assert sorted(reasons) == [5, 6, 7, 8, 9, 10, 12]
    assert "author: Extra inputs are not permitted" in reasons[8]
    titles = [e["article"]["title"] for e in events(cli_redis, namespace)]
    assert titles[0] == "Harbour bridge reopens after repairs"
    assert len(titles) == 3
    limited = ingest(capsys, str(MIXED), "--rejects", str(rejects), "--limit", "2")
    assert limited == {"read": 2, "accepted": 0, "duplicate": 2, "rejected": 0}
    assert not rejects.exists()  # this run rejected nothing


def test_unreachable_redis_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    assert main(["ingest", "--quiet", str(MIXED), "--rejects", str(tmp_path / "r")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("ontheme: cannot reach Redis")
