"""What was reported and when: the state at a past moment, the history of updates, and the
bed reports received (read back as FHIR MeasureReports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import invalid, not_found
from joinedup.core.pagination import Page, decode_cursor, encode_cursor
from joinedup.domains.capacity import schemas
from joinedup.domains.capacity.engine import merge
from joinedup.domains.capacity.models import CapacityService, CapacityUpdateRow
from joinedup.domains.capacity.service.current import capacity_out, held_sections
from joinedup.domains.capacity.service.identity import seen_by
from joinedup.domains.capacity.service.registry import get_service, get_service_by_id, services_by_identifier


def state_at(session: Session, service: CapacityService, at: datetime) -> dict[str, Any]:
    """Sections as they were known to be at `at`: per section, the newest update true by then."""
    stmt = (
        select(CapacityUpdateRow)
        .where(CapacityUpdateRow.service_id == service.id, CapacityUpdateRow.as_of <= at)
        .order_by(CapacityUpdateRow.as_of.desc(), CapacityUpdateRow.update_id.desc())
        .execution_options(yield_per=200)
    )
    state: dict[str, Any] = {}
    for row in session.scalars(stmt):
        state, _ = merge.merge(
            state,
            values=row.payload["values"],
            as_of=row.as_of,
            update_id=row.update_id,
            source_system=row.source_system,
        )
        if len(state) == len(schemas.SECTIONS):
            break
    return state


def service_capacity(
    session: Session, *, settings: Settings, service: CapacityService, at: datetime | None = None
) -> schemas.CapacityOut:
    now = utcnow()
    if at is None or at >= now:
        return capacity_out(service, held_sections(session, service.id), settings=settings, at=now)
    return capacity_out(service, state_at(session, service, at), settings=settings, at=at)


def capacity_of(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    provider_service_id: str,
    organisation_id: str | None = None,
    at: datetime | None = None,
) -> schemas.CapacityOut:
    """A service's capacity now, or as known at a past moment, by the provider's own id."""
    service = get_service(
        session, actor=actor, provider_service_id=provider_service_id, organisation_id=organisation_id
    )
    return service_capacity(session, settings=settings, service=service, at=at)


def capacity_by_id(session: Session, *, actor: Principal, settings: Settings, service_id: str) -> schemas.CapacityOut:
    """A service's capacity now, by our id (404 if the caller may not see it)."""
    return service_capacity(session, settings=settings, service=get_service_by_id(session, service_id=service_id))


def capacity_by_identifier(
    session: Session, *, actor: Principal, settings: Settings, identifier: str | None
) -> list[schemas.CapacityOut]:
    """Services the caller may see by a `system|value` token of the provider's own id (the
    system ends with the provider organisation's id), at most 200, each with its capacity; as in
    search, another provider's service is found once its identity is verified."""
    provider_service_id = organisation_id = None
    if identifier:
        system, bar, value = identifier.rpartition("|")
        provider_service_id = value if bar else identifier
        organisation_id = system.rsplit("/", 1)[-1] if system else None
    services = services_by_identifier(
        session, provider_service_id=provider_service_id, organisation_id=organisation_id, seen=seen_by(actor)
    )
    return [service_capacity(session, settings=settings, service=s) for s in services]


def history(
    session: Session,
    *,
    actor: Principal,
    provider_service_id: str,
    organisation_id: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[schemas.HistoryItem]:
    """Every update received for a service, newest arrival first."""
    service = get_service(
        session, actor=actor, provider_service_id=provider_service_id, organisation_id=organisation_id
    )
    stmt = select(CapacityUpdateRow).where(CapacityUpdateRow.service_id == service.id)
    if cursor:
        try:
            after = int(decode_cursor(cursor))
        except ValueError:
            raise invalid("query.cursor", "The cursor is not one this service issued.") from None
        stmt = stmt.where(CapacityUpdateRow.id < after)
    rows = session.scalars(stmt.order_by(CapacityUpdateRow.id.desc()).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(str(rows[-1].id))
    items = [
        schemas.HistoryItem(
            update_id=r.update_id,
            as_of=r.as_of,
            source_system=r.source_system,
            received_at=r.received_at,
            channel=r.channel,
            applied=r.applied,
            values=r.payload["values"],
        )
        for r in rows
    ]
    return Page(items=items, next_cursor=next_cursor)


def _bed_report(service: CapacityService, row: CapacityUpdateRow) -> schemas.BedReport:
    return schemas.BedReport(
        id=row.id,
        service_id=service.id,
        organisation_id=service.organisation_id,
        update_id=row.update_id,
        as_of=row.as_of,
        source_system=row.source_system,
        applied=row.applied,
        beds=row.payload["values"]["beds"],
    )


def bed_reports(
    session: Session,
    *,
    actor: Principal,
    service_id: str,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[schemas.BedReport]:
    """Updates of a service that reported beds and were true within [start, end), newest first."""
    service = session.get(CapacityService, service_id)
    if service is None:
        raise not_found("HealthcareService", service_id)
    stmt = select(CapacityUpdateRow).where(CapacityUpdateRow.service_id == service.id)
    if start is not None:
        stmt = stmt.where(CapacityUpdateRow.as_of >= start)
    if end is not None:
        stmt = stmt.where(CapacityUpdateRow.as_of < end)
    stmt = stmt.order_by(CapacityUpdateRow.as_of.desc(), CapacityUpdateRow.id.desc())
    # Status-only reports carry no counts; skip them here rather than in SQL (portable JSON).
    found: list[schemas.BedReport] = []
    for row in session.scalars(stmt.execution_options(yield_per=500)):
        if "beds" in row.payload.get("values", {}):
            found.append(_bed_report(service, row))
            if len(found) >= limit:
                break
    return found


def bed_report(session: Session, *, actor: Principal, report_id: int) -> schemas.BedReport | None:
    """One received update that reported beds, if the caller may see its service."""
    row = session.get(CapacityUpdateRow, report_id)
    if row is None or "beds" not in row.payload.get("values", {}):
        return None
    service = session.get(CapacityService, row.service_id)
    return _bed_report(service, row) if service is not None else None
