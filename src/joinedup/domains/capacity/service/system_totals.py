"""Free capacity across a system, held in memory per process for the system picture.

Reading every service's JSON state on each page would cost too much at system scale (30,000
services), so each process keeps the figures of every service in memory: filled once, and a
service is re-read when a `capacity.*` event for its organisation is relayed (events are
published to synchronous listeners before any page hears of them, so a page refreshed by an
event always reads the new figures). A time limit is the backstop for other processes' writes.
Callers filter by their own visible organisations: the cache itself is system-wide.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.core.events import Event, EventBus
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity.engine.system_totals import (
    ServiceFigures,
    Summary,
    accepting,
    free_by_care_type,
    summarise,
)
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.capacity.schemas import IdentityStatus

CACHE_SECONDS = 60.0


def read_service_figures(session: Session, *, organisation_ids: Iterable[str] | None = None) -> list[ServiceFigures]:
    """The figures of every active, verified service the session may see (of those organisations),
    uncached: a service whose identity awaits approval lifts no figure."""
    stmt = select(CapacityService, CapacityCurrent.sections, CapacityCurrent.as_of).outerjoin(
        CapacityCurrent, CapacityCurrent.service_id == CapacityService.id
    )
    stmt = stmt.where(
        CapacityService.active.is_(True), CapacityService.identity_status == IdentityStatus.VERIFIED.value
    )
    if organisation_ids is not None:
        stmt = stmt.where(CapacityService.organisation_id.in_(list(organisation_ids)))
    out = []
    for svc, held_sections, as_of in session.execute(stmt):
        held = held_sections or {}
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
                accepting=accepting(held),
                free=free_by_care_type(held),
            )
        )
    return out


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
            session.info["scope"] = Scope.system("capacity system totals")
            return read_service_figures(session, organisation_ids=organisation_ids)

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
            threading.Thread(target=self._reload_in_background, daemon=True, name="capacity-totals").start()
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


def figure_cache(*, engine: Engine, session_factory: sessionmaker[Session], bus: EventBus | None) -> FigureCache:
    """The process's cache for this database, listening to `bus` for capacity changes."""
    with _registry_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = FigureCache(session_factory)
            _caches[engine] = cache
            if bus is not None:
                bus.on(cache.invalidate)
        return cache


def service_figures(
    *, engine: Engine, session_factory: sessionmaker[Session], bus: EventBus | None
) -> list[ServiceFigures]:
    """Every active service's figures, system-wide (callers keep only what their caller may see)."""
    return figure_cache(engine=engine, session_factory=session_factory, bus=bus).services()


def capacity_summaries(
    *, engine: Engine, session_factory: sessionmaker[Session], bus: EventBus | None
) -> list[Summary]:
    """Services added up per organisation and place, system-wide (cached between changes)."""
    return figure_cache(engine=engine, session_factory=session_factory, bus=bus).summaries()
