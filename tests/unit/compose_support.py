"""docker-compose.yml and deploy/compose.env.example, read the way compose reads them.

Docker does not run where the tests run, so the compose tests read the files and compare them
with what the services actually accept: their commands, their Settings classes (the environment
variables each one reads, derived the way pydantic-settings derives them), their ports and
their healthchecks. No I/O beyond reading files of this repository.
"""

import functools
import importlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from pydantic import AliasChoices, AliasPath, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from shared.contracts.settings import CommonSettings, HttpServiceSettings, WorkerSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "compose.env.example"

IMAGE = "ontheme:latest"
# Infrastructure services: pinned image, named volume and where the image keeps its data.
INFRA_IMAGES = {"redis": "redis:7", "meilisearch": "getmeili/meilisearch:v1.21"}
INFRA_VOLUMES = {"redis": ("redis-data", "/data"), "meilisearch": ("meili-data", "/meili_data")}
REDIS_PORT, MEILI_PORT = 6379, 7700
RESTART = "unless-stopped"

# Every package under services/ that runs as `python -m services.<name>` must run in compose,
# except the operator's command line (`ontheme`), which runs beside it, not in it.
NOT_SERVED = {"cli"}
SERVICES = sorted(
    path.parent.name
    for path in (ROOT / "services").glob("*/__main__.py")
    if path.parent.name not in NOT_SERVED
)


# --- docker-compose.yml -----------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    """The compose file as compose sees it: anchors and merge keys (`<<`) resolved."""
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE.name} is missing from the repository root"
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{COMPOSE_FILE.name} is not a YAML mapping"
    assert isinstance(data.get("services"), dict), f"{COMPOSE_FILE.name} has no `services:`"
    return data


def service(name: str) -> dict[str, Any]:
    """One service's definition."""
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service `{name}`"
    definition = services[name]
    assert isinstance(definition, dict), f"service `{name}` is not a mapping"
    return definition


def strings(node: object, where: str = "") -> Iterator[tuple[str, str]]:
    """Yield (location, text) for every string value in the file, where compose interpolates."""
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, f"{where}[{index}]")


# --- ${VAR} interpolation, as compose does it -------------------------------------------------


_DOLLAR = re.compile(r"\$(?:\{(?P<braced>[^}]*)\}|(?P<escaped>\$)|(?P<bare>[A-Za-z_]\w*))")
_REFERENCE = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.DOTALL)


@dataclass(frozen=True)
class Reference:
    """One `${NAME}`, `${NAME:-default}` or `${NAME:?message}` in the compose file."""

    name: str
    op: str  # "" (plain), "-", ":-", "?", ":?", "+" or ":+"
    arg: str
    text: str

    @property
    def has_default(self) -> bool:
        """Whether an unset variable still gives a value."""
        return self.op in {"-", ":-"}

    @property
    def is_required(self) -> bool:
        """Whether compose refuses to start without a non-empty value."""
        return self.op == ":?"


def references(text: str, where: str) -> list[Reference]:
    """The variable references in one string value."""
    found = []
    for match in _DOLLAR.finditer(text):
        assert match["bare"] is None, (
            f"{where}: write ${{{match['bare']}}} instead of ${match['bare']} "
            "(or $$ for a literal dollar sign)"
        )
        if match["braced"] is not None:
            ref = _REFERENCE.fullmatch(match["braced"])
            assert ref is not None, f"{where}: cannot parse the reference {match[0]!r}"
            found.append(Reference(ref["name"], ref["op"] or "", ref["arg"] or "", match[0]))
    return found


@functools.cache
def all_references() -> tuple[tuple[str, Reference], ...]:
    """Every (location, reference) in the compose file, anchors expanded."""
    return tuple(
        (where, ref) for where, text in strings(compose()) for ref in references(text, where)
    )


@functools.cache
def required_variables() -> frozenset[str]:
    """Variables compose refuses to start without: the secrets."""
    return frozenset(ref.name for _, ref in all_references() if ref.is_required)


