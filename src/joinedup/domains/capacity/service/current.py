"""The current state of a service: its search columns, how it is written, and how it is shown
(every section with its age, and whether it is accepting now)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, insert
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from joinedup.config import Settings
from joinedup.domains.capacity import schemas
from joinedup.domains.capacity.engine import admission, freshness, merge, sections
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.geo import lookup

_CURRENT = cast(Table, CapacityCurrent.__table__)


class Located(Protocol):
    """What the search columns need of a service (an ORM row or a plain row)."""

    @property
    def kind(self) -> str: ...
    @property
    def postcode(self) -> str | None: ...
    @property
    def postcode_district(self) -> str | None: ...


def home_areas(service: Located) -> tuple[str | None, str | None]:
    """The service's postcode district and, where the postcode extract knows it, its LSOA."""
    point = lookup.locate(service.postcode) if service.postcode else None
    return service.postcode_district, point.lsoa_code if point else None


def search_columns(held: dict[str, Any], service: Located, fallback_as_of: datetime) -> dict[str, Any]:
    """The columns searches filter on, derived from the sections held and where the service is."""
    tags = sections.search_tags(service.kind, held, *home_areas(service))
    return {
        "offered_types": tags.offered_types,
        "accepting_types": tags.accepting_types,
        "skills": tags.skills,
        "funding": tags.funding,
        "areas": tags.areas[:4000],
        "vacant_accepting": tags.vacant_accepting,
        "status": sections.status_of(held),
        "as_of": merge.newest_as_of(held) or fallback_as_of,
    }


def retag(session: Session, service: CapacityService) -> None:
    """Search columns again after the service itself changed (its kind or where it is)."""
    current = session.get(CapacityCurrent, service.id)
    if current is None:
        return
    for name, value in search_columns(current.sections, service, current.as_of).items():
        if getattr(current, name) != value:  # unchanged columns stay out of the UPDATE
            setattr(current, name, value)


# One UPDATE statement for every batch, executed once per row set (executemany).
_CURRENT_UPDATE = (
    sql_update(_CURRENT)
    .where(_CURRENT.c.service_id == bindparam("current_service_id"))
    .values(
        {
            name: bindparam(name)
            for name in (
                "sections",
                "offered_types",
                "accepting_types",
                "skills",
                "funding",
                "areas",
                "vacant_accepting",
                "status",
                "as_of",
            )
        }
    )
)


class Owned(Located, Protocol):
    @property
    def organisation_id(self) -> str: ...
    @property
    def system_id(self) -> str: ...


def write_currents(
    session: Session,
    services: dict[str, Owned],
    states: dict[str, dict[str, Any]],
    held: set[str],
    now: datetime,
) -> None:
    """Write the new state of each service in `states`: one executemany UPDATE for those that
    had a state (`held`) and one INSERT for those that had none. Core statements, because the
    ORM's unit of work costs more than the write for a batch's 50 rows; any copy of these rows
    already loaded into the session is expired so that it is read again."""
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for service_id, new in states.items():
        service = services[service_id]
        row = {"sections": new, **search_columns(new, service, now)}
        if service_id in held:
            updates.append({"current_service_id": service_id, **row})
        else:
            inserts.append(
                {
                    "service_id": service_id,
                    "organisation_id": service.organisation_id,
                    "system_id": service.system_id,
                    **row,
                }
            )
    if updates:
        session.connection().execute(_CURRENT_UPDATE, updates)
    if inserts:
        session.connection().execute(insert(_CURRENT), inserts)
    for service_id in states:
        stale = session.identity_map.get(identity_key(CapacityCurrent, (service_id,)))
        if stale is not None:
            session.expire(stale)


def held_sections(session: Session, service_id: str) -> dict[str, Any]:
    current = session.get(CapacityCurrent, service_id)
    return current.sections if current is not None else {}


def capacity_out(
    service: CapacityService,
    held: dict[str, Any],
    *,
    settings: Settings,
    at: datetime,
    distance_km: float | None = None,
) -> schemas.CapacityOut:
    limit = freshness.stale_after(service.kind, settings.capacity_stale_hours)
    out_sections = {}
    for name, s in held.items():
        as_of = datetime.fromisoformat(s["as_of"])
        out_sections[name] = schemas.SectionOut(
            value=s["value"],
            as_of=as_of,
            source_system=s["source_system"],
            update_id=s["update_id"],
            age_seconds=freshness.age_seconds(as_of, at),
            stale=freshness.is_stale(as_of, at, limit),
        )
    newest = merge.newest_as_of(held)
    status_value = (held.get("status") or {}).get("value") or {}
    status = status_value.get("status")
    rules_value = (held.get("admission_rules") or {}).get("value")
    accepting_now = bool(
        status == schemas.OverallStatus.ACCEPTING.value
        and sections.accepting_types(held)
        and admission.admits_at(rules_value, at)
    )
    return schemas.CapacityOut(
        service=schemas.ServiceOut.model_validate(service),
        at=at,
        as_of=newest,
        age_seconds=freshness.age_seconds(newest, at) if newest else None,
        stale=freshness.is_stale(newest, at, limit),
        stale_after_seconds=int(limit.total_seconds()),
        status=status,
        note=status_value.get("note"),
        accepting_now=accepting_now,
        distance_km=round(distance_km, 3) if distance_km is not None else None,
        sections=out_sections,
    )
