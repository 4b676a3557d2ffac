"""Page speed under load, through the real server: the discharge coordinator's ward list.

    python benchmarks/pages.py            # about 2.5 minutes
    python benchmarks/pages.py --quick    # under a minute
    python benchmarks/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Builds the demo data (`seed_trafford`: Trafford with Manchester University NHS FT's synthetic
ward list of 54 waiting patients) in a fresh database: a temporary SQLite file by default, or a
new database on the PostgreSQL server named by --database-url (created and dropped). Adds 40
discharge coordinators of the trust with a web session each, starts the real server (`joinedup
serve`, uvicorn in a subprocess) and, over real HTTP (httpx, one connection per coordinator):

1. baseline, in the same run (the machine is shared): one client reading the health check, then
   the ward list, one request after another (`health_p95_ms`, `ward_list_1_client_p95_ms`);
2. the target: 40 coordinators at work, each loading the ward list (GET /discharge) and reading
   it for 1 to 3 seconds before loading it again (`ward_list_p95_ms`, target <= 300 ms; 60 s,
   6 s with --quick);
3. all 40 pressing reload at the same moment, a second apart (`ward_list_burst_*`; 15 times, 3);
4. all 40 reloading without a pause: the server's throughput (`ward_list_no_pause_*`);
5. shedding: the server restarted with one database connection (JOINEDUP_DB_POOL_SIZE=1,
   JOINEDUP_DB_MAX_OVERFLOW=0), 60 clients reloading the ward list while a prober reads the
   health check every 200 ms: `shed_5xx` counts server errors other than 503 (target 0), beside
   the 503s, the pages served, dropped connections and the health check's answers.

Progress goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from joinedup.config import Settings
from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import Membership, User
from joinedup.core.deps import SESSION_COOKIE
from joinedup.core.permissions import Role
from joinedup.db import migrate
from joinedup.db.session import make_engine, make_session_factory, scoped_session
from joinedup.db.tenancy import Scope
from joinedup.demo.seed import TRUST_ODS, seed_trafford
from joinedup.domains.organisations.models import Organisation
from joinedup.main import wire

WARD_LIST = "/discharge"
HEALTH = "/api/v1/health"
# A coordinator reads the list for 1 to 3 seconds before loading it again (a page that reloads
# itself would do so every 30 s or more): 40 of them ask for about 20 lists a second.
PAUSE = (1.0, 3.0)
SECRET = secrets.token_urlsafe(48)


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.1f} s] {message}", file=sys.stderr, flush=True)


def p95(samples: list[float]) -> float | None:
    if not samples:
        return None
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


@contextmanager
def fresh_database(admin_url: str | None) -> Iterator[str]:
    """A new database: a temporary SQLite file, or one created on `admin_url`'s server and dropped after."""
    if admin_url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'pages.db'}"
        return
    name = f"bench_pages_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build(url: str, coordinators: int) -> list[str]:
    """Migrate and seed the demo data; `coordinators` trust users, each with a web session (tokens)."""
    wire()
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    settings = Settings(database_url=url, secret_key=SECRET)
    with scoped_session(factory, Scope.system("benchmark seed")) as session:
        seed_trafford(session)
    tokens = []
    with scoped_session(factory, Scope.system("benchmark sign-in")) as session:
        trust = session.scalars(select(Organisation).where(Organisation.ods_code == TRUST_ODS)).one()
        for n in range(coordinators):
            user = User(email=f"coordinator{n}@bench.test", display_name=f"Coordinator {n}", password_hash=None)
            session.add(user)
            session.flush()
            membership = Membership(
                user_id=user.id, organisation_id=trust.id, system_id=trust.system_id, role=Role.DISCHARGE_COORDINATOR
            )
            session.add(membership)
            session.flush()
            token, _ = auth_service.start_web_session(session, settings, user=user, membership_id=membership.id)
            tokens.append(token)
    engine.dispose()
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`joinedup serve` in a subprocess on a free port (its errors to a temporary file)."""

    def __init__(self, url: str, **env: str) -> None:
        port = free_port()
        environ = {
            **os.environ,
            "JOINEDUP_DATABASE_URL": url,
            "JOINEDUP_SECRET_KEY": SECRET,
            "JOINEDUP_LOG_LEVEL": "WARNING",
            **env,
        }
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        command = [sys.executable, "-m", "joinedup.cli", "serve", "--port", str(port)]
        self.process = subprocess.Popen(command, env=environ, stdout=subprocess.DEVNULL, stderr=self.errors)
        self.base = f"http://127.0.0.1:{port}"

    def ready(self) -> str:
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                self.errors.seek(0)
                raise RuntimeError(f"the server stopped: {self.errors.read().decode()[-2000:]}")
            try:
                if httpx.get(self.base + HEALTH, timeout=2).status_code == 200:
                    log(f"server up at {self.base}")
                    return self.base
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.errors.close()


class Tally:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.statuses: Counter[str] = Counter()

    def add(self, status: str, seconds: float) -> None:
        self.statuses[status] += 1
        if status == "200":
            self.times.append(seconds)


async def _client_loop(
    client: httpx.AsyncClient, path: str, until: float, tally: Tally, pause: tuple[float, float], rng: random.Random
) -> None:
    """One client loading `path` until `until`, pausing a random `pause` (seconds) after each answer."""
    await asyncio.sleep(rng.uniform(*pause))  # coordinators do not all start on the same millisecond
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            status = str((await client.get(path)).status_code)
        except httpx.TimeoutException:
            status = "timeout"
        except httpx.HTTPError:
            status = "dropped"
        tally.add(status, time.perf_counter() - start)
        wait = max(0.05, rng.uniform(*pause)) if status == "503" else rng.uniform(*pause)
        await asyncio.sleep(min(wait, max(0.0, until - time.monotonic())))


async def _load(
    base: str,
    tokens: list[str],
    seconds: float,
    *,
    pause: tuple[float, float] = (0.0, 0.0),
    probe: bool = False,
    limit_s: float = 60.0,
) -> tuple[Tally, Tally, float]:
    """Each token's client loads the ward list for `seconds` (counted once every client is ready)."""
    pages, health = Tally(), Tally()
    clients = [httpx.AsyncClient(base_url=base, cookies={SESSION_COOKIE: t}, timeout=limit_s) for t in tokens]
    prober = httpx.AsyncClient(base_url=base, timeout=5.0)
    try:
        started = time.monotonic()
        until = started + seconds
        loops = [_client_loop(c, WARD_LIST, until, pages, pause, random.Random(n)) for n, c in enumerate(clients)]
        if probe:
            loops.append(_probe(prober, until, health))
        await asyncio.gather(*loops)
        return pages, health, time.monotonic() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in [*clients, prober]))


