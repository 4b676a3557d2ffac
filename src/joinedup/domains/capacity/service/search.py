"""Finding capacity: by care type, place (a postcode or a point and a radius, or an area),
skill, funding, accepting now and freshness; nearest first when a place is given.

Filters run in SQL on the tag columns kept beside the current state (written from the one
reading of the sections, engine.sections); only the distance and the admission hours are
checked here, on what SQL found."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import invalid
from joinedup.core.pagination import Page, decode_cursor, encode_cursor
from joinedup.domains.capacity import schemas
from joinedup.domains.capacity.engine import admission
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.capacity.service.current import capacity_out
from joinedup.domains.capacity.service.identity import seen_by
from joinedup.geo.distance import bounding_box, haversine_km
from joinedup.geo.lookup import resolve_postcode


@dataclass(frozen=True)
class SearchQuery:
    care_type: schemas.CareType | None = None
    postcode: str | None = None  # the centre of a radius search (or latitude and longitude)
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = 10.0
    area: str | None = None  # a postcode district or LSOA code
    skill: schemas.Skill | None = None
    funding: schemas.Funding | None = None
    accepting: bool | None = None
    fresh: bool | None = None


_SearchSelect = Select[CapacityService, CapacityCurrent]


def _placed(query: SearchQuery) -> SearchQuery:
    """The query with its postcode resolved to a point (a 422 naming query.postcode if unknown)."""
    area = query.area.upper() if query.area else None
    if query.postcode is not None:
        point = resolve_postcode(query.postcode, field="query.postcode")
        return replace(query, postcode=None, latitude=point.latitude, longitude=point.longitude, area=area)
    if (query.latitude is None) != (query.longitude is None):
        raise invalid("query.longitude", "send latitude and longitude together", "rule")
    return replace(query, area=area)


def _tag(column: Any, value: str) -> Any:
    return column.contains(f",{value},", autoescape=True)


def _search_stmt(query: SearchQuery, settings: Settings, now: datetime, actor: Principal) -> _SearchSelect:
    stmt = (
        select(CapacityService, CapacityCurrent)
        .outerjoin(CapacityCurrent, CapacityCurrent.service_id == CapacityService.id)
        .where(CapacityService.active.is_(True), seen_by(actor))
    )
    if query.care_type is not None:
        column = CapacityCurrent.accepting_types if query.accepting else CapacityCurrent.offered_types
        stmt = stmt.where(_tag(column, query.care_type.value))
    if query.accepting:
        stmt = stmt.where(
            CapacityCurrent.status == schemas.OverallStatus.ACCEPTING.value, CapacityCurrent.accepting_types != ","
        )
    elif query.accepting is False:
        stmt = stmt.where(
            or_(CapacityCurrent.status.is_(None), CapacityCurrent.status != schemas.OverallStatus.ACCEPTING.value)
        )
    if query.skill is not None:
        stmt = stmt.where(_tag(CapacityCurrent.skills, query.skill.value))
    if query.funding is not None:
        stmt = stmt.where(_tag(CapacityCurrent.funding, query.funding.value))
    if query.area is not None:
        stmt = stmt.where(_tag(CapacityCurrent.areas, query.area))
    if query.fresh is not None:
        fresh = or_(
            *(
                and_(CapacityService.kind == kind, CapacityCurrent.as_of >= now - timedelta(hours=hours))
                for kind, hours in settings.capacity_stale_hours.items()
            )
        )
        stmt = stmt.where(fresh if query.fresh else or_(CapacityCurrent.as_of.is_(None), ~fresh))
    if query.latitude is not None and query.longitude is not None:
        lat0, lat1, lon0, lon1 = bounding_box(query.latitude, query.longitude, query.radius_km)
        stmt = stmt.where(CapacityService.latitude.between(lat0, lat1), CapacityService.longitude.between(lon0, lon1))
    return stmt


def _admits_now(current: CapacityCurrent | None, now: datetime) -> bool:
    if current is None:
        return False
    rules_value = (current.sections.get("admission_rules") or {}).get("value")
    return admission.admits_at(rules_value, now)


def search(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    query: SearchQuery,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[schemas.CapacityOut]:
    """Services the caller may see that match; nearest first when a place is given."""
    now = utcnow()
    query = _placed(query)
    stmt = _search_stmt(query, settings, now, actor)
    found: list[tuple[CapacityService, CapacityCurrent | None, float | None]] = []
    next_cursor = None
    if query.latitude is not None and query.longitude is not None:
        after: tuple[float, str] | None = None
        if cursor:
            raw = decode_cursor(cursor)
            try:
                d, _, sid = raw.partition("|")
                after = (float(d), sid)
            except ValueError:
                raise invalid("query.cursor", "The cursor is not one this service issued.") from None
        candidates = []
        for service, current in session.execute(stmt):
            if service.latitude is None or service.longitude is None:
                continue
            distance = haversine_km(query.latitude, query.longitude, service.latitude, service.longitude)
            if distance > query.radius_km or (query.accepting and not _admits_now(current, now)):
                continue
            key = (round(distance, 6), service.id)
            if after is not None and key <= after:
                continue
            candidates.append((key, service, current, distance))
        candidates.sort(key=lambda c: c[0])
        for _key, service, current, distance in candidates[: limit + 1]:
            found.append((service, current, distance))
        if len(found) > limit:
            found = found[:limit]
            last = candidates[limit - 1][0]
            next_cursor = encode_cursor(f"{last[0]:.6f}|{last[1]}")
    else:
        last_id = decode_cursor(cursor) if cursor else ""
        for service, current in _pages(session, stmt, last_id):
            if query.accepting and not _admits_now(current, now):
                continue
            found.append((service, current, None))
            if len(found) > limit:
                break
        if len(found) > limit:
            found = found[:limit]
            next_cursor = encode_cursor(found[-1][0].id)
    items = [
        capacity_out(service, current.sections if current else {}, settings=settings, at=now, distance_km=distance)
        for service, current, distance in found
    ]
    return Page(items=items, next_cursor=next_cursor)


def _pages(session: Session, stmt: _SearchSelect, last_id: str) -> Iterator[tuple[CapacityService, Any]]:
    while True:
        rows = session.execute(stmt.where(CapacityService.id > last_id).order_by(CapacityService.id).limit(500)).all()
        if not rows:
            return
        yield from ((service, current) for service, current in rows)
        last_id = rows[-1][0].id
