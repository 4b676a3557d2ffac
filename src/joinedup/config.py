"""Settings from JOINEDUP_* environment variables (and a .env file)."""

from __future__ import annotations

import ipaddress
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

# Secrets that ship in examples, docs or earlier versions: never accepted.
KNOWN_UNSAFE_SECRETS = frozenset({"", "change-me", "changeme", "secret", "development-only-secret"})
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JOINEDUP_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///joinedup.db"
    # Signs tokens. Unset in development: the server makes a random one on first start and keeps
    # it next to the SQLite database (`with_local_secret`); required everywhere else.
    secret_key: str = ""
    # Reverse proxies believed about the client's address and scheme (X-Forwarded-For and
    # X-Forwarded-Proto): addresses or networks, comma-separated. None unless configured.
    trusted_proxies: str = ""
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
    # Load (core.load): requests served at once (one request-pool connection each; the overflow
    # is for background work); how long one waits for its turn or a connection before a 503.
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    request_queue_seconds: float = Field(default=10.0, gt=0, le=120)
    # Any request body (uploads have their own, smaller limits), and how long it may take to arrive.
    max_request_body_mib: float = Field(default=8.0, gt=0, le=100)
    body_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @property
    def capacity_stale_hours(self) -> dict[str, float]:
        return {
            "care_home": self.capacity_stale_hours_care_home,
            "homecare": self.capacity_stale_hours_homecare,
            "reablement": self.capacity_stale_hours_reablement,
        }

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        entries = [entry.strip() for entry in value.split(",")] if value.strip() else []
        for entry in entries:
            try:
                ipaddress.ip_network(entry) if "/" in entry else ipaddress.ip_address(entry)
            except ValueError:
                raise ValueError(
                    f"JOINEDUP_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                    "(e.g. 10.0.0.5 or 10.0.0.0/24, comma-separated)"
                ) from None
        return ",".join(entries)

    @property
    def trusted_proxy_list(self) -> tuple[str, ...]:
        return tuple(entry.strip() for entry in self.trusted_proxies.split(",") if entry.strip())

    @model_validator(mode="after")
    def _refuse_unsafe_secret(self) -> Settings:
        if self.environment == "development" and not self.secret_key:
            return self  # the server makes its own (with_local_secret)
        if self.secret_key in KNOWN_UNSAFE_SECRETS or len(self.secret_key) < MIN_SECRET_LENGTH:
            where = "outside development " if self.environment != "development" else ""
            raise ValueError(
                f"JOINEDUP_SECRET_KEY must be a random value of at least {MIN_SECRET_LENGTH} characters "
                f"{where}(environment={self.environment!r}); "
                'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
                + ("; or leave it unset in development and the server makes one" if not where else "")
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def local_secret_file(settings: Settings) -> Path:
    """Where a development server keeps the secret it made: next to its SQLite database
    (`joinedup.db` -> `joinedup.db.secret`), else in the working directory."""
    url = make_url(settings.database_url)
    database = url.database if url.get_backend_name() == "sqlite" else None
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        return path.with_name(path.name + ".secret")
    return Path(".joinedup.secret")


def with_local_secret(settings: Settings) -> Settings:
    """The settings a server runs with: in development with no JOINEDUP_SECRET_KEY, a random
    secret made on first start and kept in a file only its owner may read (mode 600)."""
    if settings.secret_key:
        return settings
    path = local_secret_file(settings)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)  # kept by an older version, or copied: readable by no one else
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
    secret = path.read_text().strip()
    if secret in KNOWN_UNSAFE_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{path}: the kept secret is shorter than {MIN_SECRET_LENGTH} characters; "
            "delete the file and the server makes a new one"
        )
    return settings.model_copy(update={"secret_key": secret})


@lru_cache
def get_settings() -> Settings:
    return Settings()
