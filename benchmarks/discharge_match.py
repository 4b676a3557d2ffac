"""Discharge matching latency: rank every service for one patient's assessed needs, with reasons,
over 30,000 services while 5,000 patients wait (their referrals, offers and held places counted),
through the real matching path (tenancy-scoped session, SQL prefilter on care type, area box,
then per-service checks and the capacity already promised).

    PYTHONPATH=src python benchmarks/discharge_match.py            # full run (300 matches)
    PYTHONPATH=src python benchmarks/discharge_match.py --quick    # under a minute (60 matches)

Services are spread over England as in the capacity benchmarks; a homecare branch covers the
0.1-degree cell it is in and the eight around it (postcode-district-shaped codes), so homecare
is as local as care homes. The caller is the hub of a hospital that sees all 3,000 provider organisations of its system.
Baseline, measured in the same run on the same data: the capacity search a coordinator would
run by hand (care type, 20 km, accepting now), which gives no reasons and ignores needs.
PostgreSQL from JOINEDUP_BENCH_POSTGRES_URL (a database is created and dropped). The last line
printed is one JSON object. Target (issue #4): p95 <= 50 ms.
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
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from joinedup.core.permissions import Role
from joinedup.db.session import make_engine, make_session_factory
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import schemas, service
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.discharge.models import (
    DischargeAssessment,
    DischargeHold,
    DischargePatient,
    DischargeReferral,
    DischargeServiceProfile,
)
from joinedup.domains.discharge.schemas import AssessmentIn, uk_today
from joinedup.domains.discharge.service import matches as matching
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.schemas import OrganisationType

SERVICES = 30_000
PATIENTS = 5_000
ORGS = 3_000
BED_TYPES = ["residential", "nursing", "dementia_residential", "dementia_nursing", "respite"]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def district(lat: float, lon: float, di: int = 0, dj: int = 0) -> str:
    """A postcode-district-shaped code ("AB3") for a 0.1-degree cell: homecare is local, so
    areas follow geography as they do in England."""
    idx = (int((lat - 50.8) / 0.1) + di) * 40 + int((lon + 2.8) / 0.1) + dj
    return f"{LETTERS[idx // 260 % 26]}{LETTERS[idx // 10 % 26]}{idx % 10}"


def around(lat: float, lon: float) -> list[str]:
    """A branch's own cell and the eight around it."""
    return sorted({district(lat, lon, di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1)})


RULES = {
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "from_time": "00:00:00",
    "to_time": "23:59:59",
    "funding": ["council", "self_funder"],
}


def _sections(rng: random.Random, kind: str, as_of: datetime, uid: str, areas: list[str]) -> dict[str, Any]:
    stamp = {"as_of": as_of.isoformat(), "source_system": "bench", "update_id": uid}
    status = "accepting" if rng.random() < 0.7 else "not_accepting"
    out: dict[str, Any] = {
        "status": {"value": {"status": status, "note": None}, **stamp},
        "admission_rules": {"value": RULES, **stamp},
    }
    if kind == "care_home":
        out["beds"] = {"value": [bed(rng, t) for t in rng.sample(BED_TYPES, rng.randint(1, 3))], **stamp}
    elif kind == "homecare":
        out["homecare"] = {
            "value": [
                {
                    "postcode_districts": areas,
                    "lsoa_codes": [],
                    "time_band": "morning",
                    "spare_hours_per_week": rng.choice([0, 5, 10, 20, 40]),
                    "skills": rng.sample(["double_up", "dementia", "end_of_life"], rng.randint(0, 2)),
                    "earliest_start": uk_today().isoformat(),
                }
            ],
            **stamp,
        }
    else:
        out["reablement"] = {"value": [{"pathway": 1, "places": rng.randint(0, 5), "hours_per_week": None}], **stamp}
    return out


def _assessment(rng: random.Random, care_type: str, area: str) -> dict[str, Any]:
    return AssessmentIn.model_validate(
        {
            "needs": {
                "mobility": rng.choice(["walking_aid", "one_to_transfer", "two_to_transfer"]),
                "personal_care": "some",
                "continence": "occasional",
                "nutrition": "independent",
                "medication_support": "prompt",
                "cognition": rng.choice(["no_impairment", "mild", "dementia"]),
                "behaviour": "none",
                "skin_integrity": "intact",
                "carers_needed": rng.choice([1, 1, 2]),
            },
            "care_type": care_type,
            "hours_per_week": 14 if care_type == "homecare" else None,
            "start_date": uk_today().isoformat(),
            "funding": "council",
            "preferences": {"max_distance_km": 20, "areas": [area]},
        },
        context={"stored": True},
    ).model_dump(mode="json")


