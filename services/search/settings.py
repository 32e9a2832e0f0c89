from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import HttpServiceSettings


class Settings(HttpServiceSettings):
    """Search service settings (env prefix SEARCH_)."""

    model_config = SettingsConfigDict(env_prefix="SEARCH_")

    port: int = Field(default=8000, ge=1, le=65535)
    max_limit: int = Field(default=100, ge=1, le=1000)
    snippet_words: int = Field(default=30, ge=5, le=200)
