"""`ontheme dlq` against the session's real Redis, on this test's own namespace."""

import asyncio
import json
from typing import Any

import pytest
import redis
from faststream.redis import RedisBroker, StreamSub

from deploy.native.servers import free_port
from services.cli import dlq_store
from services.cli.main import main
from shared.contracts.events import Article, ArticleIngested, EventDeadLettered
from shared.contracts.keys import ENRICHMENT_GROUP, Streams
from shared.runtime.batches import decode
from shared.runtime.broker import tolerant_parser

EVENT = ArticleIngested(article=Article(id="a" * 24, title="Fed holds rates, says Yellen"))
ORIGINAL = EVENT.model_dump_json()


@pytest.fixture
def streams(namespace: str) -> Streams:
    return Streams(namespace)


def put(
    cli_redis: "redis.Redis",
    streams: Streams,
    *,
    service: str = "enrichment",
    stream: str | None = None,
    original: str = ORIGINAL,
    error: str = "article.title: Field required",
    trace_id: str | None = None,
) -> str:
    """Dead-letter an event as the workers do (runtime.batches.dead_letter); return its id."""
    letter = EventDeadLettered(
        service=service,
        stream=stream or streams.ingested,
        error=error,
        original=original,
        trace_id=trace_id,
    )
    entry_id = cli_redis.xadd(streams.dead_letter, {"__data__": letter.model_dump_json()})
    return bytes(entry_id).decode()  # type: ignore[arg-type]


def entries(cli_redis: "redis.Redis", stream: str) -> list[tuple[str, dict[bytes, bytes]]]:
    found: list[tuple[bytes, dict[bytes, bytes]]] = cli_redis.xrange(stream)  # type: ignore[assignment]
    return [(entry_id.decode(), fields) for entry_id, fields in found]


