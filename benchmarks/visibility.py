"""System visibility speed on PostgreSQL: page server time and event delay.

    PYTHONPATH=src python benchmarks/visibility.py            # full: 30,000 services, a year of snapshots
    PYTHONPATH=src python benchmarks/visibility.py --quick    # under a minute: 28 days of snapshots, fewer samples

Builds, in a fresh PostgreSQL database (JOINEDUP_BENCH_POSTGRES_URL; created and dropped):
3,000 provider organisations with 30,000 services and their current capacity, a year of daily
capacity snapshots per organisation and care type (5.5 million rows), a hospital trust with a
year of daily discharge series and twelve months of delay reasons, and 5,000 waiting patients
on 40 wards with their assessments and delays, and 2,000 referrals of the last four weeks,
read by the real discharge figures source (`DischargeRecords`).

Measures, through the real application in-process (routing, authentication, tenancy, templates):
- the system-level page (an ICB commissioner who sees all 3,000 organisations) and a
  provider-level page (a hospital trust: services, wards, SPC trends), p95 server time, against
  a baseline measured in the same run (GET /api/v1/health);
- the delay from a provider's capacity update (HTTP POST to a live uvicorn server) to the event
  reaching a connected server-sent-events client (what a browser's EventSource does).
Targets (issue #5): pages p95 <= 300 ms, event delay p95 <= 1 s. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from capacity_common import fresh_database
from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live_server import serve

from joinedup.config import Settings
from joinedup.core.audit import AuditEvent
from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import AccessLevel, Membership, User
from joinedup.core.auth.principal import Principal
from joinedup.core.deps import SESSION_COOKIE
from joinedup.core.permissions import Role
from joinedup.db.session import make_engine, make_session_factory
from joinedup.db.tenancy import Scope
from joinedup.demo.seed import DATA
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.discharge.models import DischargeAssessment, DischargeDelay, DischargePatient, DischargeReferral
from joinedup.domains.discharge.pathways import PathwayCode
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.models import CareSystem, Organisation, Place
from joinedup.domains.organisations.schemas import OrganisationType
from joinedup.domains.organisations.service import credentials
from joinedup.domains.visibility import service as visibility
from joinedup.domains.visibility.service import DischargeRecords, import_trust_history
from joinedup.main import create_app

SERVICES, ORGS, PATIENTS, WARDS = 30_000, 3_000, 5_000, 40
PATHWAY_CODES = [c.value for c in PathwayCode]
BED_TYPES = ["residential", "nursing", "dementia_residential", "dementia_nursing", "discharge_to_assess"]


def _discharge_rows(session: Session, trust: Organisation, services: list[dict[str, Any]], rng: random.Random) -> None:
    """5,000 waiting patients on 40 wards of the trust, each with an assessment and a primary delay,
    and 2,000 referrals of the last four weeks (a quarter declined, half offered, each offer audited)."""
    today = datetime.now(UTC).date()
    patients, assessments, delays = [], [], []
    for i in range(PATIENTS):
        pid, ready = str(uuid.uuid4()), today - timedelta(days=rng.randint(0, 40))
        pathway = rng.choice(PATHWAY_CODES)
        patients.append(
            {
                "id": pid,
                "organisation_id": trust.id,
                "system_id": trust.system_id,
                "nhs_number": f"{9_990_000_000 + i}",
                "name": f"Patient {i}",
                "ward": f"Ward {i % WARDS}",
                "admitted_on": ready - timedelta(days=rng.randint(1, 14)),
                "discharge_ready_on": ready,
                "pathway": pathway,
                "home_postcode": "M41 5BU",
                "status": "in_hospital",
                "synthetic": True,
                "lock_version": 0,
            }
        )
        assessments.append(
            {
                "id": str(uuid.uuid4()),
                "organisation_id": trust.id,
                "patient_id": pid,
                "version": 1,
                "care_type": rng.choice(["nursing", "residential", "homecare", "reablement_pathway_1"]),
                "start_date": today,
                "funding": "council",
                "content": {},
            }
        )
        delays.append(
            {
                "id": str(uuid.uuid4()),
                "organisation_id": trust.id,
                "patient_id": pid,
                "reason_code": rng.choice(["C11", "C05", "T01", "H02", "I01"]),
                "primary": True,
                "started_on": ready,
            }
        )
    session.execute(insert(DischargePatient), patients)
    session.execute(insert(DischargeAssessment), assessments)
    session.execute(insert(DischargeDelay), delays)
    now = datetime.now(UTC)
    referrals, offers = [], []
    for i in range(2_000):
        service, patient, assessment = rng.choice(services), patients[i], assessments[i]
        created = now - timedelta(hours=rng.uniform(1, 24 * 27))
        state = rng.choice(["sent", "declined", "offered", "offered"])
        rid = str(uuid.uuid4())
        referrals.append(
            {
                "id": rid,
                "hospital_organisation_id": trust.id,
                "provider_organisation_id": service["organisation_id"],
                "system_id": trust.system_id,
                "patient_id": patient["id"],
                "service_id": service["id"],
                "assessment_id": assessment["id"],
                "round": 1,
                "state": state,
                "summary": {"care_type": assessment["care_type"]},
                "decline_reason": "no_vacancy" if state == "declined" else None,
                "messages": [],
                "created_at": created,
                "updated_at": created,
            }
        )
        if state == "offered":
            offers.append(
                {
                    "occurred_at": created + timedelta(hours=rng.uniform(0.5, 30)),
                    "actor_type": "user",
                    "organisation_id": service["organisation_id"],
                    "system_id": trust.system_id,
                    "action": "discharge_referral.offer",
                    "record_type": "discharge_referral",
                    "record_id": rid,
                    "record_organisation_id": trust.id,
                    "personal_data": True,
                    "channel": "api",
                    "request_id": "bench",
                    "detail": {},
                }
            )
    session.execute(insert(DischargeReferral), referrals)
    session.execute(insert(AuditEvent), offers)


def _sections(rng: random.Random, as_of: datetime) -> dict[str, Any]:
    stamp = {"as_of": as_of.isoformat(), "source_system": "bench", "update_id": uuid.uuid4().hex}
    beds = []
    for bed_type in rng.sample(BED_TYPES, rng.randint(1, 3)):
        vacant = rng.randint(0, 6)
        beds.append(
            {
                "bed_type": bed_type,
                "physical": 40,
                "staffed": 40,
                "occupied": 40 - vacant,
                "reserved": 0,
                "vacant": vacant,
                "accepting_admissions": vacant,
            }
        )
    return {"status": {"value": {"status": "accepting", "note": None}, **stamp}, "beds": {"value": beds, **stamp}}


def build(url: str, snapshot_days: int, rng: random.Random) -> dict[str, Any]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    with factory() as session:
        session.info["scope"] = Scope.system("bench setup")
        system = CareSystem(name="Bench ICS", icb_ods_code="QBV")
        session.add(system)
        session.flush()
        place = Place(system_id=system.id, name="Bench place", gss_code="E08000991")
        session.add(place)
        session.flush()
        icb = Organisation(system_id=system.id, name="Bench ICB", type=OrganisationType.ICB, ods_code="QBV")
        trust = Organisation(system_id=system.id, name="Bench trust", type=OrganisationType.ACUTE_TRUST, ods_code="R0A")
        session.add_all([icb, trust])
        session.flush()
        org_ids = [str(uuid.uuid4()) for _ in range(ORGS)]
        session.execute(
            insert(Organisation),
            [
                {
                    "id": oid,
                    "system_id": system.id,
                    "place_id": place.id,
                    "name": f"Provider {i}",
                    "type": OrganisationType.CARE_HOME_PROVIDER,
                    "synthetic": True,
                    "active": True,
                }
                for i, oid in enumerate(org_ids)
            ],
        )
        services, currents = [], []
        for i in range(SERVICES):
            sid, oid = str(uuid.uuid4()), org_ids[i % ORGS]
            services.append(
                {
                    "id": sid,
                    "organisation_id": oid,
                    "system_id": system.id,
                    "place_id": place.id,
                    "provider_service_id": f"s{i}",
                    "name": f"Service {i}",
                    "kind": "care_home",
                    "latitude": 53.4 + rng.uniform(-0.05, 0.05),
                    "longitude": -2.33 + rng.uniform(-0.08, 0.08),
                    "synthetic": True,
                    "active": True,
                    "identity_status": "verified",
                }
            )
            sections = _sections(rng, now - timedelta(minutes=rng.randint(1, 60 * 30)))
            currents.append(
                {
                    "service_id": sid,
                    "organisation_id": oid,
                    "system_id": system.id,
                    "sections": sections,
                    "as_of": now - timedelta(minutes=rng.randint(1, 600)),
                    "status": "accepting",
                    "offered_types": ",",
                    "accepting_types": ",",
                    "skills": ",",
                    "funding": ",",
                    "areas": ",",
                    "vacant_accepting": 0,
                }
            )
        for start in range(0, SERVICES, 5000):
            session.execute(insert(CapacityService), services[start : start + 5000])
            session.execute(insert(CapacityCurrent), currents[start : start + 5000])
        import_trust_history(session, data_dir=DATA / "england_r0a", trust_code="R0A")
        _discharge_rows(session, trust, services, rng)
        user = User(email="icb-commissioner@bench.test", display_name="Bench commissioner", password_hash=None)
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, organisation_id=icb.id, system_id=system.id, role=Role.COMMISSIONER))
        session.flush()
        actor = Principal(
            kind="user",
            actor_id=user.id,
            role=Role.PROVIDER_MANAGER,
            organisation_id=org_ids[0],
            system_id=system.id,
            visible_organisation_ids=frozenset({org_ids[0]}),
        )
        _, key = credentials.create_api_key(
            session,
            actor=actor,
            organisation_id=org_ids[0],
            data=schemas.CredentialIn(name="bench", access=AccessLevel.READ_WRITE),
        )
        session.commit()
        ids = {
            "system_id": system.id,
            "place_id": place.id,
            "trust_id": trust.id,
            "user_id": user.id,
            "provider_id": org_ids[0],
            "key": key,
        }
    # A year of daily snapshots, generated in the database: 3,000 organisations x days x 5 care types.
    start = (now.date() - timedelta(days=snapshot_days)).isoformat()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO visibility_capacity_snapshots "
                "(organisation_id, system_id, place_id, day, care_type, free, services) "
                "SELECT o.id, o.system_id, o.place_id, d::date, t, floor(random() * 20), 10 "
                "FROM organisations o "
                "CROSS JOIN generate_series(CAST(:start AS date), CAST(:end AS date) - 1, interval '1 day') d "
                "CROSS JOIN unnest(ARRAY['homecare','reablement','bedded_rehab','residential','nursing']) t "
                "WHERE o.type = 'care_home_provider'"
            ),
            {"start": start, "end": now.date().isoformat()},
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return ids


def _client(app: Any, url: str, user_id: str) -> TestClient:
    settings = app.state.joinedup.settings
    factory = make_session_factory(make_engine(url))
    with factory() as session:
        session.info["scope"] = Scope.system("bench sign-in")
        user = session.get(User, user_id)
        assert user is not None
        membership = auth_service.default_membership(user)
        token, _ = auth_service.start_web_session(
            session, settings, user=user, membership_id=membership.id if membership else None
        )
        session.commit()
    client = TestClient(app, raise_server_exceptions=True)
    client.cookies.set(SESSION_COOKIE, token)
    return client


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


def timed(client: TestClient, path: str, n: int) -> tuple[list[float], float]:
    first = time.perf_counter()
    r = client.get(path)
    cold = (time.perf_counter() - first) * 1000
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    return out, cold


def event_delay(app: Any, key: str, user_cookie: str, n: int) -> list[float]:
    delays: list[float] = []
    with serve(app) as base:
        received: dict[str, float] = {}
        ready = threading.Event()

        def listen() -> None:
            params = {"topic": "capacity.updated", "max_seconds": 10 + n}
            with httpx.stream(
                "GET", f"{base}/api/v1/events", params=params, cookies={SESSION_COOKIE: user_cookie}, timeout=30 + n
            ) as r:
                for line in r.iter_lines():
                    if line.startswith("event: ready"):
                        ready.set()
                    elif line.startswith("data:") and '"capacity.updated"' in line:
                        payload = json.loads(line[5:])
                        at = time.perf_counter()
                        # One event per service per batch, naming every update it carried.
                        for uid in payload["payload"].get("update_ids", []):
                            received[str(uid)] = at
                        if len(received) >= n:
                            return

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        assert ready.wait(15), "event stream did not open"
        provider = httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30)
        assert (
            provider.put("/api/v1/capacity/services/s0-bench", json={"name": "Bench", "kind": "care_home"}).status_code
            < 300
        )
        sent: dict[str, float] = {}
        for i in range(n):
            uid = f"bench-{i}-{uuid.uuid4().hex[:6]}"
            as_of = datetime.now(UTC) - timedelta(seconds=5)
            body = {
                "updates": [
                    {
                        "update_id": uid,
                        "provider_service_id": "s0-bench",
                        "as_of": as_of.isoformat(),
                        "source_system": "bench",
                        "status": "accepting",
                        "beds": [
                            {
                                "bed_type": "nursing",
                                "physical": 10,
                                "staffed": 10,
                                "occupied": 10 - i % 5,
                                "reserved": 0,
                                "vacant": i % 5,
                                "accepting_admissions": i % 5,
                            }
                        ],
                    }
                ]
            }
            sent[uid] = time.perf_counter()
            r = provider.post("/api/v1/capacity/updates", json=body)
            assert r.status_code < 300, r.text
            time.sleep(0.05)
        thread.join(15)
        provider.close()
        delays = [(received[uid] - t) * 1000 for uid, t in sent.items() if uid in received]
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="28 days of snapshots and fewer samples (under a minute)")
    args = parser.parse_args()
    rng = random.Random(5)
    days, samples, events = (28, 20, 20) if args.quick else (365, 100, 100)
    started = time.perf_counter()
    with fresh_database("postgresql", prefix="bench_visibility") as url:
        ids = build(url, days, rng)
        built = time.perf_counter() - started
        settings = Settings(database_url=url, environment="test", secret_key="v" * 48, outbox_poll_seconds=0.5)
        app = create_app(settings)
        previous = visibility.use_discharge_source(DischargeRecords())
        try:
            with _client(app, url, ids["user_id"]) as client:
                baseline, _ = timed(client, "/api/v1/health", samples)
                system, system_cold = timed(client, "/visibility", samples)
                provider, provider_cold = timed(client, f"/visibility/organisations/{ids['trust_id']}", samples)
                care_home, _ = timed(client, f"/visibility/organisations/{ids['provider_id']}", samples)
                cookie = client.cookies.get(SESSION_COOKIE)
                assert cookie
            delays = event_delay(app, ids["key"], cookie, events)
        finally:
            visibility.use_discharge_source(previous)
    figures = {
        "services": SERVICES,
        "organisations": ORGS,
        "snapshot_days": days,
        "waiting_patients": PATIENTS,
        "build_s": round(built, 1),
        "baseline_health_p95_ms": round(p95(baseline), 1),
        "pg_system_page_cold_ms": round(system_cold, 1),
        "pg_system_page_p95_ms": round(p95(system), 1),
        "pg_provider_page_cold_ms": round(provider_cold, 1),
        "pg_provider_page_p95_ms": round(p95(provider), 1),
        "pg_care_home_page_p95_ms": round(p95(care_home), 1),
        "pg_system_page_median_ms": round(statistics.median(system), 1),
        "pg_provider_page_median_ms": round(statistics.median(provider), 1),
        "baseline_health_median_ms": round(statistics.median(baseline), 1),
        "event_delay_p95_ms": round(p95(delays), 1) if delays else None,
        "events_received": len(delays),
        "events_sent": events,
    }
    print(
        f"system page p95 {figures['pg_system_page_p95_ms']} ms (target 300), provider page p95 "
        f"{figures['pg_provider_page_p95_ms']} ms (target 300), event delay p95 {figures['event_delay_p95_ms']} ms "
        f"(target 1000); baseline /health p95 {figures['baseline_health_p95_ms']} ms"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
