from pydantic_settings import SettingsConfigDict

from shared.settings import WorkerSettings


class Settings(WorkerSettings):
    """Enrichment worker settings (env prefix ENRICHMENT_)."""

    model_config = SettingsConfigDict(env_prefix="ENRICHMENT_")
