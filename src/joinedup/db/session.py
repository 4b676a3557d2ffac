"""Engine and session factory: SQLite (WAL) by default, PostgreSQL by setting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from joinedup.db.tenancy import Scope, install_tenancy


def json_dumps(value: Any) -> str:
    """JSON columns are written through orjson: capacity sections and event payloads are
    serialised on every update, and the standard library is several times slower."""
    return orjson.dumps(value).decode()


def make_engine(
    database_url: str, *, pool_size: int | None = None, max_overflow: int = 0, pool_timeout: float = 30.0
) -> Engine:
    """`pool_size` given: a pool of that many connections and `max_overflow` more, a checkout
    waiting at most `pool_timeout` seconds (sqlalchemy.exc.TimeoutError after: core.load answers
    503); otherwise SQLAlchemy's default pool."""
    pool: dict[str, Any] = {}
    if pool_size is not None and make_url(database_url).database not in (None, "", ":memory:"):
        pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=json_dumps,
            json_deserializer=orjson.loads,
            **pool,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets readers (pages, SSE) run while a writer commits; FKs are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # An unreachable server is an error after CONNECT_TIMEOUT seconds, not after the operating
    # system's two minutes (unless the URL sets its own connect_timeout).
    connect_args = {} if "connect_timeout" in make_url(database_url).query else {"connect_timeout": CONNECT_TIMEOUT}
    return create_engine(
        database_url,
        pool_pre_ping=True,
        connect_args=connect_args,
        json_serializer=json_dumps,
        json_deserializer=orjson.loads,
        **pool,
    )


CONNECT_TIMEOUT = 10
DATABASE_SETTING = "JOINEDUP_DATABASE_URL"
SUPPORTED = ("sqlite", "postgresql")
EXAMPLES = "e.g. sqlite:///joinedup.db or postgresql+psycopg://user@host:5432/joinedup"


def shown_url(database_url: str) -> str:
    """The URL as it may be printed: without its password."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable)"


def _reason(exc: DBAPIError) -> str:
    """The driver's own words, on one line: psycopg says 'connection to server at ... failed:
    FATAL:  database "x" does not exist' over several lines."""
    lines = [line.strip() for line in str(exc.orig).splitlines() if line.strip()]
    first = lines[0] if lines else type(exc.orig).__name__
    reason = first.rsplit("failed:", 1)[-1].strip()
    return reason.removeprefix("FATAL:").strip() or first


def connection_problem(database_url: str, *, timeout: float = 5.0) -> str | None:
    """None when the database answers; otherwise one line naming the setting and what is wrong.
    Never prints the password."""
    setting = f"{DATABASE_SETTING}={shown_url(database_url)}"
    try:
        url = make_url(database_url)
    except ArgumentError:
        return f"{DATABASE_SETTING} is not a database URL ({EXAMPLES})"
    backend = url.get_backend_name()
    if backend not in SUPPORTED:
        return f"{setting}: the database {backend!r} is not supported ({EXAMPLES})"
    args: dict[str, Any] = {"connect_timeout": max(1, int(timeout))} if backend == "postgresql" else {}
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args=args)
    except NoSuchModuleError:
        return f"{setting}: the driver {url.drivername!r} is not supported ({EXAMPLES})"
    except ImportError as exc:
        return f"{setting}: the driver for {url.drivername} is not installed ({exc.name}); pip install -e '.[postgres]'"
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        if backend == "sqlite":
            return f"{setting}: cannot open the SQLite file {url.database!r} ({_reason(exc)}; does its folder exist?)"
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        return f"{setting}: cannot connect to PostgreSQL at {where}: {_reason(exc)}"
    finally:
        engine.dispose()
    return None


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    install_tenancy(factory)
    return factory


@contextmanager
def scoped_session(factory: sessionmaker[Session], scope: Scope) -> Iterator[Session]:
    """A session limited to `scope`; commits on success, rolls back on any error."""
    session = factory()
    session.info["scope"] = scope
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
