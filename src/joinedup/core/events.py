"""In-process event bus: the outbox relay publishes here; SSE streams and other subscribers
listen. Subscribers get their own bounded queue so a slow page cannot stall the relay."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from joinedup.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Event:
    id: int
    topic: str
    organisation_id: str | None
    system_id: str | None
    record_id: str | None
    payload: dict[str, Any]
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "organisation_id": self.organisation_id,
            "system_id": self.system_id,
            "record_id": self.record_id,
            "payload": self.payload,
            "created_at": self.created_at.isoformat(),
        }


@dataclass
class Subscription:
    accepts: Callable[[Event], bool]
    queue: asyncio.Queue[Event]
    loop: asyncio.AbstractEventLoop
    dropped: int = 0


@dataclass
class EventBus:
    max_queue: int = 1000
    _callbacks: list[Callable[[Event], None]] = field(default_factory=list)
    _subscriptions: list[Subscription] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, callback: Callable[[Event], None]) -> None:
        """Synchronous subscriber, called in the relay's thread."""
        self._callbacks.append(callback)

    def subscribe(self, accepts: Callable[[Event], bool]) -> Subscription:
        sub = Subscription(accepts=accepts, queue=asyncio.Queue(self.max_queue), loop=asyncio.get_running_loop())
        with self._lock:
            self._subscriptions.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscriptions:
                self._subscriptions.remove(sub)

    def publish(self, event: Event) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception as exc:  # a broken subscriber must not stop the relay
                log.error("event_callback_failed", topic=event.topic, error_type=type(exc).__name__)
        with self._lock:
            subs = list(self._subscriptions)
        for sub in subs:
            if sub.accepts(event):
                try:
                    sub.loop.call_soon_threadsafe(self._offer, sub, event)
                except RuntimeError:  # the listener's event loop has closed: drop it
                    self.unsubscribe(sub)

    @staticmethod
    def _offer(sub: Subscription, event: Event) -> None:
        try:
            sub.queue.put_nowait(event)
        except asyncio.QueueFull:
            sub.dropped += 1

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)
