"""deploy/k8s: the Kubernetes manifests, checked without a cluster.

Built-in kinds are validated against the Kubernetes OpenAPI schemas bundled in the
kubernetes-validate package (offline); KEDA's kinds, which it has no schema for, structurally.
Then the manifests are compared with the code and with docker-compose.yml: each service's
command and environment, ports, probes, secrets, and the workers' streams and consumer groups.
"""

import functools
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from shared.contracts.keys import TOPOLOGY
from tests.unit.compose_support import (
    HTTP_SERVICES,
    INFRA_IMAGES,
    INFRA_VOLUMES,
    MEILI_PORT,
    REDIS_PORT,
    ROOT,
    SERVICES,
    WORKERS,
    accepted_variables,
    env_key,
    environment,
    fake_values,
    healthcheck_test,
    service,
    settings_class,
)

K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30"  # the oldest Kubernetes these manifests promise to run on
SECRET_NAME = "ontheme-secrets"
SECRET_KEYS = {"MEILI_MASTER_KEY", "REDIS_PASSWORD", "INGEST_API_KEYS"}
KEDA_API = "keda.sh/v1alpha1"
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}
BUILT_IN = {
    ("v1", "Namespace"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
}
NAME_LABEL = "app.kubernetes.io/name"
INFRA = ("redis", "meilisearch")
# Variables a container may hold only to build another one with $(NAME) (REDIS_URL).
_EXPANSION = re.compile(r"\$\((\w+)\)")


# --- reading the directory --------------------------------------------------------------------


@functools.cache
def kustomization() -> dict[str, Any]:
    data = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "kustomization.yaml is not a mapping"
    return data


@functools.cache
def documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(file name, document) for every document of every manifest kustomization.yaml lists."""
    found = []
    for name in kustomization()["resources"]:
        for doc in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")):
            if doc is None:
                continue
            assert isinstance(doc, dict), f"{name}: a document is not a mapping"
            found.append((name, doc))
    return tuple(found)


def of_kind(*kinds: str) -> dict[str, dict[str, Any]]:
    """Documents of these kinds, by name (names are unique per kind, checked below)."""
    return {doc["metadata"]["name"]: doc for _, doc in documents() if doc["kind"] in kinds}


def workload(name: str) -> dict[str, Any]:
    found = of_kind("Deployment", "StatefulSet")
    assert name in found, f"deploy/k8s has no Deployment or StatefulSet `{name}`"
    return found[name]


def container(name: str) -> dict[str, Any]:
    containers = workload(name)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{name}: expected one container"
    result: dict[str, Any] = containers[0]
    return result


def env_entries(name: str) -> list[dict[str, Any]]:
    return list(container(name).get("env", []))


def resolved_environment(name: str) -> dict[str, str]:
    """The container's environment with secrets set to compose's test values, $(VAR) expanded."""
    values: dict[str, str] = {}
    for entry in env_entries(name):
        if "valueFrom" in entry:
            ref = entry["valueFrom"]["secretKeyRef"]
            values[entry["name"]] = fake_values()[ref["key"]]
        else:
            values[entry["name"]] = _EXPANSION.sub(
                lambda match: values[match[1]], str(entry["value"])
            )
    return values


def helper_variables(name: str) -> set[str]:
    """Variables set only to be expanded into others."""
    return {
        var
        for entry in env_entries(name)
        if "value" in entry
        for var in _EXPANSION.findall(str(entry["value"]))
    }


def walk(node: object) -> Iterator[tuple[str, object]]:
    """Every (key, value) pair in a document, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


# --- the directory as a whole -----------------------------------------------------------------


def test_kustomization_lists_every_manifest() -> None:
    on_disk = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization()["resources"]) == sorted(on_disk)
    assert kustomization()["namespace"] == "ontheme"


def test_every_document_is_a_known_kind_with_a_unique_name() -> None:
    seen = set()
    for file, doc in documents():
        key = (doc.get("apiVersion"), doc.get("kind"))
        assert key in BUILT_IN or (key[0] == KEDA_API and key[1] in KEDA_KINDS), (
            f"{file}: unexpected {key}"
        )
        ident = (doc["kind"], doc["metadata"]["name"])
        assert ident not in seen, f"{file}: {ident} twice"
        seen.add(ident)


@pytest.mark.parametrize(
    "doc",
    [doc for _, doc in documents() if (doc["apiVersion"], doc["kind"]) in BUILT_IN],
    ids=lambda doc: f"{doc['kind']}/{doc['metadata']['name']}",
)
def test_built_in_kinds_match_the_kubernetes_schema(doc: dict[str, Any]) -> None:
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        pytest.fail(f"{'.'.join(map(str, exc.path))}: {exc.message}")


