"""Held discharge summaries: dropped by every discharge event before pages hear of it, kept
across capacity events, never kept when a change arrived while they were being computed."""

from __future__ import annotations

from datetime import UTC, datetime

from joinedup.core.events import Event, EventBus
from joinedup.domains.discharge.schemas import DischargeSummary
from joinedup.domains.visibility.service import held_figures as discharge_cache


def _event(topic: str) -> Event:
    return Event(1, topic, "org", "sys", "rec", {}, datetime.now(UTC))


def test_discharge_events_drop_held_summaries_capacity_events_do_not() -> None:
    bus = EventBus()
    cache = discharge_cache.cache_for(bus)
    assert discharge_cache.cache_for(bus) is cache
    calls: list[int] = []

    def compute() -> DischargeSummary:
        calls.append(1)
        return DischargeSummary(source=f"read {len(calls)}", as_of=None)

    key = ("k", frozenset({"a"}))
    assert cache.get(key, compute).source == "read 1"
    assert cache.get(key, compute).source == "read 1"
    bus.publish(_event("capacity.updated"))
    assert cache.get(key, compute).source == "read 1"
    bus.publish(_event("discharge.referral_offered"))
    assert cache.get(key, compute).source == "read 2"
    # Another visibility set is another key: never the first caller's result.
    assert cache.get(("k", frozenset({"a", "b"})), compute).source == "read 3"


def test_a_change_during_the_read_is_not_hidden() -> None:
    bus = EventBus()
    cache = discharge_cache.cache_for(bus)

    def compute_while_changed() -> DischargeSummary:
        bus.publish(_event("discharge.patient_added"))
        return DischargeSummary(source="old", as_of=None)

    assert cache.get("k", compute_while_changed).source == "old"
    assert cache.get("k", lambda: DischargeSummary(source="new", as_of=None)).source == "new"


def test_history_is_kept_across_discharge_events() -> None:
    bus = EventBus()
    history = discharge_cache.history_for(bus)
    assert history is not discharge_cache.cache_for(bus)
    assert history.get("h", lambda: {"7 days ago": {"nursing": 3.0}}) == {"7 days ago": {"nursing": 3.0}}
    bus.publish(_event("discharge.referral_sent"))
    assert history.get("h", lambda: {}) == {"7 days ago": {"nursing": 3.0}}
