"""Transactional outbox: events are rows written with the change, relayed after commit.

A change and its event commit or roll back together, so a subscriber never hears of a change
that did not happen, and never misses one that did (the relay retries unrelayed rows).

Relaying publishes rows to the process's event bus. On SQLite (one process) each row is claimed
once (`relayed_at`) and published. On PostgreSQL every server process must hear every event (its
SSE listeners, its caches): the transaction that writes rows NOTIFYs `CHANNEL`, every process
LISTENs (core.cluster) and delivers what it has not yet delivered through its own cursor over
committed ids (`OutboxCursor`); `relayed_at` still marks rows some process has published, for
replay.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, and_, func, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from joinedup.core.clock import utcnow
from joinedup.core.events import Event, EventBus
from joinedup.core.periodic import JobContext, PeriodicJob
from joinedup.db.base import BIG_ID, Base
from joinedup.db.bulk import append_rows
from joinedup.db.tenancy import Scope

CHANNEL = "joinedup_outbox"
_NOTIFIED = "outbox_notified_transaction"


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
    _notify_on_commit(session)
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
    _notify_on_commit(session)


def _notify_on_commit(session: Session) -> None:
    """On PostgreSQL, NOTIFY every process's listener when (and only if) this transaction
    commits: once per transaction, whichever process or command wrote the rows."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # A NOTIFY sent in a savepoint that rolls back is withdrawn: only the outer transaction's
    # is sent once and remembered.
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is not None and session.info.get(_NOTIFIED) is transaction:
        return
    session.connection().exec_driver_sql(f"NOTIFY {CHANNEL}")
    if not session.in_nested_transaction():
        session.info[_NOTIFIED] = session.get_transaction()


def relay_pending(factory: sessionmaker[Session], bus: EventBus, *, batch: int = 500) -> int:
    """Publish to `bus` the committed rows it has not had yet. Returns how many were sent."""
    bind = factory.kw.get("bind")
    if bind is not None and bind.dialect.name == "postgresql":
        return cursor_for(bus).deliver(factory, bus, batch=batch)
    return claim_and_publish(factory, bus, batch=batch)


def claim_and_publish(factory: sessionmaker[Session], bus: EventBus, *, batch: int = 500) -> int:
    """Claim unrelayed rows, then publish them in order. Returns how many were sent.

    The claim is a conditional UPDATE ... RETURNING, so two relays (a request thread and the
    poller) never publish the same row twice.
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


# A hole is an id below the cursor not yet seen: a transaction still open, or one rolled back
# (ids are taken before commit). It is kept until every transaction that might hold it has
# ended: first noted, then after HOLE_GRACE_SECONDS (its writer surely has a transaction id by
# then) stamped with the snapshot's xmax, and dropped once the oldest running transaction is
# newer than that. MAX_HOLES and MAX_HOLE_SECONDS bound the bookkeeping if a transaction stays
# open for hours; rows so abandoned are still claimed and published by the sweep.
HOLE_GRACE_SECONDS = 0.5
MAX_HOLES = 1000
MAX_HOLE_SECONDS = 3600.0


@dataclass
class _Hole:
    noted: float
    xmax: int | None = None


@dataclass
class OutboxCursor:
    """One process's position in the outbox (PostgreSQL): every row committed after the process
    first read it is published to its bus once, in id order as committed."""

    high: int | None = None
    holes: dict[int, _Hole] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(self, factory: sessionmaker[Session], bus: EventBus, *, batch: int = 500) -> int:
        with self.lock:  # one pass at a time, so each row reaches the bus once and in order
            rows = self._read(factory, batch)
            for row in rows:
                bus.publish(row.to_event())
        return len(rows)

    def _read(self, factory: sessionmaker[Session], batch: int) -> list[OutboxEvent]:
        with factory() as session:
            session.info["scope"] = Scope.system("outbox relay")
            # Before reading rows: a hole older than this snapshot's oldest transaction is final.
            xmin, xmax = session.execute(
                text(
                    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
                    "pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
                )
            ).one()
            if self.high is None:
                self.high = session.scalar(select(func.max(OutboxEvent.id))) or 0
            high = self.high
            wanted = OutboxEvent.id > high
            if self.holes:
                wanted = or_(wanted, OutboxEvent.id.in_(list(self.holes)))
            rows = list(session.scalars(select(OutboxEvent).where(wanted).order_by(OutboxEvent.id).limit(batch)))
            # Rows no cursor will pass again (written before this process started, or a hole
            # given up on): claimed once, by whichever process sweeps first.
            stragglers = and_(OutboxEvent.relayed_at.is_(None), OutboxEvent.id <= high)
            if self.holes:
                stragglers = and_(stragglers, OutboxEvent.id.not_in(list(self.holes)))
            swept = set(
                session.scalars(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_(select(OutboxEvent.id).where(stragglers).limit(batch)))
                    .where(OutboxEvent.relayed_at.is_(None))
                    .values(relayed_at=utcnow())
                    .returning(OutboxEvent.id)
                    .execution_options(synchronize_session=False)
                )
            )
            if unclaimed := [row.id for row in rows if row.relayed_at is None]:
                session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_(unclaimed), OutboxEvent.relayed_at.is_(None))
                    .values(relayed_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
            if swept:
                rows += session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(swept))).all()
            session.commit()
        self._advance([row.id for row in rows if row.id not in swept], xmin=int(xmin), xmax=int(xmax))
        return sorted(rows, key=lambda row: row.id)

    def _advance(self, ids: list[int], *, xmin: int, xmax: int) -> None:
        now = time.monotonic()
        assert self.high is not None
        for row_id in ids:
            self.holes.pop(row_id, None)
        top = max(ids, default=self.high)
        if top > self.high:
            seen = set(ids)
            gaps = range(self.high + 1, top)
            if len(gaps) <= MAX_HOLES:
                self.holes.update({gap: _Hole(now) for gap in gaps if gap not in seen})
            self.high = top
        for row_id, hole in list(self.holes.items()):
            if hole.xmax is None and now - hole.noted >= HOLE_GRACE_SECONDS:
                hole.xmax = xmax
            elif (hole.xmax is not None and xmin >= hole.xmax) or now - hole.noted > MAX_HOLE_SECONDS:
                del self.holes[row_id]
        while len(self.holes) > MAX_HOLES:
            del self.holes[min(self.holes)]


# One position per bus (per process's app), whichever session factory reads for it: the relay
# after a commit and the woken relay job may read through different pools.
_cursors: dict[int, tuple[weakref.ref[EventBus], OutboxCursor]] = {}
_cursors_lock = threading.Lock()


def cursor_for(bus: EventBus) -> OutboxCursor:
    """The cursor of this process's `bus` (held while the bus lives)."""
    with _cursors_lock:
        held = _cursors.get(id(bus))
        if held is not None and held[0]() is bus:
            return held[1]
        for stale in [k for k, (b, _) in _cursors.items() if b() is None]:
            del _cursors[stale]
        cursor = OutboxCursor()
        _cursors[id(bus)] = (weakref.ref(bus), cursor)
        return cursor


def _relay(context: JobContext) -> int:
    return relay_pending(context.session_factory, context.bus)


# In every process: woken by NOTIFY on PostgreSQL; the interval catches what no one announced
# (CLI commands on SQLite, a lost connection).
RELAY_JOB = PeriodicJob(
    "outbox.relay", _relay, lambda settings: settings.outbox_poll_seconds, every_process=True, wake_channel=CHANNEL
)
