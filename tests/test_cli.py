"""The joinedup command: help, migrate, seed (Trafford), create-admin with errors naming the field."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.config import get_settings
from joinedup.core.auth.models import User
from joinedup.db.tenancy import Scope
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.schemas import OrganisationType

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", database_url)
    monkeypatch.setenv("JOINEDUP_ENVIRONMENT", "development")
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "serve", "migrate", "create-admin", "seed"):
        assert command in result.output


def test_seed_loads_traffords_real_care_homes_and_is_idempotent(cli_env, session_factory) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    first = runner.invoke(app, ["seed", "--demo-users"])
    assert first.exit_code == 0, first.output
    assert runner.invoke(app, ["seed", "--demo-users"]).exit_code == 0
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        homes = s.scalars(select(Organisation).where(Organisation.type == OrganisationType.CARE_HOME_PROVIDER)).all()
        assert len(homes) == 56 and all(h.cqc_location_id and h.cqc_location_id.startswith("1-") for h in homes)
        assert not any(h.synthetic for h in homes)
        trust = s.scalars(select(Organisation).where(Organisation.ods_code == "R0A")).one()
        assert {site.name for site in trust.sites} >= {"Wythenshawe Hospital", "Trafford General Hospital"}
        assert s.scalar(select(func.count()).select_from(User).where(User.synthetic.is_(False))) == 0
    assert "admin@demo.joinedup.test" in first.output


def test_demo_users_are_refused_outside_development(cli_env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_ENVIRONMENT", "production")
    monkeypatch.setenv("JOINEDUP_SECRET_KEY", "p" * 48)
    get_settings.cache_clear()
    result = runner.invoke(app, ["seed", "--demo-users"])
    assert result.exit_code == 2 and "development only" in result.output


def test_unsafe_secret_in_production_is_a_clear_cli_error(cli_env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_ENVIRONMENT", "production")
    monkeypatch.setenv("JOINEDUP_SECRET_KEY", "change-me")
    get_settings.cache_clear()
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 2 and "JOINEDUP_SECRET_KEY" in result.output


def test_create_admin_names_the_bad_field(cli_env) -> None:
    runner.invoke(app, ["seed"])
    short = runner.invoke(app, ["create-admin", "--email", "a@nhs.net", "--name", "A", "--password", "short"])
    assert short.exit_code == 2 and "password" in short.output
    unknown = runner.invoke(
        app,
        [
            "create-admin",
            "--email",
            "a@nhs.net",
            "--name",
            "A",
            "--password",
            "long enough password",
            "--ods-code",
            "ZZZ",
        ],
    )
    assert unknown.exit_code == 2 and "ods-code" in unknown.output
    ok = runner.invoke(
        app, ["create-admin", "--email", "a@nhs.net", "--name", "A", "--password", "long enough password"]
    )
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(
        app, ["create-admin", "--email", "a@nhs.net", "--name", "A", "--password", "long enough password"]
    )
    assert again.exit_code == 2 and "email" in again.output
