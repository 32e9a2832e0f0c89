"""Redis and Meilisearch for `make run`: the ones the environment names, or our own."""

import contextlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
import redis

from deploy.native.binaries import meilisearch_binary
from deploy.native.local import RunConfig
from deploy.native.process import ManagedProcess, ServerError
from deploy.native.servers import start_meilisearch, start_redis

SERVER_STOP_S = 10.0
PROBE_TIMEOUT_S = 3.0


@dataclass
class Backends:
    """Where the services find Redis and Meilisearch, and the processes we started for them."""

    redis_url: str
    meili_url: str
    meili_key: str
    processes: list[ManagedProcess] = field(default_factory=list)

    def check_alive(self) -> None:
        """Raise ServerError with the log tail of a server of ours that has exited."""
        for process in self.processes:
            if not process.alive:
                raise ServerError(process.describe_exit())


def start_backends(config: RunConfig, local_key: str, cleanup: contextlib.ExitStack) -> Backends:
    """Check the external servers or start our own; `cleanup` stops ours, Redis last."""
    backends = Backends(redis_url="", meili_url="", meili_key="")
    backends.redis_url = _redis(config, backends.processes, cleanup)
    backends.meili_url, backends.meili_key = _meili(config, local_key, backends.processes, cleanup)
    return backends


def _redis(config: RunConfig, ours: list[ManagedProcess], cleanup: contextlib.ExitStack) -> str:
    if config.redis_url:
        _check_redis(config.redis_url)
        print(f"using Redis at {display_url(config.redis_url)} (REDIS_URL)", flush=True)
        return config.redis_url
    port = config.ports["REDIS_PORT"]
    data = config.data_dir / "redis"
    print(f"starting Redis (Valkey) on 127.0.0.1:{port}, data in {data}", flush=True)
    process = start_redis(data, port, log_path=config.data_dir / "logs" / "redis.log")
    cleanup.callback(process.stop, SERVER_STOP_S)
    ours.append(process)
    return f"redis://127.0.0.1:{port}/0"


def _meili(
    config: RunConfig, local_key: str, ours: list[ManagedProcess], cleanup: contextlib.ExitStack
) -> tuple[str, str]:
    if config.meili_url:
        _check_meili(config.meili_url)
        print(f"using Meilisearch at {display_url(config.meili_url)} (MEILI_URL)", flush=True)
        return config.meili_url, config.meili_key or ""
    port = config.ports["MEILI_PORT"]
    data = config.data_dir / "meilisearch"
    binary = meilisearch_binary(config.root / ".cache")
    print(f"starting Meilisearch on 127.0.0.1:{port}, data in {data}", flush=True)
    log = config.data_dir / "logs" / "meilisearch.log"
    process = start_meilisearch(binary, data, port, local_key, log_path=log)
    cleanup.callback(process.stop, SERVER_STOP_S)
    ours.append(process)
    return f"http://127.0.0.1:{port}", local_key


def _check_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_timeout=PROBE_TIMEOUT_S)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ServerError(f"REDIS_URL ({display_url(url)}) does not answer PING: {exc}") from exc
    finally:
        client.close()


def _check_meili(url: str) -> None:
    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=PROBE_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise ServerError(f"MEILI_URL ({display_url(url)}) does not answer: {exc}") from exc
    if response.status_code != 200:
        raise ServerError(f"MEILI_URL ({display_url(url)}) /health answered {response.status_code}")


def display_url(url: str) -> str:
    """`url` without its user and password, fit to print."""
    parts = urlsplit(url)
    if not parts.hostname:
        return "(a URL without a host)"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    host += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
