"""A synthetic ward list for Manchester University NHS FT, calibrated to its published figures.

Size: a tenth of the trust's mean daily patients not meeting the criteria to reside (the demo
hub is one part of a very large trust), with a week of discharges at the published daily rate
(also a tenth), so the sitrep counts have a history. Each waiting patient's primary delay reason
is drawn from the trust's published delay-reason counts, and the pathway follows the reason
(a "Pathway 3" reason gives a care home placement). Days since ready follow the published ratio
of waiting patients to discharges. Every record is marked synthetic; NHS numbers are drawn from
the 999 range, which is never issued.
"""

from __future__ import annotations

import csv
import random
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.clock import UK, utcnow
from joinedup.domains.capacity import service as capacity
from joinedup.domains.discharge import nhs_number
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS
from joinedup.domains.discharge.models import (
    DischargeAssessment,
    DischargeDelay,
    DischargePatient,
    DischargeServiceProfile,
)
from joinedup.domains.discharge.schemas import AssessmentIn, uk_today
from joinedup.domains.organisations import service as organisations
from joinedup.geo import lookup

SCALE = 0.1
FIRST = [
    "Margaret",
    "John",
    "Patricia",
    "David",
    "Joan",
    "Peter",
    "Barbara",
    "Brian",
    "Jean",
    "Alan",
    "Dorothy",
    "Keith",
    "Irene",
    "Derek",
    "Sheila",
    "Ronald",
    "Maureen",
    "Kenneth",
    "Eileen",
    "Roy",
]
LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Roberts",
    "Hughes",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Lees",
    "Holt",
    "Barlow",
    "Ashworth",
    "Kershaw",
]
WARDS = [
    "Ward 2",
    "Ward 4",
    "Ward 5",
    "Ward 12",
    "Acute Medical Unit",
    "Elderly Care 1",
    "Elderly Care 2",
    "Stroke Unit",
    "Orthopaedic Ward",
    "Respiratory Ward",
]
RATINGS = ["good"] * 14 + ["outstanding"] + ["requires_improvement"] * 4 + ["inadequate"]


