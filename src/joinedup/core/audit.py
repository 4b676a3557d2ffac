"""Append-only audit log, written in the same transaction as the change it records.

Reads of personal data are recorded too. Rows are never updated or deleted: the ORM refuses,
and database triggers (see the foundation migration) refuse on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.context import request_context
from joinedup.db.base import BIG_ID, Base
from joinedup.db.bulk import append_rows
from joinedup.db.tenancy import TenantScoped


class AuditEvent(TenantScoped, Base):
    __tablename__ = "audit_events"
    # Integer key: a gap-free, ordered sequence is what an auditor expects to page through.
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(40))
    # The organisation the actor was acting for; the audit row belongs to it.
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    record_type: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # The organisation that owns the record, so its own administrators can see who read it.
    record_organisation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    personal_data: Mapped[bool] = mapped_column(default=False)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    channel: Mapped[str] = mapped_column(String(10))
    request_id: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(*_args: Any) -> None:
    raise PermissionError("audit events are append-only")


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    record_type: str,
    record_id: str | None,
    record_organisation_id: str | None = None,
    personal_data: bool = False,
    detail: dict[str, Any] | None = None,
    owner: tuple[str, str] | None = None,
) -> AuditEvent:
    """Add an audit row to the caller's transaction. `detail` must hold no personal data.

    `owner` (organisation id, care system id): whose administrators see a row that has no actor
    (a failed sign-in on one of the organisation's accounts); a row with an actor is its
    organisation's."""
    ctx = request_context()
    row = AuditEvent(
        occurred_at=utcnow(),
        actor_type=actor.kind if actor else "system",
        actor_id=actor.actor_id if actor else None,
        actor_role=actor.role.value if actor else None,
        organisation_id=actor.organisation_id if actor else (owner[0] if owner else None),
        system_id=actor.system_id if actor else (owner[1] if owner else None),
        action=action,
        record_type=record_type,
        record_id=record_id,
        record_organisation_id=record_organisation_id,
        personal_data=personal_data,
        client_ip=ctx.client_ip,
        channel=ctx.channel,
        request_id=ctx.request_id,
        detail=detail or {},
    )
    session.add(row)
    return row


def record_many(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    record_type: str,
    records: list[tuple[str | None, str | None, dict[str, Any]]],
    personal_data: bool = False,
) -> None:
    """Many audit rows in one multi-row INSERT: (record_id, record_organisation_id, detail) each.

    For bulk paths (batched capacity updates) where one ORM object per row would dominate.
    """
    if not records:
        return
    ctx = request_context()
    now = utcnow()
    common = {
        "occurred_at": now,
        "actor_type": actor.kind if actor else "system",
        "actor_id": actor.actor_id if actor else None,
        "actor_role": actor.role.value if actor else None,
        "organisation_id": actor.organisation_id if actor else None,
        "system_id": actor.system_id if actor else None,
        "action": action,
        "record_type": record_type,
        "personal_data": personal_data,
        "client_ip": ctx.client_ip,
        "channel": ctx.channel,
        "request_id": ctx.request_id,
    }
    append_rows(
        session,
        AuditEvent,
        [
            {**common, "record_id": rid, "record_organisation_id": rorg, "detail": detail}
            for rid, rorg, detail in records
        ],
    )
