from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.contracts.settings import HttpServiceSettings, check_secret


class Settings(HttpServiceSettings):
    """Search service settings (env prefix SEARCH_)."""

    model_config = SettingsConfigDict(env_prefix="SEARCH_")

    port: int = Field(default=8000, ge=1, le=65535)
    max_limit: int = Field(default=100, ge=1, le=1000)
    snippet_words: int = Field(default=30, ge=5, le=200)
    # The service searches with a search-only key: given here, or looked up (created if
    # missing) with the master key at start-up, after which the master key is not used again.
    meili_search_key: SecretStr | None = Field(default=None, validation_alias="MEILI_SEARCH_KEY")
    meili_key: SecretStr | None = Field(default=None, validation_alias="MEILI_MASTER_KEY")
    # "More on theme" shows stories from this long before an article to this long after it.
    theme_before_days: float = Field(default=14.0, gt=0, le=365)
    theme_after_days: float = Field(default=1.0, ge=0, le=365)

    @model_validator(mode="after")
    def _a_usable_key(self) -> Self:
        key = self.meili_search_key or self.meili_key
        if key is None:
            raise ValueError("set MEILI_SEARCH_KEY (or MEILI_MASTER_KEY to create one)")
        if self.environment != "development":
            name = "MEILI_SEARCH_KEY" if self.meili_search_key else "MEILI_MASTER_KEY"
            check_secret(name, key)
        return self
