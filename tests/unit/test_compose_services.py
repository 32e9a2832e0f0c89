"""docker-compose.yml: which services run, from which image, how they restart, scale and stop,
what they wait for and where their data lives."""

import inspect

import pytest

from shared.runtime.broker import create_broker
from tests.unit.compose_support import (
    COMPOSE_FILE,
    IMAGE,
    INFRA_IMAGES,
    INFRA_VOLUMES,
    RESTART,
    ROOT,
    SERVICES,
    WORKERS,
    compose,
    healthcheck_test,
    mounts,
    seconds,
    service,
)
from tests.unit.dockerfile_support import DOCKERFILE

# --- the services compose runs ----------------------------------------------------------------


def test_compose_runs_every_service_package_and_the_infrastructure() -> None:
    assert SERVICES, "no services/<name>/__main__.py found: nothing to check compose against"
    expected = set(SERVICES) | set(INFRA_IMAGES)
    actual = set(compose()["services"])
    assert not expected - actual, f"docker-compose.yml lacks services {sorted(expected - actual)}"
    assert not actual - expected, (
        f"docker-compose.yml runs {sorted(actual - expected)}, which are neither a "
        f"services/<name> package with a __main__.py nor one of {sorted(INFRA_IMAGES)}"
    )


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_its_own_module(name: str) -> None:
    command = service(name).get("command")
    expected = ["python", "-m", f"services.{name}"]
    assert command == expected, f"{name}: command is {command!r}, expected {expected!r}"
    assert (ROOT / "services" / name / "__main__.py").is_file(), (
        f"{name}: `python -m services.{name}` needs services/{name}/__main__.py"
    )


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_built_from_the_repository_root_as_the_one_image(name: str) -> None:
    definition = service(name)
    assert definition.get("image") == IMAGE, (
        f"{name}: image is {definition.get('image')!r}; every service runs {IMAGE!r}"
    )
    build = definition.get("build")
    if isinstance(build, str):
        build = {"context": build}
    assert isinstance(build, dict), f"{name}: no `build:` (context . and deploy/Dockerfile)"
    context = (COMPOSE_FILE.parent / str(build.get("context", "."))).resolve()
    assert context == ROOT, f"{name}: build context is {context}, expected the repository root"
    dockerfile = context / str(build.get("dockerfile", "Dockerfile"))
    assert dockerfile == DOCKERFILE, (
        f"{name}: builds from {dockerfile.relative_to(ROOT)}, expected deploy/Dockerfile"
    )
    assert DOCKERFILE.is_file(), "deploy/Dockerfile is missing"


@pytest.mark.parametrize(("name", "image"), sorted(INFRA_IMAGES.items()))
def test_infrastructure_images_are_pinned(name: str, image: str) -> None:
    assert service(name).get("image") == image, (
        f"{name}: image is {service(name).get('image')!r}, expected {image!r}"
    )
    assert "build" not in service(name), f"{name}: runs the upstream image; no `build:`"


@pytest.mark.parametrize("name", sorted(compose()["services"]))
def test_every_service_restarts_and_has_a_healthcheck(name: str) -> None:
    restart = service(name).get("restart")
    assert restart == RESTART, f"{name}: restart is {restart!r}, expected {RESTART!r}"
    healthcheck_test(name)


# --- scaling, stopping, dependencies, volumes -------------------------------------------------


@pytest.mark.parametrize("name", WORKERS)
def test_workers_can_scale(name: str) -> None:
    definition = service(name)
    fixed = [key for key in ("ports", "container_name", "hostname") if key in definition]
    assert not fixed, f"{name}: {fixed} stop `docker compose up --scale {name}=N`"


@pytest.mark.parametrize("name", WORKERS)
def test_workers_get_longer_than_the_graceful_shutdown_to_stop(name: str) -> None:
    graceful = inspect.signature(create_broker).parameters["graceful_timeout"].default
    assert isinstance(graceful, float), (
        "shared.runtime.broker.create_broker lost its graceful_timeout"
    )
    stop = service(name).get("stop_grace_period")
    assert stop is not None, f"{name}: set stop_grace_period above {graceful} s (default 10 s)"
    assert seconds(stop, f"{name}.stop_grace_period") > graceful, (
        f"{name}: stop_grace_period {stop} does not exceed FastStream's {graceful} s graceful "
        "timeout; Docker would kill handlers mid-batch"
    )


@pytest.mark.parametrize("name", sorted(compose()["services"]))
def test_dependencies_exist_and_are_waited_for_until_healthy(name: str) -> None:
    depends_on = service(name).get("depends_on", {})
    assert isinstance(depends_on, dict), (
        f"{name}: write depends_on as a mapping with `condition: service_healthy`"
    )
    for target, options in depends_on.items():
        assert target in compose()["services"], f"{name} depends on `{target}`: no such service"
        condition = (options or {}).get("condition")
        assert condition == "service_healthy", (
            f"{name} -> {target}: condition is {condition!r}, expected service_healthy"
        )
        healthcheck_test(target)


@pytest.mark.parametrize(("name", "volume"), sorted(INFRA_VOLUMES.items()))
def test_data_lives_in_named_volumes(name: str, volume: tuple[str, str]) -> None:
    declared = compose().get("volumes") or {}
    assert volume[0] in declared, f"top-level `volumes:` does not declare {volume[0]}"
    assert volume in mounts(name), (
        f"{name}: mount {volume[0]} at {volume[1]}; mounts are {sorted(mounts(name))}"
    )
