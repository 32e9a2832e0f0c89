"""Feed poller settings: how many feeds it polls at once, its lease and its fetch limits."""

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.adapters.fetch import FetchPolicy
from shared.contracts.settings import CommonSettings, MetricsPort


class Settings(CommonSettings):
    """Feed poller settings (env prefix POLLER_)."""

    model_config = SettingsConfigDict(env_prefix="POLLER_")

    # Touched while the poller's Redis answers; container healthchecks read its age.
    heartbeat_file: Path | None = Field(default=None, validation_alias="HEARTBEAT_FILE")
    # Feeds claimed and polled together in one round.
    poll_batch: int = Field(default=10, ge=1, le=200)
    # Seconds between looks at the schedule while no feed is due.
    idle_seconds: float = Field(default=1.0, gt=0, le=60)
    # How long a claimed feed stays this poller's: one poll (fetch, parse, publish) must fit.
    lease_seconds: float = Field(default=120.0, gt=0, le=3_600)
    # Longest wait after failures (exponential backoff, and Retry-After).
    max_backoff_seconds: float = Field(default=86_400.0, gt=0)
    fetch_timeout_s: float = Field(default=10.0, gt=0, le=120)
    fetch_max_bytes: int = Field(default=10_000_000, ge=1024)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    # Comma-separated hosts or CIDRs the poller may fetch from although they are private or
    # loopback (tests, an intranet feed). Empty: public addresses only (SSRF guard).
    fetch_allow: str = ""
    user_agent: str = "ontheme-poller/0.1 (+https://github.com/ontheme)"
    # Where /metrics is served, as the workers serve theirs (METRICS_HOST is shared).
    metrics_host: str = Field(default="127.0.0.1", validation_alias="METRICS_HOST")
    metrics_port: MetricsPort = 9104

    @property
    def fetch_policy(self) -> FetchPolicy:
        """The limits every feed fetch runs under."""
        return FetchPolicy(
            max_bytes=self.fetch_max_bytes,
            timeout_s=self.fetch_timeout_s,
            max_redirects=self.fetch_max_redirects,
            allow=tuple(part.strip() for part in self.fetch_allow.split(",") if part.strip()),
            user_agent=self.user_agent,
        )

    @model_validator(mode="after")
    def _lease_outlasts_a_fetch(self) -> Self:
        # A lease that ends mid-poll lets a second poller fetch the same feed at once.
        if self.lease_seconds < 2 * self.fetch_timeout_s:
            raise ValueError(
                f"POLLER_LEASE_SECONDS ({self.lease_seconds:g}) must be at least twice "
                f"POLLER_FETCH_TIMEOUT_S ({self.fetch_timeout_s:g})"
            )
        return self
