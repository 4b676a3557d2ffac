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

import orjson
from capacity_common import actor_for, bed, fresh_database, make_providers, settings_for
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from joinedup.core.clock import utcnow
from joinedup.core.json_body import parse_json_body
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


def _as_the_server_starts() -> None:
    """Build the application and freeze the collector as `create_app`'s start-up does, so the
    service path runs with the same garbage-collection cost as in the server."""
    import gc

    from joinedup.main import create_app

    create_app(settings_for("sqlite://"))
    gc.freeze()


def run(kind: str, batches: int, providers: int | None = None) -> dict[str, Any]:
    """Ingest `batches` batches through the service; on PostgreSQL, after each batch, COPY the
    same rows (fresh ids) as the ceiling, so both see the same load on a shared machine.

    Each batch comes from a new provider unless `providers` is given: then that many providers
    take turns, so after the first round every batch rewrites services' existing state."""
    rng = random.Random(7)
    with fresh_database(kind) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        settings = settings_for(url)
        n_orgs = min(providers, batches + 1) if providers else batches + 1  # + the untimed warm-up batch
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
        with engine.connect() as conn:
            services = {(r.organisation_id, r.provider_service_id): r.id for r in conn.execute(select(CapacityService))}
        start = utcnow() - timedelta(days=2)
        payloads = [_updates(rng, psids[org_ids[b % n_orgs]], start, b) for b in range(batches + 1)]
        # Held as request bodies (bytes), as a server receives them: 30,000 live dicts would make
        # every garbage collection in the timed loop walk them, which no server has to do.
        bodies = [orjson.dumps({"updates": payload}) for payload in payloads]
        del payloads
        ingest_s = copy_s = 0.0
        copy_conn = _copy_connection(url) if kind == "postgresql" else None
        for b, body in enumerate(bodies):
            oid = org_ids[b % n_orgs]
            began = time.perf_counter()
            with factory() as session:
                actor = actor_for(system_id, oid)
                session.info["scope"] = actor.scope
                org = session.get(Organisation, oid)
                assert org is not None
                # Parsed and checked from the bytes, as POST /capacity/updates does.
                updates = parse_json_body(schemas.received_batch, body)
                result = service.ingest_for(session, actor=actor, org=org, settings=settings, updates=updates)
                assert result.accepted == BATCH, result
                session.commit()
            took = time.perf_counter() - began
            copied = (
                _copy_batch(copy_conn, orjson.loads(body)["updates"], oid, system_id, services)
                if copy_conn is not None
                else 0.0
            )
            if b > 0:  # batch 0 warms caches (statement compilation, connections) and is not counted
                ingest_s += took
                copy_s += copied
        if copy_conn is not None:
            copy_conn.close()
        engine.dispose()
        out: dict[str, Any] = {"updates": batches * BATCH, "seconds": round(ingest_s, 3)}
        out["updates_per_s"] = round(batches * BATCH / ingest_s)
        if kind == "postgresql":
            out["copy_rows_per_s"] = round(batches * BATCH / copy_s)
        return out


def _copy_connection(url: str) -> Any:
    import psycopg

    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))


def _copy_batch(
    conn: Any, payload: list[dict[str, Any]], oid: str, system_id: str, services: dict[tuple[str, str], str]
) -> float:
    """Raw COPY of one batch's history rows (new update ids) straight into capacity_updates, with
    its commit: the fastest those rows can be written. Returns the seconds it took."""
    now = datetime.now(UTC)
    records = [
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
            json.dumps(
                {"provider_service_id": u["provider_service_id"], "values": {k: u[k] for k in ("status", "beds")}}
            ),
        )
        for u in payload
    ]
    columns = "organisation_id, system_id, service_id, update_id, as_of, source_system, received_at, channel, applied, "
    columns += "payload"
    began = time.perf_counter()
    with conn.cursor() as cur, cur.copy(f"COPY capacity_updates ({columns}) FROM STDIN") as copy:
        for record in records:
            copy.write_row(record)
    conn.commit()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    parser.add_argument(
        "--providers",
        type=int,
        metavar="N",
        help="N providers take turns (every batch after the first round updates existing state); "
        "default: a new provider per batch",
    )
    args = parser.parse_args()
    batches = 5 if args.quick else 30
    _as_the_server_starts()
    pg = run("postgresql", batches, args.providers)
    print(
        f"PostgreSQL: {pg['updates']} updates in {pg['seconds']} s = {pg['updates_per_s']} updates/s; "
        f"COPY ceiling {pg['copy_rows_per_s']} rows/s ({100 * pg['updates_per_s'] / pg['copy_rows_per_s']:.1f}%)"
    )
    lite = run("sqlite", batches, args.providers)
    print(f"SQLite: {lite['updates']} updates in {lite['seconds']} s = {lite['updates_per_s']} updates/s")
    print(
        json.dumps(
            {
                "benchmark": "capacity_ingest",
                "quick": args.quick,
                "providers": args.providers or batches + 1,
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