@functools.cache
def fake_values() -> Mapping[str, str]:
    """The values interpolated in these tests: long, URL-safe fakes for the required ones."""
    return {name: f"{name.lower()}-for-tests-0123456789abcdef" for name in required_variables()}


def interpolate(text: str, where: str) -> str:
    """Return `text` with its references replaced, as compose would with `fake_values()` set."""

    def value(match: re.Match[str]) -> str:
        if match["escaped"] is not None:
            return "$"
        [ref] = references(match[0], where)
        given = fake_values().get(ref.name)  # never empty, so `:-` and `-` behave alike
        if ref.op.endswith("+"):
            return ref.arg if given is not None else ""
        if given is None and ref.has_default:
            return ref.arg
        assert given is not None, f"{where}: {ref.text} has no value and no default"
        return given

    return _DOLLAR.sub(value, text)


# --- the ontheme services and their Settings --------------------------------------------------


@functools.cache
def settings_class(name: str) -> type[CommonSettings]:
    """`services.<name>.settings.Settings`."""
    module = importlib.import_module(f"services.{name}.settings")
    cls = getattr(module, "Settings", None)
    assert isinstance(cls, type), f"services/{name}/settings.py defines no class `Settings`"
    assert issubclass(cls, CommonSettings), (
        f"services.{name}.settings.Settings does not subclass "
        "shared.contracts.settings.CommonSettings"
    )
    return cls


HTTP_SERVICES = [name for name in SERVICES if issubclass(settings_class(name), HttpServiceSettings)]
WORKERS = [name for name in SERVICES if issubclass(settings_class(name), WorkerSettings)]


def _alias_heads(alias: str | AliasPath | AliasChoices | None) -> list[str]:
    """The names an alias reads from the environment: an alias path by its first element."""
    if alias is None:
        return []
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasPath):
        return [str(alias.convert_to_aliases()[0])]
    return [str(choice[0]) for choice in alias.convert_to_aliases()]


def _env_names_of_field(name: str, info: FieldInfo, config: Mapping[str, Any]) -> list[str]:
    """The environment variables one field is read from (pydantic-settings' own rules)."""
    prefix = str(config.get("env_prefix", ""))
    target = config.get("env_prefix_target", "variable")
    by_name = config.get("validate_by_name") or config.get("populate_by_name")
    aliases = _alias_heads(info.validation_alias) if config.get("validate_by_alias", True) else []
    alias_prefix = prefix if target in {"alias", "all"} else ""
    names = [alias_prefix + alias for alias in aliases]
    if not aliases or by_name:
        names.append((prefix if target in {"variable", "all"} else "") + name)
    return names


def env_key(settings_cls: type[BaseSettings], name: str) -> str:
    """A variable name as the class compares it: upper-cased unless it is case-sensitive."""
    return name if settings_cls.model_config.get("case_sensitive") else name.upper()


@functools.cache
def accepted_variables(name: str) -> Mapping[str, str]:
    """Every environment variable service `name` reads, mapped to the field it sets."""
    cls = settings_class(name)
    return {
        env_key(cls, variable): field
        for field, info in cls.model_fields.items()
        for variable in _env_names_of_field(field, info, cls.model_config)
    }


def documented_variables(name: str) -> list[str]:
    """The variable each field is meant to be set by: its alias, else prefix and name."""
    cls = settings_class(name)
    prefix = str(cls.model_config.get("env_prefix", ""))
    return sorted(
        (_alias_heads(info.validation_alias) or [prefix + field])[0].upper()
        for field, info in cls.model_fields.items()
    )


def raw_environment(name: str) -> dict[str, str]:
    """A service's `environment:` as written (references not yet interpolated)."""
    raw = service(name).get("environment", {})
    if isinstance(raw, list):
        pairs = [str(item).partition("=") for item in raw]
        for variable, equals, _ in pairs:
            assert equals, f"{name}: environment `{variable}` has no value; give it one"
        raw = {variable: value for variable, _, value in pairs}
    assert isinstance(raw, dict), f"{name}: `environment:` is neither a mapping nor a list"
    for variable, value in raw.items():
        assert value is not None, f"{name}: environment `{variable}` has no value; give it one"
        assert isinstance(value, str), (
            f"{name}: environment `{variable}: {value!r}` is a YAML {type(value).__name__}; "
            "quote it so compose passes the string you wrote"
        )
    return {str(variable): value for variable, value in raw.items()}


