"""Ingest service settings: where it listens, its size limits and the API keys it accepts."""

from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.adapters.fetch import FetchPolicy
from shared.articles.submitted import MAX_ARTICLE_BYTES
from shared.contracts.settings import HttpServiceSettings, check_secret

API_KEYS_VAR = "INGEST_API_KEYS"


def split_keys(raw: str) -> tuple[str, ...]:
    """The items of a comma-separated list, blanks dropped."""
    return tuple(key for key in (part.strip() for part in raw.split(",")) if key)


class Settings(HttpServiceSettings):
    """Ingest service settings (env prefix INGEST_)."""

    # The input of a model-level error is every value read, keys included: never echo it.
    model_config = SettingsConfigDict(env_prefix="INGEST_", hide_input_in_errors=True)

    port: int = Field(default=8001, ge=1, le=65535)
    max_batch: int = Field(default=1000, ge=1, le=10_000)
    # Request size limits in bytes: one article (a 1 MB body plus its fields) and a batch.
    max_article_bytes: int = Field(default=MAX_ARTICLE_BYTES, ge=1024)
    max_batch_bytes: int = Field(default=32_000_000, ge=1024)
    # Bearer keys of the write endpoints, comma-separated: during a rotation the old and the
    # new key are both valid. No default, so a deployment never runs with a known key.
    api_keys: SecretStr = Field(validation_alias=API_KEYS_VAR)
    # Fetching web pages (POST /articles with a url alone): the most a page may weigh, the
    # time one fetch may take, redirects included, and the hosts or CIDRs it may reach even
    # though they are private or loopback (comma-separated; for tests and intranets only).
    fetch_max_bytes: int = Field(default=5_000_000, ge=1024)
    fetch_timeout_s: float = Field(default=10.0, gt=0, le=300)
    fetch_allow: str = ""

    @property
    def api_key_values(self) -> tuple[str, ...]:
        """Every key a client may send."""
        return split_keys(self.api_keys.get_secret_value())

    @property
    def fetch_policy(self) -> FetchPolicy:
        """What fetching a page may do."""
        return FetchPolicy(
            max_bytes=self.fetch_max_bytes,
            timeout_s=self.fetch_timeout_s,
            allow=split_keys(self.fetch_allow),
        )

    @model_validator(mode="after")
    def _real_api_keys(self) -> Self:
        keys = self.api_key_values
        if not keys:
            # Even in development: with no key, no write request could ever be accepted.
            raise ValueError(f"{API_KEYS_VAR} holds no key; set one (comma-separate several)")
        if self.environment != "development":
            for n, key in enumerate(keys, start=1):
                name = API_KEYS_VAR if len(keys) == 1 else f"{API_KEYS_VAR} (key {n})"
                check_secret(name, SecretStr(key))
        return self
