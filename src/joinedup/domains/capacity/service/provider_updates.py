"""What a provider does from its own screens: report a service's capacity, or confirm that
nothing has changed since it last did."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import invalid, validation_error
from joinedup.core.permissions import Permission
from joinedup.domains.capacity import schemas
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.capacity.service.current import capacity_out, held_sections
from joinedup.domains.capacity.service.providers import Provider, is_provider, owner_of, target_organisation
from joinedup.domains.capacity.service.registry import get_service, get_service_by_id, services_of
from joinedup.domains.capacity.service.updates import ingest_for


def _writable(
    session: Session,
    *,
    actor: Principal,
    service_id: str | None,
    provider_service_id: str | None,
    organisation_id: str | None,
    any_visible: bool,
) -> tuple[Provider, CapacityService]:
    if service_id is not None:
        service = get_service_by_id(session, service_id=service_id)
        org = owner_of(session, actor=actor, service=service, organisation_id=organisation_id, any_visible=any_visible)
        return org, service
    org = target_organisation(session, actor=actor, organisation_id=organisation_id)
    return org, get_service(session, actor=actor, provider_service_id=provider_service_id or "", organisation_id=org.id)


def report_update(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    service_id: str,
    values: dict[str, Any],
    source_system: str,
    as_of: datetime | None = None,
    update_id: str | None = None,
    update_id_prefix: str = "report",
    any_visible: bool = False,
    error_prefix: str | None = None,
    field: str = "service_id",
) -> schemas.CapacityOut:
    """One update of a service named by our id, from its sections (status, note, beds,
    homecare, reablement, admission_rules), true at `as_of` (default now). Only its provider
    may report it (`any_visible`: whichever provider the caller may act for, as on the pages).

    Sections that break the standard raise pydantic's ValidationError as it is (a page maps
    it to its form), or with `error_prefix` a 422 problem naming fields under that prefix."""
    service = get_service_by_id(session, service_id=service_id)
    org = owner_of(session, actor=actor, service=service, any_visible=any_visible, field=field)
    now = utcnow()
    as_of = as_of or now
    stamp = as_of.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    try:
        update = schemas.CapacityUpdate.model_validate(
            {
                "update_id": update_id or f"{update_id_prefix}-{service.provider_service_id}-{stamp}"[:100],
                "provider_service_id": service.provider_service_id,
                "as_of": as_of,
                "source_system": source_system,
                **values,
            }
        )
    except ValidationError as exc:
        if error_prefix is None:
            raise
        raise validation_error(exc, error_prefix, detail="The capacity is not valid.") from None
    ingest_for(session, actor=actor, org=org, settings=settings, updates=[update], field_prefix="update.", now=now)
    return capacity_out(service, held_sections(session, service.id), settings=settings, at=utcnow())


def own_capacity(session: Session, *, actor: Principal, settings: Settings) -> list[schemas.CapacityOut] | None:
    """The capacity of every service of the provider the caller acts for; None when the caller
    does not write capacity for a provider (so has no services of its own to keep)."""
    if not actor.can(Permission.CAPACITY_WRITE) or not is_provider(session, actor=actor):
        return None
    assert actor.organisation_id is not None
    now = utcnow()
    return [
        capacity_out(service, held_sections(session, service.id), settings=settings, at=now)
        for service in services_of(session, organisation_id=actor.organisation_id)
    ]


def confirm_unchanged(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    source_system: str,
    service_id: str | None = None,
    provider_service_id: str | None = None,
    organisation_id: str | None = None,
    any_visible: bool = False,
) -> schemas.BatchResult:
    """ "Nothing changed": every section held is reported again, true now. The service is named
    by our id or by the provider's own; only its provider may confirm it."""
    org, service = _writable(
        session,
        actor=actor,
        service_id=service_id,
        provider_service_id=provider_service_id,
        organisation_id=organisation_id,
        any_visible=any_visible,
    )
    held = held_sections(session, service.id)
    if not held:
        raise invalid("service", "Nothing has been reported for this service yet; send its capacity first.", "empty")
    now = utcnow()
    fields: dict[str, Any] = {name: s["value"] for name, s in held.items() if name != "status"}
    if "status" in held:
        fields["status"] = held["status"]["value"]["status"]
        fields["note"] = held["status"]["value"].get("note")
    update = schemas.CapacityUpdate.model_validate(
        {
            "update_id": f"confirm-{service.id[:8]}-{now.strftime('%Y%m%dT%H%M%S%f')}",
            "provider_service_id": service.provider_service_id,
            "as_of": now,
            "source_system": source_system,
            **fields,
        }
    )
    return ingest_for(session, actor=actor, org=org, settings=settings, updates=[update], now=now)
