from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import WorkerSettings


class Settings(WorkerSettings):
    """Related worker settings (env prefix RELATED_)."""

    model_config = SettingsConfigDict(env_prefix="RELATED_")

    # One multi-search per batch: bigger batches mean fewer Meilisearch tasks (measured).
    batch_size: int = Field(default=200, ge=1, le=1000)
    limit: int = Field(default=10, ge=1, le=50)
    # Full-text candidates fetched per article, then re-scored.
    candidates: int = Field(default=30, ge=1, le=200)
    window_days: float = Field(default=3.0, gt=0, le=365)
    # Title similarity below which a match is noise rather than a related story (measured).
    min_score: float = Field(default=0.3, ge=0, le=1)
