"""Patients from a CSV extract of the hospital's patient system, with a dry run.

Columns: nhs_number, name, hospital_number, ward, admitted_on, discharge_ready_on, pathway,
home_postcode, family_postcode. A stay is matched by NHS number and admission date: a known
stay is updated (ward, discharge ready date, pathway), a new one is added. Every row is checked
before any is stored; with errors, nothing is stored.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.errors import field_errors
from joinedup.domains.discharge import service
from joinedup.domains.discharge.models import DischargePatient
from joinedup.domains.discharge.schemas import ImportResult, PatientIn
from joinedup.domains.discharge.schemas.events import PATIENT_UPDATED

COLUMNS = (
    "nhs_number",
    "name",
    "hospital_number",
    "ward",
    "admitted_on",
    "discharge_ready_on",
    "pathway",
    "home_postcode",
    "family_postcode",
)
MAX_ROWS = 5000


def template() -> str:
    return ",".join(COLUMNS) + "\n"


def import_patients(session: Session, *, actor: Principal, text: str, dry_run: bool) -> ImportResult:
    hospital = service.hospital_for(session, actor)
    reader = csv.DictReader(io.StringIO(text))
    errors: list[dict[str, Any]] = []
    missing = [
        c for c in ("nhs_number", "name", "ward", "admitted_on", "pathway") if c not in (reader.fieldnames or [])
    ]
    if missing:
        return ImportResult(
            dry_run=dry_run,
            rows=0,
            created=0,
            updated=0,
            errors=[{"row": 1, "field": c, "message": "column missing", "code": "missing"} for c in missing],
        )
    parsed: list[tuple[int, PatientIn]] = []
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            errors.append({"row": line, "field": "", "message": f"at most {MAX_ROWS} rows", "code": "too_long"})
            break
        values = {k: (v or "").strip() or None for k, v in row.items() if k in COLUMNS}
        try:
            patient = PatientIn.model_validate(values)
        except ValidationError as exc:
            for e in field_errors(exc.errors()):
                errors.append({"row": line, "field": e.field, "message": e.message, "code": e.code})
            continue
        key = (patient.nhs_number, patient.admitted_on.isoformat())
        if key in seen:
            errors.append({"row": line, "field": "nhs_number", "message": "the same stay twice", "code": "duplicate"})
            continue
        seen.add(key)
        parsed.append((line, patient))
    known = {
        (p.nhs_number, p.admitted_on.isoformat()): p
        for p in session.scalars(
            select(DischargePatient).where(
                DischargePatient.organisation_id == hospital.id,
                DischargePatient.nhs_number.in_([p.nhs_number for _, p in parsed]),
            )
        )
    }
    created = sum(1 for _, p in parsed if (p.nhs_number, p.admitted_on.isoformat()) not in known)
    result = ImportResult(
        dry_run=dry_run,
        rows=len(parsed) + len({e["row"] for e in errors}),
        created=created,
        updated=len(parsed) - created,
        errors=errors,
    )
    if dry_run or errors:
        return result
    for _, data in parsed:
        existing = known.get((data.nhs_number, data.admitted_on.isoformat()))
        if existing is None:
            service.create_patient(session, actor=actor, data=data)
        elif existing.status == "in_hospital":
            existing.ward = data.ward
            existing.discharge_ready_on = data.discharge_ready_on
            existing.pathway = data.pathway.value
    # One row for the import (each new patient has its own from create_patient); the event tells
    # the ward list and the system picture that the hospital's patients changed.
    record_change(
        session,
        actor=actor,
        action="discharge_patient.import",
        topic=PATIENT_UPDATED,
        record_type="discharge_patient",
        record_id=None,
        organisation_id=hospital.id,
        system_id=hospital.system_id,
        personal_data=True,
        detail={"created": result.created, "updated": result.updated},
        payload={"created": result.created, "updated": result.updated},
    )
    return result
