from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.enrichment.themes import ThemeRules
from shared.contracts.settings import MetricsPort, WorkerSettings


class Settings(WorkerSettings):
    """Enrichment worker settings (env prefix ENRICHMENT_)."""

    model_config = SettingsConfigDict(env_prefix="ENRICHMENT_")

    # Models run on whole batches (nlp.pipe, batched embedding): larger is faster, to a point.
    batch_size: int = Field(default=64, ge=1, le=1000)
    metrics_port: MetricsPort = 9101
    # Calibrated probabilities; unset, the floors the shipped theme model was calibrated with.
    theme_min_probability: float | None = Field(default=None, ge=0, le=1)
    theme_second_min_probability: float | None = Field(default=None, ge=0, le=1)

    @property
    def theme_rules(self) -> ThemeRules:
        """The theme assignment rules these settings describe."""
        return ThemeRules(
            min_probability=self.theme_min_probability,
            second_min_probability=self.theme_second_min_probability,
        )
