"""Two real server processes (uvicorn, one process each) on one PostgreSQL database behave as
one: an event written through one reaches a live listener connected to the other within a
second, a cached figure in one follows a change made through the other within a second, and a
periodic job runs in one process at a time, handed over when that process stops.

PostgreSQL only: on SQLite joinedup is one process. The tests are defined in the PostgreSQL
lane (JOINEDUP_TEST_DATABASE_URL set), never skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from joinedup.core.periodic import JobContext, PeriodicJob
from tests.conftest import PG_URL, TEST_SECRET
from tests.domains.capacity.conftest import beds
from tests.domains.capacity.conftest import update as capacity_update
from tests.domains.visibility.conftest import capacity, keys  # noqa: F401 - fixtures: services with capacity
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
TICK_SECONDS = 0.2


def _ticker(path: str) -> PeriodicJob:
    def tick(_context: JobContext) -> None:
        with open(path, "a") as out:  # one short line per write: appends do not interleave
            out.write(f"{os.getpid()} {time.time()}\n")

    return PeriodicJob("test.tick", tick, lambda _settings: TICK_SECONDS)


def cluster_app() -> Any:
    """The server each subprocess runs (uvicorn --factory): the real app, plus a job that notes
    each of its runs when JOINEDUP_TEST_TICK_FILE names a file."""
    from joinedup.main import PERIODIC_JOBS, create_app

    if path := os.environ.get("JOINEDUP_TEST_TICK_FILE"):
        PERIODIC_JOBS.append(_ticker(path))
    return create_app()


@contextmanager
def server(database_url: str, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    environment = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": database_url,
        "JOINEDUP_ENVIRONMENT": "test",
        "JOINEDUP_SECRET_KEY": TEST_SECRET,
        # The interval relay is far slower than the second allowed: only the wake-up can pass.
        "JOINEDUP_OUTBOX_POLL_SECONDS": "60",
        **env,
    }
    command = [sys.executable, "-m", "uvicorn", "tests.test_deployment_cluster:cluster_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, "the server process exited"
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _signed_in(session_factory: Any, settings: Any, world: Any, persona: str) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a web session for `persona`."""
    from joinedup.core.auth import service as auth_service
    from joinedup.core.auth.models import User
    from joinedup.core.deps import SESSION_COOKIE
    from joinedup.db.tenancy import Scope

    with session_factory() as session:
        session.info["scope"] = Scope.system("test sign-in")
        user = session.get(User, world.users[persona].id)
        membership = auth_service.default_membership(user)
        token, row = auth_service.start_web_session(
            session, settings, user=user, membership_id=membership.id if membership else None
        )
        csrf = row.csrf_token
        session.commit()
    return {SESSION_COOKIE: token}, {"X-CSRF-Token": csrf}


class Listener(threading.Thread):
    """An SSE client: each event's JSON with the monotonic time it arrived."""

    def __init__(self, base: str, api_key: str, seconds: float) -> None:
        super().__init__(daemon=True)
        self.url, self.key, self.seconds = f"{base}/api/v1/events", api_key, seconds
        self.ready = threading.Event()
        self.got: list[tuple[float, dict[str, Any]]] = []

    def run(self) -> None:
        params = {"max_seconds": self.seconds, "topic": "organisation"}
        headers = {"X-API-Key": self.key}
        with httpx.stream("GET", self.url, headers=headers, params=params, timeout=self.seconds + 10) as response:
            assert response.status_code == 200
            event = ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                    if event == "ready":
                        self.ready.set()
                elif line.startswith("data:") and event not in ("ready", ""):
                    self.got.append((time.monotonic(), json.loads(line.split(":", 1)[1])))


def _nursing_free(level: dict[str, Any]) -> float:
    rows = next(t for t in level["tables"] if t["key"] == "capacity")["rows"]
    return float(next(r for r in rows if r[0] == "Nursing care")[2])


