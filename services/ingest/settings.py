from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import HttpServiceSettings


class Settings(HttpServiceSettings):
    """Ingest service settings (env prefix INGEST_)."""

    model_config = SettingsConfigDict(env_prefix="INGEST_")

    port: int = Field(default=8001, ge=1, le=65535)
    max_batch: int = Field(default=1000, ge=1, le=10_000)
    # Request size limits in bytes: one article (a 1 MB body plus its fields) and a batch.
    max_article_bytes: int = Field(default=1_100_000, ge=1024)
    max_batch_bytes: int = Field(default=32_000_000, ge=1024)