def build(url: str, rng: random.Random) -> tuple[str, str, list[str], list[str]]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    with factory() as session:
        session.info["scope"] = Scope.system("bench setup")
        system_id, org_ids = make_providers(session, ORGS)
        hospital = Organisation(system_id=system_id, name="Bench hospital", type=OrganisationType.ACUTE_TRUST)
        session.add(hospital)
        session.flush()
        services, currents, profiles = [], [], []
        for i in range(SERVICES):
            sid, oid = str(uuid.uuid4()), org_ids[i % ORGS]
            kind = rng.choices(["care_home", "homecare", "reablement"], weights=[70, 20, 10])[0]
            lat, lon = rng.uniform(50.8, 54.8), rng.uniform(-2.8, 0.5)
            services.append(
                {
                    "id": sid,
                    "organisation_id": oid,
                    "system_id": system_id,
                    "provider_service_id": f"s{i}",
                    "name": f"Service {i}",
                    "kind": kind,
                    "latitude": lat,
                    "longitude": lon,
                    "synthetic": True,
                    "active": True,
                    "identity_status": "verified",
                }
            )
            age = timedelta(minutes=rng.randint(1, 60 * 30))
            sections = _sections(rng, kind, now - age, f"u{i}", around(lat, lon))
            currents.append(current_row(sid, oid, system_id, kind, sections))
            profiles.append(
                {"service_id": sid, "organisation_id": oid, "cqc_rating": rng.choice(["good", "outstanding", None])}
            )
        for start in range(0, SERVICES, 5000):
            session.execute(insert(CapacityService), services[start : start + 5000])
            session.execute(insert(CapacityCurrent), currents[start : start + 5000])
            session.execute(insert(DischargeServiceProfile), profiles[start : start + 5000])
        patient_ids = _patients(session, rng, hospital, services, now)
        session.commit()
    engine.dispose()
    return system_id, hospital.id, org_ids, patient_ids


