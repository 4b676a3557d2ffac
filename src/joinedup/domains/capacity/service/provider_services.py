"""A provider's services: created or updated by the provider's own id, from the JSON API or as
a FHIR HealthcareService (which may carry a status too).

Every write names its provider once (`target_organisation`), reads the service once, and
records one change: a service written together with a status is one audit row and one event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.clock import utcnow
from joinedup.core.errors import conflict, invalid, validation_error
from joinedup.domains.capacity import schemas
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.capacity.service.current import capacity_out, held_sections, retag
from joinedup.domains.capacity.service.identity import Identity, check_cqc_location, identity_of, status_after
from joinedup.domains.capacity.service.providers import Provider, owner_of, target_organisation
from joinedup.domains.capacity.service.registry import find_service, get_service_by_id
from joinedup.domains.capacity.service.updates import UPDATE_ACTION, UPDATED, apply_updates
from joinedup.geo import lookup


def _write(
    session: Session,
    actor: Principal,
    org: Provider,
    service: CapacityService | None,
    provider_service_id: str,
    data: schemas.ServiceIn,
    field_prefix: str = "body.",
) -> tuple[CapacityService, bool, list[str]]:
    """The service as `data` says (created if new), its identity checked (see identity); nothing
    recorded yet. Also the parts of its identity that changed."""
    latitude, longitude = data.latitude, data.longitude
    if latitude is None and data.postcode:
        point = lookup.locate(data.postcode)
        if point is not None:
            latitude, longitude = point.latitude, point.longitude
    field = f"{field_prefix}cqc_location_id"
    check_cqc_location(
        session,
        org=org,
        cqc_location_id=data.cqc_location_id,
        service_id=service.id if service else None,
        field=field,
    )
    before = identity_of(service) if service is not None else None
    after = Identity(data.name, data.cqc_location_id, data.postcode, latitude, longitude)
    created = service is None
    if service is None:
        service = CapacityService(
            organisation_id=org.id, system_id=org.system_id, provider_service_id=provider_service_id
        )
        session.add(service)
    service.identity_status = status_after(
        actor, system_id=org.system_id, before=before, after=after, held=service.identity_status
    )
    service.place_id = org.place_id
    service.name = data.name
    service.kind = data.kind.value
    service.postcode = data.postcode
    service.postcode_district = lookup.district(data.postcode) if data.postcode else None
    service.latitude, service.longitude = latitude, longitude
    service.cqc_location_id = data.cqc_location_id
    service.active = data.active
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        if "cqc_location_id" in str(exc.orig):
            raise conflict("Another service already has this CQC location id.", field) from None
        raise conflict("The service was changed by another request; send it again.") from None
    if not created:
        retag(session, service)  # kind or place may have changed what searches find
    return service, created, before.changed(after) if before is not None else []


def _record_service(
    session: Session, actor: Principal, service: CapacityService, created: bool, changed: list[str]
) -> None:
    detail = {"identity_status": service.identity_status, **({"identity_changed": changed} if changed else {})}
    record_change(
        session,
        actor=actor,
        action="capacity_service.create" if created else "capacity_service.update",
        topic="capacity.service_created" if created else "capacity.service_updated",
        record_type="capacity_service",
        record_id=service.id,
        organisation_id=service.organisation_id,
        system_id=service.system_id,
        detail=detail,
        payload={"provider_service_id": service.provider_service_id, "identity_status": service.identity_status},
    )


def upsert_service(
    session: Session,
    *,
    actor: Principal,
    provider_service_id: str,
    data: schemas.ServiceIn,
    organisation_id: str | None = None,
) -> tuple[schemas.ServiceOut, bool]:
    """Create or update a service by the provider's own id; True when created."""
    org = target_organisation(session, actor=actor, organisation_id=organisation_id)
    existing = find_service(session, organisation_id=org.id, provider_service_id=provider_service_id)
    service, created, changed = _write(session, actor, org, existing, provider_service_id, data)
    _record_service(session, actor, service, created, changed)
    return schemas.ServiceOut.model_validate(service), created


def _status_update(
    report: schemas.StatusReport, provider_service_id: str, prefix: str, field: str
) -> schemas.CapacityUpdate:
    stamp = report.as_of.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    try:
        return schemas.CapacityUpdate.model_validate(
            {
                "update_id": f"{prefix}-{provider_service_id}-{stamp}"[:100],
                "provider_service_id": provider_service_id,
                "as_of": report.as_of,
                "source_system": report.source_system,
                "status": report.status,
                "note": report.note,
            }
        )
    except ValidationError as exc:
        raise validation_error(exc, field, detail="The capacity is not valid.") from None


def put_service(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    name: str | None,
    kind: schemas.ServiceKind,
    active: bool,
    provider_service_id: str | None = None,
    service_id: str | None = None,
    identifiers: Sequence[str] = (),
    status: schemas.StatusReport | None = None,
    status_update_prefix: str = "status",
    status_field: str = "HealthcareService.extension",
) -> tuple[schemas.CapacityOut, bool]:
    """Create or update one of the caller's own services as a FHIR HealthcareService says
    (name, kind, active: it carries no place, so an existing service stays where it is), and
    with `status` report its status in the same change. Errors name the resource's fields.

    The service is named by the provider's own id, or by ours (`service_id`: it must exist, be
    the caller's, and keep its identifier: `identifiers`, when given, must include it)."""
    org = target_organisation(session, actor=actor, organisation_id=None)
    if service_id is not None:
        existing: CapacityService | None = get_service_by_id(session, service_id=service_id)
        assert existing is not None
        owner_of(session, actor=actor, service=existing, organisation_id=org.id, field="HealthcareService.id")
        if identifiers and existing.provider_service_id not in identifiers:
            raise invalid("HealthcareService.identifier", "a service's identifier cannot be changed", "immutable")
        provider_service_id = existing.provider_service_id
    else:
        if not provider_service_id:
            raise invalid("HealthcareService.identifier", "give the service's identifier (your own id)", "missing")
        existing = find_service(session, organisation_id=org.id, provider_service_id=provider_service_id)
    try:
        data = schemas.ServiceIn(name=name or provider_service_id, kind=kind, active=active)
    except ValidationError:
        raise invalid("HealthcareService.type", "type is a service-kind code", "code") from None
    update = _status_update(status, provider_service_id, status_update_prefix, status_field) if status else None
    if existing is not None:  # keep where it is, and its CQC location
        data = data.model_copy(
            update={
                "postcode": existing.postcode,
                "latitude": existing.latitude,
                "longitude": existing.longitude,
                "cqc_location_id": existing.cqc_location_id,
            }
        )
    service, created, changed = _write(
        session, actor, org, existing, provider_service_id, data, field_prefix="HealthcareService."
    )
    changes = (
        apply_updates(session, org=org, settings=settings, updates=[update], field_prefix="update.")[1]
        if update
        else []
    )
    if not changes:  # no status, or one already received
        _record_service(session, actor, service, created, changed)
    else:
        # One change: the status update, noting what became of the service itself.
        record_id, organisation_id, detail, payload = changes[0]
        service_change = "created" if created else "updated"
        record_change(
            session,
            actor=actor,
            action=UPDATE_ACTION,
            topic=UPDATED,
            record_type="capacity_service",
            record_id=record_id,
            organisation_id=organisation_id,
            system_id=org.system_id,
            detail={**detail, "service": service_change, "identity_status": service.identity_status},
            payload={**payload, "service": service_change, "identity_status": service.identity_status},
        )
    out = capacity_out(service, held_sections(session, service.id), settings=settings, at=utcnow())
    return out, created
