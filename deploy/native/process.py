"""A child process tracked by pid, with its output in a log file."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

START_TIMEOUT_S = 30.0
POLL_S = 0.05
TAIL_BYTES = 64 * 1024


class ServerError(RuntimeError):
    """A server did not start, or stopped when it should be running."""


class ManagedProcess:
    """A child process in its own session whose output goes to a log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._env = None if env is None else dict(env)
        self._cwd = cwd
        log_path.parent.mkdir(parents=True, exist_ok=True)
        # A fresh log per start, so tail() shows this run's failure.
        self._popen = self._spawn("wb")
        self.started_at = time.monotonic()

    def _spawn(self, mode: str) -> "subprocess.Popen[bytes]":
        # Its own session: Ctrl-C in our terminal reaches only us, and we stop our children in
        # order.
        with self.log_path.open(mode) as log:
            return subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )

    def respawn(self) -> None:
        """Start the process again, as it was started, once it has exited; its log goes on."""
        if self.alive:
            raise RuntimeError(f"{self.name} (pid {self.pid}) is still running")
        with self.log_path.open("ab") as log:
            log.write(f"\n--- {self.name} restarted after: {self.exit_cause()} ---\n".encode())
        self._popen = self._spawn("ab")
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int:
        """Process id; never look a server up by name (valkey-server rewrites its title)."""
        return self._popen.pid

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        """Exit status once it has exited (negative: killed by that signal), else None."""
        return self._popen.poll()

    def terminate(self) -> None:
        """Ask the process to exit (SIGTERM) without waiting."""
        if self.alive:
            self._popen.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL its whole process group after `timeout` s; return its status."""
        self.terminate()
        try:
            return self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            # The group id is its pid (own session): this also reaches any child it forked.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            return self._popen.wait()

    def tail(self, lines: int = 20) -> str:
        """The last `lines` lines of its log."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - TAIL_BYTES))
                data = log.read()
        except OSError as exc:
            return f"(cannot read {self.log_path}: {exc})"
        return "\n".join(data.decode(errors="replace").splitlines()[-lines:])

    def exit_cause(self) -> str:
        """How it ended: "was killed by SIGKILL", "exited (1)", or "is still running"."""
        code = self.returncode
        if code is None:
            return "is still running"
        return f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited ({code})"

    def describe_exit(self) -> str:
        """One paragraph naming the process, how it ended, its log file and log tail."""
        return (
            f"{self.name} (pid {self.pid}) {self.exit_cause()}; last lines of {self.log_path}:\n"
            f"{self.tail()}"
        )

    def __repr__(self) -> str:
        return f"ManagedProcess({self.name!r}, pid={self.pid}, alive={self.alive})"


def wait_until_ready(
    process: ManagedProcess, ready: Callable[[], bool], timeout: float = START_TIMEOUT_S
) -> None:
    """Poll `ready` until it holds; stop the process and raise if it dies or times out."""
    try:
        _poll(process, ready, timeout)
    except BaseException:
        # Also on Ctrl-C: the caller never got the process, so nobody else would stop it.
        process.stop()
        raise


def _poll(process: ManagedProcess, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    # Alive first: a dead server's port may belong to someone else, whose answer means nothing.
    while process.alive and not ready():
        if time.monotonic() > deadline:
            raise ServerError(
                f"{process.name} was not ready after {timeout:.0f} s; last lines of "
                f"{process.log_path}:\n{process.tail()}"
            )
        time.sleep(POLL_S)
    if not process.alive:
        raise ServerError(f"{process.name} did not start: {process.describe_exit()}")
