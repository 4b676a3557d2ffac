"""Discharge summaries held between discharge events, and past days' snapshot sums, per process.

A summary of thousands of waiting patients costs tens of milliseconds to add up, and pages are
drawn far more often than discharge records change. A summary is held under the exact visibility
set of the session that read it (so a caller only ever gets what a caller with the same set read),
the level's organisations, the source and the day; every `discharge.*` event relayed on the bus
drops them all before any page hears of it. Steps that emit no event (a delay recorded, a
discharge) show within `TTL_SECONDS`.

Snapshot sums of past days (the "7 and 28 days ago" columns) are history: held for
`HISTORY_TTL_SECONDS` under the same kind of key.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from joinedup.core.events import Event, EventBus

TTL_SECONDS = 30.0
HISTORY_TTL_SECONDS = 600.0
MAX_ENTRIES = 256


class SummaryCache:
    def __init__(
        self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES, topic: str | None = "discharge."
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.topic = topic
        self._held: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            held = self._held.get(key)
            if held is not None and now - held[0] < self.ttl and held[1] == self._generation:
                self._held.move_to_end(key)
                return held[2]
            generation = self._generation
        summary = compute()
        with self._lock:
            # A change relayed while computing: this result may predate it, so it is not kept.
            if generation == self._generation:
                self._held[key] = (now, generation, summary)
                while len(self._held) > self.max_entries:
                    self._held.popitem(last=False)
        return summary

    def invalidate(self, event: Event) -> None:
        if self.topic is not None and event.topic.startswith(self.topic):
            self.clear()

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._held.clear()


# One cache per event bus (per app); the bus is not hashable, so it is held by identity.
_caches: dict[tuple[int, str], tuple[weakref.ref[EventBus], SummaryCache]] = {}
_registry_lock = threading.Lock()


def _for(bus: EventBus, name: str, make: Callable[[], SummaryCache]) -> SummaryCache:
    with _registry_lock:
        held = _caches.get((id(bus), name))
        if held is not None and held[0]() is bus:
            return held[1]
        for key in [k for k, (ref, _) in _caches.items() if ref() is None]:
            del _caches[key]
        cache = make()
        _caches[(id(bus), name)] = (weakref.ref(bus), cache)
        bus.on(cache.invalidate)
        return cache


def cache_for(bus: EventBus) -> SummaryCache:
    """Discharge summaries: dropped on every discharge event."""
    return _for(bus, "discharge", SummaryCache)


def history_for(bus: EventBus) -> SummaryCache:
    """Sums of past days' snapshots: history, dropped only by age."""
    return _for(bus, "history", lambda: SummaryCache(ttl=HISTORY_TTL_SECONDS, topic=None))
