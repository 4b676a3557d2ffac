"""Outbox and live events: written with the change, relayed after commit, streamed over SSE
to those who may see them, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select

from joinedup.core import outbox
from joinedup.core.clock import utcnow
from joinedup.core.events import Event, EventBus
from joinedup.core.outbox import OutboxEvent
from joinedup.db.tenancy import Scope
from tests.live_server import serve


def test_a_rolled_back_change_publishes_nothing(session_factory, world) -> None:
    bus = EventBus()
    got: list[Event] = []
    bus.on(got.append)
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        outbox.emit(s, topic="organisation.updated", organisation_id=world.org_id("trust"), system_id=world.system_id)
        s.rollback()
    assert outbox.relay_pending(session_factory, bus) == 0 and got == []


def test_relay_publishes_in_order_once(session_factory, world) -> None:
    bus = EventBus()
    got: list[Event] = []
    bus.on(got.append)
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        for i in range(3):
            outbox.emit(
                s, topic="t", organisation_id=world.org_id("trust"), system_id=world.system_id, payload={"i": i}
            )
        s.commit()
    assert outbox.relay_pending(session_factory, bus) == 3
    assert outbox.relay_pending(session_factory, bus) == 0
    assert [e.payload["i"] for e in got] == [0, 1, 2]
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        assert s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.relayed_at.is_(None))) == 0


def test_a_failing_subscriber_does_not_stop_the_relay(session_factory, world) -> None:
    bus = EventBus()
    got: list[Event] = []

    def broken(_: Event) -> None:
        raise RuntimeError("boom")

    bus.on(broken)
    bus.on(got.append)
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        outbox.emit(s, topic="t", organisation_id=None, system_id=None)
        s.commit()
    assert outbox.relay_pending(session_factory, bus) == 1 and len(got) == 1


def _listen(
    url: str, headers: dict[str, str], into: list[dict[str, object]], ready: threading.Event, seconds: float
) -> None:
    params = {"max_seconds": seconds, "topic": "organisation"}
    with httpx.stream("GET", url, headers=headers, params=params, timeout=seconds + 5) as r:
        assert r.status_code == 200
        event = ""
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
                if event == "ready":
                    ready.set()
            elif line.startswith("data:") and event not in ("ready", ""):
                into.append(json.loads(line.split(":", 1)[1]))


@pytest.fixture
def api_keys(client_as, world) -> dict[str, str]:
    keys = {}
    for persona, org in (("pam_provider", "care_home_a"), ("bob_provider", "care_home_b")):
        r = client_as(persona).post(f"/api/v1/organisations/{world.org_id(org)}/api-keys", json={"name": "sse"})
        keys[persona] = r.json()["key"]
    return keys


def test_sse_streams_changes_only_to_those_who_may_see_them(app, client_as, world, api_keys) -> None:
    with serve(app) as base:
        url = f"{base}/api/v1/events"
        seen: dict[str, list[dict[str, object]]] = {"pam_provider": [], "bob_provider": []}
        threads = []
        for persona, key in api_keys.items():
            ready = threading.Event()
            t = threading.Thread(target=_listen, args=(url, {"X-API-Key": key}, seen[persona], ready, 3.0))
            t.start()
            assert ready.wait(10)
            threads.append(t)
        started = time.monotonic()
        admin = client_as("alice_admin")
        r = httpx.patch(
            f"{base}/api/v1/organisations/{world.org_id('care_home_a')}",
            json={"name": "Renamed A"},
            cookies=dict(admin.cookies),
            headers={"X-CSRF-Token": admin.headers["X-CSRF-Token"]},
        )
        assert r.status_code == 200, r.text
        for t in threads:
            t.join(15)
    topics = [e["topic"] for e in seen["pam_provider"]]
    assert topics == ["organisation.updated"]
    assert seen["pam_provider"][0]["record_id"] == world.org_id("care_home_a")
    assert seen["bob_provider"] == []
    assert time.monotonic() - started < 10


def test_reconnecting_with_last_event_id_replays_missed_events(app, client_as, world, api_keys) -> None:
    admin = client_as("alice_admin")
    for name in ("One", "Two"):
        admin.patch(f"/api/v1/organisations/{world.org_id('care_home_a')}", json={"name": name})
    with serve(app) as base:
        got: list[dict[str, object]] = []
        _listen(
            f"{base}/api/v1/events",
            {"X-API-Key": api_keys["pam_provider"], "Last-Event-ID": "0"},
            got,
            threading.Event(),
            0.5,
        )
    assert [e["topic"] for e in got] == ["organisation.updated", "organisation.updated"]


def test_a_listener_whose_loop_has_closed_is_dropped_not_fatal(world) -> None:
    bus = EventBus()

    async def subscribe() -> None:
        bus.subscribe(lambda _e: True)

    asyncio.run(subscribe())  # the loop closes when run() returns
    assert bus.subscriber_count == 1
    bus.publish(
        Event(id=1, topic="t", organisation_id=None, system_id=None, record_id=None, payload={}, created_at=utcnow())
    )
    assert bus.subscriber_count == 0
