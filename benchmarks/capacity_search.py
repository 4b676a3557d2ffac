"""Capacity search latency: a typical discharge search (care type + 10 km radius + accepting
admissions now) over 30,000 services with a year of history, through the real search path
(tenancy-scoped session, SQL prefilter, distance, freshness and accepting-now checks).

    PYTHONPATH=src python benchmarks/capacity_search.py            # full run (52 weekly updates each)
    PYTHONPATH=src python benchmarks/capacity_search.py --quick    # under a minute (4 updates each)

The caller is a national inspector who sees all 3,000 provider organisations, so the tenancy
filter is as wide as it gets. PostgreSQL from JOINEDUP_BENCH_POSTGRES_URL (a database is created
and dropped). The last line printed is one JSON object. Target (issue #3): p95 <= 25 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from capacity_common import actor_for, bed, current_row, fresh_database, make_providers, settings_for
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from joinedup.core.permissions import Role
from joinedup.db.session import make_engine, make_session_factory
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import schemas, service
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService, CapacityUpdateRow

SERVICES = 30_000
ORGS = 3_000
BED_TYPES = ["residential", "nursing", "dementia_residential", "dementia_nursing", "respite"]
RULES = {
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "from_time": "00:00:00",
    "to_time": "23:59:59",
    "funding": ["council", "self_funder"],
}


def _sections(rng: random.Random, as_of: datetime, uid: str) -> dict[str, Any]:
    beds = [bed(rng, t) for t in rng.sample(BED_TYPES, rng.randint(1, 3))]
    status = "accepting" if rng.random() < 0.7 else "not_accepting"
    stamp = {"as_of": as_of.isoformat(), "source_system": "bench", "update_id": uid}
    return {
        "status": {"value": {"status": status, "note": None}, **stamp},
        "beds": {"value": beds, **stamp},
        "admission_rules": {"value": RULES, **stamp},
    }


def build(url: str, history: int, rng: random.Random) -> tuple[str, list[str], list[tuple[float, float]]]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    with factory() as session:
        session.info["scope"] = Scope.system("bench setup")
        system_id, org_ids = make_providers(session, ORGS)
        services, currents, points = [], [], []
        for i in range(SERVICES):
            sid = str(uuid.uuid4())
            lat, lon = rng.uniform(50.8, 54.8), rng.uniform(-2.8, 0.5)  # England, roughly
            oid = org_ids[i % ORGS]
            services.append(
                {
                    "id": sid,
                    "organisation_id": oid,
                    "system_id": system_id,
                    "provider_service_id": f"s{i}",
                    "name": f"Service {i}",
                    "kind": "care_home",
                    "latitude": lat,
                    "longitude": lon,
                    "synthetic": True,
                    "active": True,
                    "identity_status": "verified",
                }
            )
            sections = _sections(rng, now - timedelta(minutes=rng.randint(1, 60 * 30)), f"u{i}")
            currents.append(current_row(sid, oid, system_id, "care_home", sections))
            points.append((lat, lon))
        for start in range(0, SERVICES, 5000):
            session.execute(insert(CapacityService), services[start : start + 5000])
            session.execute(insert(CapacityCurrent), currents[start : start + 5000])
        session.commit()
    _history(url, engine, services, history, rng, now)
    engine.dispose()
    return system_id, org_ids, points


def _history(
    url: str, engine: Any, services: list[dict[str, Any]], weeks: int, rng: random.Random, now: datetime
) -> None:
    """A year (or, quick, a month) of weekly updates per service: COPY on PostgreSQL, bulk INSERT on SQLite."""

    def rows() -> Any:
        for s in services:
            for w in range(weeks):
                as_of = now - timedelta(weeks=weeks - w, minutes=rng.randint(0, 600))
                payload = {"provider_service_id": s["provider_service_id"], "values": {"beds": [bed(rng, "nursing")]}}
                yield (
                    s["organisation_id"],
                    s["system_id"],
                    s["id"],
                    f"h{w}-{s['id'][:8]}",
                    as_of,
                    "bench",
                    as_of,
                    "api",
                    True,
                    payload,
                )

    columns = [
        "organisation_id",
        "system_id",
        "service_id",
        "update_id",
        "as_of",
        "source_system",
        "received_at",
        "channel",
        "applied",
        "payload",
    ]
    if engine.dialect.name == "postgresql":
        import psycopg

        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as conn, conn.cursor() as cur:
            with cur.copy(f"COPY capacity_updates ({', '.join(columns)}) FROM STDIN") as copy:
                for r in rows():
                    copy.write_row((*r[:9], json.dumps(r[9])))
            conn.commit()
            cur.execute("ANALYZE")
        return
    factory = make_session_factory(engine)
    with factory() as session:
        session.info["scope"] = Scope.system("bench setup")
        batch: list[dict[str, Any]] = []
        for r in rows():
            batch.append(dict(zip(columns, r, strict=True)))
            if len(batch) == 20_000:
                session.execute(insert(CapacityUpdateRow), batch)
                batch = []
        if batch:
            session.execute(insert(CapacityUpdateRow), batch)
        session.commit()


def measure(url: str, system_id: str, org_ids: list[str], points: list[tuple[float, float]], n: int) -> dict[str, Any]:
    rng = random.Random(11)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    settings = settings_for(url)
    actor = actor_for(system_id, org_ids[0], visible=org_ids, role=Role.INSPECTOR)
    timings, found = [], []
    for i in range(n + 10):
        lat, lon = rng.choice(points)
        query = service.SearchQuery(
            care_type=schemas.CareType(rng.choice(["nursing", "residential"])),
            latitude=lat,
            longitude=lon,
            radius_km=10.0,
            accepting=True,
        )
        began = time.perf_counter()
        with factory() as session:
            session.info["scope"] = actor.scope
            items, _ = service.search(session, actor=actor, settings=settings, query=query, limit=50)
        elapsed = (time.perf_counter() - began) * 1000
        if i >= 10:  # the first few warm the caches and connection pool
            timings.append(elapsed)
            found.append(len(items))
    engine.dispose()
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "mean_results": round(statistics.mean(found), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    args = parser.parse_args()
    weeks, searches = (4, 100) if args.quick else (52, 300)
    out: dict[str, Any] = {
        "benchmark": "capacity_search",
        "quick": args.quick,
        "services": SERVICES,
        "history_updates": SERVICES * weeks,
    }
    for kind in ("postgresql", "sqlite"):
        rng = random.Random(3)
        with fresh_database(kind) as url:
            began = time.perf_counter()
            system_id, org_ids, points = build(url, weeks, rng)
            built = time.perf_counter() - began
            result = measure(url, system_id, org_ids, points, searches)
        prefix = "pg" if kind == "postgresql" else "sqlite"
        print(
            f"{kind}: built {SERVICES} services and {SERVICES * weeks} history rows in {built:.1f} s; "
            f"search p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, {result['mean_results']} results on average"
        )
        out[f"{prefix}_search_p50_ms"] = result["p50_ms"]
        out[f"{prefix}_search_p95_ms"] = result["p95_ms"]
        out[f"{prefix}_mean_results"] = result["mean_results"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
