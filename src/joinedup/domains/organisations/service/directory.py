"""What other domains may know of organisations, sites and places: plain records, read in the
caller's session (and so within its tenancy scope: what the caller may not see is absent)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Executable, select
from sqlalchemy.orm import Session

from joinedup.core.permissions import Role
from joinedup.domains.organisations import visible_sets
from joinedup.domains.organisations.models import Organisation, Place, Site
from joinedup.domains.organisations.schemas import OrganisationRef, OrganisationType, PlaceRef, SiteRef

# Plain columns, not ORM objects: an ICB-wide list is thousands of rows, read on every page.
# In the order of OrganisationRef's fields.
_ORG_COLUMNS = (
    Organisation.id,
    Organisation.system_id,
    Organisation.place_id,
    Organisation.name,
    Organisation.type,
    Organisation.ods_code,
    Organisation.cqc_location_id,
    Organisation.cqc_provider_name,
    Organisation.active,
    Organisation.synthetic,
)


def _org_refs(session: Session, stmt: Executable) -> list[OrganisationRef]:
    return [OrganisationRef(*row) for row in session.execute(stmt)]


def _site_ref(row: Site) -> SiteRef:
    return SiteRef(
        id=row.id,
        organisation_id=row.organisation_id,
        system_id=row.system_id,
        name=row.name,
        ods_code=row.ods_code,
        postcode=row.postcode,
        latitude=row.latitude,
        longitude=row.longitude,
    )


def _place_ref(row: Place) -> PlaceRef:
    return PlaceRef(id=row.id, system_id=row.system_id, name=row.name, gss_code=row.gss_code)


def organisation(session: Session, *, organisation_id: str) -> OrganisationRef | None:
    found = _org_refs(session, select(*_ORG_COLUMNS).where(Organisation.id == organisation_id))
    return found[0] if found else None


def organisation_by_ods(
    session: Session, *, ods_code: str, type: OrganisationType | None = None
) -> OrganisationRef | None:
    stmt = select(*_ORG_COLUMNS).where(Organisation.ods_code == ods_code.strip().upper())
    if type is not None:
        stmt = stmt.where(Organisation.type == type)
    found = _org_refs(session, stmt.limit(1))
    return found[0] if found else None


def organisations_by_id(session: Session, *, ids: Iterable[str]) -> dict[str, OrganisationRef]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {ref.id: ref for ref in _org_refs(session, select(*_ORG_COLUMNS).where(Organisation.id.in_(wanted)))}


def organisation_names(session: Session, *, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))).all()
    return {org_id: name for org_id, name in rows}


def find_organisations(
    session: Session,
    *,
    system_id: str | None = None,
    types: Iterable[OrganisationType] | None = None,
    active_only: bool = False,
) -> list[OrganisationRef]:
    """Organisations by name (then id), optionally of one care system, of some types, active."""
    stmt = select(*_ORG_COLUMNS)
    if system_id is not None:
        stmt = stmt.where(Organisation.system_id == system_id)
    if types is not None:
        stmt = stmt.where(Organisation.type.in_(list(types)))
    if active_only:
        stmt = stmt.where(Organisation.active.is_(True))
    return _org_refs(session, stmt.order_by(Organisation.name, Organisation.id))


def sites_of(session: Session, *, organisation_ids: Iterable[str]) -> list[SiteRef]:
    wanted = sorted(set(organisation_ids))
    if not wanted:
        return []
    rows = session.scalars(
        select(Site).where(Site.organisation_id.in_(wanted)).order_by(Site.organisation_id, Site.name, Site.id)
    ).all()
    return [_site_ref(row) for row in rows]


def place(session: Session, *, place_id: str) -> PlaceRef | None:
    row = session.get(Place, place_id)
    return _place_ref(row) if row is not None else None


def places_in_system(session: Session, *, system_id: str) -> list[PlaceRef]:
    rows = session.scalars(select(Place).where(Place.system_id == system_id).order_by(Place.name, Place.id)).all()
    return [_place_ref(row) for row in rows]


def visible_organisation_ids(session: Session, *, role: Role, organisation_id: str | None) -> frozenset[str]:
    """The tenancy set of `role` acting for `organisation_id` (see visible_sets)."""
    return visible_sets.visible_organisation_ids(session, role=role, organisation_id=organisation_id)