def environment(name: str) -> dict[str, str]:
    """A service's environment as its container sees it, secrets set to test values."""
    return {
        key: interpolate(value, f"{name}.environment.{key}")
        for key, value in raw_environment(name).items()
    }


@functools.cache
def loaded_settings(name: str) -> CommonSettings:
    """The service's Settings, loaded from exactly the environment compose gives it."""
    with mock.patch.dict(os.environ, environment(name), clear=True):
        try:
            return settings_class(name)()
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            pytest.fail(f"{name}: the environment compose sets does not load: {problems}")


# --- healthchecks, ports, volumes, durations --------------------------------------------------


def healthcheck_test(name: str) -> list[str]:
    """A service's healthcheck command, in the exec form compose passes to Docker."""
    check = service(name).get("healthcheck")
    assert isinstance(check, dict), f"{name} has no healthcheck"
    assert not check.get("disable"), f"{name}: the healthcheck is disabled"
    test = check.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    assert isinstance(test, list), f"{name}: healthcheck `test` must be a list or a string"
    assert test, f"{name}: healthcheck `test` is empty"
    assert test[0] in {"CMD", "CMD-SHELL"}, (
        f"{name}: healthcheck `test` must start with CMD or CMD-SHELL, not {test[0]!r}"
    )
    assert len(test) > 1, f"{name}: healthcheck `test` has no command"
    return [str(part) for part in test]


@dataclass(frozen=True)
class PublishedPort:
    """One entry of `ports:`."""

    host_ip: str | None
    published: int | None
    target: int


def published_ports(name: str) -> list[PublishedPort]:
    """A service's `ports:`, short or long syntax."""
    found = []
    for entry in service(name).get("ports", []):
        if isinstance(entry, dict):
            published = entry.get("published")
            found.append(
                PublishedPort(
                    entry.get("host_ip"),
                    int(published) if published is not None else None,
                    int(entry["target"]),
                )
            )
            continue
        assert isinstance(entry, str), (
            f"{name}: port {entry!r} must be a quoted string (YAML reads 80:80 as base 60)"
        )
        parts = entry.partition("/")[0].rsplit(":", 2)
        assert all(part.isdigit() for part in parts[-2:]), f"{name}: cannot read port {entry!r}"
        host_ip = parts[0] if len(parts) == 3 else None
        published = int(parts[-2]) if len(parts) >= 2 else None
        found.append(PublishedPort(host_ip, published, int(parts[-1])))
    return found


def mounts(name: str) -> set[tuple[str, str]]:
    """A service's volume mounts as (source, target), short or long syntax."""
    found = set()
    for entry in service(name).get("volumes", []):
        if isinstance(entry, dict):
            found.add((str(entry.get("source")), str(entry.get("target"))))
        else:
            source, _, rest = str(entry).partition(":")
            found.add((source, rest.partition(":")[0]))
    return found


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(us|ms|h|m|s)")
_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(duration: object, where: str) -> float:
    """A compose duration (`30s`, `1m30s`) in seconds."""
    text = str(duration)
    assert re.fullmatch(f"(?:{_DURATION.pattern})+", text), f"{where}: {text!r} is no duration"
    return sum(float(number) * _SECONDS[unit] for number, unit in _DURATION.findall(text))


# --- deploy/compose.env.example ---------------------------------------------------------------


def env_example() -> dict[str, tuple[str, bool]]:
    """The example's variables: name -> (value, whether the line is commented out)."""
    assert ENV_EXAMPLE.is_file(), "deploy/compose.env.example is missing"
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            found[match[2]] = (match[3], bool(match[1]))
    return found
