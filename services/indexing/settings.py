from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.contracts.settings import MetricsPort, ServiceSettings, WorkerSettings


class Settings(WorkerSettings, ServiceSettings):
    """Indexing worker settings (env prefix INDEXING_)."""

    model_config = SettingsConfigDict(env_prefix="INDEXING_")

    # Meilisearch indexes large batches far faster than many small ones.
    batch_size: int = Field(default=500, ge=1, le=10_000)
    # How long a batch waits for its Meilisearch task before the next batch is read.
    task_wait_seconds: float = Field(default=30.0, gt=0, le=600)
    metrics_port: MetricsPort = 9102
