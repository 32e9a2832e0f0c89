"""Memory at scale: the whole system filled with N headlines, its resident memory sampled.

    .venv/bin/python -m bench.suite.fill ../shared/data [--size 300000] [--minutes 60] \
        [--workdir DIR] [--json PATH]

Starts the system as `make bench` does, `ontheme ingest`s the first `--size` UCI dev headlines
and waits until /pipeline is idle (or `--minutes` pass: it then reports how far it got). Every
minute it prints, and at the end saves, the documents indexed, each process's RSS and
anonymous memory, the whole system's, Redis's used_memory and Meilisearch's database size; and
each process's peak.
"""

import argparse
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.related_quality import run_cli
from bench.search_latency import documents
from bench.suite import memory as mem
from bench.suite import phases
from bench.suite.__main__ import wait_models
from bench.suite.monitor import Monitor
from bench.suite.system import System, ontheme_ingest, servers, services

REPORT_S = 60.0


def snapshot(system: System, monitor: Monitor, started: float) -> dict[str, Any]:
    """Documents indexed and memory now."""
    sample = monitor.sample_now()
    return {
        "minutes": (time.monotonic() - started) / 60,
        "documents": documents(system),
        "rss_mib": {name: kib / 1024 for name, kib in sample.rss_kib.items()},
        "anon_mib": {name: kib / 1024 for name, kib in sample.anon_kib.items()},
        "total_rss_mib": sum(sample.rss_kib.values()) / 1024,
        "total_anon_mib": sum(sample.anon_kib.values()) / 1024,
        "meili_used_mib": mem.meili_used_mib(system.meili),
    }


def fill(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Ingest, then watch until idle or out of time; every snapshot and the peaks."""
    with servers(workdir) as backends, services(backends, workdir / "logs") as system:
        pids = {p.name: p.pid for p in system.stack.processes}
        pids |= {"redis": backends.redis.pid, "meilisearch": backends.meili.pid}
        with Monitor(backends.redis_url, pids) as monitor:
            wait_models(system)
            file = phases.headlines_file(args.data, args.size, workdir / "headlines.jsonl")
            started = time.monotonic()
            ontheme_ingest(file, {"REDIS_URL": system.redis_url, "ONTHEME_ENV": "test"})
            snaps = _watch(system, monitor, started, args.minutes * 60)
            peaks = mem.memory(monitor.samples, pids, backends.redis_url)
            peaks["redis_families_mib"] = mem.redis_families(backends.redis_url)
    return {"size": args.size, "snapshots": snaps, "memory": peaks}


def _watch(system: System, monitor: Monitor, started: float, budget: float) -> list[Any]:
    snaps: list[Any] = []
    with httpx.Client(base_url=system.search, timeout=30) as client:
        while True:
            time.sleep(REPORT_S)
            snaps.append(snapshot(system, monitor, started))
            last = snaps[-1]
            print(
                f"{last['minutes']:5.1f} min: {last['documents']:,} documents, "
                f"{last['total_rss_mib']:,.0f} MiB resident, "
                f"{last['total_anon_mib']:,.0f} MiB anonymous",
                flush=True,
            )
            idle = client.get("/pipeline").raise_for_status().json()["idle"]
            if idle or time.monotonic() - started > budget:
                return snaps


def main() -> None:
    """Fill, print the peaks, save every figure."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path)
    parser.add_argument("--size", type=int, default=300_000)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", type=Path, default=Path("bench/results/fill.json"))
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        figures = fill(args, workdir)
    m = figures["memory"]
    print("peak RSS, MiB: " + ", ".join(f"{k} {v:.0f}" for k, v in m["peak_rss_mib"].items()))
    print(
        f"whole system peak {m['peak_total_rss_mib']:.0f} MiB resident, "
        f"{m['peak_total_anon_mib']:.0f} MiB anonymous"
    )
    last = figures["snapshots"][-1]["anon_mib"]
    print("anonymous at the end, MiB: " + ", ".join(f"{k} {v:.0f}" for k, v in last.items()))
    print(
        "Redis by key family, MiB: "
        + ", ".join(f"{k} {v:.0f}" for k, v in m["redis_families_mib"].items() if v >= 1)
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(run_cli("fill", main, httpx.HTTPError, RuntimeError))
