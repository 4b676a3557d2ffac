"""One way to change state: audit row and event written together, relayed once after commit
by the app's session factory, never on rollback."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.core import changes, outbox
from joinedup.core.audit import AuditEvent
from joinedup.core.clock import utcnow
from joinedup.core.events import Event, EventBus
from joinedup.core.outbox import OutboxEvent
from joinedup.db.session import make_session_factory
from joinedup.db.tenancy import Scope
from tests.personas import World


def _hooked(session_factory: sessionmaker[Session]) -> tuple[sessionmaker[Session], list[Event]]:
    """A factory hooked as the app hooks its own, and the events its relay publishes."""
    engine = session_factory.kw["bind"]
    assert isinstance(engine, Engine)
    factory = make_session_factory(engine)
    bus = EventBus()
    got: list[Event] = []
    bus.on(got.append)
    changes.relay_after_commit(factory, bus)
    return factory, got


def _change(s: Session, world: World, **extra: object) -> None:
    changes.record_change(
        s,
        actor=None,
        action="thing.update",
        topic="thing.updated",
        record_type="thing",
        record_id="t1",
        organisation_id=world.org_id("trust"),
        system_id=world.system_id,
        **extra,  # type: ignore[arg-type]
    )


def _count(s: Session, model: type[AuditEvent] | type[OutboxEvent]) -> int:
    return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_commit_relays_its_events_once_and_runs_callbacks_after(session_factory, world) -> None:
    factory, got = _hooked(session_factory)
    ran: list[int] = []
    with factory() as s:
        s.info["scope"] = Scope.system("test")
        _change(s, world)
        changes.after_commit(s, lambda: ran.append(len(got)))
        assert got == []  # nothing is published before the commit
        s.commit()
    assert [(e.topic, e.record_id) for e in got] == [("thing.updated", "t1")]
    assert ran == [1]  # callbacks run after the relay
    assert outbox.relay_pending(factory, EventBus()) == 0


def test_a_rollback_publishes_nothing_and_drops_callbacks(session_factory, world) -> None:
    factory, got = _hooked(session_factory)
    ran: list[str] = []
    with factory() as s:
        s.info["scope"] = Scope.system("test")
        _change(s, world)
        changes.after_commit(s, lambda: ran.append("no"))
        s.rollback()
        s.commit()  # a later, empty transaction does not resurrect them
    assert got == [] and ran == []


def test_a_failing_relay_does_not_undo_the_commit(session_factory, world, monkeypatch) -> None:
    factory, _ = _hooked(session_factory)

    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("bus down")

    monkeypatch.setattr(outbox, "relay_pending", broken)
    with factory() as s:
        s.info["scope"] = Scope.system("test")
        _change(s, world)
        s.commit()
    monkeypatch.undo()
    # Committed, unrelayed: the periodic relay picks it up.
    assert outbox.relay_pending(factory, EventBus()) == 1


def test_also_notify_writes_one_audit_row_and_an_event_per_organisation(session_factory, world) -> None:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        _change(s, world, also_notify=[world.org_id("care_home_a"), world.org_id("trust")])
        s.commit()
        assert _count(s, AuditEvent) == 1
        orgs = s.scalars(select(OutboxEvent.organisation_id).order_by(OutboxEvent.id)).all()
        assert orgs == [world.org_id("trust"), world.org_id("care_home_a")]


def test_record_changes_writes_a_row_of_each_per_change(session_factory, world) -> None:
    rows = [changes.Change(f"s{i}", world.org_id("care_home_a"), {"update_ids": [str(i)]}, {"n": i}) for i in range(3)]
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        changes.record_changes(
            s,
            actor=None,
            action="capacity.update",
            topic="capacity.updated",
            record_type="capacity_service",
            system_id=world.system_id,
            changes=rows,
        )
        s.commit()
        audits = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        events = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [(a.record_id, a.record_organisation_id, a.detail) for a in audits] == [
        (f"s{i}", world.org_id("care_home_a"), {"update_ids": [str(i)]}) for i in range(3)
    ]
    assert [(e.record_id, e.topic, e.payload) for e in events] == [
        (f"s{i}", "capacity.updated", {"n": i}) for i in range(3)
    ]


def test_an_audited_read_writes_no_event(session_factory, world) -> None:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        changes.record_access(
            s, actor=None, action="patient.read", record_type="patient", record_id="p1", organisation_id=None
        )
        s.commit()
        row = s.scalars(select(AuditEvent)).one()
        assert row.personal_data and _count(s, OutboxEvent) == 0


def test_first_recorded_is_the_earliest_time_per_record(session_factory, world) -> None:
    since = utcnow() - timedelta(minutes=1)
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        for record_id in ("r1", "r2", "r1"):
            changes.record_access(
                s,
                actor=None,
                action="referral.offer",
                record_type="referral",
                record_id=record_id,
                organisation_id=None,
            )
        s.commit()
        found = changes.first_recorded(s, action="referral.offer", since=since)
        times = dict(
            s.execute(
                select(AuditEvent.record_id, func.min(AuditEvent.occurred_at)).group_by(AuditEvent.record_id)
            ).all()
        )
    assert found == times and set(found) == {"r1", "r2"}
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        assert changes.first_recorded(s, action="referral.offer", since=utcnow() + timedelta(minutes=1)) == {}
