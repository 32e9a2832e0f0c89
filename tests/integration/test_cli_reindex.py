"""`ontheme reindex` against real Redis and Meilisearch: retained events in, indexes swapped."""

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import meilisearch
import pytest
import redis
from redis.asyncio import Redis

from services.cli.main import main
from services.cli.reindex_meili import RebuildError
from services.cli.reindex_meili import swap as real_swap
from services.related.store import RelatedStore, join_of
from services.search.keys import provision_search_key, search_key_uid
from shared.adapters.indexes import ensure_index, ensure_stories_index
from shared.contracts.events import Article, ArticleEnriched, Enrichment, EntityMention
from shared.contracts.index_schema import stories_index_uid
from shared.contracts.keys import RELATED_GROUP, Streams
from shared.contracts.themes import ThemeScore
from shared.runtime.broker import publish_many

WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)
DIMS = 512
ECON = ThemeScore(slug="economy", name="Economy", level=1, top="economy", score=0.8)
STALE = {"id": "f" * 24, "title": "Old news", "_vectors": {"article": None}}


def hx(n: int) -> str:
    return f"{n:024x}"


def enriched(n: int, title: str = "", dims: int = DIMS) -> ArticleEnriched:
    article = Article(id=hx(n), title=title or f"Article {n}", source="Wire", published_at=WHEN)
    vector = [0.0] * dims
    vector[n % dims] = 1.0
    enrichment = Enrichment(
        language="en",
        lede=f"Lede {n}.",
        keywords=["rates"],
        themes=[ECON],
        entities=[EntityMention(type="person", name="Janet Yellen", mentions=2, first_position=0)],
        embedding=vector,
        ran=["language", "embedding"],
    )
    return ArticleEnriched(article=article, enrichment=enrichment, ingested_at=WHEN)


async def publish(env: dict[str, str], events: list[ArticleEnriched]) -> None:
    """Publish as the enrichment worker does: deflated envelopes, one pipeline."""
    client = Redis.from_url(env["REDIS_URL"])
    await publish_many(client, Streams(env["ONTHEME_NAMESPACE"]).enriched, events)
    await client.aclose()


async def seed_related(env: dict[str, str], joins: dict[int, int]) -> None:
    """Store stories through the related service's own store (its lists stay in Redis)."""
    client = Redis.from_url(env["REDIS_URL"])
    store = RelatedStore(client, env["ONTHEME_NAMESPACE"], 3600)
    await store.join([join_of(enriched(a), hx(s)) for a, s in joins.items()])
    await client.aclose()


