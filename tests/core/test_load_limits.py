"""Shedding load early and honestly (issue 14, item 12): 60 clients on an exhausted connection
pool got 500s after 30 s, dropped connections and a health check that timed out, and the outbox
relay failed; a 100 MB JSON body went into memory.

Now a request that cannot get a turn or a connection soon is a 503 problem with Retry-After;
the health check and the relay use their own connections; bodies are limited in size (declared
or streamed) and in time, and headers in time."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core import load
from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import User
from joinedup.core.deps import SESSION_COOKIE
from joinedup.core.events import Event
from joinedup.core.outbox import OutboxEvent
from joinedup.core.state import AppState
from joinedup.db.session import make_engine
from joinedup.db.tenancy import Scope
from tests.live_server import free_port
from tests.personas import World

TINY = {"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout_seconds": 0.5, "request_queue_seconds": 0.5}


def _settings(settings: Settings, **changes: Any) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


def _app(settings: Settings) -> FastAPI:
    from joinedup.main import create_app

    return create_app(settings)


def _token(factory: sessionmaker[Session], settings: Settings, world: World, persona: str) -> tuple[str, str]:
    with factory() as session:
        session.info["scope"] = Scope.system("test sign-in")
        user = session.get(User, world.users[persona].id)
        assert user is not None
        membership = auth_service.default_membership(user)
        token, row = auth_service.start_web_session(
            session, settings, user=user, membership_id=membership.id if membership else None
        )
        session.commit()
        return token, row.csrf_token


def _state(app: FastAPI) -> AppState:
    state: AppState = app.state.joinedup
    return state


@contextmanager
def _held(app: FastAPI) -> Iterator[None]:
    """Every connection of the request pool checked out."""
    engine = _state(app).engine
    pool: Any = engine.pool
    held = [engine.connect() for _ in range(pool.size() + pool._max_overflow)]
    try:
        yield
    finally:
        for conn in held:
            conn.close()


def test_an_exhausted_pool_is_a_503_with_retry_after_and_health_still_answers(
    settings: Settings, session_factory: sessionmaker[Session], world: World
) -> None:
    app = _app(_settings(settings, **TINY))
    token, _csrf = _token(session_factory, settings, world, "dan_discharge")
    with TestClient(app, raise_server_exceptions=False) as client:
        client.cookies.set(SESSION_COOKIE, token)
        assert client.get("/api/v1/me").status_code == 200
        with _held(app):
            started = time.monotonic()
            busy = client.get("/api/v1/me")
            assert busy.status_code == 503, busy.text
            assert time.monotonic() - started < 5
            assert busy.headers["retry-after"].isdigit()
            assert busy.headers["content-type"].startswith("application/problem+json")
            assert busy.json()["status"] == 503 and busy.json()["type"].endswith("/busy")
            page = client.get("/discharge")
            assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
            assert "retry-after" in page.headers
            assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/me").status_code == 200


def test_the_relay_runs_while_the_request_pool_is_exhausted(settings: Settings, world: World) -> None:
    app = _app(_settings(settings, **TINY, outbox_poll_seconds=0.1))
    heard: list[Event] = []
    other = make_engine(settings.database_url)  # another process writing an event
    with TestClient(app, raise_server_exceptions=False):
        _state(app).bus.on(heard.append)
        with _held(app):
            with other.begin() as conn:
                conn.execute(
                    insert(OutboxEvent).values(
                        topic="test.relayed", organisation_id=None, system_id=None, record_id="r1", payload={}
                    )
                )
            deadline = time.monotonic() + 5
            while not any(e.topic == "test.relayed" for e in heard) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert any(e.topic == "test.relayed" for e in heard)
    other.dispose()


def test_a_body_declared_past_the_limit_is_refused_unread(settings: Settings) -> None:
    app = _app(_settings(settings, max_request_body_mib=1))
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post(
            "/api/v1/capacity/updates",
            content=b"{}",
            headers={"Content-Type": "application/json", "Content-Length": str(100 * 1024 * 1024)},
        )
    assert answer.status_code == 413, answer.text
    assert answer.json()["errors"][0]["field"] == "body"


@contextmanager
def _live(app: FastAPI, **config: Any) -> Iterator[tuple[str, int]]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.slow
def test_a_streamed_body_past_the_limit_stops_being_read(settings: Settings) -> None:
    app = _app(_settings(settings, max_request_body_mib=1))
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        chunk = b"a=" + b"x" * 64_000
        while sent < 100 * 1024 * 1024:
            sent += len(chunk)
            yield chunk

    with _live(app) as (base, _port):
        try:
            answer = httpx.post(
                f"{base}/api/v1/oauth/token",
                content=body(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert answer.status_code == 413, answer.text
        except httpx.HTTPError:
            pass  # the server answered and closed the connection while the client was still sending
    assert sent < 20 * 1024 * 1024


def test_a_slow_body_is_timed_out(settings: Settings) -> None:
    app = _app(_settings(settings, body_timeout_seconds=1))
    with _live(app) as (_base, port), socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/oauth/token HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type="
        )
        started = time.monotonic()
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - started < 5


@pytest.mark.slow
def test_slow_headers_are_cut_off(settings: Settings) -> None:
    tuned = _settings(settings, header_timeout_seconds=1)
    app = _app(tuned)
    with (
        _live(app, **load.server_options(tuned)) as (_base, port),
        socket.create_connection(("127.0.0.1", port), timeout=10) as sock,
    ):
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        started = time.monotonic()
        closed = sock.recv(4096)
    assert closed == b"" or closed.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 5


@pytest.mark.slow
def test_many_clients_on_a_pool_of_one_get_answers_or_503s_and_health_answers(
    settings: Settings, session_factory: sessionmaker[Session], world: World
) -> None:
    """On PostgreSQL when JOINEDUP_TEST_DATABASE_URL says so: 30 clients loading the ward list
    and 10 provider systems sending 1,000-update batches for one service, against one database
    connection: no server error but 503, no dropped connection, and the health check answers
    within a second throughout."""
    from joinedup.core.auth.models import AccessLevel
    from tests.domains.capacity.conftest import SERVICE, api_key_for, approve, update

    app = _app(_settings(settings, **TINY))
    token, _csrf = _token(session_factory, settings, world, "dan_discharge")
    key = api_key_for(session_factory, world, "care_home_a", "pam_provider", AccessLevel.READ_WRITE)
    statuses: dict[str, int] = {}
    health: list[float] = []
    batches = iter(range(1_000_000))

    def count(status: str) -> None:
        statuses[status] = statuses.get(status, 0) + 1

    async def reader(base: str, until: float) -> None:
        async with httpx.AsyncClient(base_url=base, cookies={SESSION_COOKIE: token}, timeout=30) as http:
            while time.monotonic() < until:
                try:
                    status = str((await http.get("/discharge")).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                count(status)
                await asyncio.sleep(0.05 if status == "503" else 0)

    async def writer(base: str, until: float) -> None:
        async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
            while time.monotonic() < until:
                n = next(batches)
                body = {"updates": [update(f"b{n}-{i}", minutes_ago=60 - i / 100) for i in range(1000)]}
                try:
                    status = str((await http.post("/api/v1/capacity/updates", json=body)).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                count(status)
                await asyncio.sleep(0.05 if status == "503" else 0)

    async def probe(base: str, until: float) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            while time.monotonic() < until:
                started = time.monotonic()
                answer = await http.get("/api/v1/health")
                assert answer.status_code == 200
                health.append(time.monotonic() - started)
                await asyncio.sleep(0.1)

    async def run(base: str) -> None:
        until = time.monotonic() + 5
        await asyncio.gather(
            *(reader(base, until) for _ in range(30)), *(writer(base, until) for _ in range(10)), probe(base, until)
        )

    with _live(app) as (base, _port):
        registered = httpx.put(f"{base}/api/v1/capacity/services/home-1", json=SERVICE, headers={"X-API-Key": key})
        assert registered.status_code == 201, registered.text
        approve(session_factory, world, "home-1")
        asyncio.run(run(base))
    assert set(statuses) <= {"200", "503"}, statuses
    assert statuses.get("200", 0) > 0 and statuses.get("503", 0) > 0, statuses
    assert health and max(health) < 1.0, max(health)


def test_a_json_batch_past_its_limit_is_refused_naming_the_body(  # type: ignore[no-untyped-def]
    app, world: World, session_factory: sessionmaker[Session]
) -> None:
    from joinedup.core.auth.models import AccessLevel
    from joinedup.core.json_body import MAX_JSON_BYTES
    from tests.domains.capacity.conftest import api_key_for

    key = api_key_for(session_factory, world, "care_home_a", "pam_provider", AccessLevel.READ_WRITE)
    big = b'{"updates": [' + b'{"update_id": "x"},' * (MAX_JSON_BYTES // 19) + b'{"update_id": "y"}]}'
    assert MAX_JSON_BYTES < len(big) < 8 * 1024 * 1024  # under the limit for any body
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as client:
        answer = client.post("/api/v1/capacity/updates", content=big, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text[:300]
    assert answer.json()["errors"][0]["field"] == "body"
