"""A whole ontheme on this machine whose parts can be killed and restarted one by one."""

import os
import secrets
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.native.binaries import meilisearch_binary
from deploy.native.process import ManagedProcess
from deploy.native.servers import free_port, start_meilisearch, start_redis
from deploy.native.stack import SOURCE_ROOT

WORKERS = ("enrichment", "indexing", "related")
SERVICES = (*WORKERS, "ingest", "search")
# Short enough that the test sees crashes recovered within its time; see WorkerSettings.
RECLAIM_IDLE_SECONDS = 3
RETRY_CAP_SECONDS = 1
MAX_DELIVERIES = 3


def worker_env() -> dict[str, str]:
    """What every worker is told about retries and reclaims."""
    env = {}
    for name in WORKERS:
        prefix = name.upper()
        env[f"{prefix}_RECLAIM_IDLE_SECONDS"] = str(RECLAIM_IDLE_SECONDS)
        env[f"{prefix}_RETRY_CAP_SECONDS"] = str(RETRY_CAP_SECONDS)
        env[f"{prefix}_MAX_DELIVERIES"] = str(MAX_DELIVERIES)
    return env


@dataclass
class Cluster:
    """Redis, Meilisearch and the services, each restartable; counts what was done."""

    root: Path
    redis_port: int = field(default_factory=free_port)
    meili_port: int = field(default_factory=free_port)
    ingest_port: int = field(default_factory=free_port)
    search_port: int = field(default_factory=free_port)
    master_key: str = field(default_factory=lambda: secrets.token_hex(16))
    api_key: str = field(default_factory=lambda: secrets.token_hex(16))
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    kills: Counter[str] = field(default_factory=Counter)
    restarts: Counter[str] = field(default_factory=Counter)

    @property
    def redis_url(self) -> str:
        """Where Redis listens."""
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def meili_url(self) -> str:
        """Where Meilisearch listens."""
        return f"http://127.0.0.1:{self.meili_port}"

    def url(self, service: str) -> str:
        """Where an HTTP service listens."""
        port = self.ingest_port if service == "ingest" else self.search_port
        return f"http://127.0.0.1:{port}"

    def env(self) -> dict[str, str]:
        """The environment of every service."""
        return {
            **os.environ,
            **worker_env(),
            "ONTHEME_ENV": "test",
            "REDIS_URL": self.redis_url,
            "MEILI_URL": self.meili_url,
            "MEILI_MASTER_KEY": self.master_key,
            "INGEST_API_KEYS": self.api_key,
            "INGEST_PORT": str(self.ingest_port),
            "SEARCH_PORT": str(self.search_port),
            "LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
        }

    def start_redis(self) -> None:
        """Start Redis with AOF on its port and directory (again after a restart)."""
        count = self.restarts["redis"]
        log = self.root / "logs" / f"redis-{count}.log"
        self.processes["redis"] = start_redis(self.root / "redis", self.redis_port, log_path=log)

    def start_meili(self) -> None:
        """Start Meilisearch on its port and database (again after a restart)."""
        binary = meilisearch_binary(SOURCE_ROOT / ".cache")
        log = self.root / "logs" / f"meilisearch-{self.restarts['meilisearch']}.log"
        self.processes["meilisearch"] = start_meilisearch(
            binary, self.root / "meili", self.meili_port, self.master_key, log_path=log
        )

    def start(self, service: str) -> None:
        """Start one ontheme service as a process."""
        n = self.kills[service] + self.restarts[service]
        log = self.root / "logs" / f"{service}-{n}.log"
        argv = [sys.executable, "-m", f"services.{service}"]
        self.processes[service] = ManagedProcess(
            service, argv, log, env=self.env(), cwd=SOURCE_ROOT
        )

    def kill(self, service: str) -> None:
        """kill -9 a service and start it again at once."""
        process = self.processes[service]
        os.kill(process.pid, signal.SIGKILL)
        process.stop(timeout=5)
        self.kills[service] += 1
        self.start(service)

    def restart_server(self, name: str) -> None:
        """Stop Redis or Meilisearch as an operator would (SIGTERM), then start it again."""
        self.processes[name].stop(timeout=20)
        self.restarts[name] += 1
        self.start_redis() if name == "redis" else self.start_meili()

    def answers(self) -> bool:
        """Whether ingest and search answer /health."""
        try:
            return all(
                httpx.get(f"{self.url(s)}/health", timeout=2).status_code == 200
                for s in ("ingest", "search")
            )
        except httpx.HTTPError:
            return False

    def dump_tasks(self) -> None:
        """Ask every worker to log what its tasks wait on (see shared/runtime/runner.py)."""
        for name in WORKERS:
            os.kill(self.processes[name].pid, signal.SIGUSR1)

    def dead(self) -> list[str]:
        """Describe every process that exited without being asked to."""
        return [p.describe_exit() for p in self.processes.values() if not p.alive]

    def stop(self) -> None:
        """Stop the services, then the servers."""
        for name in (*reversed(SERVICES), "meilisearch", "redis"):
            if name in self.processes:
                self.processes[name].stop(timeout=20)
