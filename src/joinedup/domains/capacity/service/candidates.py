"""The door discharge matching uses: services that may take someone needing a care type, and
the free units a service reports now.

Only the search columns kept beside the current state (tags, status, as_of) are read for every
candidate; the JSON section counted and the admission rules are read only where the care type
is accepting, and are read through engine.sections like every other reading of the state."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import JSON, case, or_, select, type_coerce
from sqlalchemy.orm import Session

from joinedup.domains.capacity import schemas
from joinedup.domains.capacity.engine import admission, sections
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.capacity.schemas import IdentityStatus
from joinedup.geo.distance import bounding_box


def _tagset(tags: str) -> frozenset[str]:
    return frozenset(t for t in tags.split(",") if t)


def _where_accepting(tag: str, column: Any) -> Any:
    return type_coerce(case((CapacityCurrent.accepting_types.contains(tag, autoescape=True), column)), JSON)


def candidate_services(
    session: Session,
    *,
    system_id: str,
    care_type: schemas.CareType | str,
    kinds: Collection[str],
    near: Sequence[tuple[float, float]] = (),
    radius_km: float | None = None,
    areas: Collection[str] = (),
) -> schemas.Candidates:
    """Active, verified services of the system, of those kinds, that have reported capacity, with what
    matching checks. `near` and `radius_km`: only services inside the box around every point
    (the exact distance is the caller's). `areas`: only services whose areas (where they are,
    or what their homecare slots cover) hold one of them."""
    care_type = str(care_type)
    section_name = sections.section_for(care_type)
    tag = f",{care_type},"
    # Each tenant table is queried on its own: joined, PostgreSQL plans the tenancy filter of the
    # joined tables as a per-row scan of the visible set; alone, as one hash join.
    stmt = select(
        CapacityService.id,
        CapacityService.name,
        CapacityService.organisation_id,
        CapacityService.system_id,
        CapacityService.kind,
        CapacityService.latitude,
        CapacityService.longitude,
    ).where(
        CapacityService.active.is_(True),
        CapacityService.identity_status == IdentityStatus.VERIFIED.value,  # never offer an unverified service
        CapacityService.system_id == system_id,
        CapacityService.kind.in_(sorted(kinds)),
    )
    if near and radius_km is not None:
        # Index prefilter: the box around every point that any match must fall inside.
        boxes = [bounding_box(lat, lon, radius_km) for lat, lon in near]
        stmt = stmt.where(
            CapacityService.latitude.between(min(b[0] for b in boxes), max(b[1] for b in boxes)),
            CapacityService.longitude.between(min(b[2] for b in boxes), max(b[3] for b in boxes)),
        )
    current = select(
        CapacityCurrent.service_id,
        CapacityCurrent.as_of,
        CapacityCurrent.status,
        CapacityCurrent.offered_types,
        CapacityCurrent.accepting_types,
        CapacityCurrent.skills,
        CapacityCurrent.funding,
        CapacityCurrent.areas,
        # Only where the care type is open: the one section counted, and the admission rules.
        _where_accepting(tag, CapacityCurrent.sections[section_name]).label("section"),
        _where_accepting(tag, CapacityCurrent.sections["admission_rules"]).label("admission_rules"),
    )
    if areas:
        # Services at home serve only the areas they name: find those first, then their services.
        currents = session.execute(
            current.where(
                CapacityCurrent.system_id == system_id,
                or_(*(CapacityCurrent.areas.contains(f",{a},", autoescape=True) for a in sorted(areas))),
            )
        ).all()
        services = (
            {r.id: r for r in session.execute(stmt.where(CapacityService.id.in_([c.service_id for c in currents])))}
            if currents
            else {}
        )
    else:
        services = {r.id: r for r in session.execute(stmt)}
        currents = (
            session.execute(current.where(CapacityCurrent.service_id.in_(list(services)))).all() if services else []
        )
    found: list[schemas.ServiceCapacity] = []
    not_offering = 0
    for c in currents:
        s = services.get(c.service_id)
        if s is None:
            continue
        if tag not in c.offered_types:
            not_offering += 1
            continue
        held = {
            name: value
            for name, value in ((section_name, c.section), ("admission_rules", c.admission_rules))
            if value is not None
        }
        accepting = c.status in (None, schemas.OverallStatus.ACCEPTING.value) and tag in c.accepting_types
        found.append(
            schemas.ServiceCapacity(
                service_id=s.id,
                name=s.name,
                organisation_id=s.organisation_id,
                system_id=s.system_id,
                kind=s.kind,
                latitude=s.latitude,
                longitude=s.longitude,
                as_of=c.as_of,
                status=c.status,
                care_type=care_type,
                accepting=accepting,
                skills=_tagset(c.skills),
                funding=_tagset(c.funding),
                areas=_tagset(c.areas),
                free=sections.free_units(held, care_type) if accepting else None,
                admission_days=admission.admission_days(held),
                earliest_start=sections.earliest_start(held) if section_name == "homecare" else None,
            )
        )
    return schemas.Candidates(services=found, not_offering=not_offering)


def free_units(session: Session, *, service_id: str, care_type: schemas.CareType | str) -> schemas.FreeUnits | None:
    """The free units of a care type a service reports now, read afresh from the database
    (not a copy the session holds); None if the service never reported that section."""
    held = session.execute(
        select(CapacityCurrent.sections).where(CapacityCurrent.service_id == service_id)
    ).scalar_one_or_none()
    return sections.free_units(held or {}, str(care_type))
