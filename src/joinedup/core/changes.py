"""One change to a record: its audit row and its outbox event, always written together.

The house rule is that every change writes both in the same transaction; a service calls
`record_change` (or `record_changes` for a batch) instead of pairing `audit.record` and
`outbox.emit` by hand, so neither can be forgotten and the two always name the same record and
organisation. Audited reads (`record_access`) and security events (`record_security_event`)
write an audit row only.

The relay that publishes outbox rows runs in one place: `relay_after_commit` hooks the app's
session factory, so any session it made that wrote events relays them once its transaction has
committed, whether that session served a request or a background job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from joinedup.core import audit, outbox
from joinedup.core.auth.principal import Principal
from joinedup.core.events import EventBus
from joinedup.logs import get_logger

log = get_logger(__name__)

# session.info keys: the session wrote outbox rows (set by outbox.emit/emit_many), the current
# transaction committed with them, and callbacks waiting for a commit.
PENDING = "outbox_pending"
_RELAY_DUE = "outbox_relay_due"
_CALLBACKS = "after_commit"
_CALLBACKS_DUE = "after_commit_due"


class Change(NamedTuple):
    """One record in a bulk change."""

    record_id: str | None
    # The record's organisation: the audit row's record_organisation_id and the event's organisation_id.
    organisation_id: str | None
    detail: dict[str, Any]
    payload: dict[str, Any]


def record_change(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    topic: str,
    record_type: str,
    record_id: str | None,
    organisation_id: str | None,
    system_id: str | None,
    detail: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    personal_data: bool = False,
    also_notify: Collection[str] = (),
) -> None:
    """Audit `action` on the record and announce it on `topic`. `detail` (audit) and `payload`
    (event) hold ids and field names, never personal data. `actor=None` is the system itself
    (a background job).

    `also_notify`: other organisations that share the record (a referral is the hospital's and
    the provider's): the same event is emitted on each one's stream; the audit row stays one.
    """
    audit.record(
        session,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id,
        record_organisation_id=organisation_id,
        personal_data=personal_data,
        detail=detail,
    )
    outbox.emit(
        session,
        topic=topic,
        organisation_id=organisation_id,
        system_id=system_id,
        record_id=record_id,
        payload=payload,
    )
    for other in dict.fromkeys(also_notify):
        if other != organisation_id:
            outbox.emit(
                session, topic=topic, organisation_id=other, system_id=system_id, record_id=record_id, payload=payload
            )


def record_changes(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    topic: str,
    record_type: str,
    system_id: str | None,
    changes: Sequence[Change],
    personal_data: bool = False,
) -> None:
    """Many changes of one kind: one multi-row INSERT of audit rows and one of events, for bulk
    paths (batched capacity updates) where one ORM object per row would dominate."""
    if not changes:
        return
    audit.record_many(
        session,
        actor=actor,
        action=action,
        record_type=record_type,
        records=[(c.record_id, c.organisation_id, c.detail) for c in changes],
        personal_data=personal_data,
    )
    outbox.emit_many(
        session,
        topic=topic,
        system_id=system_id,
        events=[(c.organisation_id, c.record_id, c.payload) for c in changes],
    )


def record_access(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    record_type: str,
    record_id: str | None,
    organisation_id: str | None,
    personal_data: bool = True,
    detail: dict[str, Any] | None = None,
    owner: tuple[str, str] | None = None,
) -> None:
    """An audited read: an audit row only, no event (nothing changed). `owner`: see
    `record_security_event`."""
    audit.record(
        session,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id,
        record_organisation_id=organisation_id,
        personal_data=personal_data,
        detail=detail,
        owner=owner,
    )


def record_security_event(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    record_type: str,
    record_id: str | None,
    organisation_id: str | None,
    detail: dict[str, Any] | None = None,
    owner: tuple[str, str] | None = None,
) -> None:
    """Sign-in and credential events: an audit row only, for the organisation's administrators
    (the same row as an audited read, about no one's personal record).

    With no actor (a failed sign-in), `owner` (organisation id, care system id) names whose
    administrators see the row; without one the row is the system's alone."""
    record_access(
        session,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id,
        organisation_id=organisation_id,
        personal_data=False,
        detail=detail,
        owner=owner,
    )


def first_recorded(session: Session, *, action: str, since: datetime) -> dict[str, datetime]:
    """When each record first had `action` recorded at or after `since`: record id -> time.

    Read in the caller's session, so within its tenancy scope (audit rows belong to the
    organisation the actor acted for).
    """
    rows = session.execute(
        select(audit.AuditEvent.record_id, func.min(audit.AuditEvent.occurred_at))
        .where(audit.AuditEvent.action == action, audit.AuditEvent.occurred_at >= since)
        .group_by(audit.AuditEvent.record_id)
    )
    return {record_id: at for record_id, at in rows if record_id is not None}


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed (never if it rolls back).

    Callbacks run only for sessions from a factory hooked by `relay_after_commit` (the app's).
    """
    session.info.setdefault(_CALLBACKS, []).append(callback)


def relay_after_commit(
    factory: sessionmaker[Session], bus: EventBus, *, relay_factory: sessionmaker[Session] | None = None
) -> None:
    """Hook `factory` so its sessions relay their outbox rows, then run their `after_commit`
    callbacks, after each committed transaction. Installed once, by the composition root.

    The relay runs when the root transaction has ended and its connection is back in the pool,
    in a fresh session from `relay_factory` (default `factory`): never inside the transaction
    that wrote the rows. The app gives it connections of its own, so the relay still runs when
    the request pool is exhausted; one relay at a time per hook, so it needs but one.
    """
    relaying = threading.Lock()

    @event.listens_for(factory, "after_commit")
    def _committed(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint: the outer transaction may still roll back
        if session.info.pop(PENDING, False):
            session.info[_RELAY_DUE] = True
        if callbacks := session.info.pop(_CALLBACKS, None):
            session.info.setdefault(_CALLBACKS_DUE, []).extend(callbacks)

    @event.listens_for(factory, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop(PENDING, None)
        session.info.pop(_CALLBACKS, None)

    @event.listens_for(factory, "after_transaction_end")
    def _ended(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is not None or transaction.nested:
            return
        relay = session.info.pop(_RELAY_DUE, False)
        callbacks: list[Callable[[], None]] = session.info.pop(_CALLBACKS_DUE, [])
        if relay:
            try:
                with relaying:
                    outbox.relay_pending(relay_factory or factory, bus)
            except Exception as exc:  # the change is committed; the periodic relay retries
                log.error("outbox_relay_failed", error_type=type(exc).__name__)
        for callback in callbacks:
            callback()
