"""Free capacity by type of care, per service, read from the capacity package's current state.

Reading every service's JSON state on each page would cost too much at system scale (30,000
services), so each process keeps the figures of every service in memory: filled once, and a
service is re-read when a `capacity.updated` event for its organisation is relayed (events are
published to synchronous listeners before any page hears of them, so a page refreshed by an
event always reads the new figures). A time limit is the backstop for other processes' writes.
Callers filter by their own visible organisations: the cache itself is system-wide.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core.clock import utcnow
from joinedup.core.events import Event, EventBus
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import rules
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.visibility.models import CapacitySnapshot

# Types of care shown, each with its unit and discharge pathway.
CARE_TYPES: dict[str, tuple[str, str, str]] = {
    "homecare": ("Homecare", "hours a week", "Pathway 1"),
    "reablement": ("Reablement at home", "places", "Pathway 1"),
    "bedded_rehab": ("Bedded rehabilitation", "places or beds", "Pathway 2"),
    "residential": ("Residential care", "beds", "Pathway 3"),
    "nursing": ("Nursing care", "beds", "Pathway 3"),
}
BED_CARE_TYPE = {
    "residential": "residential",
    "dementia_residential": "residential",
    "respite": "residential",
    "nursing": "nursing",
    "dementia_nursing": "nursing",
    "bariatric": "nursing",
    "discharge_to_assess": "bedded_rehab",
}
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class ServiceFigures:
    service_id: str
    organisation_id: str
    system_id: str
    place_id: str | None
    name: str
    kind: str
    latitude: float | None
    longitude: float | None
    synthetic: bool
    as_of: datetime | None
    accepting: bool
    free: Mapping[str, float]

    def stale(self, now: datetime, thresholds: Mapping[str, float]) -> bool:
        return rules.is_stale(self.as_of, now, rules.stale_after(self.kind, thresholds))


def free_by_care_type(sections: Mapping[str, Any]) -> dict[str, float]:
    """Free capacity now, by type of care: accepting beds, spare homecare hours, reablement places."""
    free = dict.fromkeys(CARE_TYPES, 0.0)
    for bed in (sections.get("beds") or {}).get("value") or []:
        care_type = BED_CARE_TYPE.get(bed["bed_type"])
        if care_type:
            free[care_type] += bed["accepting_admissions"]
    for slot in (sections.get("homecare") or {}).get("value") or []:
        free["homecare"] += slot["spare_hours_per_week"]
    for item in (sections.get("reablement") or {}).get("value") or []:
        free["reablement" if item["pathway"] == 1 else "bedded_rehab"] += item.get("places") or 0
    return free


def _accepting(sections: Mapping[str, Any]) -> bool:
    status = ((sections.get("status") or {}).get("value") or {}).get("status")
    return status in (None, "accepting")


class FigureCache:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._services: dict[str, ServiceFigures] = {}
        self._dirty: set[str] = set()
        self._loaded_at = 0.0

    def invalidate(self, event: Event) -> None:
        if event.topic.startswith("capacity.") and event.organisation_id:
            with self._lock:
                self._dirty.add(event.organisation_id)

    def _read(self, organisation_ids: Iterable[str] | None) -> list[ServiceFigures]:
        with self._factory() as session:
            session.info["scope"] = Scope.system("visibility figures")
            return read_services(session, organisation_ids)

    def services(self) -> list[ServiceFigures]:
        with self._lock:
            expired = time.monotonic() - self._loaded_at > CACHE_SECONDS
            dirty, self._dirty = set(self._dirty), set()
        if expired:
            fresh = {s.service_id: s for s in self._read(None)}
            with self._lock:
                self._services, self._loaded_at = fresh, time.monotonic()
        elif dirty:
            updated = self._read(dirty)
            with self._lock:
                self._services = {k: v for k, v in self._services.items() if v.organisation_id not in dirty}
                self._services.update({s.service_id: s for s in updated})
        with self._lock:
            return list(self._services.values())


_caches: weakref.WeakKeyDictionary[Engine, FigureCache] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def cache_for(engine: Engine, factory: sessionmaker[Session], bus: EventBus | None) -> FigureCache:
    with _registry_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = FigureCache(factory)
            _caches[engine] = cache
            if bus is not None:
                bus.on(cache.invalidate)
        return cache


def read_services(session: Session, organisation_ids: Iterable[str] | None) -> list[ServiceFigures]:
    stmt = select(CapacityService, CapacityCurrent.sections, CapacityCurrent.as_of).outerjoin(
        CapacityCurrent, CapacityCurrent.service_id == CapacityService.id
    )
    stmt = stmt.where(CapacityService.active.is_(True))
    if organisation_ids is not None:
        stmt = stmt.where(CapacityService.organisation_id.in_(list(organisation_ids)))
    out = []
    for svc, sections, as_of in session.execute(stmt):
        held = sections or {}
        out.append(
            ServiceFigures(
                service_id=svc.id,
                organisation_id=svc.organisation_id,
                system_id=svc.system_id,
                place_id=svc.place_id,
                name=svc.name,
                kind=svc.kind,
                latitude=svc.latitude,
                longitude=svc.longitude,
                synthetic=svc.synthetic,
                as_of=as_of,
                accepting=_accepting(held),
                free=free_by_care_type(held),
            )
        )
    return out


def totals(services: Iterable[ServiceFigures]) -> dict[str, float]:
    out = dict.fromkeys(CARE_TYPES, 0.0)
    for s in services:
        if not s.accepting:
            continue
        for care_type, value in s.free.items():
            out[care_type] += value
    return out


def snapshot_rows(services: Iterable[ServiceFigures], day: date) -> list[dict[str, Any]]:
    by_org: dict[str, tuple[ServiceFigures, dict[str, float], int]] = {}
    for s in services:
        first, sums, count = by_org.get(s.organisation_id, (s, dict.fromkeys(CARE_TYPES, 0.0), 0))
        if s.accepting:
            for k, v in s.free.items():
                sums[k] += v
        by_org[s.organisation_id] = (first, sums, count + 1)
    return [
        {
            "organisation_id": org_id,
            "system_id": first.system_id,
            "place_id": first.place_id,
            "day": day,
            "care_type": care_type,
            "free": value,
            "services": count,
        }
        for org_id, (first, sums, count) in by_org.items()
        for care_type, value in sums.items()
    ]


def snapshot_today(session: Session, *, settings: Settings, day: date | None = None) -> int:
    """Replace the day's snapshot with the current figures of every service (system scope)."""
    day = day or utcnow().date()
    rows = snapshot_rows(read_services(session, None), day)
    session.execute(delete(CapacitySnapshot).where(CapacitySnapshot.day == day))
    if rows:
        session.execute(insert(CapacitySnapshot), rows)
    return len(rows)
