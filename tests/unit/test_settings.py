import pytest
from pydantic import SecretStr, ValidationError

from services.ingest.settings import Settings as IngestSettings
from services.search.settings import Settings as SearchSettings
from shared.settings import ServiceSettings

GOOD_KEY = "a-real-secret-of-enough-length"


def test_shared_settings_come_from_plain_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEILI_MASTER_KEY", GOOD_KEY)
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
