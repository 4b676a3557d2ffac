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
from tests.conftest import PG_URL

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


# A wrong or unreachable JOINEDUP_DATABASE_URL: one line naming the variable and the problem,
# for every command that uses the database, never a traceback.
BAD_URLS = {
    "unparseable": ("not a database url", "not a database URL"),
    "unsupported": ("mysql://someone@db.example/joinedup", "not supported"),
    "refused": ("postgresql+psycopg://postgres@127.0.0.1:1/joinedup", "cannot connect"),
    "no folder": ("sqlite:////no/such/folder/joinedup.db", "cannot open"),
}
DATABASE_COMMANDS = {
    "migrate": ["migrate"],
    "seed": ["seed"],
    "create-admin": ["create-admin", "--email", "a@nhs.net", "--name", "A", "--password", "long enough password"],
    "simulate-capacity": ["simulate-capacity", "--rounds", "1", "--interval", "0"],
    "import-history": ["visibility", "import-history", "--trust", "R0A"],
    "snapshot": ["visibility", "snapshot"],
    "serve": ["serve", "--port", "8999"],
    "demo": ["demo", "--port", "8999", "--no-simulate"],
}


def _one_line(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize("case", list(BAD_URLS))
@pytest.mark.parametrize("command", list(DATABASE_COMMANDS))
def test_a_bad_database_url_is_one_line_naming_the_variable(
    command: str, case: str, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    url, problem = BAD_URLS[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", url)
    monkeypatch.setenv("JOINEDUP_ENVIRONMENT", "development")
    result = runner.invoke(app, DATABASE_COMMANDS[command])
    lines = _one_line(result.output)
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.output
    assert "JOINEDUP_DATABASE_URL" in lines[0] and problem in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_a_database_url_password_is_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", "postgresql+psycopg://joinedup:hunter2-secret@127.0.0.1:1/joinedup")
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 2 and "hunter2" not in result.output and "127.0.0.1" in result.output


@pytest.mark.parametrize("command", ["seed", "snapshot", "serve"])
def test_a_database_without_the_schema_says_to_migrate(command: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = runner.invoke(app, DATABASE_COMMANDS[command])
    lines = _one_line(result.output)
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "JOINEDUP_DATABASE_URL" in lines[0] and "joinedup migrate" in lines[0]


def test_a_missing_database_is_named(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """On this lane's server: a database name that does not exist (PostgreSQL), a file in a
    folder that does not exist (SQLite)."""
    from sqlalchemy.engine import make_url

    if PG_URL:
        url = make_url(database_url).set(database="joinedup_no_such_database").render_as_string(hide_password=False)
    else:
        url = "sqlite:////joinedup_no_such_database/joinedup.db"
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", url)
    result = runner.invoke(app, ["migrate"])
    lines = _one_line(result.output)
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "JOINEDUP_DATABASE_URL" in lines[0] and "joinedup_no_such_database" in lines[0]


@pytest.mark.slow
def test_an_unreachable_database_is_one_line_from_the_installed_command(tmp_path) -> None:
    """The real command, as a newcomer runs it: one line on stderr, exit status 2."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    joinedup = Path(sys.executable).parent / "joinedup"
    env = {**os.environ, "JOINEDUP_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/joinedup"}
    for args in (["migrate"], ["serve", "--port", "8999"]):
        command = [str(joinedup), *args]
        done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        assert _one_line(done.stdout + done.stderr) == _one_line(done.stderr)
        assert len(_one_line(done.stderr)) == 1 and "JOINEDUP_DATABASE_URL" in done.stderr, done.stderr


# `joinedup visibility import-history` from a clean clone: the trust history the demo needs
# ships in the package, so it works where no shared/data folder exists.
def _without_shared_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with a clean clone only: no shared/data folder anywhere."""
    from pathlib import Path

    real_exists, real_is_dir = Path.exists, Path.is_dir
    monkeypatch.setattr(Path, "exists", lambda p, **kw: "shared" not in p.parts and real_exists(p, **kw))
    monkeypatch.setattr(Path, "is_dir", lambda p, **kw: "shared" not in p.parts and real_is_dir(p, **kw))
    monkeypatch.delenv("JOINEDUP_ENGLAND_DATA", raising=False)


def test_import_history_works_from_a_clean_clone(cli_env, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    _without_shared_data(monkeypatch)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["visibility", "import-history", "--trust", "R0A"])
    assert result.exit_code == 0, result.output
    assert "Manchester University NHS Foundation Trust (R0A): 1065 days" in result.output


def test_import_history_of_a_trust_not_shipped_says_how_to_get_its_files(
    cli_env, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    _without_shared_data(monkeypatch)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["visibility", "import-history", "--trust", "RAJ"])
    lines = _one_line(result.output)
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "R0A" in lines[0] and "--data-dir" in lines[0] and "JOINEDUP_ENGLAND_DATA" in lines[0]
    typo = runner.invoke(app, ["visibility", "import-history", "--trust", "ROA"])
    assert typo.exit_code == 2 and "did you mean R0A" in typo.output


def test_import_history_reads_the_folder_it_is_given(cli_env, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """JOINEDUP_ENGLAND_DATA (or --data-dir) names a folder with the national files: a missing
    file is named, not replaced by the shipped slice."""
    monkeypatch.setenv("JOINEDUP_ENGLAND_DATA", str(tmp_path))
    result = runner.invoke(app, ["visibility", "import-history", "--trust", "R0A"])
    assert result.exit_code == 2 and "england_nhs_trusts22_points.csv is missing" in result.output


def test_several_server_processes_need_postgresql(tmp_path) -> None:
    """Several processes act as one through PostgreSQL (LISTEN/NOTIFY, an advisory lock); an
    SQLite file has neither, so more than one worker on it is refused before anything starts."""
    url = f"sqlite:///{tmp_path / 'joinedup.db'}"
    result = runner.invoke(app, ["serve", "--workers", "2"], env={"JOINEDUP_DATABASE_URL": url})
    lines = _one_line(result.output)
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "--workers" in lines[0] and "PostgreSQL" in lines[0]