if PG_URL:

    @pytest.mark.slow
    def test_an_event_and_a_cached_figure_reach_the_other_process_within_a_second(
        capacity, world, session_factory, settings, database_url
    ) -> None:
        key = capacity["care_home_a"]  # its service a-1 has 4 nursing beds accepting admissions
        cookies, headers = _signed_in(session_factory, settings, world, "alice_admin")
        with server(database_url) as (base_a, _), server(database_url) as (base_b, _):
            # A cached figure: the system picture in B (homes A 4, B 3, elsewhere 7), read once so B holds it.
            admin_b = httpx.Client(base_url=base_b, cookies=cookies, headers=headers, timeout=10)
            assert _nursing_free(admin_b.get("/api/v1/visibility/system").json()) == 14.0

            listeners = {name: Listener(base, key, 6.0) for name, base in (("a", base_a), ("b", base_b))}
            for listener in listeners.values():
                listener.start()
                assert listener.ready.wait(15)
            admin_a = httpx.Client(base_url=base_a, cookies=cookies, headers=headers, timeout=10)
            renamed = admin_a.patch(f"/api/v1/organisations/{world.org_id('care_home_a')}", json={"name": "Renamed"})
            written = time.monotonic()  # committed: the session commits before the response is sent
            assert renamed.status_code == 200, renamed.text

            # A capacity change through A: B's figures follow.
            body = capacity_update(
                "a-1-second", service="a-1", minutes_ago=1, beds=[beds(accepting_admissions=9, vacant=10, occupied=26)]
            )
            posted = httpx.post(
                f"{base_a}/api/v1/capacity/updates", json={"updates": [body]}, headers={"X-API-Key": key}, timeout=10
            )
            changed = time.monotonic()
            assert posted.status_code < 300, posted.text
            while (figure := _nursing_free(admin_b.get("/api/v1/visibility/system").json())) != 19.0:
                assert time.monotonic() - changed < 1.0, f"B still shows {figure} free nursing beds"
                time.sleep(0.05)
            followed = time.monotonic() - changed
            for listener in listeners.values():
                listener.join(15)

        for name, listener in listeners.items():
            updates = [(at, e) for at, e in listener.got if e["topic"] == "organisation.updated"]
            assert len(updates) == 1, (name, listener.got)  # once in each process, not twice
            at, event = updates[0]
            assert event["record_id"] == world.org_id("care_home_a")
            assert at - written < 1.0, f"{name} heard it after {at - written:.2f} s"
        assert followed < 1.0

    @pytest.mark.slow
    def test_a_periodic_job_runs_in_one_process_and_moves_when_it_stops(database_url, tmp_path) -> None:
        ticks = tmp_path / "ticks.txt"

        def runs() -> list[tuple[int, float]]:
            lines = ticks.read_text().split() if ticks.exists() else []
            return [(int(pid), float(at)) for pid, at in zip(lines[::2], lines[1::2], strict=True)]

        env = {"JOINEDUP_TEST_TICK_FILE": str(ticks)}
        with server(database_url, **env) as (_, first), server(database_url, **env) as (_, second):
            time.sleep(3.0)
            window = [pid for pid, at in runs() if at > time.time() - 2.0]
            assert len(window) >= 2.0 / TICK_SECONDS / 2, window  # it runs...
            assert len(set(window)) == 1, "both processes ran the job"  # ...in one process only
            assert len(window) <= 2.0 / TICK_SECONDS + 2  # not once per process
            leader = first if window[0] == first.pid else second
            other = second if leader is first else first
            leader.terminate()
            leader.wait(15)
            stopped = time.time()
            time.sleep(3.0)
            after = [pid for pid, at in runs() if at > stopped]
            assert after and set(after) == {other.pid}, "the other process did not take the job over"


