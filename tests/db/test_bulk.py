"""Bulk appends (COPY on PostgreSQL, INSERT elsewhere) behave like ordinary inserts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from joinedup.core.auth.models import LoginThrottle
from joinedup.core.clock import utcnow
from joinedup.core.outbox import OutboxEvent
from joinedup.db.bulk import append_rows
from joinedup.db.tenancy import Scope

# JSON the API can receive: text with quotes, tabs, newlines and backslashes (COPY's special characters).
# Text a database can hold: UTF-8 (no lone surrogates) and, for PostgreSQL text, no NUL.
STORABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(STORABLE, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(STORABLE, max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _session(factory: sessionmaker[Session]) -> Session:
    session = factory()
    session.info["scope"] = Scope.system("tests")
    return session


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payloads=st.lists(json_values.map(lambda v: {"v": v}), min_size=1, max_size=5),
    topic=st.text(STORABLE, max_size=30),
)
def test_rows_round_trip_exactly(session_factory: sessionmaker[Session], payloads, topic: str) -> None:
    now = utcnow()
    rows = [
        {"topic": topic, "system_id": "s", "record_id": f"r{i}", "payload": p, "created_at": now}
        for i, p in enumerate(payloads)
    ]
    with _session(session_factory) as session:
        before = session.scalar(select(func.max(OutboxEvent.id))) or 0
        append_rows(session, OutboxEvent, rows)
        session.commit()
        got = session.scalars(select(OutboxEvent).where(OutboxEvent.id > before).order_by(OutboxEvent.id)).all()
    assert [(e.topic, e.record_id, e.payload, e.created_at) for e in got] == [
        (topic, r["record_id"], r["payload"], now) for r in rows
    ]


def test_rows_roll_back_with_the_transaction(session_factory: sessionmaker[Session]) -> None:
    with _session(session_factory) as session:
        append_rows(session, OutboxEvent, [{"topic": "t", "payload": {}, "created_at": utcnow()}])
        session.rollback()
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_a_duplicate_key_is_an_integrity_error_on_every_database(session_factory: sessionmaker[Session]) -> None:
    row = {"key_hash": "k" * 64, "failures": 1, "window_started_at": utcnow()}
    with _session(session_factory) as session:
        append_rows(session, LoginThrottle, [row])
        session.commit()
        with pytest.raises(IntegrityError):
            append_rows(session, LoginThrottle, [row])
        session.rollback()
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 1


def test_naive_datetimes_and_unknown_columns_are_refused(session_factory: sessionmaker[Session]) -> None:
    with _session(session_factory) as session:
        naive = utcnow().replace(tzinfo=None)  # StatementError wraps it on SQLite, ValueError on PostgreSQL
        with pytest.raises(Exception, match="naive datetime"):
            append_rows(session, OutboxEvent, [{"topic": "t", "payload": {}, "created_at": naive}])
        session.rollback()
        with pytest.raises(ValueError, match="no column"):
            append_rows(session, OutboxEvent, [{"topic": "t", "payload": {}, "nonsense": 1}])