def ids(cli_redis: "redis.Redis", stream: str) -> list[str]:
    return [entry_id for entry_id, _ in entries(cli_redis, stream)]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["dlq", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_the_newest_first_with_counts(
    cli_redis: "redis.Redis", streams: Streams, capsys: pytest.CaptureFixture[str]
) -> None:
    first = put(cli_redis, streams, error="first")
    second = put(cli_redis, streams, service="indexing", stream=streams.enriched, error="second")
    third = put(cli_redis, streams, service="related", stream=streams.enriched, error="third")
    code, out, _ = run(capsys, "list")
    lines = out.splitlines()
    assert code == 0
    assert [line.split()[0] for line in lines[1:4]] == [third, second, first]
    assert "indexing   articles.enriched   1 second" in lines[2]
    assert lines[-1] == "3 shown of 3 matching; 3 in total: enrichment 1, indexing 1, related 1"
    code, out, _ = run(capsys, "list", "--limit", "1", "--stream", "articles.enriched")
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == [third]
    assert out.splitlines()[-1].startswith("1 shown of 2 matching; 3 in total")


def test_list_as_json_with_a_service_filter(
    cli_redis: "redis.Redis", streams: Streams, capsys: pytest.CaptureFixture[str]
) -> None:
    put(cli_redis, streams)
    wanted = put(cli_redis, streams, service="indexing", stream=streams.enriched)
    code, out, _ = run(capsys, "list", "--service", "indexing", "--json")
    document = json.loads(out)
    assert code == 0
    assert (document["total"], document["matching"]) == (2, 1)
    assert document["by_service"] == {"enrichment": 1, "indexing": 1}
    assert [d["id"] for d in document["dead_letters"]] == [wanted]
    assert document["dead_letters"][0]["original"] == ORIGINAL


def test_list_of_an_empty_stream(
    cli_redis: "redis.Redis", capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "list") == (0, "0 shown of 0 matching; 0 in total\n", "")


def test_show_prints_everything_and_the_original_pretty(
    cli_redis: "redis.Redis", streams: Streams, capsys: pytest.CaptureFixture[str]
) -> None:
    entry_id = put(cli_redis, streams)
    code, out, _ = run(capsys, "show", entry_id)
    assert code == 0
    assert f"stream:         {streams.ingested}" in out.splitlines()
    original = out.split("original:\n", 1)[1]
    assert json.loads(original) == json.loads(ORIGINAL)
    assert '\n  "article": {\n' in original
    code, out, _ = run(capsys, "show", entry_id, "--json")
    assert json.loads(out)["id"] == entry_id


def test_an_unknown_id_is_not_found(
    cli_redis: "redis.Redis", capsys: pytest.CaptureFixture[str]
) -> None:
    for action in ("show", "replay", "drop"):
        code, _, err = run(capsys, action, "1-0")
        assert (code, err.splitlines()[0]) == (1, "ontheme: no dead letter 1-0")


def test_replay_moves_the_original_back_in_one_step(
    cli_redis: "redis.Redis", streams: Streams, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    entry_id = put(cli_redis, streams, trace_id=trace)
    code, out, _ = run(capsys, "replay", entry_id)
    [(new_id, fields)] = entries(cli_redis, streams.ingested)
    assert code == 0
    assert ids(cli_redis, streams.dead_letter) == []
    replayed = decode(new_id, fields)
    assert (replayed.body, replayed.trace_id) == (json.loads(ORIGINAL), trace)
    assert out.splitlines() == [
        f"replayed {entry_id} to articles.ingested as {new_id}",
        "replayed 1, refused 0",
    ]


def test_a_dry_run_changes_nothing(
    cli_redis: "redis.Redis", streams: Streams, capsys: pytest.CaptureFixture[str]
) -> None:
    entry_id = put(cli_redis, streams)
    code, out, _ = run(capsys, "replay", "--all", "--dry-run")
    assert code == 0
    assert out.splitlines() == [
        f"would replay {entry_id} to articles.ingested",
        "would replay 1, refused 0",
    ]
    assert ids(cli_redis, streams.dead_letter) == [entry_id]
    assert cli_redis.exists(streams.ingested) == 0


def test_replay_refuses_what_cannot_go_back_and_keeps_it(
    cli_redis: "redis.Redis", streams: Streams, capsys: pytest.CaptureFixture[str]
) -> None:
    garbled = put(cli_redis, streams, original="b'\\x89\\x00'")
    foreign = put(cli_redis, streams, stream="someone-else:articles.ingested")
    good = put(cli_redis, streams)
    code, out, err = run(capsys, "replay", garbled, foreign, good)
    assert code == 1
    assert f"ontheme: refused {garbled}: original is not valid JSON" in err.splitlines()
    assert f"ontheme: refused {foreign}: source stream 'someone-else:" in err
    assert out.splitlines()[-1] == "replayed 1, refused 2"
    assert ids(cli_redis, streams.dead_letter) == [garbled, foreign]
    assert len(ids(cli_redis, streams.ingested)) == 1


def test_replay_all_takes_the_filters(
    cli_redis: "redis.Redis", streams: Streams, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = put(cli_redis, streams, service="enrichment")
    older = put(cli_redis, streams, service="indexing", stream=streams.enriched)
    newer = put(cli_redis, streams, service="indexing", stream=streams.enriched, original="{}")
    code, out, _ = run(capsys, "replay", "--all", "--service", "indexing")
    assert code == 0
    assert out.splitlines()[-1] == "replayed 2, refused 0"
    assert ids(cli_redis, streams.dead_letter) == [kept]
    # Oldest first, so the stream gets them back in the order they first failed.
    bodies = [decode(i, fields).body for i, fields in entries(cli_redis, streams.enriched)]
    assert bodies == [json.loads(ORIGINAL), {}]
    assert older < newer


def test_a_letter_is_replayed_once_even_when_two_replays_race(
    cli_redis: "redis.Redis", streams: Streams
) -> None:
    entry_id = put(cli_redis, streams)
    replays = [
        dlq_store.replay(cli_redis, streams.dead_letter, entry_id, streams.ingested, ORIGINAL)
        for _ in range(2)
    ]
    assert replays[0] is not None
    assert replays[1] is None
    assert ids(cli_redis, streams.ingested) == [replays[0]]


def test_drop_by_id(
    cli_redis: "redis.Redis", streams: Streams, capsys: pytest.CaptureFixture[str]
) -> None:
    dropped, kept = put(cli_redis, streams), put(cli_redis, streams)
    code, out, _ = run(capsys, "drop", dropped)
    assert (code, out.splitlines()) == (0, [f"dropped {dropped}", "dropped 1"])
    assert ids(cli_redis, streams.dead_letter) == [kept]


def test_drop_all_needs_yes_and_takes_the_filters(
    cli_redis: "redis.Redis", streams: Streams, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = put(cli_redis, streams, service="enrichment")
    put(cli_redis, streams, service="related", stream=streams.enriched)
    put(cli_redis, streams, service="related", stream=streams.enriched)
    code, _, err = run(capsys, "drop", "--all", "--service", "related")
    assert (code, err) == (1, "ontheme: would drop 2 dead letters; add --yes to drop them\n")
    assert len(ids(cli_redis, streams.dead_letter)) == 3
    code, out, _ = run(capsys, "drop", "--all", "--service", "related", "--yes")
    assert (code, out.splitlines()[-1]) == (0, "dropped 2")
    assert ids(cli_redis, streams.dead_letter) == [kept]


def test_unreachable_redis_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    code, out, err = run(capsys, "list")
    assert (code, out) == (1, "")
    assert err.startswith("ontheme: cannot reach Redis: ")
    assert len(err.splitlines()) == 1


async def first_batch(redis_url: str, stream: str) -> list[Any]:
    """Bodies of the first batch a FastStream subscriber with the workers' parser receives."""
    broker = RedisBroker(redis_url)
    received: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()

    @broker.subscriber(
        stream=StreamSub(
            stream, group=ENRICHMENT_GROUP, consumer="dlq-test", batch=True, max_records=10
        ),
        parser=tolerant_parser,  # it inflates the deflated entries replay writes
    )
    async def on_batch(bodies: list[Any]) -> None:
        if not received.done():
            received.set_result(bodies)

    async with broker:
        await broker.start()
        return await asyncio.wait_for(received, timeout=10)


async def test_a_worker_reads_the_replayed_event_as_the_original(
    cli_redis: "redis.Redis",
    streams: Streams,
    redis_server: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # As ensure_groups does: from the start, so the replayed entry is read, not skipped.
    cli_redis.xgroup_create(streams.ingested, ENRICHMENT_GROUP, id="0", mkstream=True)
    # In a thread, as from a shell: the command runs its own event loop.
    assert (await asyncio.to_thread(run, capsys, "replay", put(cli_redis, streams)))[0] == 0
    bodies = await first_batch(redis_server, streams.ingested)
    assert bodies == [json.loads(ORIGINAL)]
    assert ArticleIngested.model_validate(bodies[0]) == EVENT
    # The reaper reads reclaimed entries with shared.runtime.batches.decode: the same body.
    [(entry_id, fields)] = entries(cli_redis, streams.ingested)
    assert decode(entry_id, fields).body == bodies[0]


async def test_faststream_unwraps_a_string_data_field_which_is_why_replay_refuses_it(
    cli_redis: "redis.Redis",
    streams: Streams,
    redis_server: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enveloped = json.dumps({"data": "hello", "n": 1})
    cli_redis.xadd(streams.ingested, {"__data__": enveloped})
    cli_redis.xgroup_create(streams.ingested, ENRICHMENT_GROUP, id="0")
    assert await first_batch(redis_server, streams.ingested) == ["hello"]
    code, _, err = await asyncio.to_thread(
        run, capsys, "replay", put(cli_redis, streams, original=enveloped)
    )
    assert code == 1
    assert "FastStream would unwrap" in err