def test_a_cursor_lets_a_hole_go_only_once_no_transaction_could_hold_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids are taken before commit: a gap below the cursor is an open transaction or a rolled-back
    one. It is watched until the oldest running transaction is newer than any that was running
    when it was stamped (PostgreSQL's snapshot xmin and xmax)."""
    from joinedup.core import outbox

    monkeypatch.setattr(outbox, "HOLE_GRACE_SECONDS", 0.0)
    cursor = outbox.OutboxCursor(high=10)
    cursor._advance([11, 14], xmin=100, xmax=105)  # 12 and 13 not committed (yet)
    assert cursor.high == 14 and set(cursor.holes) == {12, 13}
    assert all(hole.xmax == 105 for hole in cursor.holes.values())  # stamped: a writer may be below 105
    cursor._advance([12], xmin=104, xmax=108)  # 12 committed late; 13's writer may still run
    assert set(cursor.holes) == {13}
    cursor._advance([], xmin=105, xmax=109)  # every transaction running at the stamp has ended
    assert cursor.holes == {}
    assert cursor.high == 14


def test_a_cursor_keeps_its_bookkeeping_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from joinedup.core import outbox

    cursor = outbox.OutboxCursor(high=0)
    cursor._advance([outbox.MAX_HOLES * 5], xmin=1, xmax=2)  # a jump in ids: too many to watch
    assert cursor.holes == {} and cursor.high == outbox.MAX_HOLES * 5
    cursor._advance([cursor.high + 3], xmin=1, xmax=2)
    assert len(cursor.holes) == 2


def _emit(session: Any, n: int) -> None:
    from joinedup.core import outbox

    outbox.emit(session, topic="test.cluster", organisation_id=None, system_id=None, payload={"n": n})


if PG_URL:
    from joinedup.core import outbox
    from joinedup.core.cluster import ClusterLink
    from joinedup.core.events import EventBus
    from joinedup.db.tenancy import Scope

    def _bus() -> tuple[EventBus, list[int]]:
        bus, got = EventBus(), []
        bus.on(lambda event: got.append(event.payload["n"]))
        return bus, got

    def _session(factory: Any) -> Any:
        session = factory()
        session.info["scope"] = Scope.system("test")
        return session

    def test_a_row_committed_after_a_later_one_reaches_every_process_once(session_factory) -> None:
        (bus_a, got_a), (bus_b, got_b) = _bus(), _bus()
        for bus in (bus_a, bus_b):
            assert outbox.relay_pending(session_factory, bus) == 0  # each process starts its cursor
        slow, quick, undone = _session(session_factory), _session(session_factory), _session(session_factory)
        _emit(slow, 1)
        slow.flush()  # its id is taken, its transaction still open
        _emit(undone, 2)
        undone.flush()
        _emit(quick, 3)
        quick.commit()
        undone.rollback()  # its id is never committed
        for bus in (bus_a, bus_b):
            outbox.relay_pending(session_factory, bus)
        assert got_a == got_b == [3]
        slow.commit()
        for bus in (bus_a, bus_b):
            outbox.relay_pending(session_factory, bus)
        assert got_a == got_b == [3, 1]  # the earlier id, committed later, is not skipped
        for session in (slow, quick, undone):
            session.close()

    def test_one_process_publishes_a_row_once_whichever_pool_reads_it(session_factory) -> None:
        """The relay after a commit and the woken relay job may read through different pools:
        the bus has one position in the outbox, not one per pool."""
        from joinedup.db.session import make_engine, make_session_factory

        other_engine = make_engine(str(session_factory.kw["bind"].url.render_as_string(hide_password=False)))
        other_pool = make_session_factory(other_engine)
        bus, got = _bus()
        for pool in (session_factory, other_pool):
            assert outbox.relay_pending(pool, bus) == 0
        with _session(session_factory) as session:
            _emit(session, 5)
            session.commit()
        outbox.relay_pending(session_factory, bus)
        outbox.relay_pending(other_pool, bus)
        assert got == [5]
        other_engine.dispose()

    def test_rows_written_while_no_process_listened_are_published_once(session_factory) -> None:
        with _session(session_factory) as session:
            _emit(session, 7)
            session.commit()
        (bus_a, got_a), (bus_b, got_b) = _bus(), _bus()
        assert outbox.relay_pending(session_factory, bus_a) == 1
        assert outbox.relay_pending(session_factory, bus_b) == 0  # claimed: one process publishes it
        assert got_a == [7] and got_b == []
        with _session(session_factory) as session:
            unrelayed = session.query(outbox.OutboxEvent).filter(outbox.OutboxEvent.relayed_at.is_(None)).count()
        assert unrelayed == 0  # replay (Last-Event-ID) serves it

    def test_the_writing_transaction_notifies_only_when_it_commits(session_factory) -> None:
        import psycopg

        engine = session_factory.kw["bind"]
        cargs, cparams = engine.dialect.create_connect_args(engine.url)
        with psycopg.connect(*cargs, **cparams, autocommit=True) as listener:
            listener.execute(f"LISTEN {outbox.CHANNEL}")

            def heard() -> int:
                return len(list(listener.notifies(timeout=0.5)))

            with _session(session_factory) as session:
                _emit(session, 1)
                session.rollback()
            assert heard() == 0
            with _session(session_factory) as session:
                savepoint = session.begin_nested()
                _emit(session, 2)
                savepoint.rollback()
                _emit(session, 3)
                _emit(session, 4)
                session.commit()
            assert heard() == 1  # once per transaction, not withdrawn with the savepoint

    @pytest.mark.slow
    def test_leadership_moves_to_another_process_when_the_leader_stops(session_factory) -> None:
        engine = session_factory.kw["bind"]
        links = [ClusterLink(engine, {}), ClusterLink(engine, {})]
        for link in links:
            link.start()
        try:
            deadline = time.monotonic() + 10
            while not any(link.is_leader for link in links):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            time.sleep(1.5)  # the other has tried again by now
            assert sum(link.is_leader for link in links) == 1
            leader = next(link for link in links if link.is_leader)
            other = next(link for link in links if link is not leader)
            leader.close()
            deadline = time.monotonic() + 5
            while not other.is_leader:
                assert time.monotonic() < deadline, "nobody took the lead"
                time.sleep(0.05)
        finally:
            for link in links:
                link.close()

    def test_a_link_wakes_its_job_when_the_channel_is_notified(session_factory) -> None:
        woken = threading.Event()
        engine = session_factory.kw["bind"]
        link = ClusterLink(engine, {outbox.CHANNEL: woken.set})
        link.start()
        try:
            assert link.connected.wait(10)
            woken.clear()  # the catch-up run on connecting
            with _session(session_factory) as session:
                _emit(session, 1)
                session.commit()
            assert woken.wait(1.0)
        finally:
            link.close()
