"""Settings come from JOINEDUP_* variables and .env; unsafe secrets are refused outside development."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import jwt
import pytest
from pydantic import ValidationError

from joinedup.config import KNOWN_UNSAFE_SECRETS, Settings, get_settings, with_local_secret


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


@pytest.mark.parametrize("secret", ["change-me", "development-only-secret", "short-but-random-1234"])
def test_development_refuses_a_known_or_short_secret_too(secret: str) -> None:
    with pytest.raises(ValidationError, match="JOINEDUP_SECRET_KEY"):
        Settings(_env_file=None, environment="development", secret_key=secret)


def _serve_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment `joinedup demo` and `joinedup serve` run in: development, SQLite, no secret set."""
    for name in ("JOINEDUP_ENVIRONMENT", "JOINEDUP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'joinedup.db'}")
    (tmp_path / "data").mkdir()


def test_the_server_makes_a_random_secret_once_and_keeps_it_next_to_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from joinedup.main import create_app

    _serve_settings(tmp_path, monkeypatch)
    first = create_app().state.joinedup.settings.secret_key  # as uvicorn's factory calls it
    kept = tmp_path / "data" / "joinedup.db.secret"
    assert kept.read_text().strip() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert len(first) >= 43 and first not in KNOWN_UNSAFE_SECRETS
    get_settings.cache_clear()
    assert create_app().state.joinedup.settings.secret_key == first  # the next start reuses it
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", f"sqlite:///{other / 'joinedup.db'}")
    get_settings.cache_clear()
    assert with_local_secret(get_settings()).secret_key != first  # each installation its own


@pytest.mark.filterwarnings("ignore:The HMAC key is")
def test_a_token_signed_with_the_published_development_secret_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from joinedup.core.auth.tokens import decode_access_token, issue_access_token
    from joinedup.main import create_app

    _serve_settings(tmp_path, monkeypatch)
    settings = create_app().state.joinedup.settings
    own, _ = issue_access_token(settings, client_row_id="c1", organisation_id="o1", scope="read")
    assert decode_access_token(settings, own) is not None
    claims = {"iss": "joinedup", "aud": "joinedup-api", "sub": "c1", "org": "o1", "scope": "read write"}
    claims |= {"exp": int(time.time()) + 600}
    for published in ("development-only-secret", ""):
        forged = jwt.encode(claims, published or "x", algorithm="HS256")
        assert decode_access_token(settings, forged) is None


def test_a_kept_secret_readable_by_others_is_made_private_and_a_broken_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from joinedup.main import create_app

    _serve_settings(tmp_path, monkeypatch)
    kept = tmp_path / "data" / "joinedup.db.secret"
    kept.write_text("s" * 50 + "\n")
    kept.chmod(0o644)
    assert create_app().state.joinedup.settings.secret_key == "s" * 50
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    kept.write_text("short\n")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match=r"joinedup\.db\.secret"):
        create_app()
