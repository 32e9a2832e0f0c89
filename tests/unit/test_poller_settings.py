"""Poller settings, and its compose service: a scalable worker with a heartbeat, no Meilisearch."""

import inspect

import pytest
from pydantic import ValidationError

from services.poller.settings import Settings
from shared.runtime.broker import create_broker
from tests.unit.compose_support import environment, healthcheck_test, seconds, service


def test_the_fetch_policy_comes_from_the_settings() -> None:
    settings = Settings(fetch_allow=" 127.0.0.1, intranet.example ,", fetch_timeout_s=5)
    policy = settings.fetch_policy
    assert policy.allow == ("127.0.0.1", "intranet.example")
    assert (policy.timeout_s, policy.max_bytes) == (5, settings.fetch_max_bytes)
    assert Settings().fetch_policy.allow == ()  # public addresses only by default


def test_settings_come_from_poller_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLLER_POLL_BATCH", "3")
    monkeypatch.setenv("POLLER_FETCH_ALLOW", "10.0.0.0/8")
    monkeypatch.setenv("HEARTBEAT_FILE", "/run/ontheme/beat")
    settings = Settings()
    assert (settings.poll_batch, settings.fetch_allow) == (3, "10.0.0.0/8")
    assert str(settings.heartbeat_file) == "/run/ontheme/beat"


def test_a_lease_shorter_than_two_fetches_is_refused() -> None:
    with pytest.raises(ValidationError, match="POLLER_LEASE_SECONDS"):
        Settings(lease_seconds=15, fetch_timeout_s=10)


def test_compose_runs_the_poller_like_a_worker() -> None:
    poller = service("poller")
    # Scalable: no fixed name, host name or port.
    assert not {"ports", "container_name", "hostname"} & set(poller)
    beat = environment("poller")["HEARTBEAT_FILE"]
    assert healthcheck_test("poller")[:5] == [
        "CMD",
        "python",
        "-m",
        "shared.runtime.heartbeat",
        beat,
    ]
    # SIGTERM lets the polls in hand finish: a fetch, and FastStream's own graceful stop.
    graceful = inspect.signature(create_broker).parameters["graceful_timeout"].default
    stop = seconds(poller["stop_grace_period"], "poller.stop_grace_period")
    assert stop > max(graceful, Settings().fetch_timeout_s)
    assert "MEILI_MASTER_KEY" not in environment("poller")
