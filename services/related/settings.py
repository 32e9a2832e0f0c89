from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.contracts.settings import MetricsPort, ServiceSettings, WorkerSettings

DAY_SECONDS = 86_400


class Settings(WorkerSettings, ServiceSettings):
    """Related worker settings (env prefix RELATED_)."""

    model_config = SettingsConfigDict(env_prefix="RELATED_")

    # Bigger batches mean fewer round trips (Redis pipelines, document fetches) and index tasks.
    batch_size: int = Field(default=200, ge=1, le=1000)
    metrics_port: MetricsPort = 9103
    # Related entries kept per article, and older articles told about each new one.
    limit: int = Field(default=10, ge=1, le=50)
    # Hits fetched per article from each of the vector and the keyword search: 20 kept the
    # quality figures of 30 (UCI and ECB+ dev) and made the worker about 8% faster.
    candidates: int = Field(default=20, ge=1, le=200)
    # Four days: a full text reaches its story's headlines up to three days later (the seed page).
    window_days: float = Field(default=4.0, gt=0, le=365)
    # Below this same-event probability a candidate is not worth showing: on UCI dev, 0.05
    # left P@10 as it was and 1.2% of lists empty (bench/related_quality.py).
    min_score: float = Field(default=0.05, ge=0, le=1)
    # A new article joins the story of its likeliest same-event candidate when that probability
    # reaches this; unset: the threshold learned with the model (models/same-event.json).
    story_join_probability: float | None = Field(default=None, ge=0, le=1)
    # Two stories merge when one new article is at least this likely the same event as a
    # member of each; unset: learned with the model; 1 never merges.
    story_merge_probability: float | None = Field(default=None, ge=0, le=1)
    # An hour's stored vectors (the in-memory candidate search) are kept this long after its
    # last article: longer than the window, so every article in it has its vector.
    vectors_days: float = Field(default=7.0, gt=0, le=365)
    # Related lists are kept this long after their last update; 0 keeps them. They are the only
    # copy (the search service reads them in Redis): an expired list is an empty related box.
    list_days: float = Field(default=0.0, ge=0, le=3650)
