"""Who a service is: its name, CQC location id and place, vouched for by an administrator.

A provider may publish capacity only for locations registered to it: a CQC location id it
names must be registered to its organisation (the organisations register: its own id, or one an
administrator registered to it), and no other service anywhere may hold it. Any other new or
changed identity is `unverified` until a system administrator of the care system approves it
(an administrator's own writes are verified). Until then the service is shown only to its
provider and to the administrator, is offered to no one as a match and counts in no total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, Table, func, or_, select, true
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.errors import conflict, forbidden
from joinedup.core.permissions import Role
from joinedup.domains.capacity import schemas
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.capacity.service.providers import Provider
from joinedup.domains.capacity.service.registry import get_service_by_id
from joinedup.domains.organisations import service as organisations

VERIFIED = schemas.IdentityStatus.VERIFIED.value
UNVERIFIED = schemas.IdentityStatus.UNVERIFIED.value
REJECTED = schemas.IdentityStatus.REJECTED.value
_SERVICES = cast(Table, CapacityService.__table__)


@dataclass(frozen=True)
class Identity:
    """What names and places a service: a change of any of it needs approval again."""

    name: str
    cqc_location_id: str | None
    postcode: str | None
    latitude: float | None
    longitude: float | None

    def changed(self, other: Identity) -> list[str]:
        """The parts that differ (a point moved by less than a metre has not moved)."""
        near = _rounded(self.latitude) == _rounded(other.latitude) and _rounded(self.longitude) == _rounded(
            other.longitude
        )
        parts = {
            "name": self.name == other.name,
            "cqc_location_id": self.cqc_location_id == other.cqc_location_id,
            "postcode": self.postcode == other.postcode,
            "location": near,
        }
        return [part for part, same in parts.items() if not same]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 5)


def identity_of(service: CapacityService) -> Identity:
    return Identity(service.name, service.cqc_location_id, service.postcode, service.latitude, service.longitude)


def is_approver(actor: Principal, system_id: str) -> bool:
    """A system administrator of the service's care system: the one who vouches for identities."""
    return actor.role is Role.SYSTEM_ADMINISTRATOR and actor.system_id == system_id


def seen_by(actor: Principal) -> ColumnElement[bool]:
    """Which services `actor` finds whatever their identity status: an administrator those of its
    care system (tenancy already limits it to them), a provider its own; everyone else, and
    everyone for other providers' services, only verified ones."""
    if actor.role is Role.SYSTEM_ADMINISTRATOR:
        return true()
    verified = CapacityService.identity_status == VERIFIED
    if actor.organisation_id is None:
        return verified
    return or_(verified, CapacityService.organisation_id == actor.organisation_id)


def check_cqc_location(
    session: Session, *, org: Provider, cqc_location_id: str | None, service_id: str | None, field: str
) -> None:
    """Refuse a CQC location id that is not registered to the provider or that another service holds."""
    if cqc_location_id is None:
        return
    if organisations.cqc_location_taken(session, cqc_location_id=cqc_location_id, except_organisation_id=org.id):
        raise conflict("This CQC location is registered to another provider.", field)
    if cqc_location_id not in organisations.registered_cqc_locations(session, organisation_id=org.id):
        raise forbidden(
            field,
            "not a CQC location registered to your organisation",
            "This CQC location is not registered to your organisation; an administrator of your care system "
            "registers your locations.",
        )
    # Every service, not only those the caller may see: a CQC location is one service anywhere.
    holder = session.execute(
        select(_SERVICES.c.id).where(_SERVICES.c.cqc_location_id == cqc_location_id)
    ).scalar_one_or_none()
    if holder is not None and holder != service_id:
        raise conflict("Another service already has this CQC location id.", field)


def status_after(
    actor: Principal, *, system_id: str, before: Identity | None, after: Identity, held: str | None
) -> str:
    """The identity status a write leaves: verified when an approver makes it, else unchanged
    unless the identity is new or changed (then it awaits approval)."""
    if is_approver(actor, system_id):
        return VERIFIED
    if before is None or held is None or before.changed(after):
        return UNVERIFIED
    return held


@dataclass(frozen=True)
class Review:
    """A service whose identity awaits an administrator's decision, with what helps decide."""

    service_id: str
    name: str
    kind: str
    provider_service_id: str
    provider_name: str
    cqc_location_id: str | None
    registered: bool  # the CQC location id is registered to the provider
    postcode: str | None
    status: str


def awaiting_approval(session: Session, *, actor: Principal) -> list[Review]:
    """Services of the administrator's care system whose identity is unverified, oldest change first."""
    if actor.role is not Role.SYSTEM_ADMINISTRATOR or actor.system_id is None:
        return []
    rows = session.scalars(
        select(CapacityService)
        .where(CapacityService.system_id == actor.system_id, CapacityService.identity_status == UNVERIFIED)
        .order_by(CapacityService.updated_at, CapacityService.id)
        .limit(500)
    ).all()
    names = organisations.organisation_names(session, ids={row.organisation_id for row in rows})
    registered = {org_id: organisations.registered_cqc_locations(session, organisation_id=org_id) for org_id in names}
    return [
        Review(
            service_id=row.id,
            name=row.name,
            kind=row.kind,
            provider_service_id=row.provider_service_id,
            provider_name=names.get(row.organisation_id, ""),
            cqc_location_id=row.cqc_location_id,
            registered=row.cqc_location_id in registered.get(row.organisation_id, frozenset()),
            postcode=row.postcode,
            status=row.identity_status,
        )
        for row in rows
        if row.organisation_id in names
    ]


def count_awaiting_approval(session: Session, *, actor: Principal) -> int:
    """How many services of the administrator's care system await approval (0 for anyone else)."""
    if actor.role is not Role.SYSTEM_ADMINISTRATOR or actor.system_id is None:
        return 0
    stmt = (
        select(func.count())
        .select_from(CapacityService)
        .where(CapacityService.system_id == actor.system_id, CapacityService.identity_status == UNVERIFIED)
    )
    return int(session.scalar(stmt) or 0)


def decide_identity(session: Session, *, actor: Principal, service_id: str, approve: bool) -> schemas.ServiceOut:
    """Approve (verified) or reject a service's identity: a system administrator of its care system."""
    service = get_service_by_id(session, service_id=service_id)
    if not is_approver(actor, service.system_id):
        raise forbidden("service_id", "only an administrator of the service's care system approves services")
    if approve:
        check_cqc_location(
            session,
            org=_provider(session, service.organisation_id),
            cqc_location_id=service.cqc_location_id,
            service_id=service.id,
            field="cqc_location_id",
        )
    before = service.identity_status
    service.identity_status = VERIFIED if approve else REJECTED
    session.flush()
    verb = "approve" if approve else "reject"
    record_change(
        session,
        actor=actor,
        action=f"capacity_service.{verb}",
        topic=f"capacity.service_{verb}d",
        record_type="capacity_service",
        record_id=service.id,
        organisation_id=service.organisation_id,
        system_id=service.system_id,
        detail={"from": before, "to": service.identity_status, "name": service.name},
        payload={"provider_service_id": service.provider_service_id, "identity_status": service.identity_status},
    )
    return schemas.ServiceOut.model_validate(service)


def _provider(session: Session, organisation_id: str) -> Provider:
    org = organisations.organisation(session, organisation_id=organisation_id)
    if org is None:
        raise forbidden("service_id", "not a service you may approve")
    return org