@pytest.fixture
def env(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> dict[str, str]:
    """The test's own streams and indexes in the environment; no `.data/local.env` read."""
    monkeypatch.chdir(tmp_path)
    for name, value in service_env.items():
        monkeypatch.setenv(name, value)
    # The rebuild keeps vectors as the live index does: hybrid search on.
    monkeypatch.setenv("ONTHEME_SEMANTIC", "true")
    return service_env


@pytest.fixture
def seeded(env: dict[str, str], meili_admin: meilisearch.Client) -> Iterator[dict[str, str]]:
    """A stream of retained events, related state in Redis, and stale live indexes."""
    index = env["MEILI_INDEX"]
    ensure_index(meili_admin, index, DIMS)
    ensure_stories_index(meili_admin, index)
    live_copy = {**STALE, "id": hx(4), "related": [{"id": hx(9), "score": 0.7}]}  # older format
    meili_admin.wait_for_task(meili_admin.index(index).add_documents([STALE, live_copy]).task_uid)
    task = meili_admin.index(stories_index_uid(index)).add_documents([{"id": "f" * 24}])
    meili_admin.wait_for_task(task.task_uid)
    events = [enriched(1), enriched(2, "First title"), enriched(3), enriched(2, "Second title")]
    events += [enriched(4), enriched(5), enriched(6), enriched(10, dims=3)]
    asyncio.run(publish(env, events))
    client = redis.Redis.from_url(env["REDIS_URL"])
    stream = Streams(env["ONTHEME_NAMESPACE"]).enriched
    client.xadd(stream, {"__data__": enriched(7).model_dump_json()})  # raw JSON, no envelope
    client.xadd(stream, {"__data__": '{"not": "an event"}'})
    client.xgroup_create(stream, RELATED_GROUP, id="$")
    client.close()
    asyncio.run(seed_related(env, {1: 1, 2: 1, 3: 1, 4: 4, 6: 6}))
    yield env
    for uid in [i.uid for i in meili_admin.get_indexes({"limit": 1000})["results"]]:
        if uid.startswith(f"{index}-rebuild-"):
            meili_admin.delete_index(uid)


def documents(client: meilisearch.Client, uid: str) -> dict[str, dict[str, Any]]:
    found = client.index(uid).get_documents({"limit": 1000, "retrieveVectors": True}).results
    return {doc.id: dict(doc) for doc in found}


def rebuild_indexes(client: meilisearch.Client, index: str) -> list[str]:
    uids = [i.uid for i in client.get_indexes({"limit": 1000})["results"]]
    return [uid for uid in uids if uid.startswith(f"{index}-rebuild-")]


def run_while_searching(
    client: meilisearch.Client, index: str, argv: list[str]
) -> tuple[int, list[int]]:
    """Run the command in a thread while a reader searches the live index; return both."""
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(main(argv)))
    hits: list[int] = []
    worker.start()
    while worker.is_alive() or len(hits) < 3:
        hits.append(client.index(index).search("", {"limit": 1})["estimatedTotalHits"])
    worker.join()
    return result[0], hits


