"""Run Alembic migrations from code (CLI, tests, demo)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from joinedup.db.session import DATABASE_SETTING, connection_problem, shown_url

ROOT = Path(__file__).resolve().parents[3]


def alembic_ini() -> Path:
    """alembic.ini of the source checkout (an editable install), else of the working folder
    (an installed package run from a copy of the project, as in the container image)."""
    for ini in (ROOT / "alembic.ini", Path.cwd() / "alembic.ini"):
        if ini.exists():
            return ini
    raise FileNotFoundError(
        f"alembic.ini not found in {ROOT} or {Path.cwd()}: run from the project folder (it holds migrations/)"
    )


def alembic_config(database_url: str) -> Config:
    ini = alembic_ini()
    config = Config(str(ini))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def schema_problem(database_url: str) -> str | None:
    """None when the database answers and its schema is up to date; otherwise one line naming
    the setting and what to do (`joinedup migrate`)."""
    if problem := connection_problem(database_url):
        return problem
    script = ScriptDirectory.from_config(alembic_config(database_url))
    heads, known = set(script.get_heads()), {rev.revision for rev in script.walk_revisions()}
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except DBAPIError:
        current = set()
    finally:
        engine.dispose()
    if current == heads:
        return None
    where = f"{DATABASE_SETTING}={shown_url(database_url)}"
    if current - known:
        return f"{where}: the database has a newer schema than this version of joinedup; upgrade joinedup"
    state = "has no joinedup tables" if not current else "has an older schema"
    return f"{where}: the database {state}; run `joinedup migrate`"
