"""The measurements, one function each; every one returns its figures as a dict."""

import gzip
import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.quality_data import UCI_FILE, read_jsonl
from bench.related_quality import wait_idle
from bench.suite.monitor import Monitor, between, cpu_used, peak_total_rss_mib, rates
from bench.suite.system import Servers, System, ontheme_ingest, start_worker
from shared.contracts.index_schema import BASE_SETTINGS
from shared.contracts.keys import (
    ENRICHED,
    ENRICHMENT_GROUP,
    INDEXING_GROUP,
    INGESTED,
    RELATED_GROUP,
)

ECB_FILE = "ecbplus.dev.jsonl.gz"
RAW_INDEX = "bench-raw"
RAW_BATCH = 10_000
IDLE_TIMEOUT_S = 7200.0
SOLO_NAMESPACE = "solo:"
STAGES = {
    "ingest": "ingested",
    "enrichment": f"{INGESTED}/{ENRICHMENT_GROUP}",
    "indexing": f"{ENRICHED}/{INDEXING_GROUP}",
    "related": f"{ENRICHED}/{RELATED_GROUP}",
}


def headlines_file(data: Path, size: int, out: Path) -> Path:
    """The first `size` UCI dev rows as a JSON Lines file (labels and all: ingest drops them)."""
    with gzip.open(data / UCI_FILE, "rt", encoding="utf-8") as rows, out.open("w") as sink:
        for _, line in zip(range(size), rows, strict=False):
            sink.write(line)
    return out


def raw_meilisearch(backends: Servers, data: Path, size: int) -> dict[str, Any]:
    """Index the same headlines straight into Meilisearch, in batches; the index's own rate."""
    meili = backends.meili_client
    _wait_task(meili, meili.patch(f"/indexes/{RAW_INDEX}/settings", json=BASE_SETTINGS))
    docs = list(_raw_documents(data, size))
    started = time.monotonic()
    tasks = [
        meili.post(f"/indexes/{RAW_INDEX}/documents", json=docs[i : i + RAW_BATCH], timeout=120)
        for i in range(0, len(docs), RAW_BATCH)
    ]
    for response in tasks:
        _wait_task(meili, response)
    seconds = time.monotonic() - started
    _wait_task(meili, meili.delete(f"/indexes/{RAW_INDEX}"))
    return {"documents": len(docs), "seconds": seconds, "per_s": len(docs) / seconds}


def _raw_documents(data: Path, size: int) -> Iterator[dict[str, Any]]:
    for n, row in enumerate(read_jsonl(data / UCI_FILE)):
        if n >= size:
            return
        published = datetime.fromisoformat(row["published_at"].replace("Z", "+00:00"))
        yield {
            "id": f"raw{n}",
            "title": row["title"],
            "source": row["source"],
            "url": row["url"],
            "language": row["language"],
            "published_ts": int(published.timestamp()),
        }


def _wait_task(meili: httpx.Client, response: httpx.Response, timeout: float = 600) -> None:
    uid = response.raise_for_status().json()["taskUid"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = meili.get(f"/tasks/{uid}").raise_for_status().json()
        if task["status"] == "succeeded":
            return
        if task["status"] in ("failed", "canceled"):
            raise RuntimeError(f"Meilisearch task {uid} {task['status']}: {task.get('error')}")
        time.sleep(0.05)
    raise TimeoutError(f"Meilisearch task {uid} not done after {timeout:.0f} s")


def solo_enrichment(backends: Servers, file: Path, log_dir: Path) -> dict[str, Any]:
    """The enrichment worker alone, in a namespace of its own, on the same headlines."""
    env = {**backends.env, "ONTHEME_NAMESPACE": SOLO_NAMESPACE}
    worker = start_worker("enrichment", env, log_dir)
    client = redis.Redis.from_url(backends.redis_url)
    try:
        _wait_models(worker.log_path)
        started = time.monotonic()
        ingest = ontheme_ingest(file, env)
        stream = SOLO_NAMESPACE + INGESTED
        while _group_busy(client, stream, ENRICHMENT_GROUP):
            if not worker.alive:
                raise RuntimeError(worker.describe_exit())
            time.sleep(0.1)
        seconds = time.monotonic() - started
    finally:
        worker.stop()
        for key in client.scan_iter(match=f"{SOLO_NAMESPACE}*"):
            client.delete(key)
        client.close()
    count = int(ingest["accepted"])
    return {"articles": count, "seconds": seconds, "per_s": count / seconds}


def _wait_models(log: Path, timeout: float = 120) -> None:
    """Until the worker has loaded its models (its log says so)."""
    deadline = time.monotonic() + timeout
    while "models loaded" not in log.read_text(encoding="utf-8", errors="replace"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"enrichment did not load its models within {timeout:.0f} s")
        time.sleep(0.2)


def _group_busy(client: "redis.Redis", stream: str, group: str) -> bool:
    for info in client.xinfo_groups(stream):
        if info["name"] in (group, group.encode()):
            return bool(info["lag"] or info["pending"])
    return True


def pipeline_run(system: System, monitor: Monitor, file: Path) -> dict[str, Any]:
    """Bulk ingest a file into the running system and wait until /pipeline is idle."""
    started = time.monotonic()
    first = monitor.sample_now()
    ingest = ontheme_ingest(file, {**_env(system)})
    wait_idle(system, IDLE_TIMEOUT_S, started)
    seconds = time.monotonic() - started
    monitor.sample_now()
    window = between(monitor.samples, first.at, time.monotonic())
    cpu = cpu_used(window) | {"ontheme ingest": ingest["cpu_s"]}
    count = int(ingest["accepted"])
    return {
        "articles": count,
        "seconds": seconds,
        "per_s": count / seconds,
        "ingest": ingest,
        "stages": rates(window, STAGES),
        "cpu_s": cpu,
        "cpu_share": {name: used / max(sum(cpu.values()), 1e-9) for name, used in cpu.items()},
        "cores_busy": sum(cpu.values()) / seconds,
        "peak_rss_mib": peak_total_rss_mib(window),
    }


def _env(system: System) -> dict[str, str]:
    return {"REDIS_URL": system.redis_url, "ONTHEME_ENV": "test"}


def fulltext_file(data: Path, copies: int, out: Path) -> Path:
    """ECB+ articles `copies` times, each copy with its own URL and source (so not a duplicate)."""
    rows = list(read_jsonl(data / ECB_FILE))
    with out.open("w") as sink:
        for copy in range(copies):
            for row in rows:
                fresh = {k: row[k] for k in ("title", "body", "language")}
                fresh["url"] = f"https://ecbplus.example/{row['id']}/{copy}"
                fresh["source"] = f"ECB+ copy {copy}"
                sink.write(json.dumps(fresh) + "\n")
    return out
