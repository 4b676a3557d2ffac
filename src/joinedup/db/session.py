"""Engine and session factory: SQLite (WAL) by default, PostgreSQL by setting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from joinedup.db.tenancy import Scope, install_tenancy


def json_dumps(value: Any) -> str:
    """JSON columns are written through orjson: capacity sections and event payloads are
    serialised on every update, and the standard library is several times slower."""
    return orjson.dumps(value).decode()


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=json_dumps,
            json_deserializer=orjson.loads,
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
    return create_engine(database_url, pool_pre_ping=True, json_serializer=json_dumps, json_deserializer=orjson.loads)


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
