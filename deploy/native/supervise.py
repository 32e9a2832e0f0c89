"""`make run` as a process supervisor: a part that dies is restarted with backoff, the rest runs on.

Redis, Meilisearch and every service are restarted the same way: 1 s after the first exit, the
delay doubling with each exit in a row up to 30 s, and back to 1 s once a process has stayed up
for a while. A process that fails at once (within `quick_s` of its start) `max_quick` times in a
row will not start: the stack stops with that reason, as it would without supervision.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from deploy.native.process import ServerError


class Supervised(Protocol):
    """What the supervisor needs of a process (deploy.native.process.ManagedProcess)."""

    name: str
    started_at: float

    @property
    def alive(self) -> bool:
        """Whether it runs."""
        ...

    def exit_cause(self) -> str:
        """How it ended."""
        ...

    def describe_exit(self) -> str:
        """How it ended, with its log tail."""
        ...

    def respawn(self) -> None:
        """Start it again."""
        ...


@dataclass(frozen=True)
class RestartPolicy:
    """When and how often a dead process is started again."""

    first_delay_s: float = 1.0
    max_delay_s: float = 30.0
    stable_s: float = 60.0  # up this long: the next exit starts the backoff afresh
    quick_s: float = 5.0  # an exit this soon after a start counts as failing at once
    max_quick: int = 5


@dataclass
class _Watch:
    process: Supervised
    exits_in_row: int = 0
    quick_in_row: int = 0
    restarts: int = 0
    due: float | None = None


class Supervisor:
    """Restarts the processes it watches; call `step` periodically."""

    def __init__(
        self,
        processes: Sequence[Supervised],
        say: Callable[[str], None],
        policy: RestartPolicy = RestartPolicy(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._watches = [_Watch(p) for p in processes]
        self._say, self.policy, self._clock = say, policy, clock

    @property
    def restarts(self) -> dict[str, int]:
        """How many times each process was restarted."""
        return {w.process.name: w.restarts for w in self._watches}

    def step(self) -> None:
        """Notice exits and restart what is due; raise ServerError for a process that won't run."""
        now = self._clock()
        for watch in self._watches:
            if watch.due is not None:
                if now >= watch.due:
                    self._restart(watch)
            elif not watch.process.alive:
                self._schedule(watch, now)

    def _schedule(self, watch: _Watch, now: float) -> None:
        process, policy = watch.process, self.policy
        ran_s = now - process.started_at
        watch.exits_in_row = 1 if ran_s >= policy.stable_s else watch.exits_in_row + 1
        watch.quick_in_row = watch.quick_in_row + 1 if ran_s < policy.quick_s else 0
        if watch.quick_in_row >= policy.max_quick:
            raise ServerError(
                f"{process.name} failed at once {watch.quick_in_row} times in a row, "
                f"not restarting it: {process.describe_exit()}"
            )
        delay = min(policy.max_delay_s, policy.first_delay_s * 2 ** (watch.exits_in_row - 1))
        watch.due = now + delay
        self._say(
            f"{process.name} {process.exit_cause()} after {ran_s:.0f} s; restarting it in "
            f"{delay:.0f} s (restart {watch.restarts + 1})"
        )

    def _restart(self, watch: _Watch) -> None:
        watch.process.respawn()
        watch.restarts += 1
        watch.due = None
