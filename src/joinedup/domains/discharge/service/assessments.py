"""The shared assessment: versioned (a change adds a version), every view of it audited."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_access
from joinedup.core.clock import utcnow
from joinedup.domains.discharge.models import DischargeAssessment
from joinedup.domains.discharge.schemas.assessments import AssessmentIn, AssessmentOut
from joinedup.domains.discharge.schemas.events import ASSESSMENT_ADDED
from joinedup.domains.discharge.service.access import lock_patient, require_in_hospital
from joinedup.domains.discharge.service.patients import get_patient
from joinedup.domains.discharge.service.recording import patient_changed


class AssessmentSaved(NamedTuple):
    """The latest version after a save, and whether the save added it."""

    row: DischargeAssessment
    added: bool


def add_assessment(session: Session, *, actor: Principal, patient_id: str, data: AssessmentIn) -> DischargeAssessment:
    """A new version, always (the API's POST)."""
    return _save(session, actor, patient_id, data, unless_unchanged=False).row


def save_assessment(session: Session, *, actor: Principal, patient_id: str, data: AssessmentIn) -> AssessmentSaved:
    """A new version only if it differs from the latest: saving the same answers again is not a
    change, so nothing is added or recorded (the page says so)."""
    return _save(session, actor, patient_id, data, unless_unchanged=True)


def _save(
    session: Session, actor: Principal, patient_id: str, data: AssessmentIn, *, unless_unchanged: bool
) -> AssessmentSaved:
    patient = lock_patient(session, patient_id, actor=actor)
    require_in_hospital(patient)
    latest = latest_assessment(session, patient.id)
    if unless_unchanged and latest is not None and latest.content == data.model_dump(mode="json"):
        return AssessmentSaved(latest, added=False)
    version = (latest.version if latest else 0) + 1
    row = DischargeAssessment(
        organisation_id=patient.organisation_id,
        patient_id=patient.id,
        version=version,
        assessed_by=actor.user_id,
        created_at=utcnow(),
        care_type=data.care_type.value,
        start_date=data.start_date,
        funding=data.funding.value,
        content=data.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    patient_changed(
        session,
        actor,
        patient,
        action="discharge_assessment.create",
        topic=ASSESSMENT_ADDED,
        record_type="discharge_assessment",
        record_id=row.id,
        detail={"version": version, "patient_id": patient.id},
        version=version,
    )
    return AssessmentSaved(row, added=True)


def latest_assessment(session: Session, patient_id: str) -> DischargeAssessment | None:
    return session.scalars(
        select(DischargeAssessment)
        .where(DischargeAssessment.patient_id == patient_id)
        .order_by(DischargeAssessment.version.desc())
        .limit(1)
    ).first()


def assessment_versions(session: Session, *, actor: Principal, patient_id: str) -> list[DischargeAssessment]:
    """Every version, newest first; the newest is what the caller reads, so that view is audited."""
    patient = get_patient(session, actor=actor, patient_id=patient_id, audit_read=False)
    rows = list(
        session.scalars(
            select(DischargeAssessment)
            .where(DischargeAssessment.patient_id == patient.id)
            .order_by(DischargeAssessment.version.desc())
        )
    )
    for row in rows[:1]:
        audit_assessment_view(session, actor, row)
    return rows


def audit_assessment_view(session: Session, actor: Principal, row: DischargeAssessment) -> None:
    record_access(
        session,
        actor=actor,
        action="discharge_assessment.read",
        record_type="discharge_assessment",
        record_id=row.id,
        organisation_id=row.organisation_id,
        personal_data=True,
        detail={"version": row.version},
    )


def assessment_data(row: DischargeAssessment) -> AssessmentIn:
    """A stored version: checked when entered, not re-judged against today."""
    return AssessmentIn.model_validate(row.content, context={"stored": True})


def assessment_out(row: DischargeAssessment) -> AssessmentOut:
    data = assessment_data(row)
    return AssessmentOut(
        **data.model_dump(),
        id=row.id,
        patient_id=row.patient_id,
        version=row.version,
        created_at=row.created_at,
        required=sorted(data.required_skills()),
    )