def test_no_secret_values_are_committed() -> None:
    assert not of_kind("Secret"), "create ontheme-secrets with kubectl; never commit one"
    for file, doc in documents():
        for key, value in walk(doc):
            if key == "secretKeyRef":
                assert isinstance(value, dict)
                assert value["name"] == SECRET_NAME, f"{file}: {value}"
                assert value["key"] in SECRET_KEYS, f"{file}: {value}"
            if key == "env":
                assert isinstance(value, list)
                literal = {entry["name"] for entry in value if "value" in entry}
                assert not literal & SECRET_KEYS, f"{file}: a secret given as a literal value"


# --- the six ontheme services ----------------------------------------------------------------


def test_every_service_has_a_deployment_and_nothing_else_runs() -> None:
    assert sorted(of_kind("Deployment")) == sorted(SERVICES)
    assert sorted(of_kind("StatefulSet")) == sorted(INFRA)


@functools.cache
def project_version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


@pytest.mark.parametrize("name", SERVICES)
def test_service_runs_the_versioned_image_with_composes_command(name: str) -> None:
    spec = container(name)
    assert spec["image"] == f"ontheme:{project_version()}"
    assert spec["command"] == service(name)["command"]


@pytest.mark.parametrize("name", SERVICES)
def test_environment_is_the_one_compose_gives(name: str) -> None:
    accepted = accepted_variables(name)
    cls = settings_class(name)
    helpers = helper_variables(name)
    names = [entry["name"] for entry in env_entries(name)]
    assert len(names) == len(set(names)), f"{name}: a variable set twice"
    unread = [var for var in names if env_key(cls, var) not in accepted and var not in helpers]
    assert not unread, f"{name}: sets {unread}, which its Settings do not read"
    for entry in env_entries(name):
        if entry["name"] in helpers:
            assert "valueFrom" in entry, f"{name}: helper {entry['name']} must come from the Secret"
    resolved = {var: value for var, value in resolved_environment(name).items() if var in accepted}
    assert resolved == environment(name)


