from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import MetricsPort, ServiceSettings, WorkerSettings

DAY_SECONDS = 86_400


class Settings(WorkerSettings, ServiceSettings):
    """Related worker settings (env prefix RELATED_)."""

    model_config = SettingsConfigDict(env_prefix="RELATED_")

    # Two multi-searches per batch: bigger batches mean fewer round trips and index tasks.
    batch_size: int = Field(default=200, ge=1, le=1000)
    metrics_port: MetricsPort = 9103
    # Related entries kept per article, and older articles told about each new one.
    limit: int = Field(default=10, ge=1, le=50)
    # Hits fetched per article from each of the vector and the keyword search: 20 kept the
    # quality figures of 30 (UCI and ECB+ dev) and made the worker about 8% faster.
    candidates: int = Field(default=20, ge=1, le=200)
    window_days: float = Field(default=3.0, gt=0, le=365)
    # Below this score a candidate is not worth showing (chosen on UCI and ECB+ dev).
    min_score: float = Field(default=0.3, ge=0, le=1)
    # An entry is shown only when it scores this share of the article's best entry or more.
    relative_floor: float = Field(default=0.8, ge=0, le=1)
    # A new article joins a story when its fit (centroid cosine, time-weighted) reaches this.
    story_join_score: float = Field(default=0.35, ge=0, le=1)
    # The same for articles of `story_long_words` words or more (full texts embed closer).
    story_join_score_long: float = Field(default=0.6, ge=0, le=1)
    story_long_words: int = Field(default=150, ge=1)
    # Stories stop taking articles this long after they were last seen: the centroid expires.
    story_open_days: float = Field(default=7.0, gt=0, le=365)
    # Related lists stay in Redis this long after their last update, then reload from the index.
    list_days: float = Field(default=7.0, gt=0, le=365)
