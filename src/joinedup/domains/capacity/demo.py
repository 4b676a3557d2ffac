"""Synthetic capacity for the demo: realistic bed counts, homecare hours and reablement places.

Used by the Trafford seed (one starting report per service) and by `joinedup simulate-capacity`
(which keeps them changing). Every value is generated and marked synthetic.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.clock import utcnow
from joinedup.domains.capacity import schemas, service
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.organisations import service as organisations
from joinedup.domains.organisations.schemas import OrganisationType, SiteRef
from joinedup.geo import lookup

SOURCE = "joinedup demo simulator (synthetic)"
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS = ALL_DAYS[:5]


def _bed(rng: random.Random, bed_type: str, physical: int, occupied: int | None = None) -> dict[str, Any]:
    staffed = max(0, physical - rng.choice([0, 0, 0, 1, 2]))  # a 1-bed respite unit may be unstaffed
    occupied = max(0, min(staffed, occupied if occupied is not None else staffed - rng.randint(0, 4)))
    vacant = staffed - occupied
    reserved = min(vacant, rng.choice([0, 0, 1]))
    accepting = max(0, vacant - reserved - rng.choice([0, 0, 1]))
    return {
        "bed_type": bed_type,
        "physical": physical,
        "staffed": staffed,
        "occupied": occupied,
        "reserved": reserved,
        "vacant": vacant,
        "accepting_admissions": accepting,
    }


def _status(beds: list[dict[str, Any]], rng: random.Random) -> tuple[str, str | None]:
    if sum(b["accepting_admissions"] for b in beds) > 0:
        return "accepting", None
    return rng.choice([("not_accepting", "No vacancies at present"), ("waitlist", "Waiting list open")])


def care_home_update(rng: random.Random, cqc_type: str, as_of: datetime, uid: str, psid: str) -> dict[str, Any]:
    nursing = "Nursing" in cqc_type
    beds = [_bed(rng, "nursing" if nursing else "residential", rng.randint(20, 70))]
    if rng.random() < 0.5:
        beds.append(_bed(rng, "dementia_nursing" if nursing else "dementia_residential", rng.randint(6, 20)))
    if rng.random() < 0.3:
        beds.append(_bed(rng, "respite", rng.randint(1, 4)))
    if nursing and rng.random() < 0.3:
        beds.append(_bed(rng, "discharge_to_assess", rng.randint(2, 6)))
    status, note = _status(beds, rng)
    return {
        "update_id": uid,
        "provider_service_id": psid,
        "as_of": as_of,
        "source_system": SOURCE,
        "status": status,
        "note": note,
        "beds": beds,
        "admission_rules": {
            "days": ALL_DAYS if rng.random() < 0.4 else WEEKDAYS,
            "from_time": "09:00:00",
            "to_time": rng.choice(["17:00:00", "19:00:00", "20:00:00"]),
            "funding": rng.choice(
                [["council", "self_funder"], ["council", "nhs_continuing_healthcare", "self_funder"]]
            ),
        },
    }


def homecare_update(rng: random.Random, district: str, as_of: datetime, uid: str, psid: str) -> dict[str, Any]:
    districts = sorted({district, *rng.sample(["M32", "M33", "M41", "WA14", "WA15", "M16", "M31", "WA13"], 2)})
    skills = [s for s in ("double_up", "dementia", "end_of_life", "delegated_healthcare_tasks") if rng.random() < 0.5]
    slots: list[dict[str, Any]] = [
        {
            "postcode_districts": districts,
            "time_band": band,
            "spare_hours_per_week": float(rng.choice([0, 0, 3, 5, 7.5, 10, 14])),
            "skills": skills,
            "earliest_start": (as_of.date() + timedelta(days=rng.randint(0, 10))).isoformat(),
        }
        for band in ("morning", "lunch", "tea", "evening")
    ]
    accepting = any(s["spare_hours_per_week"] > 0 for s in slots)
    return {
        "update_id": uid,
        "provider_service_id": psid,
        "as_of": as_of,
        "source_system": SOURCE,
        "status": "accepting" if accepting else "not_accepting",
        "homecare": slots,
        "admission_rules": {"days": WEEKDAYS, "from_time": "08:00:00", "to_time": "18:00:00", "funding": ["council"]},
    }


def reablement_update(rng: random.Random, as_of: datetime, uid: str, psid: str) -> dict[str, Any]:
    return {
        "update_id": uid,
        "provider_service_id": psid,
        "as_of": as_of,
        "source_system": SOURCE,
        "status": "accepting",
        "reablement": [
            {"pathway": 1, "places": rng.randint(0, 8), "hours_per_week": float(rng.randint(0, 60))},
            {"pathway": 2, "places": rng.randint(0, 4)},
        ],
    }


def _cqc_types(data_dir: Path) -> dict[str, str]:
    with (data_dir / "care_homes.csv").open(newline="", encoding="utf-8") as fh:
        return {r["cqc_id"].strip(): r["type"] for r in csv.DictReader(fh)}


def next_update(
    rng: random.Random, svc: CapacityService, current: CapacityCurrent | None, as_of: datetime, uid: str
) -> dict[str, Any]:
    """A plausible next report for a service: a bed or two admitted or discharged, hours shifting."""
    psid = svc.provider_service_id
    if svc.kind == schemas.ServiceKind.HOMECARE.value:
        return homecare_update(rng, svc.postcode_district or "M41", as_of, uid, psid)
    if svc.kind == schemas.ServiceKind.REABLEMENT.value:
        return reablement_update(rng, as_of, uid, psid)
    held = (current.sections.get("beds") or {}).get("value") if current else None
    if not held:
        return care_home_update(rng, "Residential homes", as_of, uid, psid)
    beds = [
        _bed(rng, b["bed_type"], b["physical"], max(0, min(b["physical"], b["occupied"] + rng.choice([-1, 0, 0, 1]))))
        for b in held
    ]
    status, note = _status(beds, rng)
    return {
        "update_id": uid,
        "provider_service_id": psid,
        "as_of": as_of,
        "source_system": SOURCE,
        "status": status,
        "note": note,
        "beds": beds,
    }


def seed_capacity(session: Session, *, settings: Settings, data_dir: Path, seed: int) -> int:
    """One service per provider organisation with a first synthetic report. Idempotent."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    cqc_types = _cqc_types(data_dir)
    now = utcnow()
    added = 0
    orgs = organisations.find_organisations(
        session, types=[OrganisationType(t) for t in service.KIND_FOR_ORG], active_only=True
    )
    first_site: dict[str, SiteRef] = {}
    for found in organisations.sites_of(session, organisation_ids=[o.id for o in orgs]):
        first_site.setdefault(found.organisation_id, found)
    for org in orgs:
        psid = org.cqc_location_id or f"svc-{org.id[:8]}"
        exists = session.scalar(
            select(CapacityService.id).where(
                CapacityService.organisation_id == org.id, CapacityService.provider_service_id == psid
            )
        )
        if exists:
            continue
        site = first_site.get(org.id)
        postcode = site.postcode if site else None
        try:
            district = lookup.district(postcode) if postcode else None
        except ValueError:
            postcode, district = None, None
        svc = CapacityService(
            organisation_id=org.id,
            system_id=org.system_id,
            place_id=org.place_id,
            provider_service_id=psid,
            name=org.name,
            kind=service.KIND_FOR_ORG[org.type.value].value,
            postcode=postcode,
            postcode_district=district,
            latitude=site.latitude if site else None,
            longitude=site.longitude if site else None,
            cqc_location_id=org.cqc_location_id,
            synthetic=True,
            identity_status="verified",  # the register's own location, as the register names it
        )
        session.add(svc)
        session.flush()
        # Most reports are recent; a few are days old, so the demo shows stale data too.
        age = timedelta(hours=rng.choice([0.2, 1, 3, 6, 12, 20, 30, 50]) if rng.random() < 0.9 else 80)
        as_of = now - age
        uid = f"seed-{psid}"
        if org.type is OrganisationType.CARE_HOME_PROVIDER:
            body = care_home_update(
                rng, cqc_types.get(org.cqc_location_id or "", "Residential homes"), as_of, uid, psid
            )
        else:
            body = next_update(rng, svc, None, as_of, uid)
        update = schemas.CapacityUpdate.model_validate(body)
        service.ingest_for(session, actor=None, org=org, settings=settings, updates=[update], now=now)
        added += 1
    return added
