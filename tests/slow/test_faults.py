"""The fault test: ingest thousands of articles while killing workers and restarting servers.

Afterwards every accepted article is in the index exactly once, enriched and related; the
dead-letter stream holds exactly the poison events; nothing is left pending.
"""

import json
import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest
import redis

from shared.contracts.keys import Streams
from tests.slow.cluster import WORKERS, Cluster
from tests.slow.traffic import Ingester, articles, indexed, inject_poison, pending_total
from tests.waits import wait_for_sync

ARTICLES = 5_000
KILL_EVERY_S = 4.0
# One step every KILL_EVERY_S: kill -9 a worker (it is started again at once) or restart a
# server. Enrichment loads its models on every start (seconds): it is killed less often.
SCHEDULE = (
    "indexing",
    "related",
    "meilisearch",
    "enrichment",
    "related",
    "redis",
    "indexing",
    "related",
    "enrichment",
    "indexing",
    "related",
    "indexing",
)


def chaos(cluster: Cluster) -> None:
    """Kill a worker or restart a server every few seconds, while articles arrive and flow."""
    pace = threading.Event()  # never set: its wait paces the steps, it waits for nothing
    for step in SCHEDULE:
        pace.wait(KILL_EVERY_S)
        if step in ("meilisearch", "redis"):
            cluster.restart_server(step)
        else:
            cluster.kill(step)


def _idle(cluster: Cluster, letters: int) -> dict[str, Any] | None:
    try:
        state = httpx.get(f"{cluster.url('search')}/pipeline", timeout=5).json()
    except (httpx.HTTPError, json.JSONDecodeError):
        return None
    return state if state.get("idle") and state.get("dead_letters") == letters else None


def diagnose(cluster: Cluster, client: "redis.Redis", streams: Streams) -> str:
    """What a stuck pipeline looks like: groups, clients, and what each worker waits on."""
    cluster.dump_tasks()
    lines = [f"{stream}: {client.xinfo_groups(stream)}" for stream in streams.groups()]
    lines += [
        f"client {c.get('addr')} cmd={c.get('cmd')} idle={c.get('idle')}"
        for c in client.client_list()
    ]
    for name in WORKERS:
        wait_for_sync(partial(_dumped, cluster.processes[name].log_path), within=10, what="dump")
        lines.append(f"--- {name}\n{cluster.processes[name].tail(60)}")
    return "\n".join(lines)


def _dumped(log: Path) -> bool:
    return '"event": "task"' in log.read_text()


# Its own waits bound it: about 50 s of ingest and chaos, then up to 150 s to drain.
@pytest.mark.timeout(300)
def test_nothing_lost_nothing_twice_under_kills_and_restarts(cluster: Cluster) -> None:
    client = redis.Redis.from_url(cluster.redis_url)
    streams = Streams()
    letters = inject_poison(client, streams)
    ingester = Ingester(cluster.url("ingest"), cluster.api_key, articles(ARTICLES))
    sender = threading.Thread(target=ingester.run)
    started = time.monotonic()
    sender.start()
    chaos(cluster)
    sender.join()
    assert ingester.error is None, ingester.error
    chaos_over = time.monotonic()
    assert not cluster.dead(), cluster.dead()
    try:
        wait_for_sync(lambda: _idle(cluster, letters), within=150, what="the pipeline to drain")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{diagnose(cluster, client, streams)}") from exc
    drained = time.monotonic()

    meili = meilisearch.Client(cluster.meili_url, cluster.master_key)
    documents = list(indexed(meili, "articles"))
    ids = Counter(doc["id"] for doc in documents)
    lost = ingester.accepted - set(ids)
    twice = [i for i, n in ids.items() if n > 1]
    unfinished = [d["id"] for d in documents if not d.get("enrichments") or "story_id" not in d]
    dead = [json.loads(f[b"__data__"]) for _, f in client.xrange(streams.dead_letter) or [] if f]
    figures = {
        "articles_accepted": len(ingester.accepted),
        "documents": len(documents),
        "lost": len(lost),
        "duplicated": len(twice),
        "not_enriched_or_related": len(unfinished),
        "dead_letters": len(dead),
        "poison_expected": letters,
        "kills": dict(cluster.kills),
        "restarts": dict(cluster.restarts),
        "refused_batches_retried": ingester.refusals,
        "seconds_ingest_and_chaos": round(chaos_over - started, 1),
        "seconds_to_drain_after": round(drained - chaos_over, 1),
    }
    # The closing note's figures: `pytest -s tests/slow` shows them; the file stays beside logs.
    (cluster.root / "figures.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))  # noqa: T201 - the figures, shown with -s
    assert len(ingester.accepted) == ARTICLES
    assert not lost, f"{len(lost)} accepted articles are not in the index: {sorted(lost)[:5]}"
    assert not twice
    assert len(documents) == ARTICLES
    assert not unfinished, f"{len(unfinished)} without enrichment or story: {unfinished[:5]}"
    assert {letter["service"] for letter in dead} == set(WORKERS)
    assert len(dead) == letters
    assert pending_total(client, streams) == 0
    assert sum(cluster.kills.values()) >= 5
