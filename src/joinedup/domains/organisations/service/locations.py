"""CQC locations registered to providers: the organisation's own `cqc_location_id`, and further
locations an administrator registers to it. A provider may publish capacity only for locations
registered to it (capacity asks `registered_cqc_locations`). A CQC location is registered to at
most one organisation anywhere.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.errors import conflict, forbidden, invalid
from joinedup.core.permissions import Role
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.models import Organisation, ProviderLocation
from joinedup.domains.organisations.service.organisations import cqc_location_taken, get_organisation

_ORGANISATIONS = cast(Table, Organisation.__table__)
_LOCATIONS = cast(Table, ProviderLocation.__table__)


def registered_cqc_locations(session: Session, *, organisation_id: str) -> frozenset[str]:
    """The CQC location ids registered to an organisation: its own, and those registered to it."""
    own = session.execute(
        select(_ORGANISATIONS.c.cqc_location_id).where(_ORGANISATIONS.c.id == organisation_id)
    ).scalar_one_or_none()
    more = session.execute(
        select(_LOCATIONS.c.cqc_location_id).where(_LOCATIONS.c.organisation_id == organisation_id)
    ).scalars()
    return frozenset({*more, *([own] if own else [])})


def _location_ref(row: ProviderLocation) -> schemas.LocationRef:
    return schemas.LocationRef(
        id=row.id,
        organisation_id=row.organisation_id,
        cqc_location_id=row.cqc_location_id,
        name=row.name,
        postcode=row.postcode,
    )


def locations_of(session: Session, *, organisation_id: str) -> list[schemas.LocationRef]:
    """The locations registered to an organisation besides its own, by name (within the caller's sight)."""
    rows = session.scalars(
        select(ProviderLocation)
        .where(ProviderLocation.organisation_id == organisation_id)
        .order_by(ProviderLocation.name, ProviderLocation.id)
    )
    return [_location_ref(row) for row in rows]


def register_location(
    session: Session, *, actor: Principal, organisation_id: str, data: schemas.LocationIn
) -> schemas.LocationRef:
    """Register a CQC location to a provider: a system administrator of the provider's care system."""
    org = get_organisation(session, actor=actor, organisation_id=organisation_id)
    if actor.role is not Role.SYSTEM_ADMINISTRATOR or actor.system_id != org.system_id:
        raise forbidden("organisation_id", "only an administrator of the provider's care system registers locations")
    if org.type not in schemas.PROVIDER_TYPES:
        raise invalid("organisation_id", "only a care provider has CQC locations", "not_a_provider")
    if org.cqc_location_id == data.cqc_location_id or cqc_location_taken(session, cqc_location_id=data.cqc_location_id):
        raise conflict("This CQC location is already registered.", "cqc_location_id")
    row = ProviderLocation(
        organisation_id=org.id,
        system_id=org.system_id,
        cqc_location_id=data.cqc_location_id,
        name=data.name,
        postcode=data.postcode,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict("This CQC location is already registered.", "cqc_location_id") from None
    record_change(
        session,
        actor=actor,
        action="provider_location.create",
        topic="organisation.location_registered",
        record_type="provider_location",
        record_id=row.id,
        organisation_id=org.id,
        system_id=org.system_id,
        detail={"cqc_location_id": row.cqc_location_id},
        payload={"cqc_location_id": row.cqc_location_id},
    )
    return _location_ref(row)
