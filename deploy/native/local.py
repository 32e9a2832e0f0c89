"""The local state of `make run`: its settings, its lock, its generated secrets, its ports."""

import contextlib
import fcntl
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from deploy.native.servers import port_is_free
from deploy.native.stack import SCALABLE
from services.ingest.settings import API_KEYS_VAR, split_keys

MAX_PROCESSES = 16
DEFAULT_PORTS = {"SEARCH_PORT": 8000, "INGEST_PORT": 8001, "REDIS_PORT": 6379, "MEILI_PORT": 7700}
# A server already on the default port may be one the person wants to use.
USE_EXISTING = {
    "REDIS_PORT": ", or use that Redis: `REDIS_URL=redis://127.0.0.1:{port}/0 make run`",
    "MEILI_PORT": ", or use that Meilisearch: set MEILI_URL and MEILI_MASTER_KEY",
}


class UsageError(Exception):
    """Something the person running `make run` can fix; its message says how."""


@dataclass(frozen=True)
class RunConfig:
    """What `make run` starts and where, read from the environment."""

    root: Path
    ports: Mapping[str, int]
    redis_url: str | None  # an external Redis; None: start our own
    meili_url: str | None  # an external Meilisearch; None: start our own
    meili_key: str | None  # the external Meilisearch's key
    ingest_keys: str | None  # INGEST_API_KEYS to use; None: the one in .data/local.env
    processes: Mapping[str, int]  # worker processes by service, from ENRICHMENT_PROCESSES...

    @property
    def data_dir(self) -> Path:
        """Where `make run` keeps its data, logs, lock and secrets."""
        return self.root / ".data"

    def ports_to_bind(self) -> dict[str, int]:
        """The ports our own processes will listen on, by the variable that sets each."""
        skip = {"REDIS_PORT"} if self.redis_url else set()
        skip |= {"MEILI_PORT"} if self.meili_url else set()
        return {var: port for var, port in self.ports.items() if var not in skip}


def read_config(root: Path, environ: Mapping[str, str]) -> RunConfig:
    """Read the ports and external server URLs from `environ`."""
    ports = {var: _port(var, environ.get(var), default) for var, default in DEFAULT_PORTS.items()}
    return RunConfig(
        root=root,
        ports=ports,
        redis_url=environ.get("REDIS_URL") or None,
        meili_url=environ.get("MEILI_URL") or None,
        meili_key=environ.get("MEILI_MASTER_KEY"),
        ingest_keys=",".join(split_keys(environ.get(API_KEYS_VAR, ""))) or None,
        processes={s: _count(f"{s.upper()}_PROCESSES", environ) for s in SCALABLE},
    )


def _count(var: str, environ: Mapping[str, str]) -> int:
    raw = environ.get(var, "").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PROCESSES:
        raise UsageError(
            f"{var} must be a number of processes from 1 to {MAX_PROCESSES}, not {raw!r}"
        )
    return int(raw)


def _port(var: str, raw: str | None, default: int) -> int:
    if raw is None or not raw.strip():
        return default
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 65535:
        raise UsageError(f"{var} must be a port number from 1 to 65535, not {raw!r}")
    return int(raw)


def check_ports(ports: Mapping[str, int]) -> None:
    """Raise UsageError naming the first port that is taken or used twice."""
    seen: dict[int, str] = {}
    for var, port in ports.items():
        if port in seen:
            raise UsageError(f"{seen[port]} and {var} are both {port}: give each its own port")
        seen[port] = var
        if not port_is_free(port):
            raise UsageError(
                f"ontheme cannot start: port {port} ({var}) is already in use. Stop whatever "
                f"listens on it, or choose another port, e.g. `{var}={port + 10} make run`"
                + USE_EXISTING.get(var, "").format(port=port)
            )


@contextlib.contextmanager
def hold_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (with our pid in it), or raise UsageError if taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock_or_explain(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock, on every path; a stale pid in it is harmless


def _lock_or_explain(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        raise UsageError(
            f"ontheme is already running (pid {holder}): stop it with Ctrl-C in its terminal"
        ) from None
