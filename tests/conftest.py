"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
JOINEDUP_TEST_DATABASE_URL says so), the app, and named personas.

A PostgreSQL run fails, never skips, when the server is unreachable.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings, get_settings
from joinedup.db import migrate
from joinedup.db.registry import metadata
from joinedup.db.session import make_engine, make_session_factory
from joinedup.db.tenancy import Scope
from tests.personas import World, build_world

PG_URL = os.environ.get("JOINEDUP_TEST_DATABASE_URL", "")
TEST_SECRET = "test-secret-" + "x" * 40


def _pg_admin_url(url: str) -> str:
    return make_url(url).set(database="test").render_as_string(hide_password=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With JOINEDUP_NO_SKIPS=1 (the test script and CI) a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("JOINEDUP_NO_SKIPS") == "1" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in a run that allows no skips: {report.longrepr}"


@pytest.fixture(scope="session", autouse=True)
def wired() -> None:
    """Core asks the organisations domain for visible sets. `joinedup.main.wire` connects them
    at start-up; tests that authenticate without an app connect them here, without importing
    every domain (as main does)."""
    from joinedup.core.auth.visible_sets import use_visible_sets
    from joinedup.domains.organisations.service import visible_organisation_ids

    use_visible_sets(visible_organisation_ids)


@pytest.fixture(autouse=True)
def fresh_settings_cache() -> Iterator[None]:
    """Commands read settings through a cached get_settings(); no test may see another's."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file copied per test, or a PostgreSQL database truncated per test."""
    if PG_URL:
        name = f"joinedup_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:  # fails loudly if PostgreSQL is unreachable
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        migrate.upgrade(f"sqlite:///{path}")
        yield str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        engine = create_engine(database_template)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield database_template
    else:
        path = tmp_path / "joinedup.db"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, environment="test", secret_key=TEST_SECRET, outbox_poll_seconds=0.2)


@pytest.fixture
def session_factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def system_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        session.info["scope"] = Scope.system("tests")
        yield session


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    with session_factory() as session:
        session.info["scope"] = Scope.system("test fixtures")
        world = build_world(session)
        session.commit()
    return world


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from joinedup.main import create_app

    return create_app(settings)


@pytest.fixture
def anon(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client_as(app, world: World, session_factory: sessionmaker[Session], settings: Settings):  # type: ignore[no-untyped-def]
    """client_as("pam_provider"): an HTTP client signed in as that persona (session cookie + CSRF header)."""
    from fastapi.testclient import TestClient

    from joinedup.core.auth import service as auth_service
    from joinedup.core.auth.models import User
    from joinedup.core.deps import SESSION_COOKIE

    opened: list[TestClient] = []

    def make(persona: str) -> TestClient:
        with session_factory() as session:
            session.info["scope"] = Scope.system("test sign-in")
            user = session.get(User, world.users[persona].id)
            assert user is not None
            membership = auth_service.default_membership(user)
            token, row = auth_service.start_web_session(
                session, settings, user=user, membership_id=membership.id if membership else None
            )
            csrf = row.csrf_token
            session.commit()
        client = TestClient(app, raise_server_exceptions=False, headers={"X-CSRF-Token": csrf})
        client.cookies.set(SESSION_COOKIE, token)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)
