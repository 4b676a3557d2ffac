"""Free capacity by type of care, per service, read from the capacity package's current state.

Reading every service's JSON state on each page would cost too much at system scale (30,000
services), so each process keeps the figures of every service in memory: filled once, and a
service is re-read when a `capacity.updated` event for its organisation is relayed (events are
published to synchronous listeners before any page hears of them, so a page refreshed by an
event always reads the new figures). A time limit is the backstop for other processes' writes.
Callers filter by their own visible organisations: the cache itself is system-wide.
"""

from __future__ import annotations

import bisect
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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


ALL = "all"
KIND_TYPES = {"homecare": ("homecare",), "reablement": ("reablement", "bedded_rehab")}


@dataclass
class Summary:
    """One organisation's services in one place, added up: what every level's tables need, so a
    system of 30,000 services is drawn from a few thousand of these."""

    organisation_id: str
    system_id: str
    place_id: str | None
    services: int = 0
    free: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CARE_TYPES, 0.0))
    # care type (or ALL) -> service kind -> sorted as_of of the services offering it
    stamps: dict[str, dict[str, list[datetime]]] = field(default_factory=dict)
    never: dict[str, int] = field(default_factory=dict)  # care type (or ALL) -> services never reported
    offered: dict[str, int] = field(default_factory=dict)  # care type (or ALL) -> services offering it
    _stale: dict[tuple[Any, ...], int] = field(default_factory=dict, repr=False, compare=False)
    newest: datetime | None = None
    oldest: datetime | None = None

    def offering(self, care_type: str) -> int:
        return self.offered.get(care_type, 0)

    def stale(self, care_type: str, now: datetime, limits: Mapping[str, timedelta]) -> int:
        # Counted once a minute per summary: pages are drawn many times between changes.
        return self.stale_at(care_type, now.replace(second=0, microsecond=0), limits, tuple(sorted(limits.items())))

    def stale_at(
        self, care_type: str, minute: datetime, limits: Mapping[str, timedelta], limits_key: tuple[Any, ...]
    ) -> int:
        """`stale` with the minute and the limits' key worked out once by the caller (a system page
        asks thousands of summaries for six care types each)."""
        key = (care_type, minute, limits_key)
        held = self._stale.get(key)
        if held is None:
            if len(self._stale) > 64:
                self._stale.clear()
            held = self._stale[key] = self._count_stale(care_type, minute, limits)
        return held

    def _count_stale(self, care_type: str, now: datetime, limits: Mapping[str, timedelta]) -> int:
        count = self.never.get(care_type, 0)
        for kind, stamps in self.stamps.get(care_type, {}).items():
            cutoff = now - limits.get(kind, limits["care_home"])
            count += bisect.bisect_left(stamps, cutoff)  # as_of before the cutoff: out of date
        return count


def summarise(services: Iterable[ServiceFigures]) -> list[Summary]:
    out: dict[tuple[str, str | None], Summary] = {}
    for s in services:
        key = (s.organisation_id, s.place_id)
        summary = out.get(key)
        if summary is None:
            summary = out[key] = Summary(s.organisation_id, s.system_id, s.place_id)
        summary.services += 1
        if s.accepting:
            for k, v in s.free.items():
                summary.free[k] += v
        types = [t for t in CARE_TYPES if s.free.get(t, 0) > 0 or t in KIND_TYPES.get(s.kind, ())]
        for care_type in (ALL, *types):
            summary.offered[care_type] = summary.offered.get(care_type, 0) + 1
            if s.as_of is None:
                summary.never[care_type] = summary.never.get(care_type, 0) + 1
            else:
                summary.stamps.setdefault(care_type, {}).setdefault(s.kind, []).append(s.as_of)
        if s.as_of is not None:
            summary.newest = s.as_of if summary.newest is None or s.as_of > summary.newest else summary.newest
            summary.oldest = s.as_of if summary.oldest is None or s.as_of < summary.oldest else summary.oldest
    for summary in out.values():
        for by_kind in summary.stamps.values():
            for stamps in by_kind.values():
                stamps.sort()
    return list(out.values())


class FigureCache:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._services: dict[str, ServiceFigures] = {}
        self._dirty: set[str] = set()
        self._loaded_at = 0.0
        self._version = 0
        self._refreshing = False
        self._touched: set[str] = set()
        self._summaries: tuple[int, list[Summary]] = (-1, [])

    def invalidate(self, event: Event) -> None:
        if event.topic.startswith("capacity.") and event.organisation_id:
            with self._lock:
                self._dirty.add(event.organisation_id)
                self._touched.add(event.organisation_id)

    def _read(self, organisation_ids: Iterable[str] | None) -> list[ServiceFigures]:
        with self._factory() as session:
            session.info["scope"] = Scope.system("visibility figures")
            return read_services(session, organisation_ids)

    def _reload(self) -> None:
        with self._lock:
            self._touched = set()
        fresh = {s.service_id: s for s in self._read(None)}
        with self._lock:
            self._services, self._loaded_at = fresh, time.monotonic()
            self._version += 1
            self._refreshing = False
            # Changes relayed while the re-read ran may be missing from it: read them again.
            self._dirty |= self._touched

    def _reload_in_background(self) -> None:
        try:
            self._reload()
        finally:
            self._refreshing = False

    def services(self) -> list[ServiceFigures]:
        with self._lock:
            empty = self._loaded_at == 0.0
            expired = not empty and time.monotonic() - self._loaded_at > CACHE_SECONDS and not self._refreshing
            if expired:
                self._refreshing = True
            dirty, self._dirty = set(self._dirty), set()
        if empty:
            self._reload()
        elif expired:
            # Pages keep answering from the figures held while a full re-read (the backstop for
            # writes relayed by other processes) runs beside them.
            threading.Thread(target=self._reload_in_background, daemon=True, name="visibility-figures").start()
        if dirty and not empty:
            updated = self._read(dirty)
            with self._lock:
                self._services = {k: v for k, v in self._services.items() if v.organisation_id not in dirty}
                self._services.update({s.service_id: s for s in updated})
                self._version += 1
        with self._lock:
            return list(self._services.values())

    def summaries(self) -> list[Summary]:
        services = self.services()
        with self._lock:
            version, held = self._summaries
            current = self._version
        if version == current:
            return held
        fresh = summarise(services)
        with self._lock:
            self._summaries = (current, fresh)
        return fresh


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


def totals(summaries: Iterable[Summary]) -> dict[str, float]:
    out = dict.fromkeys(CARE_TYPES, 0.0)
    for s in summaries:
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
