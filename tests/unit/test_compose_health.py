"""docker-compose.yml: ports, hosts and healthchecks, checked against the services' Settings."""

import ipaddress
import re
from urllib.parse import urlsplit

import pytest

from shared.contracts.settings import HttpServiceSettings, WorkerSettings
from shared.runtime.heartbeat import INTERVAL_SECONDS
from tests.unit.compose_support import (
    HTTP_SERVICES,
    MEILI_PORT,
    REDIS_PORT,
    SERVICES,
    WORKERS,
    healthcheck_test,
    loaded_settings,
    published_ports,
    service,
    settings_class,
)

# --- ports, hosts, healthchecks ---------------------------------------------------------------


@pytest.mark.parametrize("name", HTTP_SERVICES)
def test_http_services_publish_their_port_and_listen_on_all_interfaces(name: str) -> None:
    settings = loaded_settings(name)
    assert isinstance(settings, HttpServiceSettings)
    default_port = settings_class(name).model_fields["port"].default
    assert ipaddress.ip_address(settings.host).is_unspecified, (
        f"{name}: listens on {settings.host}; set its *_HOST to 0.0.0.0 in compose, or the "
        "published port reaches nothing"
    )
    ports = published_ports(name)
    assert [(p.published, p.target) for p in ports] == [(default_port, settings.port)], (
        f"{name}: ports are {service(name).get('ports')!r}; expected one mapping of host port "
        f"{default_port} (its Settings default) to container port {settings.port}"
    )


@pytest.mark.parametrize("name", HTTP_SERVICES)
def test_http_healthchecks_get_health_on_the_service_port(name: str) -> None:
    settings = loaded_settings(name)
    assert isinstance(settings, HttpServiceSettings)
    port = settings.port
    command = " ".join(healthcheck_test(name))
    urls = [urlsplit(url) for url in re.findall(r"https?://[^\s'\"]+", command)]
    assert any(
        url.hostname in {"127.0.0.1", "localhost"} and url.port == port and url.path == "/health"
        for url in urls
    ), f"{name}: the healthcheck must GET http://127.0.0.1:{port}/health, not {command!r}"
    for tool in ("curl", "wget"):
        assert tool not in command, f"{name}: the image has python, not {tool}: {command!r}"


@pytest.mark.parametrize("name", WORKERS)
def test_worker_healthchecks_read_the_heartbeat_file(name: str) -> None:
    settings = loaded_settings(name)
    assert isinstance(settings, WorkerSettings)
    heartbeat = settings.heartbeat_file
    assert heartbeat is not None, f"{name}: set HEARTBEAT_FILE, or nothing writes the heartbeat"
    test = healthcheck_test(name)
    assert test[:4] == ["CMD", "python", "-m", "shared.runtime.heartbeat"], (
        f"{name}: healthcheck must be python -m shared.runtime.heartbeat PATH MAX_AGE, not {test!r}"
    )
    assert len(test) == 6, f"{name}: healthcheck must pass PATH and MAX_AGE: {test!r}"
    assert test[4] == str(heartbeat), (
        f"{name}: the healthcheck reads {test[4]} but HEARTBEAT_FILE is {heartbeat}"
    )
    assert float(test[5]) >= 3 * INTERVAL_SECONDS, (
        f"{name}: max age {test[5]} s leaves too little slack over the heartbeat interval "
        f"({INTERVAL_SECONDS} s)"
    )


def test_infrastructure_healthchecks() -> None:
    redis = " ".join(healthcheck_test("redis"))
    assert "redis-cli ping" in redis, f"redis: healthcheck {redis!r} does not ping"
    meili = " ".join(healthcheck_test("meilisearch"))
    assert f"127.0.0.1:{MEILI_PORT}/health" in meili, (
        f"meilisearch: healthcheck {meili!r} must GET http://127.0.0.1:{MEILI_PORT}/health"
    )


@pytest.mark.parametrize("name", SERVICES)
def test_services_reach_redis_and_meilisearch_by_their_compose_names(name: str) -> None:
    settings = loaded_settings(name)
    redis_url, meili_url = urlsplit(settings.redis_url), urlsplit(settings.meili_url)
    assert (redis_url.hostname, redis_url.port) == ("redis", REDIS_PORT), (
        f"{name}: REDIS_URL points to {redis_url.netloc}, expected redis:{REDIS_PORT}"
    )
    assert (meili_url.hostname, meili_url.port) == ("meilisearch", MEILI_PORT), (
        f"{name}: MEILI_URL points to {meili_url.netloc}, expected meilisearch:{MEILI_PORT}"
    )
    assert "redis" in service(name).get("depends_on", {}), f"{name}: depends_on lacks redis"
