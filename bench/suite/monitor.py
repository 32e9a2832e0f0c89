"""Samples the system twice a second: each process's CPU and memory, each group's progress."""

import itertools
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import redis

from shared.adapters.redis import text
from shared.contracts.keys import TOPOLOGY, Streams

INTERVAL_S = 0.5


@dataclass(frozen=True)
class Sample:
    """One look at the system: per process CPU seconds and RSS (KiB), per group done count."""

    at: float
    cpu: dict[str, float]
    rss_kib: dict[str, int]
    done: dict[str, int]  # "stream/group" -> entries read and acknowledged; "ingested" -> length
    # Anonymous memory only: Meilisearch's memory-mapped database pages are page cache, which
    # the kernel takes back under pressure; this is what the processes cannot give back.
    anon_kib: dict[str, int] = field(default_factory=dict)


@dataclass
class Monitor:
    """A thread sampling `pids` and the stream groups of `redis_url` until stopped."""

    redis_url: str
    pids: dict[str, int]
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "Monitor":
        self._thread = threading.Thread(target=self._run, name="monitor", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def watch(self, name: str, pid: int) -> None:
        """Sample one more process from now on (a replacement dict: the thread reads it)."""
        self.pids = {**self.pids, name: pid}

    def sample_now(self) -> Sample:
        """Take and keep a sample now."""
        with redis.Redis.from_url(self.redis_url) as client:
            return self._take(client)

    def _run(self) -> None:
        with redis.Redis.from_url(self.redis_url) as client:
            while not self._stop.wait(INTERVAL_S):
                self._take(client)

    def _take(self, client: "redis.Redis") -> Sample:
        pids = self.pids
        cpu = {name: _cpu(pid) for name, pid in pids.items()}
        status = {name: proc_status(pid) for name, pid in pids.items()}
        rss = {name: s.get("VmRSS", 0) for name, s in status.items()}
        anon = {name: s.get("RssAnon", 0) for name, s in status.items()}
        sample = Sample(time.monotonic(), cpu, rss, group_progress(client), anon)
        self.samples.append(sample)
        return sample


def proc_status(pid: int) -> dict[str, int]:
    """A process's memory lines from /proc (VmRSS, VmHWM, RssAnon, RssFile), in KiB."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    fields = (line.split(":", 1) for line in lines)
    return {k: int(v.split()[0]) for k, v in fields if k.startswith(("Vm", "Rss")) and "kB" in v}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:  # exited: its CPU is no longer counted, like its memory
        return 0.0


def group_progress(client: "redis.Redis") -> dict[str, int]:
    """Per group, entries it has read and acknowledged; how many the ingested stream got."""
    done: dict[str, int] = {}
    streams = Streams()
    for stream in TOPOLOGY:
        key = streams.name(stream)
        if not client.exists(key):
            continue
        for info in client.xinfo_groups(key):
            name = text(info["name"])
            done[f"{stream}/{name}"] = int(info.get("entries-read") or 0) - int(info["pending"])
    # Entries added, not the length: enrichment trims what it has acknowledged.
    added = (
        client.xinfo_stream(streams.ingested)["entries-added"]
        if client.exists(streams.ingested)
        else 0
    )
    done["ingested"] = int(added)
    return done


def between(samples: list[Sample], start: float, end: float) -> list[Sample]:
    """The samples taken from `start` to `end` (monotonic seconds)."""
    return [s for s in samples if start <= s.at <= end]


def cpu_used(window: list[Sample]) -> dict[str, float]:
    """CPU seconds each process used over the window (first to last sample)."""
    first, last = window[0], window[-1]
    return {name: max(0.0, last.cpu[name] - first.cpu.get(name, 0.0)) for name in last.cpu}


def peak_total_rss_mib(window: list[Sample]) -> float:
    """The highest sum of every process's RSS seen in the window, MiB."""
    return max(sum(s.rss_kib.values()) for s in window) / 1024


def peak_total_anon_mib(window: list[Sample]) -> float:
    """The highest sum of every process's anonymous memory seen in the window, MiB."""
    return max(sum(s.anon_kib.values()) for s in window) / 1024


def stage_rate(window: list[Sample], key: str) -> dict[str, float]:
    """A stage's count and rate over the part of the window where its count was rising."""
    counts = [(s.at, s.done.get(key, 0)) for s in window]
    start, final = counts[0][1], counts[-1][1]
    if final <= start:
        return {"count": 0, "seconds": 0.0, "per_s": 0.0}
    began = next(at for (at, n), (_, after) in itertools.pairwise(counts) if after > n)
    ended = next(at for at, n in counts if n == final)
    seconds = max(ended - began, INTERVAL_S)
    return {"count": final - start, "seconds": seconds, "per_s": (final - start) / seconds}


def rates(window: list[Sample], stages: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Every stage's rate: `stages` maps a stage name to its key in Sample.done."""
    return {stage: stage_rate(window, key) for stage, key in stages.items()}
