"""`ontheme reindex`: the parts that need no server."""

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from faststream.redis.parser.binary import BinaryMessageFormatV1

from services.cli.main import main, parser
from services.cli.reindex_build import Tally, summary
from services.cli.reindex_meili import RebuildError, wait_tasks
from services.cli.reindex_read import (
    Links,
    decode,
    entry_time,
    link_fields,
    related_moved,
)
from shared.contracts.events import Article, ArticleEnriched, Enrichment
from shared.contracts.wire import DEFLATED_TAG, deflate

WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)


def event(dims: int = 4) -> ArticleEnriched:
    return ArticleEnriched(
        article=Article(id="a" * 24, title="Fed holds rates"),
        enrichment=Enrichment(embedding=[0.5] * dims),
        ingested_at=WHEN,
    )


async def test_decode_reads_deflated_and_plain_envelopes_and_raw_json() -> None:
    body = event().model_dump_json().encode()
    # What the wire carries: its vector is quantised (shared.contracts.vectors.pack).
    original = ArticleEnriched.model_validate_json(body)
    envelope = await BinaryMessageFormatV1.encode(
        message=body,
        reply_to=None,
        headers={"content-type": "application/json"},
        correlation_id="c",
    )
    assert decode({b"__data__": envelope}, 4) == original
    assert decode({b"__data__": deflate(envelope)}, 4) == original
    assert decode({b"__data__": body}, 4) == original


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {b"__data__": b"not json"},
        {b"__data__": DEFLATED_TAG + b"not deflate"},
        {b"__data__": b'{"not": "an event"}'},
        {b"__data__": event(dims=3).model_dump_json().encode()},  # fails a Meilisearch batch
    ],
)
def test_decode_refuses_what_is_not_a_valid_enriched_article(fields: dict[bytes, bytes]) -> None:
    assert decode(fields, 4) is None


def test_an_article_without_a_vector_is_valid() -> None:
    body = event().model_copy(update={"enrichment": Enrichment()}).model_dump_json().encode()
    assert decode({b"__data__": body}, 4) is not None


def test_entry_time_is_when_the_entry_was_added() -> None:
    assert entry_time(b"1394452800000-3") == WHEN
    assert entry_time("1394452800000-0") == WHEN


@pytest.mark.parametrize(
    ("links", "fields"),
    [
        (Links("s"), {"story_id": "s"}),
        (Links(None), {}),  # not seen by the related service yet
    ],
)
def test_link_fields(links: Links, fields: dict[str, Any]) -> None:
    assert link_fields(links) == fields


def test_a_links_digest_changes_with_what_redis_holds() -> None:
    assert Links("s").digest() == Links("s").digest()
    assert Links("s").digest() != Links("t").digest()
    assert Links(None).digest() != Links("s").digest()


@pytest.mark.parametrize(
    ("before", "after", "moved"),
    [
        (None, None, False),  # no related service at all
        (("5-0", 0), ("5-0", 0), False),
        (("5-0", 2), ("5-0", 2), True),  # a batch was being handled when the rebuild began
        (("5-0", 0), ("6-0", 0), True),
        (None, ("0-0", 0), True),
    ],
)
def test_related_moved(before: Any, after: Any, moved: bool) -> None:
    assert related_moved(before, after) is moved


def test_the_summary_reports_counts_rate_and_what_retention_cut() -> None:
    tally = Tally(events=1200, invalid=2, oldest=WHEN, links=dict.fromkeys("abcd", 0))
    tally.stories = {"s": 0}
    lines = summary(tally, (1200, 1500), seconds=2.0, refreshed=1)
    assert lines == [
        "events read: 1,200 (oldest retained event added 2014-03-10 12:00:00 UTC)",
        "invalid events skipped: 2",
        "articles indexed: 4 (1 re-sent: their story changed meanwhile)",
        "stories indexed: 1",
        "took 2.0 s: 2 articles/s",
        "note: 300 older events were trimmed from the stream (retention); "
        "articles only they held are not in the rebuilt index",
    ]
    assert len(summary(tally, (1200, 1200), seconds=0.0, refreshed=0)) == 5


def test_options() -> None:
    args = parser().parse_args(["reindex", "--dry-run", "--batch", "50", "--keep-old"])
    assert (args.dry_run, args.batch, args.keep_old) == (True, 50, True)
    assert parser().parse_args(["reindex"]).batch == 1000
    for bad in ("0", "10001", "x"):
        with pytest.raises(SystemExit):
            parser().parse_args(["reindex", "--batch", bad])


def test_reindex_without_the_master_key_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .data/local.env
    monkeypatch.delenv("MEILI_MASTER_KEY", raising=False)
    assert main(["reindex"]) == 2
    assert "reindex needs MEILI_MASTER_KEY" in capsys.readouterr().err


class Tasks:
    """Stands in for Meilisearch's task list: every task has one status."""

    def __init__(self, status: str):
        self.status = status

    def get_tasks(self, params: dict[str, Any]) -> Any:
        hit = self.status in params["statuses"]
        found = [SimpleNamespace(error={"message": "vector mismatch"})] if hit else []
        return SimpleNamespace(total=len(params["uids"]) if hit else 0, results=found)


def test_waiting_on_tasks_fails_when_one_failed() -> None:
    said: list[str] = []
    wait_tasks(cast(Any, Tasks("succeeded")), [1, 2], said.append)
    with pytest.raises(RebuildError, match=r"2 Meilisearch task.*vector mismatch"):
        wait_tasks(cast(Any, Tasks("failed")), [1, 2], said.append)
    assert said == []
