"""Finding services: by the provider's own id, by ours, and as plain summaries for other domains."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.errors import not_found
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.capacity.schemas import ServiceSummary


def find_service(session: Session, *, organisation_id: str, provider_service_id: str) -> CapacityService | None:
    return session.scalars(
        select(CapacityService).where(
            CapacityService.organisation_id == organisation_id,
            CapacityService.provider_service_id == provider_service_id,
        )
    ).one_or_none()


def get_service(
    session: Session, *, actor: Principal, provider_service_id: str, organisation_id: str | None = None
) -> CapacityService:
    """A service by the provider's own id (of `organisation_id`, default the caller's), or 404."""
    service = find_service(
        session, organisation_id=organisation_id or actor.organisation_id or "", provider_service_id=provider_service_id
    )
    if service is None:
        raise not_found("service", provider_service_id)
    return service


def get_service_by_id(session: Session, *, service_id: str) -> CapacityService:
    """A service the caller may see, by our id, or 404."""
    service = session.get(CapacityService, service_id)
    if service is None:
        raise not_found("service", service_id)
    return service


def services_of(session: Session, *, organisation_id: str) -> Sequence[CapacityService]:
    return session.scalars(
        select(CapacityService)
        .where(CapacityService.organisation_id == organisation_id)
        .order_by(CapacityService.name, CapacityService.id)
    ).all()


def services_by_identifier(
    session: Session, *, provider_service_id: str | None, organisation_id: str | None, seen: Any = None
) -> Sequence[CapacityService]:
    """Services the caller may see with that provider's id (and provider), at most 200, by id
    (`seen`: a further condition, such as which identity statuses the caller finds)."""
    stmt = select(CapacityService).order_by(CapacityService.id).limit(200)
    if seen is not None:
        stmt = stmt.where(seen)
    if provider_service_id is not None:
        stmt = stmt.where(CapacityService.provider_service_id == provider_service_id)
    if organisation_id is not None:
        stmt = stmt.where(CapacityService.organisation_id == organisation_id)
    return session.scalars(stmt).all()


def summary_of(service: CapacityService) -> ServiceSummary:
    return ServiceSummary(
        id=service.id,
        organisation_id=service.organisation_id,
        system_id=service.system_id,
        place_id=service.place_id,
        provider_service_id=service.provider_service_id,
        name=service.name,
        kind=service.kind,
        active=service.active,
        synthetic=service.synthetic,
        postcode=service.postcode,
        latitude=service.latitude,
        longitude=service.longitude,
        identity_status=service.identity_status,
    )


# The door for other domains: plain summaries, read through the caller's session (its scope).


def service_summary(session: Session, *, service_id: str) -> ServiceSummary | None:
    """A service the session may see, or None."""
    service = session.get(CapacityService, service_id)
    return summary_of(service) if service is not None else None


def service_by_identifier(session: Session, *, provider_service_id: str, organisation_id: str) -> ServiceSummary:
    """A service the session may see by its provider and the provider's own id, or 404."""
    service = find_service(session, organisation_id=organisation_id, provider_service_id=provider_service_id)
    if service is None:
        raise not_found("service", provider_service_id)
    return summary_of(service)


def services_by_id(session: Session, *, service_ids: Collection[str]) -> dict[str, ServiceSummary]:
    """The services of those ids that the session may see, by id."""
    if not service_ids:
        return {}
    rows = session.scalars(select(CapacityService).where(CapacityService.id.in_(list(service_ids))))
    return {row.id: summary_of(row) for row in rows}


def service_names(session: Session, *, service_ids: Collection[str]) -> dict[str, str]:
    """Names of the services of those ids that the session may see, by id."""
    if not service_ids:
        return {}
    rows = session.execute(
        select(CapacityService.id, CapacityService.name).where(CapacityService.id.in_(list(service_ids)))
    )
    return {service_id: name for service_id, name in rows}


def list_service_summaries(
    session: Session, *, system_id: str | None = None, active: bool | None = None, synthetic: bool | None = None
) -> list[ServiceSummary]:
    """Every service the session may see (of a system; active or not; synthetic or not), by id."""
    stmt = select(CapacityService).order_by(CapacityService.id)
    if system_id is not None:
        stmt = stmt.where(CapacityService.system_id == system_id)
    if active is not None:
        stmt = stmt.where(CapacityService.active.is_(active))
    if synthetic is not None:
        stmt = stmt.where(CapacityService.synthetic.is_(synthetic))
    return [summary_of(row) for row in session.scalars(stmt)]
