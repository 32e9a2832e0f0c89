"""docker-compose.yml's environment and secrets, and deploy/compose.env.example, checked
against the variables the services' Settings classes read."""

from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr

from tests.unit.compose_support import (
    SERVICES,
    accepted_variables,
    all_references,
    documented_variables,
    env_example,
    env_key,
    environment,
    fake_values,
    interpolate,
    loaded_settings,
    raw_environment,
    references,
    required_variables,
    service,
    settings_class,
)

# --- environment: every variable read, every required one given ------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_every_variable_compose_passes_is_one_the_service_reads(name: str) -> None:
    accepted = accepted_variables(name)
    cls = settings_class(name)
    unread = sorted(var for var in raw_environment(name) if env_key(cls, var) not in accepted)
    assert not unread, (
        f"{name}: compose passes {unread}, which services.{name}.settings.Settings does not "
        f"read; it reads {documented_variables(name)}"
    )


@pytest.mark.parametrize("name", SERVICES)
def test_every_required_setting_is_given(name: str) -> None:
    cls = settings_class(name)
    given = {env_key(cls, var) for var, value in environment(name).items() if value}
    accepted = accepted_variables(name)
    missing = [
        " or ".join(var for var, field_name in accepted.items() if field_name == field)
        for field, info in cls.model_fields.items()
        if info.is_required() and not any(accepted.get(var) == field for var in given)
    ]
    assert not missing, f"{name}: compose must set {missing} (no default in its Settings)"


@pytest.mark.parametrize("name", SERVICES)
def test_the_environment_loads_and_sets_the_fields_it_names(name: str) -> None:
    # Cross-checks the derivation above against pydantic-settings itself: each variable
    # compose passes must have set its field, and the values must validate.
    settings = loaded_settings(name)
    accepted = accepted_variables(name)
    cls = settings_class(name)
    unset = sorted(
        var
        for var in environment(name)
        if accepted.get(env_key(cls, var)) not in settings.model_fields_set
    )
    assert not unset, f"{name}: {unset} did not set a field of its Settings"
    assert settings.environment == "production", (
        f"{name}: ONTHEME_ENV is {settings.environment!r}, expected 'production'"
    )


# --- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_secrets_reach_the_services_only_as_required_references(name: str) -> None:
    cls = settings_class(name)
    accepted = accepted_variables(name)
    secret_fields = {
        field
        for field, info in cls.model_fields.items()
        if info.annotation in (SecretStr, SecretStr | None)
    }
    for var, value in raw_environment(name).items():
        if accepted.get(env_key(cls, var)) in secret_fields:
            refs = references(value, f"{name}.environment.{var}")
            assert len(refs) == 1, f"{name}: {var} must be exactly ${{{var}:?...}}, not {value!r}"
            assert refs[0].text == value, f"{name}: {var} must be only a reference, not {value!r}"
            assert refs[0].is_required, f"{name}: {var} must be ${{NAME:?message}}: no default"


def test_secrets_have_no_defaults_anywhere_in_the_file() -> None:
    secrets = required_variables()
    assert {"MEILI_MASTER_KEY", "REDIS_PASSWORD"} <= secrets, (
        f"MEILI_MASTER_KEY and REDIS_PASSWORD must be ${{NAME:?message}}; required: {secrets}"
    )
    problems = [
        f"{where}: {ref.text}"
        for where, ref in all_references()
        if (ref.name in secrets and not ref.is_required) or not (ref.is_required or ref.has_default)
    ]
    assert not problems, (
        "every reference needs a default (${NAME:-value}) or, for secrets, ${NAME:?message} "
        f"and never a default: {problems}"
    )


def test_redis_persists_and_requires_the_password_the_services_use() -> None:
    raw = service("redis").get("command")
    assert isinstance(raw, list), "redis: write `command:` as a list"
    command = [interpolate(str(part), "redis.command") for part in raw]
    text = " ".join(command)
    assert "--appendonly yes" in text, f"redis: AOF is off; command is {text!r}"
    assert "--requirepass" in command, f"redis: no --requirepass in {text!r}"
    password = command[command.index("--requirepass") + 1]
    assert password == fake_values().get("REDIS_PASSWORD"), (
        "redis: --requirepass must be ${REDIS_PASSWORD:?...}"
    )
    assert environment("redis").get("REDISCLI_AUTH") == password, (
        "redis: set REDISCLI_AUTH to the password, or the healthcheck's ping is refused"
    )
    for name in SERVICES:
        url = urlsplit(loaded_settings(name).redis_url)
        assert url.password == password, f"{name}: REDIS_URL lacks the Redis password"


# Ingest, enrichment and the poller never talk to Meilisearch; the others hold the master key
# (search only to derive its read-only key at start-up).
NO_MEILI_KEY = {"ingest", "enrichment", "poller"}


def test_meilisearch_runs_in_production_with_the_services_key() -> None:
    env = environment("meilisearch")
    assert env.get("MEILI_ENV") == "production", "meilisearch: set MEILI_ENV=production"
    assert env.get("MEILI_NO_ANALYTICS") == "true", "meilisearch: set MEILI_NO_ANALYTICS=true"
    assert env.get("MEILI_MAX_INDEXING_MEMORY"), "meilisearch: set MEILI_MAX_INDEXING_MEMORY"
    key = env.get("MEILI_MASTER_KEY")
    assert key == fake_values().get("MEILI_MASTER_KEY"), (
        "meilisearch: MEILI_MASTER_KEY must be ${MEILI_MASTER_KEY:?...}"
    )
    for name in SERVICES:
        held = getattr(loaded_settings(name), "meili_key", None)
        if name in NO_MEILI_KEY:
            assert held is None, f"{name} never talks to Meilisearch: do not give it the key"
            continue
        assert isinstance(held, SecretStr), f"{name}: MEILI_MASTER_KEY is not set"
        assert held.get_secret_value() == key, f"{name}: its MEILI_MASTER_KEY differs"


# --- deploy/compose.env.example ---------------------------------------------------------------


def test_the_env_example_documents_every_variable() -> None:
    example = env_example()
    documented = {ref.name for _, ref in all_references()}
    assert not documented - set(example), (
        f"deploy/compose.env.example does not mention {sorted(documented - set(example))}"
    )
    for where, ref in all_references():
        value, commented = example[ref.name]
        if ref.is_required:
            assert not commented, f"compose.env.example: {ref.name} is required; uncomment it"
            assert value == "", (
                f"compose.env.example: leave {ref.name} empty, so compose refuses to start until "
                "someone sets a real secret"
            )
        elif ref.has_default:
            assert value == ref.arg, (
                f"compose.env.example says {ref.name}={value} but {where} defaults to {ref.arg}"
            )
