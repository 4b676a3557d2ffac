"""Care systems, places, organisations and sites: reads, and changes audited and evented."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.errors import FieldError, ProblemError, conflict, not_found
from joinedup.core.pagination import paginate
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.models import CareSystem, Organisation, Place, ProviderLocation, Site

# Core tables: whether a CQC location is taken is asked of every organisation, not only of those
# the caller may see (the answer names no organisation).
_ORGANISATIONS = cast(Table, Organisation.__table__)
_LOCATIONS = cast(Table, ProviderLocation.__table__)


def cqc_location_taken(session: Session, *, cqc_location_id: str, except_organisation_id: str | None = None) -> bool:
    """Whether an organisation other than `except_organisation_id` holds this CQC location: as
    its own, or registered to it (see locations)."""
    held = union_all(
        select(_ORGANISATIONS.c.id).where(_ORGANISATIONS.c.cqc_location_id == cqc_location_id),
        select(_LOCATIONS.c.organisation_id).where(_LOCATIONS.c.cqc_location_id == cqc_location_id),
    )
    return any(org_id != except_organisation_id for (org_id,) in session.execute(held))


def _check_cqc_location_free(session: Session, cqc_location_id: str | None, organisation_id: str | None) -> None:
    if cqc_location_id and cqc_location_taken(
        session, cqc_location_id=cqc_location_id, except_organisation_id=organisation_id
    ):
        raise conflict("This CQC location is already registered to another organisation.", "body.cqc_location_id")


def forbid_unless_visible(actor: Principal, organisation_id: str, field: str) -> None:
    if organisation_id not in actor.visible_organisation_ids:
        raise ProblemError(
            403,
            "forbidden",
            "Forbidden",
            f"You may not act for organisation {organisation_id!r}.",
            errors=[schemas_field_error(field, "not an organisation you may act for")],
        )


def schemas_field_error(field: str, message: str) -> FieldError:
    return FieldError(field=field, message=message, code="forbidden")


def list_care_systems(session: Session, *, actor: Principal) -> Sequence[CareSystem]:
    return session.scalars(select(CareSystem).where(CareSystem.id == actor.system_id).order_by(CareSystem.name)).all()


def list_places(session: Session, *, actor: Principal) -> Sequence[Place]:
    return session.scalars(select(Place).where(Place.system_id == actor.system_id).order_by(Place.name)).all()


def list_organisations(
    session: Session,
    *,
    actor: Principal,
    type: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> tuple[Sequence[Organisation], str | None]:
    stmt = select(Organisation).options(selectinload(Organisation.sites))
    if type:
        stmt = stmt.where(Organisation.type == type)
    if q:
        stmt = stmt.where(func.lower(Organisation.name).contains(q.lower(), autoescape=True))
    return paginate(session, stmt, key=Organisation.id, cursor=cursor, limit=limit)


def get_organisation(session: Session, *, actor: Principal, organisation_id: str) -> Organisation:
    org = session.scalars(
        select(Organisation).options(selectinload(Organisation.sites)).where(Organisation.id == organisation_id)
    ).one_or_none()
    if org is None:
        raise not_found("organisation", organisation_id)
    return org


def flush_or_conflict(session: Session, what: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict(f"{what} clashes with an existing record (ODS code, CQC id or e-mail in use).") from None


def create_organisation(session: Session, *, actor: Principal, data: schemas.OrganisationIn) -> Organisation:
    if actor.system_id is None:
        raise ProblemError(403, "forbidden", "Forbidden", "You do not belong to a care system.")
    if data.place_id is not None and session.get(Place, data.place_id) is None:
        raise ProblemError(
            422,
            "validation",
            "Invalid request",
            "Unknown place.",
            errors=[schemas_field_error("body.place_id", "no such place")],
        )
    _check_cqc_location_free(session, data.cqc_location_id, None)
    org = Organisation(
        system_id=actor.system_id,
        place_id=data.place_id,
        name=data.name,
        type=data.type,
        ods_code=data.ods_code,
        cqc_location_id=data.cqc_location_id,
    )
    session.add(org)
    for site in data.sites:
        org.sites.append(Site(system_id=actor.system_id, **site.model_dump()))
    flush_or_conflict(session, "The organisation")
    record_change(
        session,
        actor=actor,
        action="organisation.create",
        topic="organisation.created",
        record_type="organisation",
        record_id=org.id,
        organisation_id=org.id,
        system_id=org.system_id,
    )
    return org


def update_organisation(
    session: Session, *, actor: Principal, organisation_id: str, data: schemas.OrganisationPatch
) -> Organisation:
    org = get_organisation(session, actor=actor, organisation_id=organisation_id)
    changes = data.model_dump(exclude_unset=True)
    _check_cqc_location_free(session, changes.get("cqc_location_id"), org.id)
    for name, value in changes.items():
        if name == "name" and value is None:
            continue
        setattr(org, name, value)
    flush_or_conflict(session, "The organisation")
    record_change(
        session,
        actor=actor,
        action="organisation.update",
        topic="organisation.updated",
        record_type="organisation",
        record_id=org.id,
        organisation_id=org.id,
        system_id=org.system_id,
        detail={"fields": sorted(changes)},
        payload={"fields": sorted(changes)},
    )
    return org


def add_site(session: Session, *, actor: Principal, organisation_id: str, data: schemas.SiteIn) -> Site:
    org = get_organisation(session, actor=actor, organisation_id=organisation_id)
    site = Site(organisation_id=org.id, system_id=org.system_id, **data.model_dump())
    session.add(site)
    flush_or_conflict(session, "The site")
    record_change(
        session,
        actor=actor,
        action="site.create",
        topic="site.created",
        record_type="site",
        record_id=site.id,
        organisation_id=org.id,
        system_id=org.system_id,
    )
    return site