def _patients(
    session: Session, rng: random.Random, hospital: Organisation, services: list[dict[str, Any]], now: datetime
) -> list[str]:
    """5,000 waiting patients with assessments; some referred, offered, or holding a place."""
    patients, assessments, referrals, holds = [], [], [], []
    today = uk_today()
    care_homes = [s for s in services if s["kind"] == "care_home"]
    branches = [s for s in services if s["kind"] == "homecare"]
    for i in range(PATIENTS):
        pid, aid = str(uuid.uuid4()), str(uuid.uuid4())
        care_type = rng.choices(["nursing", "residential", "homecare", "dementia_nursing"], weights=[35, 30, 25, 10])[0]
        pathway = "P1_new_care" if care_type == "homecare" else "P3_new_placement"
        near = rng.choice(branches if care_type == "homecare" else care_homes)
        lat, lon = near["latitude"] + rng.uniform(-0.05, 0.05), near["longitude"] + rng.uniform(-0.05, 0.05)
        home = district(lat, lon)
        patients.append(
            {
                "id": pid,
                "organisation_id": hospital.id,
                "system_id": hospital.system_id,
                "nhs_number": f"{i:010d}",
                "name": f"Patient {i}",
                "ward": "Ward 1",
                "admitted_on": today - timedelta(days=10),
                "discharge_ready_on": today - timedelta(days=rng.randint(0, 9)),
                "pathway": pathway,
                "home_postcode": f"{home} 1AA",
                "home_latitude": lat,
                "home_longitude": lon,
                "status": "in_hospital",
                "synthetic": True,
                "lock_version": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        content = _assessment(rng, care_type, home)
        assessments.append(
            {
                "id": aid,
                "organisation_id": hospital.id,
                "patient_id": pid,
                "version": 1,
                "created_at": now,
                "care_type": care_type,
                "start_date": today,
                "funding": "council",
                "content": content,
            }
        )
        if care_type != "homecare" and rng.random() < 0.4:
            target = rng.choice(care_homes)
            rid = str(uuid.uuid4())
            state = rng.choice(["sent", "opened", "offered", "accepted"])
            referrals.append(
                {
                    "id": rid,
                    "hospital_organisation_id": hospital.id,
                    "provider_organisation_id": target["organisation_id"],
                    "system_id": hospital.system_id,
                    "patient_id": pid,
                    "service_id": target["id"],
                    "assessment_id": aid,
                    "round": 1,
                    "state": state,
                    "summary": {"care_type": care_type, "units": 1.0},
                    "offer_expires_at": now + timedelta(hours=12) if state == "offered" else None,
                    "messages": [],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if state == "accepted":
                holds.append(
                    {
                        "id": str(uuid.uuid4()),
                        "organisation_id": target["organisation_id"],
                        "service_id": target["id"],
                        "referral_id": rid,
                        "patient_id": pid,
                        "care_type": care_type,
                        "units": 1.0,
                        "created_at": now,
                    }
                )
    session.execute(insert(DischargePatient), patients)
    session.execute(insert(DischargeAssessment), assessments)
    if referrals:
        session.execute(insert(DischargeReferral), referrals)
    if holds:
        session.execute(insert(DischargeHold), holds)
    return [p["id"] for p in patients]


def measure(
    url: str, system_id: str, hospital_id: str, org_ids: list[str], patient_ids: list[str], n: int
) -> dict[str, Any]:
    rng = random.Random(11)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    settings = settings_for(url)
    actor = actor_for(system_id, hospital_id, visible=[hospital_id, *org_ids], role=Role.DISCHARGE_COORDINATOR)
    match_ms, search_ms, matched, considered = [], [], [], []
    for i in range(n + 10):
        pid = rng.choice(patient_ids)
        began = time.perf_counter()
        with factory() as session:
            session.info["scope"] = actor.scope
            patient, row = session.execute(
                select(DischargePatient, DischargeAssessment)
                .join(DischargeAssessment, DischargeAssessment.patient_id == DischargePatient.id)
                .where(DischargePatient.id == pid)
                .order_by(DischargeAssessment.version.desc())
                .limit(1)
            ).one()
            data = AssessmentIn.model_validate(row.content, context={"stored": True})
            result = matching.match(session, settings=settings, patient=patient, assessment=data, assessment_version=1)
        elapsed = (time.perf_counter() - began) * 1000
        lat, lon = patient.home_latitude, patient.home_longitude
        began = time.perf_counter()
        with factory() as session:
            session.info["scope"] = actor.scope
            query = service.SearchQuery(
                care_type=schemas.CareType(data.care_type.value),
                latitude=lat,
                longitude=lon,
                radius_km=20.0,
                accepting=True,
            )
            service.search(session, actor=actor, settings=settings, query=query, limit=50)
        baseline = (time.perf_counter() - began) * 1000
        if i >= 10:  # the first few warm the caches and connection pool
            match_ms.append(elapsed)
            search_ms.append(baseline)
            matched.append(len(result.matches))
            considered.append(result.considered)
    engine.dispose()

    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return round(values[int(q * (len(values) - 1))], 2)

    return {
        "p50_ms": round(statistics.median(match_ms), 2),
        "p95_ms": pct(match_ms, 0.95),
        "search_p50_ms": round(statistics.median(search_ms), 2),
        "search_p95_ms": pct(search_ms, 0.95),
        "mean_matches": round(statistics.mean(matched), 1),
        "mean_considered": round(statistics.mean(considered), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    args = parser.parse_args()
    n = 60 if args.quick else 300
    out: dict[str, Any] = {
        "benchmark": "discharge_match",
        "quick": args.quick,
        "services": SERVICES,
        "patients": PATIENTS,
    }
    rng = random.Random(3)
    with fresh_database("postgresql") as url:
        began = time.perf_counter()
        system_id, hospital_id, org_ids, patient_ids = build(url, rng)
        built = time.perf_counter() - began
        result = measure(url, system_id, hospital_id, org_ids, patient_ids, n)
    print(
        f"postgresql: built {SERVICES} services and {PATIENTS} waiting patients in {built:.1f} s; "
        f"match p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms "
        f"({result['mean_considered']} services checked, {result['mean_matches']} matches on average); "
        f"baseline capacity search p50 {result['search_p50_ms']} ms, p95 {result['search_p95_ms']} ms"
    )
    out.update(
        {
            "pg_match_p50_ms": result["p50_ms"],
            "pg_match_p95_ms": result["p95_ms"],
            "pg_baseline_search_p50_ms": result["search_p50_ms"],
            "pg_baseline_search_p95_ms": result["search_p95_ms"],
            "mean_services_checked": result["mean_considered"],
            "mean_matches": result["mean_matches"],
            "target_p95_ms": 50,
        }
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