def _calibration(data_dir: Path) -> tuple[float, float, dict[str, float]]:
    nctr = discharged = 0.0
    reasons: dict[str, float] = {}
    with (data_dir / "mft_discharge_calibration.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["measure"] == "do_not_meet_criteria_to_reside_daily_mean":
                nctr = float(row["value"])
            elif row["measure"] == "discharged_total_daily_mean":
                discharged = float(row["value"])
            elif row["measure"] == "delay_count":
                reasons[row["reason_code"]] = float(row["value"])
    return nctr, discharged, reasons


def _pathway_for(code: str, rng: random.Random) -> str:
    label = DELAY_REASONS[code].display
    match = re.search(r"\(Pathway ([0-9])(?:(?: or |-)([0-9]))?\)", label)
    if match:
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        pathway = rng.randint(low, high) if "-" in label[match.start() : match.end()] else rng.choice([low, high])
    else:
        pathway = rng.choices([1, 2, 3], weights=[50, 25, 25])[0]
    return {
        0: "P0",
        1: rng.choice(["P1_reablement", "P1_reablement", "P1_new_care"]),
        2: "P2_rehab_bed",
        3: rng.choice(["P3_new_placement"] * 5 + ["P3b", "P3_end_of_life"]),
    }[pathway]


def _assessment(pathway: str, rng: random.Random, start: Any) -> dict[str, Any]:
    dementia = rng.random() < 0.3
    two = rng.random() < 0.25
    if pathway.startswith("P3"):
        care_type = (
            ("dementia_nursing" if rng.random() < 0.5 else "dementia_residential")
            if dementia
            else rng.choice(["nursing", "residential"])
        )
        hours = None
    elif pathway.startswith("P2"):
        care_type, hours = rng.choice(["discharge_to_assess", "reablement_pathway_2"]), None
    elif pathway == "P1_reablement":
        care_type, hours = "reablement_pathway_1", None
    else:
        care_type, hours = "homecare", float(rng.choice([7, 10.5, 14, 21]))
    return AssessmentIn.model_validate(
        {
            "needs": {
                "mobility": "two_to_transfer" if two else rng.choice(["walking_aid", "one_to_transfer", "independent"]),
                "personal_care": rng.choice(["some", "full", "some"]),
                "continence": rng.choice(["continent", "occasional", "incontinent"]),
                "nutrition": rng.choice(["independent", "needs_help"]),
                "medication_support": rng.choice(["prompt", "administer", "self"]),
                "cognition": "dementia" if dementia else rng.choice(["no_impairment", "mild"]),
                "behaviour": rng.choice(["none", "none", "occasional"]),
                "skin_integrity": rng.choice(["intact", "at_risk"]),
                "equipment": rng.sample(
                    ["walking_frame", "commode", "pressure_mattress", "hoist"], k=rng.randint(0, 2)
                ),
                "carers_needed": 2 if two else 1,
            },
            "care_type": care_type,
            "hours_per_week": hours,
            "start_date": start.isoformat(),
            "funding": rng.choices(["council", "self_funder", "nhs_continuing_healthcare"], weights=[70, 20, 10])[0],
            "preferences": {"max_distance_km": 10},
            "risks": rng.choice([None, "Falls risk", "Lives alone", "Carer breakdown"]),
        },
        context={"stored": True},
    ).model_dump(mode="json")


def seed_ward_list(session: Session, *, data_dir: Path, seed: int, trust_ods: str = "R0A") -> int:
    """Synthetic patients for the trust (idempotent: nothing is added if it has any). Returns how many."""
    trust = organisations.organisation_by_ods(session, ods_code=trust_ods)
    if trust is None:
        return 0
    if session.scalars(
        select(DischargePatient.id).where(DischargePatient.organisation_id == trust.id).limit(1)
    ).first():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    nctr, discharged_per_day, reason_counts = _calibration(data_dir)
    waiting = max(10, round(nctr * SCALE))
    per_day = max(1, round(discharged_per_day * SCALE))
    mean_wait = max(1.0, nctr / max(discharged_per_day, 1.0))
    with (data_dir / "postcodes.csv").open(newline="", encoding="utf-8") as fh:
        postcodes = [r["postcode"] for r in csv.DictReader(fh)]
    codes = [c for c in reason_counts if reason_counts[c] > 0]
    weights = [reason_counts[c] for c in codes]
    today = uk_today()
    stem = iter(range(999_000_001, 999_999_999, 13))
    added = 0

    def new_patient(ready: Any, pathway: str) -> DischargePatient:
        nonlocal added
        while True:
            nine = str(next(stem))
            digit = nhs_number.check_digit(nine)
            if digit is not None:
                break
        postcode = rng.choice(postcodes)
        point = lookup.locate(postcode)
        admitted = ready - timedelta(days=rng.randint(1, 14))
        p = DischargePatient(
            organisation_id=trust.id,
            system_id=trust.system_id,
            nhs_number=f"{nine}{digit}",
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            ward=rng.choice(WARDS),
            admitted_on=admitted,
            discharge_ready_on=ready,
            pathway=pathway,
            home_postcode=postcode,
            home_latitude=point.latitude if point else None,
            home_longitude=point.longitude if point else None,
            status="in_hospital",
            synthetic=True,
        )
        session.add(p)
        added += 1
        return p

    now = utcnow()
    for _ in range(waiting):
        code = rng.choices(codes, weights=weights)[0]
        pathway = _pathway_for(code, rng)
        # Longer waits for care home places than for hospital processes.
        scale = mean_wait * (3.0 if code.startswith(("C", "I")) and pathway.startswith(("P2", "P3")) else 1.0)
        ready = today - timedelta(days=min(60, int(rng.expovariate(1 / scale))))
        p = new_patient(ready, pathway)
        session.flush()
        session.add(
            DischargeDelay(organisation_id=trust.id, patient_id=p.id, reason_code=code, primary=True, started_on=ready)
        )
        if rng.random() < 0.3:
            other = rng.choices(codes, weights=weights)[0]
            if other != code:
                session.add(
                    DischargeDelay(organisation_id=trust.id, patient_id=p.id, reason_code=other, started_on=ready)
                )
        if code.startswith(("C", "I")) and pathway != "P0":
            content = _assessment(pathway, rng, today)
            session.add(
                DischargeAssessment(
                    organisation_id=trust.id,
                    patient_id=p.id,
                    version=1,
                    created_at=now,
                    care_type=content["care_type"],
                    start_date=today,
                    funding=content["funding"],
                    content=content,
                )
            )
    # A week of discharges, so the daily counts have a history.
    for days_ago in range(1, 8):
        day = today - timedelta(days=days_ago)
        for _ in range(per_day):
            pathway = rng.choices(["P0", "P1_reablement", "P2_rehab_bed", "P3_new_placement"], weights=[50, 35, 10, 5])[
                0
            ]
            p = new_patient(day - timedelta(days=min(30, int(rng.expovariate(1 / mean_wait)))), pathway)
            p.status = "discharged"
            hour = rng.choice([10, 12, 14, 15, 16, 16, 17, 18, 19, 20])
            p.discharged_at = datetime.combine(day, time(hour, rng.randint(0, 59)), tzinfo=UK)
    _rate_services(session, rng)
    session.flush()
    return added


def _rate_services(session: Session, rng: random.Random) -> None:
    """CQC-style ratings for matching to rank by (synthetic, like the capacity figures)."""
    rated = set(session.scalars(select(DischargeServiceProfile.service_id)))
    for service in capacity.list_service_summaries(session):
        if service.id not in rated:
            session.add(
                DischargeServiceProfile(
                    service_id=service.id,
                    organisation_id=service.organisation_id,
                    cqc_rating=rng.choice(RATINGS),
                    trusted_assessor=rng.random() < 0.6,
                )
            )
