"""The system under bench: Redis and Meilisearch, the services, and `ontheme ingest` runs."""

import contextlib
import os
import re
import resource
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy.native.binaries import meilisearch_binary
from deploy.native.process import ManagedProcess
from deploy.native.servers import free_port, start_meilisearch, start_redis
from deploy.native.stack import SOURCE_ROOT, Stack, start_stack

SUMMARY_LINE = re.compile(r"^(read|accepted|duplicate|rejected|seconds)\s+([\d,.]+)")


@dataclass(frozen=True)
class System:
    """The running pipeline: its HTTP APIs, its Meilisearch, and the service processes."""

    ingest: str
    search: str
    meili: httpx.Client
    index: str
    stack: Stack
    redis_url: str
    ingest_key: str  # the API key the ingest service was started with

    def ingest_client(self, timeout: float) -> httpx.Client:
        """A client of the ingest API that sends the key."""
        headers = {"Authorization": f"Bearer {self.ingest_key}"}
        return httpx.Client(base_url=self.ingest, headers=headers, timeout=timeout)


def service_env(redis_url: str, meili_url: str, key: str, ingest_key: str) -> dict[str, str]:
    """What the services run with: our servers, default index and namespace, JSON logs."""
    return {
        "ONTHEME_ENV": "test",
        "LOG_FORMAT": "json",
        "REDIS_URL": redis_url,
        "MEILI_URL": meili_url,
        "MEILI_MASTER_KEY": key,
        "INGEST_API_KEYS": ingest_key,
    }


@dataclass(frozen=True)
class Servers:
    """Redis and Meilisearch as started here, and the environment the services get."""

    redis: ManagedProcess
    meili: ManagedProcess
    env: dict[str, str]
    meili_client: httpx.Client

    @property
    def redis_url(self) -> str:
        """Where Redis answers."""
        return self.env["REDIS_URL"]


@contextlib.contextmanager
def servers(workdir: Path) -> Iterator[Servers]:
    """Redis (no persistence, as benches before) and Meilisearch on free ports in `workdir`."""
    key, ingest_key = secrets.token_urlsafe(24), secrets.token_hex(32)
    with contextlib.ExitStack() as cleanup:
        redis_port, meili_port = free_port(), free_port()
        redis = start_redis(workdir / "redis", redis_port, appendonly=False)
        cleanup.callback(redis.stop)
        binary = meilisearch_binary(SOURCE_ROOT / ".cache")
        meili = start_meilisearch(binary, workdir / "meili", meili_port, key)
        cleanup.callback(meili.stop)
        meili_url = f"http://127.0.0.1:{meili_port}"
        env = service_env(f"redis://127.0.0.1:{redis_port}/0", meili_url, key, ingest_key)
        headers = {"Authorization": f"Bearer {key}", "Connection": "close"}
        client = cleanup.enter_context(httpx.Client(base_url=meili_url, headers=headers))
        yield Servers(redis, meili, env, client)


def start_worker(name: str, env: Mapping[str, str], log_dir: Path) -> ManagedProcess:
    """One service as its own process, as `make run` starts it."""
    child = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", f"services.{name}"]
    return ManagedProcess(name, argv, log_dir / f"{name}.log", env=child, cwd=SOURCE_ROOT)


@contextlib.contextmanager
def services(
    backends: Servers, log_dir: Path, processes: Mapping[str, int] | None = None
) -> Iterator[System]:
    """Every service, started as `make run` starts them; stopped on exit."""
    ports = {"ingest_port": free_port(), "search_port": free_port()}
    stack = start_stack(backends.env, log_dir, **ports, processes=processes)
    try:
        yield System(
            stack.urls["ingest"],
            stack.urls["search"],
            backends.meili_client,
            "articles",
            stack,
            backends.redis_url,
            backends.env["INGEST_API_KEYS"],
        )
    finally:
        stack.stop()


def ontheme_ingest(path: Path, env: Mapping[str, str], *extra: str) -> dict[str, float]:
    """Run `ontheme ingest PATH` as a user would; its summary counts, wall time and CPU."""
    child = {**os.environ, **env}
    argv = [sys.executable, "-m", "services.cli", "ingest", str(path), "--quiet", *extra]
    before, started = _children_cpu(), time.monotonic()
    done = subprocess.run(argv, env=child, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"ontheme ingest exited {done.returncode}: {done.stderr.strip()}")
    figures = {"wall_s": time.monotonic() - started, "cpu_s": _children_cpu() - before}
    for line in done.stdout.splitlines():
        if match := SUMMARY_LINE.match(line):
            figures[match[1]] = float(match[2].replace(",", ""))
    return figures


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
