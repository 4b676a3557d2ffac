"""One change to a record: its audit row and its outbox event, always written together.

The house rule is that every change writes both in the same transaction; a service calls
`record_change` once instead of pairing `audit.record` and `outbox.emit` by hand, so neither
can be forgotten and the two always name the same record and organisation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from joinedup.core import audit, outbox
from joinedup.core.auth.principal import Principal


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
) -> None:
    """Audit `action` on the record and announce it on `topic`. `detail` (audit) and `payload`
    (event) hold ids and field names, never personal data."""
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
