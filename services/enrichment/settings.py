from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.enrichment.themes import ThemeRules
from shared.settings import MetricsPort, WorkerSettings

DEFAULT_RULES = ThemeRules()


class Settings(WorkerSettings):
    """Enrichment worker settings (env prefix ENRICHMENT_)."""

    model_config = SettingsConfigDict(env_prefix="ENRICHMENT_")

    # Models run on whole batches (nlp.pipe, batched embedding): larger is faster, to a point.
    batch_size: int = Field(default=64, ge=1, le=1000)
    metrics_port: MetricsPort = 9101
    theme_min_score: float = Field(default=DEFAULT_RULES.min_score, ge=-1, le=1)
    theme_margin: float = Field(default=DEFAULT_RULES.margin, ge=0, le=2)

    @property
    def theme_rules(self) -> ThemeRules:
        """The theme assignment rules these settings describe."""
        return ThemeRules(min_score=self.theme_min_score, margin=self.theme_margin)
