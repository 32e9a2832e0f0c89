import pytest
from pydantic import SecretStr, ValidationError

from services.ingest.settings import Settings as IngestSettings
from services.search.settings import Settings as SearchSettings
from shared.contracts.settings import Environment, ServiceSettings

GOOD_KEY = "a-real-secret-of-enough-length"


def test_shared_settings_come_from_plain_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEILI_MASTER_KEY", GOOD_KEY)
    monkeypatch.setenv("INGEST_API_KEYS", GOOD_KEY)
    monkeypatch.setenv("REDIS_URL", "redis://r:1/0")
    monkeypatch.setenv("INGEST_PORT", "9001")
    monkeypatch.setenv("SEARCH_PORT", "9000")
    ingest, search = IngestSettings(), SearchSettings()
    assert ingest.redis_url == search.redis_url == "redis://r:1/0"
    assert (ingest.port, search.port) == (9001, 9000)


def test_the_master_key_has_no_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEILI_MASTER_KEY", raising=False)
    with pytest.raises(ValidationError, match="MEILI_MASTER_KEY"):
        ServiceSettings()


@pytest.mark.parametrize("key", ["masterKey", "change-me", "short"])
def test_placeholder_secrets_fail_outside_development(key: str) -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        ServiceSettings(meili_key=SecretStr(key), environment="production")
    assert ServiceSettings(meili_key=SecretStr(key), environment="development").meili_key


def test_namespace_and_index_names_are_checked() -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(meili_key=SecretStr(GOOD_KEY), meili_index="bad name!")
    with pytest.raises(ValidationError):
        ServiceSettings(meili_key=SecretStr(GOOD_KEY), namespace="has space")


def test_ingest_api_keys_have_no_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INGEST_API_KEYS", raising=False)
    with pytest.raises(ValidationError, match="INGEST_API_KEYS"):
        IngestSettings()


def test_ingest_api_keys_are_comma_separated_for_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_API_KEYS", f" {GOOD_KEY} ,, {GOOD_KEY}-next ,")
    assert IngestSettings().api_key_values == (GOOD_KEY, f"{GOOD_KEY}-next")


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ("change-me", "INGEST_API_KEYS is"),
        ("tiny-key", "INGEST_API_KEYS is"),
        (f"{GOOD_KEY},masterKey", "INGEST_API_KEYS (key 2)"),
    ],
)
@pytest.mark.parametrize("environment", ["production", "test"])
def test_placeholder_ingest_keys_fail_outside_development(
    keys: str, named: str, environment: Environment
) -> None:
    with pytest.raises(ValidationError, match="placeholder") as failure:
        IngestSettings(api_keys=SecretStr(keys), environment=environment)
    assert named in str(failure.value)
    assert keys not in str(failure.value)  # the error never echoes a key
    development = IngestSettings(api_keys=SecretStr(keys), environment="development")
    assert development.api_key_values


@pytest.mark.parametrize("keys", ["", " ", " , "])
def test_an_empty_key_list_fails_even_in_development(keys: str) -> None:
    with pytest.raises(ValidationError, match="holds no key"):
        IngestSettings(api_keys=SecretStr(keys), environment="development")
