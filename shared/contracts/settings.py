from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.contracts.vectors import DEFAULT_EMBEDDER, EMBEDDER_DIMENSIONS

Environment = Literal["development", "test", "production"]

# Values people copy from examples; outside development they must never reach a real server.
PLACEHOLDER_SECRETS = frozenset(
    {"", "change-me", "changeme", "masterKey", "master-key", "secret", "password", "placeholder"}
)
MIN_SECRET_LENGTH = 16


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# The port a process serves Prometheus' /metrics on; 0, empty or None: no metrics server.
MetricsPort = Annotated[
    Annotated[int, Field(ge=0, le=65535)] | None, BeforeValidator(_blank_is_none)
]


class CommonSettings(BaseSettings):
    """What every service reads: environment, Redis, Meilisearch, namespace and logging."""

    # Shared settings are read from plain, unprefixed variables (their alias); service
    # settings from prefixed ones. By name too, so tests can pass them as arguments.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, validate_by_name=True)

    environment: Environment = Field(default="production", validation_alias="ONTHEME_ENV")
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    meili_url: str = Field(default="http://127.0.0.1:7700", validation_alias="MEILI_URL")
    meili_index: str = Field(
        default="articles", pattern=r"^[A-Za-z0-9_-]{1,200}$", validation_alias="MEILI_INDEX"
    )
    # Prefixes every stream and Redis key, so tests and tenants can share one Redis.
    namespace: str = Field(
        default="", pattern=r"^[A-Za-z0-9_.:-]{0,64}$", validation_alias="ONTHEME_NAMESPACE"
    )
    # Enrichment writes vectors of this model; the index is sized for it. Change both together.
    embedder: str = Field(default=DEFAULT_EMBEDDER, validation_alias="ONTHEME_EMBEDDER")
    # Hybrid search (`semantic_ratio`): Meilisearch keeps the articles' vectors, and search
    # loads the model. Off by default: the vectors were three quarters of Meilisearch's CPU
    # (bench/meili_update_cost.py), and typed words rank as well without them (README).
    semantic: bool = Field(default=False, validation_alias="ONTHEME_SEMANTIC")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", validation_alias="LOG_FORMAT"
    )

    @property
    def embedding_dimensions(self) -> int:
        """Output size of the configured embedding model."""
        return EMBEDDER_DIMENSIONS[self.embedder]

    @property
    def index_dimensions(self) -> int | None:
        """The width of the vectors Meilisearch keeps; None when it keeps none."""
        return self.embedding_dimensions if self.semantic else None

    @model_validator(mode="after")
    def _known_embedder(self) -> Self:
        if self.embedder not in EMBEDDER_DIMENSIONS:
            raise ValueError(
                f"ONTHEME_EMBEDDER {self.embedder!r} is not one of {sorted(EMBEDDER_DIMENSIONS)}"
            )
        return self


class ServiceSettings(CommonSettings):
    """Settings of a service that writes to Meilisearch: it holds the master key."""

    meili_key: SecretStr = Field(validation_alias="MEILI_MASTER_KEY")

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Self:
        if self.environment != "development":
            check_secret("MEILI_MASTER_KEY", self.meili_key)
        return self


def check_secret(name: str, value: SecretStr) -> None:
    """Refuse an empty, short or copied-from-the-docs secret."""
    secret = value.get_secret_value()
    if secret in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{name} is a placeholder or shorter than {MIN_SECRET_LENGTH} characters; "
            "set a real secret (or ONTHEME_ENV=development for local work)"
        )


class HttpServiceSettings(CommonSettings):
    """Settings of a service that listens for HTTP."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)


class WorkerSettings(CommonSettings):
    """Settings of a stream worker: batches, retries, dead letters, retention."""

    batch_size: int = Field(default=100, ge=1, le=1000)
    # Touched while the worker is healthy; container healthchecks read its age.
    heartbeat_file: Path | None = Field(default=None, validation_alias="HEARTBEAT_FILE")
    # Deliveries that fail before an event goes to the dead-letter stream.
    max_deliveries: int = Field(default=5, ge=1, le=100)
    # How long a message may sit pending before a live consumer takes it over (a crashed
    # consumer's, or a failed one's: doubled after each delivery).
    reclaim_idle_seconds: float = Field(default=60.0, gt=0, le=86_400)
    # Longest wait between retries while Redis or Meilisearch is unavailable.
    retry_cap_seconds: float = Field(default=30.0, gt=0, le=3_600)
    # Streams keep this much history (XTRIM MINID), which `ontheme reindex` rebuilds from.
    retention_days: float = Field(default=7.0, gt=0, validation_alias="STREAM_RETENTION_DAYS")
    # The ingested stream is a queue: its entries go once enrichment has acknowledged them.
    # False keeps them for the retention too (to look at what came in, at its memory cost).
    trim_acked: bool = Field(default=True, validation_alias="STREAM_TRIM_ACKED")
    # Where this process serves /metrics (prometheus_client's server): loopback unless told
    # (containers: 0.0.0.0). Each service sets its own default port.
    metrics_host: str = Field(default="127.0.0.1", validation_alias="METRICS_HOST")
    metrics_port: MetricsPort = None
