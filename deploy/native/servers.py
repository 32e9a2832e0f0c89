"""Run local servers as child processes: Valkey (Redis) and Meilisearch, tracked by pid."""

import os
import socket
from pathlib import Path

import httpx
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from deploy.native.binaries import valkey_binary
from deploy.native.process import ManagedProcess, ServerError, wait_until_ready

__all__ = [
    "ManagedProcess",
    "ServerError",
    "free_port",
    "port_is_free",
    "start_meilisearch",
    "start_redis",
]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Tell whether a server could listen on `host:port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do, so a socket of a finished run in TIME_WAIT does not count as busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def start_redis(
    data_dir: Path, port: int, *, appendonly: bool = True, log_path: Path | None = None
) -> ManagedProcess:
    """Start valkey-server on 127.0.0.1:`port` with its files in `data_dir`; wait for PING."""
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [str(valkey_binary()), "--bind", "127.0.0.1", "--port", str(port)]
    argv += ["--dir", str(data_dir.absolute()), "--save", "", "--daemonize", "no"]
    argv += ["--appendonly", "yes", "--appendfsync", "everysec"] if appendonly else []
    process = ManagedProcess("redis", argv, log_path or data_dir / "valkey.log")
    wait_until_ready(process, lambda: _answers_ping(port))
    return process


def start_meilisearch(
    binary: Path,
    data_dir: Path,
    port: int,
    master_key: str,
    *,
    env: str = "development",
    max_indexing_memory: str | None = None,
    log_path: Path | None = None,
) -> ManagedProcess:
    """Start Meilisearch on 127.0.0.1:`port` with its database in `data_dir`; wait for /health.

    `max_indexing_memory` unset: `MEILI_MAX_INDEXING_MEMORY`, as in Compose, else 512MiB.
    """
    max_indexing_memory = max_indexing_memory or os.environ.get(
        "MEILI_MAX_INDEXING_MEMORY", "512MiB"
    )
    data_dir = data_dir.absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [str(binary), "--db-path", str(data_dir), "--http-addr", f"127.0.0.1:{port}"]
    argv += ["--no-analytics", "--env", env, "--max-indexing-memory", max_indexing_memory]
    # The key travels in MEILI_MASTER_KEY, which it reads like --master-key: a command line
    # is readable by every user of the machine. NO_COLOR: its log is a file.
    child_env = {**os.environ, "MEILI_MASTER_KEY": master_key, "NO_COLOR": "1"}
    log = log_path or data_dir.parent / f"{data_dir.name}.log"
    # Its cwd receives the default dumps/ dir and is searched for a config.toml: keep it ours.
    process = ManagedProcess("meilisearch", argv, log, env=child_env, cwd=data_dir.parent)
    wait_until_ready(process, lambda: _answers_health(f"http://127.0.0.1:{port}/health"))
    return process


def _answers_ping(port: int) -> bool:
    # One short try per probe: the client's own retries would only slow the polling down.
    client = redis.Redis("127.0.0.1", port, socket_timeout=1.0, retry=Retry(NoBackoff(), 0))
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _answers_health(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False
