"""Transactional outbox: events are rows written with the change, relayed after commit.

A change and its event commit or roll back together, so a subscriber never hears of a change
that did not happen, and never misses one that did (the relay retries unrelayed rows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from joinedup.core.clock import utcnow
from joinedup.core.events import Event, EventBus
from joinedup.core.periodic import JobContext, PeriodicJob
from joinedup.db.base import BIG_ID, Base
from joinedup.db.bulk import append_rows
from joinedup.db.tenancy import Scope


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    topic: Mapped[str] = mapped_column(String(80), index=True)
    system_id: Mapped[str | None] = mapped_column(String(36))
    organisation_id: Mapped[str | None] = mapped_column(String(36))
    record_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    relayed_at: Mapped[datetime | None] = mapped_column(index=True)

    def to_event(self) -> Event:
        return Event(
            id=self.id,
            topic=self.topic,
            organisation_id=self.organisation_id,
            system_id=self.system_id,
            record_id=self.record_id,
            payload=dict(self.payload),
            created_at=self.created_at,
        )


def emit(
    session: Session,
    *,
    topic: str,
    organisation_id: str | None,
    system_id: str | None,
    record_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Add an event to the caller's transaction. Payloads carry ids, never personal data."""
    row = OutboxEvent(
        topic=topic,
        organisation_id=organisation_id,
        system_id=system_id,
        record_id=record_id,
        payload=payload or {},
        created_at=utcnow(),
    )
    session.add(row)
    session.info["outbox_pending"] = True
    return row


def emit_many(
    session: Session,
    *,
    topic: str,
    system_id: str | None,
    events: list[tuple[str | None, str | None, dict[str, Any]]],
) -> None:
    """Many events in one multi-row INSERT: (organisation_id, record_id, payload) each."""
    if not events:
        return
    now = utcnow()
    append_rows(
        session,
        OutboxEvent,
        [
            {
                "topic": topic,
                "organisation_id": org,
                "system_id": system_id,
                "record_id": rid,
                "payload": payload,
                "created_at": now,
            }
            for org, rid, payload in events
        ],
    )
    session.info["outbox_pending"] = True


def relay_pending(factory: sessionmaker[Session], bus: EventBus, *, batch: int = 500) -> int:
    """Claim unrelayed rows, then publish them in order. Returns how many were sent.

    The claim is a conditional UPDATE ... RETURNING, so two relays (a request thread and the
    poller, or two processes) never publish the same row twice.
    """
    with factory() as session:
        session.info["scope"] = Scope.system("outbox relay")
        ids = session.scalars(
            select(OutboxEvent.id).where(OutboxEvent.relayed_at.is_(None)).order_by(OutboxEvent.id).limit(batch)
        ).all()
        if not ids:
            return 0
        claimed = set(
            session.scalars(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids), OutboxEvent.relayed_at.is_(None))
                .values(relayed_at=utcnow())
                .returning(OutboxEvent.id)
                .execution_options(synchronize_session=False)
            ).all()
        )
        rows = session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(claimed)).order_by(OutboxEvent.id)).all()
        session.commit()
    for row in rows:
        bus.publish(row.to_event())
    return len(rows)


def _relay(context: JobContext) -> int:
    return relay_pending(context.session_factory, context.bus)


# Catches events written by other processes (CLI imports, workers).
RELAY_JOB = PeriodicJob("outbox.relay", _relay, lambda settings: settings.outbox_poll_seconds)
