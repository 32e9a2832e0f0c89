"""Memory: each process's peak, the whole system's peak, and what 300,000 headlines would take."""

import re
from collections import Counter
from typing import Any

import httpx
import redis

from bench.search_latency import peak_rss
from bench.suite.monitor import Sample, peak_total_anon_mib, peak_total_rss_mib

PROJECT_TO = 300_000
# What varies between keys of one family: hex ids, hours, numbers.
_VARYING = re.compile(r"[0-9a-f]{16,}|\d+")


def memory(samples: list[Sample], pids: dict[str, int], redis_url: str) -> dict[str, Any]:
    """Peak RSS per process (VmHWM) and of the whole system (sampled sum); Redis's own count."""
    peaks = {name: peak_rss(pid).get("VmHWM", 0) / 1024 for name, pid in pids.items()}
    with redis.Redis.from_url(redis_url) as client:
        info = client.info("memory")
    return {
        "peak_rss_mib": peaks,
        "peak_total_rss_mib": peak_total_rss_mib(samples),
        "peak_total_anon_mib": peak_total_anon_mib(samples),
        "redis_used_memory_mib": int(info["used_memory"]) / 2**20,
    }


def meili_used_mib(meili: httpx.Client) -> float:
    """The bytes Meilisearch's database uses (its LMDB file may be larger), MiB."""
    return int(meili.get("/stats").raise_for_status().json()["usedDatabaseSize"]) / 2**20


def projection(
    before: Sample, after: Sample, documents: int, meili_mib: float, peaks: dict[str, float]
) -> dict[str, Any]:
    """What the system would hold resident at 300,000 headlines, projected linearly.

    Redis grows by its RSS per document (streams and keys), Meilisearch by its database per
    document (memory-mapped: the pages it touches are resident), on top of their peaks; the
    services' models do not grow. A projection, not a measurement: `--size 300000` measures.
    """
    more = max(PROJECT_TO - documents, 0)
    redis_per_doc = (after.rss_kib["redis"] - before.rss_kib["redis"]) / 1024 / documents
    meili_per_doc = meili_mib / documents
    services = sum(mib for name, mib in peaks.items() if name not in ("redis", "meilisearch"))
    return {
        "documents_measured": documents,
        "redis_mib_per_1000": redis_per_doc * 1000,
        "meili_db_mib_per_1000": meili_per_doc * 1000,
        "projected_total_mib": services
        + peaks["redis"]
        + redis_per_doc * more
        + peaks["meilisearch"]
        + meili_per_doc * more,
        "at": PROJECT_TO,
    }


def redis_families(redis_url: str, sample_every: int = 10) -> dict[str, float]:
    """Redis's bytes by key family (ids and numbers blanked), MiB.

    Every `sample_every`th key of a family is measured with MEMORY USAGE (the first always)
    and the family's total scaled by how many keys it has per key measured.
    """
    measured: Counter[str] = Counter()
    keys: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    with redis.Redis.from_url(redis_url) as client:
        for key in client.scan_iter(count=1000):
            family = _VARYING.sub("#", key.decode(errors="replace"))
            keys[family] += 1
            if keys[family] % sample_every == 1 or sample_every == 1:
                sizes[family] += int(client.memory_usage(key, samples=0) or 0)
                measured[family] += 1
    totals = {f: sizes[f] * keys[f] / measured[f] / 2**20 for f in sizes}
    return dict(sorted(totals.items(), key=lambda item: -item[1]))
