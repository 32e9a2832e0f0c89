"""The six ontheme services as local processes: start them in order, watch them, stop them."""

import importlib
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.native.process import ManagedProcess, ServerError

STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
HEALTH_POLL_S = 0.1
# Where `python -m services.X` resolves: the tree this launcher belongs to.
SOURCE_ROOT = Path(__file__).resolve().parents[2]
# Workers first, so they are consuming by the time the HTTP services take requests.
WORKERS = ("enrichment", "indexing", "related", "poller")
HTTP_SERVICES = ("ingest", "search")
# Workers that share their stream's consumer group, so more processes split the work.
SCALABLE = ("enrichment", "indexing", "related")
# The second process of a worker serves its metrics this many ports above the first, and so on.
METRICS_PORT_STEP = 10


class StackError(ServerError):
    """A service failed to start or stopped unexpectedly."""


@dataclass
class Stack:
    """The running services, in start order."""

    processes: list[ManagedProcess]
    urls: dict[str, str] = field(default_factory=dict)

    def check_alive(self) -> None:
        """Raise StackError with the log tail of the first service that has exited."""
        for process in self.processes:
            if not process.alive:
                raise StackError(process.describe_exit())

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop every service, last started first, within about `timeout` seconds in all."""
        ordered = list(reversed(self.processes))
        # SIGTERM all at once so their graceful shutdowns overlap, then wait for each.
        for process in ordered:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in ordered:
            process.stop(max(0.1, deadline - time.monotonic()))


# glibc gives each thread that allocates (asyncio.to_thread, the clients' pools) an arena of
# its own, which keeps what it freed; two bound that. As in deploy/Dockerfile.
MALLOC_ARENA_MAX = "2"


def service_env(env: Mapping[str, str], *, ingest_port: int, search_port: int) -> dict[str, str]:
    """The environment the services run with: ours, then `env`, then their ports."""
    child = {**os.environ, **env, "INGEST_PORT": str(ingest_port), "SEARCH_PORT": str(search_port)}
    child.setdefault("INGEST_HOST", "127.0.0.1")
    child.setdefault("SEARCH_HOST", "127.0.0.1")
    # Log lines reach the file as they happen, so a tail after a crash is complete.
    child["PYTHONUNBUFFERED"] = "1"
    child.setdefault("MALLOC_ARENA_MAX", MALLOC_ARENA_MAX)
    return child


def start_stack(
    env: Mapping[str, str],
    log_dir: Path,
    *,
    ingest_port: int,
    search_port: int,
    timeout: float = STARTUP_TIMEOUT_S,
    processes: Mapping[str, int] | None = None,
) -> Stack:
    """Start the services, `processes` of each scalable worker (default one), until healthy.

    Healthy: both HTTP services answer GET /health.
    """
    child_env = service_env(env, ingest_port=ingest_port, search_port=search_port)
    ports = {"ingest": ingest_port, "search": search_port}
    stack = Stack(processes=[], urls={n: f"http://127.0.0.1:{p}" for n, p in ports.items()})
    try:
        for name, service, extra_env in process_plan(child_env, processes or {}):
            argv = [sys.executable, "-m", f"services.{service}"]
            log = log_dir / f"{name}.log"
            process_env = {**child_env, **extra_env}
            stack.processes.append(
                ManagedProcess(name, argv, log, env=process_env, cwd=SOURCE_ROOT)
            )
        _wait_healthy(stack, timeout)
    except BaseException:
        stack.stop()
        raise
    return stack


def process_plan(
    env: Mapping[str, str], processes: Mapping[str, int]
) -> Iterator[tuple[str, str, dict[str, str]]]:
    """Each process to start: its name (`enrichment-2` for a second one), service, own env."""
    unknown = set(processes) - set(SCALABLE)
    if unknown:
        raise ValueError(f"only {', '.join(SCALABLE)} run as several processes, not {unknown}")
    for service in (*WORKERS, *HTTP_SERVICES):
        yield service, service, {}
        var = f"{service.upper()}_METRICS_PORT"
        for n in range(2, processes.get(service, 1) + 1):
            # Set but `0` or empty: no metrics, for the extra processes too.
            base = int(env[var].strip() or 0) if var in env else _default_metrics_port(service)
            port = base + METRICS_PORT_STEP * (n - 1) if base else 0
            yield f"{service}-{n}", service, {var: str(port)}


def _default_metrics_port(service: str) -> int:
    settings = importlib.import_module(f"services.{service}.settings").Settings
    return int(settings.model_fields["metrics_port"].default)


def _wait_healthy(stack: Stack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(stack.urls)
    with httpx.Client(timeout=1.0) as client:
        while pending:
            stack.check_alive()
            pending = {n: u for n, u in pending.items() if not _healthy(client, u)}
            if pending and time.monotonic() > deadline:
                raise _not_healthy(stack, next(iter(pending)), timeout)
            if pending:
                time.sleep(HEALTH_POLL_S)
    # Workers have no health endpoint: by now, one with bad settings has exited.
    stack.check_alive()


def _not_healthy(stack: Stack, name: str, timeout: float) -> StackError:
    process = next(p for p in stack.processes if p.name == name)
    return StackError(
        f"{name} did not answer {stack.urls[name]}/health within {timeout:.0f} s; "
        f"last lines of {process.log_path}:\n{process.tail()}"
    )


def _healthy(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(f"{url}/health").status_code == 200
    except httpx.HTTPError:
        return False
