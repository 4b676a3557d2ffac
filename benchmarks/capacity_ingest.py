"""Capacity ingestion speed: sustained batched updates through the real service path
(validation, history, newest-wins current state, audit and outbox rows, commit), against raw
psycopg COPY of the same history rows as the ceiling.

    PYTHONPATH=src python benchmarks/capacity_ingest.py            # full run
    PYTHONPATH=src python benchmarks/capacity_ingest.py --quick    # under a minute

PostgreSQL from JOINEDUP_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test;
a database is created and dropped). The last line printed is one JSON object.
Targets (issue #3): >= 5,000 updates/s on PostgreSQL and >= 30% of the COPY ceiling.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from capacity_common import actor_for, bed, fresh_database, make_providers, settings_for
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from joinedup.core.clock import utcnow
from joinedup.db.session import make_engine, make_session_factory
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import schemas, service
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.organisations.models import Organisation

SERVICES_PER_ORG = 50
BATCH = 1000


def _updates(rng: random.Random, psids: list[str], start: datetime, batch_no: int) -> list[dict[str, Any]]:
    """One batch: every service reports BATCH/len(psids) times, minutes apart, some out of order."""
    out = []
    for i in range(BATCH):
        psid = psids[i % len(psids)]
        step = batch_no * BATCH + i
        minutes = step if rng.random() > 0.05 else step - rng.randint(1, 200)  # 5% arrive late
        out.append(
            {
                "update_id": f"b{batch_no}-{i}-{uuid.uuid4().hex[:6]}",
                "provider_service_id": psid,
                "as_of": (start + timedelta(seconds=minutes)).isoformat(),
                "source_system": "bench roster",
                "status": "accepting",
                "beds": [bed(rng, "nursing"), bed(rng, "dementia_nursing")],
            }
        )
    return out


def run(kind: str, batches: int) -> dict[str, Any]:
    rng = random.Random(7)
    with fresh_database(kind) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        settings = settings_for(url)
        n_orgs = batches
        with factory() as session:
            session.info["scope"] = Scope.system("bench setup")
            system_id, org_ids = make_providers(session, n_orgs)
            rows = []
            psids: dict[str, list[str]] = {}
            for oid in org_ids:
                psids[oid] = [f"svc-{j}" for j in range(SERVICES_PER_ORG)]
                rows += [
                    {
                        "id": str(uuid.uuid4()),
                        "organisation_id": oid,
                        "system_id": system_id,
                        "provider_service_id": p,
                        "name": p,
                        "kind": "care_home",
                        "synthetic": True,
                        "active": True,
                    }
                    for p in psids[oid]
                ]
            session.execute(insert(CapacityService), rows)
            session.commit()
        start = utcnow() - timedelta(days=2)
        payloads = [_updates(rng, psids[org_ids[b]], start, b) for b in range(batches)]
        began = time.perf_counter()
        for b, payload in enumerate(payloads):
            oid = org_ids[b]
            with factory() as session:
                actor = actor_for(system_id, oid)
                session.info["scope"] = actor.scope
                org = session.get(Organisation, oid)
                assert org is not None
                updates = schemas.CapacityBatch.model_validate({"updates": payload}).updates
                result = service.ingest_for(session, actor=actor, org=org, settings=settings, updates=updates)
                assert result.accepted == BATCH, result
                session.commit()
        elapsed = time.perf_counter() - began
        out: dict[str, Any] = {"updates": batches * BATCH, "seconds": round(elapsed, 3)}
        out["updates_per_s"] = round(batches * BATCH / elapsed)
        if kind == "postgresql":
            out["copy_rows_per_s"] = _copy_ceiling(url, engine, payloads, org_ids, system_id)
        engine.dispose()
        return out


def _copy_ceiling(
    url: str, engine: Any, payloads: list[list[dict[str, Any]]], org_ids: list[str], system_id: str
) -> int:
    """Raw COPY of the same history rows (new update ids) straight into capacity_updates."""
    import psycopg

    with engine.connect() as conn:
        services = {(r.organisation_id, r.provider_service_id): r.id for r in conn.execute(select(CapacityService))}
    now = datetime.now(UTC)
    records = []
    for b, payload in enumerate(payloads):
        oid = org_ids[b]
        for u in payload:
            values = {k: u[k] for k in ("status", "beds")}
            records.append(
                (
                    oid,
                    system_id,
                    services[(oid, u["provider_service_id"])],
                    "copy-" + u["update_id"],
                    u["as_of"],
                    u["source_system"],
                    now,
                    "api",
                    True,
                    json.dumps({"provider_service_id": u["provider_service_id"], "values": values}),
                )
            )
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    began = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        columns = (
            "organisation_id, system_id, service_id, update_id, as_of, source_system, received_at, channel, applied, "
            "payload"
        )
        with cur.copy(f"COPY capacity_updates ({columns}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)
        conn.commit()
    return round(len(records) / (time.perf_counter() - began))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    args = parser.parse_args()
    batches = 5 if args.quick else 30
    pg = run("postgresql", batches)
    print(
        f"PostgreSQL: {pg['updates']} updates in {pg['seconds']} s = {pg['updates_per_s']} updates/s; "
        f"COPY ceiling {pg['copy_rows_per_s']} rows/s ({100 * pg['updates_per_s'] / pg['copy_rows_per_s']:.1f}%)"
    )
    lite = run("sqlite", batches)
    print(f"SQLite: {lite['updates']} updates in {lite['seconds']} s = {lite['updates_per_s']} updates/s")
    print(
        json.dumps(
            {
                "benchmark": "capacity_ingest",
                "quick": args.quick,
                "batch_size": BATCH,
                "updates": pg["updates"],
                "pg_updates_per_s": pg["updates_per_s"],
                "pg_copy_rows_per_s": pg["copy_rows_per_s"],
                "pg_fraction_of_copy": round(pg["updates_per_s"] / pg["copy_rows_per_s"], 3),
                "sqlite_updates_per_s": lite["updates_per_s"],
            }
        )
    )


if __name__ == "__main__":
    main()