def test_reindex_rebuilds_both_indexes_and_swaps_them_in(
    seeded: dict[str, str], meili_admin: meilisearch.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    index = seeded["MEILI_INDEX"]
    reader = meilisearch.Client(seeded["MEILI_URL"], provision_search_key(meili_admin, index))
    code, hits = run_while_searching(reader, index, ["reindex", "--batch", "3"])
    meili_admin.delete_key(search_key_uid(index))
    assert code == 0, capsys.readouterr().err
    # The reader's key and its searches went on across the swap: old documents, then new.
    assert all(hits)
    assert hits[-1] == 7
    docs = documents(meili_admin, index)
    assert set(docs) == {hx(n) for n in range(1, 8)}  # the stale document was not retained
    first = docs[hx(1)]
    assert (first["lede"], first["keywords"], first["primary_theme"]) == (
        "Lede 1.",
        ["rates"],
        "economy",
    )
    assert first["people"] == ["Janet Yellen"]
    assert first["_vectors"]["article"]["embeddings"][0][1] == 1.0
    assert docs[hx(2)]["title"] == "Second title"  # the last event of an article wins
    assert {docs[hx(n)]["story_id"] for n in (1, 2, 3)} == {hx(1)}
    assert docs[hx(6)]["story_id"] == hx(6)
    assert "story_id" not in docs[hx(5)]
    assert "story_id" not in docs[hx(7)]
    # Related lists are served from Redis: documents carry none, an old copy is not kept.
    assert not any("related" in doc for doc in docs.values())
    stories = documents(meili_admin, stories_index_uid(index))
    assert set(stories) == {hx(1), hx(4), hx(6)}
    assert stories[hx(1)]["article_count"] == 3
    assert rebuild_indexes(meili_admin, index) == []
    out = capsys.readouterr().out
    for line in ("events read: 10 ", "invalid events skipped: 2", "articles indexed: 7"):
        assert line in out
    assert "stories indexed: 3" in out
    assert "old indexes deleted" in out


def test_dry_run_counts_and_changes_nothing(
    seeded: dict[str, str], meili_admin: meilisearch.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    index = seeded["MEILI_INDEX"]
    before = documents(meili_admin, index)
    assert main(["reindex", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "articles to index: 7" in out
    assert "stories to index: 3" in out
    assert "the live index holds 2 documents" in out
    assert documents(meili_admin, index) == before
    assert rebuild_indexes(meili_admin, index) == []


def test_keep_old_keeps_the_swapped_out_indexes(
    seeded: dict[str, str], meili_admin: meilisearch.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    index = seeded["MEILI_INDEX"]
    assert main(["reindex", "--keep-old"]) == 0
    kept = rebuild_indexes(meili_admin, index)
    old = min(kept, key=len)
    assert sorted(kept) == [old, stories_index_uid(old)]
    assert f"old indexes kept as '{old}'" in capsys.readouterr().out
    assert set(documents(meili_admin, old)) == {STALE["id"], hx(4)}
    assert set(documents(meili_admin, stories_index_uid(old))) == {"f" * 24}


def test_what_the_workers_write_during_the_rebuild_is_not_lost(
    seeded: dict[str, str],
    meili_admin: meilisearch.Client,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def workers_then_swap(*args: Any) -> None:
        # Just before the swap: a new event and story joins, as the workers make them.
        asyncio.run(publish(seeded, [enriched(8)]))
        asyncio.run(seed_related(seeded, {8: 6, 5: 4}))
        client = redis.Redis.from_url(seeded["REDIS_URL"])
        stream = Streams(seeded["ONTHEME_NAMESPACE"]).enriched
        client.xreadgroup(RELATED_GROUP, "worker", {stream: ">"})
        client.close()
        real_swap(*args)

    monkeypatch.setattr("services.cli.reindex.swap", workers_then_swap)
    assert main(["reindex"]) == 0
    out = capsys.readouterr().out
    assert "the related service ran meanwhile" in out
    assert "articles indexed: 8 (1 re-sent: their story changed meanwhile)" in out
    docs = documents(meili_admin, seeded["MEILI_INDEX"])
    assert docs[hx(8)]["story_id"] == hx(6)
    assert docs[hx(5)]["story_id"] == hx(4)
    stories = documents(meili_admin, stories_index_uid(seeded["MEILI_INDEX"]))
    assert stories[hx(6)]["article_count"] == 2


def test_a_failed_rebuild_leaves_the_live_indexes_as_they_were(
    seeded: dict[str, str],
    meili_admin: meilisearch.Client,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken_swap(*_: Any) -> None:
        raise RebuildError("swap refused")

    monkeypatch.setattr("services.cli.reindex.swap", broken_swap)
    before = documents(meili_admin, seeded["MEILI_INDEX"])
    assert main(["reindex"]) == 1
    err = capsys.readouterr().err
    assert "stopped before the swap: the live indexes are unchanged" in err
    assert "reindex failed: swap refused" in err
    assert documents(meili_admin, seeded["MEILI_INDEX"]) == before
    assert rebuild_indexes(meili_admin, seeded["MEILI_INDEX"]) == []


def test_an_empty_stream_changes_nothing(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reindex"]) == 1
    assert "is empty: nothing to rebuild from" in capsys.readouterr().err


def test_the_summary_says_what_retention_trimmed(
    seeded: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    client = redis.Redis.from_url(seeded["REDIS_URL"])
    stream = Streams(seeded["ONTHEME_NAMESPACE"]).enriched
    first_three = client.xrange(stream, count=3) or []
    client.xtrim(stream, minid=first_three[-1][0], approximate=False)
    client.close()
    assert main(["reindex", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "events read: 8 " in out
    assert "note: 2 older events were trimmed from the stream" in out


def test_live_indexes_that_do_not_exist_yet_are_created(
    seeded: dict[str, str], meili_admin: meilisearch.Client
) -> None:
    index = seeded["MEILI_INDEX"]
    for uid in (index, stories_index_uid(index)):
        meili_admin.wait_for_task(meili_admin.delete_index(uid).task_uid)
    assert main(["reindex"]) == 0
    assert len(documents(meili_admin, index)) == 7
    assert set(documents(meili_admin, stories_index_uid(index))) == {hx(1), hx(4), hx(6)}
    assert rebuild_indexes(meili_admin, index) == []