async def _bursts(base: str, tokens: list[str], rounds: int) -> Tally:
    """Every coordinator loads the ward list at the same moment, `rounds` times, a second apart."""
    tally = Tally()
    clients = [httpx.AsyncClient(base_url=base, cookies={SESSION_COOKIE: t}, timeout=60) for t in tokens]

    async def one(client: httpx.AsyncClient) -> None:
        start = time.perf_counter()
        try:
            status = str((await client.get(WARD_LIST)).status_code)
        except httpx.HTTPError:
            status = "dropped"
        tally.add(status, time.perf_counter() - start)

    try:
        await asyncio.gather(*(c.get(HEALTH) for c in clients))  # connections open before the burst
        for _ in range(rounds):
            await asyncio.gather(*(one(c) for c in clients))
            await asyncio.sleep(1.0)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return tally


async def _probe(client: httpx.AsyncClient, until: float, tally: Tally) -> None:
    """The health check every 200 ms, each with a 5 s limit (as a load balancer would)."""
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            status = str((await client.get(HEALTH)).status_code)
        except httpx.TimeoutException:
            status = "timeout"
        except httpx.HTTPError:
            status = "dropped"
        tally.add(status, time.perf_counter() - start)
        await asyncio.sleep(0.2)


def _serial(base: str, token: str, path: str, n: int) -> list[float]:
    times = []
    with httpx.Client(base_url=base, cookies={SESSION_COOKIE: token}, timeout=30) as client:
        for _ in range(n):
            start = time.perf_counter()
            response = client.get(path)
            response.raise_for_status()
            times.append(time.perf_counter() - start)
    return times


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _ms_summary(prefix: str, tally: Tally) -> dict[str, Any]:
    return {
        f"{prefix}_p95_ms": ms(p95(tally.times)),
        f"{prefix}_median_ms": ms(statistics.median(tally.times)) if tally.times else None,
        f"{prefix}_statuses": dict(tally.statuses),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    load_s, stress_s, rounds, shed_s, serial_n = (6.0, 3.0, 3, 3.0, 15) if quick else (60.0, 20.0, 15, 20.0, 100)
    result: dict[str, Any] = {"database": "postgresql" if args.database_url else "sqlite", "quick": quick}
    with fresh_database(args.database_url) as url:
        t0 = time.monotonic()
        tokens = build(url, args.clients)
        result["build_s"] = round(time.monotonic() - t0, 1)
        result["clients"] = len(tokens)
        log(f"demo data and {len(tokens)} coordinators in {result['build_s']} s")
        servers = [Server(url)]
        try:
            base = servers[0].ready()
            _serial(base, tokens[0], WARD_LIST, 3)  # warm: templates, caches
            with httpx.Client(base_url=base, cookies={SESSION_COOKIE: tokens[0]}) as client:
                result["ward_list_patients"] = client.get(WARD_LIST).text.count('data-testid="patient-row"')
            result["health_p95_ms"] = ms(p95(_serial(base, tokens[0], HEALTH, serial_n)))
            result["ward_list_1_client_p95_ms"] = ms(p95(_serial(base, tokens[0], WARD_LIST, serial_n)))
            log(
                f"baseline: health p95 {result['health_p95_ms']} ms, ward list (1 client) p95 "
                f"{result['ward_list_1_client_p95_ms']} ms"
            )
            # The target: 40 coordinators at work, each reading the list 1-3 s before loading it again.
            pages, _h, took = asyncio.run(_load(base, tokens, load_s, pause=PAUSE))
            result |= _ms_summary("ward_list", pages) | {"ward_list_per_s": round(len(pages.times) / took, 1)}
            log(
                f"{len(tokens)} coordinators, {PAUSE[0]:g}-{PAUSE[1]:g} s between loads: p95 "
                f"{result['ward_list_p95_ms']} ms, median {result['ward_list_median_ms']} ms, {dict(pages.statuses)}"
            )
            # All of them pressing reload at the same moment.
            bursts = asyncio.run(_bursts(base, tokens, rounds))
            result |= _ms_summary("ward_list_burst", bursts)
            log(
                f"{len(tokens)} at once, {rounds} times: p95 {result['ward_list_burst_p95_ms']} ms, median "
                f"{result['ward_list_burst_median_ms']} ms"
            )
            # Throughput: every coordinator reloading without a pause.
            stress, _h, took = asyncio.run(_load(base, tokens, stress_s))
            result |= _ms_summary("ward_list_no_pause", stress)
            result["ward_list_no_pause_per_s"] = round(len(stress.times) / took, 1)
            log(f"no pause: p95 {result['ward_list_no_pause_p95_ms']} ms, {result['ward_list_no_pause_per_s']}/s")
            servers[0].stop()
            servers.append(Server(url, JOINEDUP_DB_POOL_SIZE="1", JOINEDUP_DB_MAX_OVERFLOW="0"))
            base = servers[-1].ready()
            shed_tokens = (tokens * 2)[: args.shed_clients]
            pages, health_tally, _took = asyncio.run(_load(base, shed_tokens, shed_s, probe=True, limit_s=45))
            server_errors = sum(n for s, n in pages.statuses.items() if s.startswith("5") and s != "503")
            result["shed_5xx"] = server_errors
            result["shed_503"] = pages.statuses.get("503", 0)
            result["shed_ok"] = pages.statuses.get("200", 0)
            result["shed_dropped"] = pages.statuses.get("dropped", 0) + pages.statuses.get("timeout", 0)
            result["shed_health_ok"] = health_tally.statuses.get("200", 0)
            result["shed_health_failed"] = sum(n for s, n in health_tally.statuses.items() if s != "200")
            result["shed_health_p95_ms"] = ms(p95(health_tally.times))
            log(
                f"pool of one, {len(shed_tokens)} clients: {dict(pages.statuses)}; health "
                f"{dict(health_tally.statuses)} p95 {result['shed_health_p95_ms']} ms"
            )
        finally:
            for running in servers:
                running.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="under a minute")
    parser.add_argument("--database-url", help="a PostgreSQL server to create the benchmark's database on")
    parser.add_argument("--clients", type=int, default=40, help="coordinators loading the ward list at once")
    parser.add_argument("--shed-clients", type=int, default=60, help="clients while the pool has one connection")
    args = parser.parse_args()
    started = time.monotonic()
    result = run(args)
    result["run_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