@pytest.mark.parametrize("name", HTTP_SERVICES)
def test_http_services_listen_where_their_service_points(name: str) -> None:
    port = settings_class(name).model_fields["port"].default
    assert container(name)["ports"] == [{"name": "http", "containerPort": port}]
    svc = of_kind("Service")[name]
    assert svc["spec"]["ports"][0]["port"] == port
    assert svc["spec"]["ports"][0]["targetPort"] in {port, "http"}
    for probe in ("readinessProbe", "livenessProbe"):
        assert container(name)[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe


@pytest.mark.parametrize("name", [name for name in SERVICES if name not in HTTP_SERVICES])
def test_workers_probe_the_heartbeat_compose_does(name: str) -> None:
    command = healthcheck_test(name)
    assert command[0] == "CMD"
    heartbeat = environment(name)["HEARTBEAT_FILE"]
    assert heartbeat in command, f"{name}: the healthcheck reads another file than HEARTBEAT_FILE"
    mounts = {mount["mountPath"] for mount in container(name).get("volumeMounts", [])}
    assert str(Path(heartbeat).parent) in mounts, f"{name}: the heartbeat needs a writable dir"
    for probe in ("readinessProbe", "livenessProbe"):
        assert container(name)[probe]["exec"]["command"] == command[1:], probe


@pytest.mark.parametrize("name", SERVICES)
def test_prometheus_scrapes_each_service_where_it_serves_metrics(name: str) -> None:
    fields = settings_class(name).model_fields
    if name in HTTP_SERVICES:
        port = fields["port"].default  # GET /metrics beside the API
    else:
        port = fields["metrics_port"].default
        assert {"name": "metrics", "containerPort": port} in container(name)["ports"]
        # prometheus_client listens on loopback unless told: a scraper must reach the pod.
        assert resolved_environment(name)["METRICS_HOST"] == "0.0.0.0"  # noqa: S104
    assert workload(name)["spec"]["template"]["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(port),
        "prometheus.io/path": "/metrics",
    }


def test_workers_have_metrics_ports_of_their_own() -> None:
    ports = [settings_class(name).model_fields["metrics_port"].default for name in WORKERS]
    ports.append(settings_class("poller").model_fields["metrics_port"].default)
    assert all(ports)
    assert len(set(ports)) == len(ports), "one machine runs every worker natively (make run)"


# --- every workload ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*SERVICES, *INFRA])
def test_workload_is_probed_limited_and_unprivileged(name: str) -> None:
    spec = container(name)
    pod = workload(name)["spec"]["template"]["spec"]
    assert "readinessProbe" in spec
    assert "livenessProbe" in spec
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(spec["resources"][kind]), f"{name}: resources.{kind}"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert spec["securityContext"]["allowPrivilegeEscalation"] is False
    assert spec["securityContext"]["capabilities"]["drop"] == ["ALL"]
    image = spec["image"]
    assert ":" in image.rsplit("/", 1)[-1], f"{name}: pin the image tag"
    assert not image.endswith(":latest"), f"{name}: pin the image tag"
    labels = workload(name)["spec"]["template"]["metadata"]["labels"]
    assert workload(name)["spec"]["selector"]["matchLabels"] == {NAME_LABEL: name}
    assert labels[NAME_LABEL] == name


def test_every_service_selects_pods_that_exist_on_a_port_they_open() -> None:
    for name, svc in of_kind("Service").items():
        selector = svc["spec"]["selector"]
        targets = [
            w
            for w in of_kind("Deployment", "StatefulSet").values()
            if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert targets, f"Service {name} selects no pods"
        opened = {
            value
            for target in targets
            for c in target["spec"]["template"]["spec"]["containers"]
            for port in c.get("ports", [])
            for value in (port["containerPort"], port.get("name"))
        }
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in opened, f"Service {name}: {port}"
    assert set(of_kind("Service")) == {*HTTP_SERVICES, *INFRA}


@pytest.mark.parametrize("name", INFRA)
def test_infrastructure_keeps_its_data_on_a_claim(name: str) -> None:
    spec = container(name)
    assert spec["image"] == INFRA_IMAGES[name]
    _, path = INFRA_VOLUMES[name]
    [claim] = workload(name)["spec"]["volumeClaimTemplates"]
    assert {"name": claim["metadata"]["name"], "mountPath": path} in spec["volumeMounts"]
    assert workload(name)["spec"]["serviceName"] == name


def test_redis_appends_every_second_and_requires_the_password() -> None:
    args = container("redis")["command"]
    flags = dict(zip(args[1::2], args[2::2], strict=True))
    assert flags["--appendonly"] == "yes"
    assert flags["--appendfsync"] == "everysec"
    assert flags["--requirepass"] == "$(REDIS_PASSWORD)"
    env = {entry["name"]: entry for entry in env_entries("redis")}
    assert env["REDISCLI_AUTH"]["valueFrom"]["secretKeyRef"]["key"] == "REDIS_PASSWORD"
    for probe in ("readinessProbe", "livenessProbe"):
        assert "redis-cli ping" in " ".join(container("redis")[probe]["exec"]["command"])
    assert container("redis")["ports"][0]["containerPort"] == REDIS_PORT


def test_meilisearch_runs_in_production_with_the_master_key() -> None:
    env = {entry["name"]: entry for entry in env_entries("meilisearch")}
    assert env["MEILI_ENV"]["value"] == "production"
    assert env["MEILI_MASTER_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "MEILI_MASTER_KEY"
    for probe in ("readinessProbe", "livenessProbe"):
        assert container("meilisearch")[probe]["httpGet"]["path"] == "/health"
    assert container("meilisearch")["ports"][0]["containerPort"] == MEILI_PORT


# --- KEDA -------------------------------------------------------------------------------------


def stream_of(group: str) -> str:
    [stream] = [stream for stream, groups in TOPOLOGY.items() if group in groups]
    return stream


def test_every_worker_has_one_scaled_object_on_its_groups_lag() -> None:
    scaled = [doc for _, doc in documents() if doc["kind"] == "ScaledObject"]
    targets = sorted(doc["spec"]["scaleTargetRef"]["name"] for doc in scaled)
    assert targets == sorted(WORKERS)
    auths = of_kind("TriggerAuthentication")
    namespace = kustomization()["namespace"]
    for doc in scaled:
        name = doc["spec"]["scaleTargetRef"]["name"]
        assert doc["spec"]["scaleTargetRef"].get("kind", "Deployment") == "Deployment"
        assert 1 <= doc["spec"]["minReplicaCount"] < doc["spec"]["maxReplicaCount"]
        [trigger] = doc["spec"]["triggers"]
        assert trigger["type"] == "redis-streams"
        meta = trigger["metadata"]
        assert meta["consumerGroup"] == name, f"{name}: group"
        assert meta["stream"] == stream_of(name), f"{name}: stream"
        assert meta["address"] == f"redis.{namespace}.svc.cluster.local:{REDIS_PORT}"
        assert isinstance(meta["lagCount"], str)
        assert int(meta["lagCount"]) > 0
        assert "pendingEntriesCount" not in meta
        assert "streamLength" not in meta
        assert all(isinstance(value, str) for value in meta.values()), f"{name}: quote values"
        auth = auths[trigger["authenticationRef"]["name"]]
        assert auth["spec"]["secretTargetRef"] == [
            {"parameter": "password", "name": SECRET_NAME, "key": "REDIS_PASSWORD"}
        ]
