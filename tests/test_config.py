"""Settings come from JOINEDUP_* variables and .env; unsafe secrets are refused outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from joinedup.config import Settings


def test_defaults_are_the_embedded_sqlite_database_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JOINEDUP_DATABASE_URL", "JOINEDUP_ENVIRONMENT", "JOINEDUP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url.startswith("sqlite") and settings.environment == "development"


@pytest.mark.parametrize("secret", ["", "change-me", "development-only-secret", "short-but-random-1234"])
def test_production_refuses_unsafe_secrets(secret: str) -> None:
    with pytest.raises(ValidationError, match="JOINEDUP_SECRET_KEY"):
        Settings(_env_file=None, environment="production", secret_key=secret)


def test_production_accepts_a_long_random_secret() -> None:
    assert Settings(_env_file=None, environment="production", secret_key="k" * 48).environment == "production"


def test_environment_variables_and_dotenv_are_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("JOINEDUP_DATABASE_URL=sqlite:///from-dotenv.db\nJOINEDUP_SESSION_HOURS=2\n")
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    monkeypatch.setenv("JOINEDUP_SESSION_HOURS", "3")
    settings = Settings(_env_file=env)
    assert settings.database_url == "sqlite:///from-dotenv.db"
    assert settings.session_hours == 3  # the environment wins over .env
