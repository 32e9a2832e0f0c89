import pytest

from deploy.native.process import ServerError
from deploy.native.supervise import RestartPolicy, Supervisor


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class FakeProcess:
    def __init__(self, name: str, clock: Clock) -> None:
        self.name, self.clock = name, clock
        self.started_at = clock.now
        self.alive = True
        self.spawns = 0

    def exit_cause(self) -> str:
        return "was killed by SIGKILL"

    def describe_exit(self) -> str:
        return f"{self.name} was killed by SIGKILL; last lines: boom"

    def respawn(self) -> None:
        self.alive, self.started_at = True, self.clock.now
        self.spawns += 1


def setup() -> tuple[Clock, FakeProcess, FakeProcess, Supervisor, list[str]]:
    clock = Clock()
    worker, api = FakeProcess("related", clock), FakeProcess("search", clock)
    said: list[str] = []
    return clock, worker, api, Supervisor([worker, api], said.append, RestartPolicy(), clock), said


def die_after(process: FakeProcess, clock: Clock, supervisor: Supervisor, up_s: float) -> None:
    clock.now += up_s
    process.alive = False
    supervisor.step()


def test_a_dead_process_is_restarted_after_a_second_and_the_rest_runs_on() -> None:
    clock, worker, api, supervisor, said = setup()
    die_after(worker, clock, supervisor, 120)
    assert said == ["related was killed by SIGKILL after 120 s; restarting it in 1 s (restart 1)"]
    clock.now += 0.5
    supervisor.step()
    assert worker.spawns == 0
    clock.now += 0.5
    supervisor.step()
    assert (worker.spawns, worker.alive, api.spawns) == (1, True, 0)
    assert supervisor.restarts == {"related": 1, "search": 0}


def test_the_delay_doubles_with_exits_in_a_row_up_to_30_s_and_resets_once_stable() -> None:
    clock, worker, _, supervisor, said = setup()
    delays = []
    for _ in range(7):
        die_after(worker, clock, supervisor, 10)  # up 10 s each time: not at once, not stable
        delays.append(said[-1].split(" in ")[1].split(" s")[0])
        clock.now += 30
        supervisor.step()
    assert delays == ["1", "2", "4", "8", "16", "30", "30"]
    die_after(worker, clock, supervisor, 600)
    assert "restarting it in 1 s (restart 8)" in said[-1]


def test_a_process_that_fails_at_once_five_times_in_a_row_stops_the_stack_with_why() -> None:
    clock, worker, _, supervisor, _ = setup()
    for _ in range(4):
        die_after(worker, clock, supervisor, 1)
        clock.now += 30
        supervisor.step()
    with pytest.raises(ServerError, match="related failed at once 5 times in a row"):
        die_after(worker, clock, supervisor, 1)
