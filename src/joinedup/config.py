"""Settings from JOINEDUP_* environment variables (and a .env file)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Secrets that ship in examples or docs; never acceptable outside development.
KNOWN_UNSAFE_SECRETS = frozenset({"", "change-me", "changeme", "secret", "development-only-secret"})
DEV_SECRET = "development-only-secret"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JOINEDUP_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///joinedup.db"
    secret_key: str = DEV_SECRET
    # Cookies get the Secure flag when served over HTTPS; force it behind a TLS proxy.
    cookie_secure: bool | None = None
    session_hours: float = Field(default=8.0, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: float = Field(default=15.0, gt=0)
    login_ip_limit: int = Field(default=30, ge=1)
    login_window_minutes: float = Field(default=15.0, gt=0)
    access_token_minutes: float = Field(default=15.0, gt=0, le=60)
    audit_export_max_rows: int = Field(default=100_000, ge=1)
    log_level: str = "INFO"
    log_json: bool = False
    # Background relay picks up outbox rows written by other processes (CLI, workers).
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    # Capacity: values older than these many hours are shown and answered as stale.
    capacity_stale_hours_care_home: float = Field(default=24.0, gt=0)
    capacity_stale_hours_homecare: float = Field(default=72.0, gt=0)
    capacity_stale_hours_reablement: float = Field(default=24.0, gt=0)
    # How far ahead of our clock an update's as_of may be (senders' clocks drift).
    capacity_clock_skew_seconds: float = Field(default=300.0, ge=0, le=3600)
    # How long a provider's discharge offer is held before it expires, unless the offer says otherwise.
    discharge_offer_hold_hours: float = Field(default=24.0, gt=0, le=168)

    @property
    def capacity_stale_hours(self) -> dict[str, float]:
        return {
            "care_home": self.capacity_stale_hours_care_home,
            "homecare": self.capacity_stale_hours_homecare,
            "reablement": self.capacity_stale_hours_reablement,
        }

    @model_validator(mode="after")
    def _refuse_unsafe_secret(self) -> Settings:
        if self.environment != "development" and (self.secret_key in KNOWN_UNSAFE_SECRETS or len(self.secret_key) < 32):
            raise ValueError(
                "JOINEDUP_SECRET_KEY must be a random value of at least 32 characters "
                f"outside development (environment={self.environment!r}); "
                'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
