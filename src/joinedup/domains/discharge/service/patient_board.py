"""The hospital's patient page in one read: the patient, the latest assessment, the matches for
it, the referrals so far, the delays, and whether a discharge may still be undone. One audited
read of the patient."""

from __future__ import annotations

from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.domains.discharge.engine import referral_steps as sm
from joinedup.domains.discharge.schemas.boards import PatientBoard
from joinedup.domains.discharge.schemas.delays import DelayOut
from joinedup.domains.discharge.schemas.patients import PatientOut
from joinedup.domains.discharge.service.assessments import assessment_data, assessment_out, latest_assessment
from joinedup.domains.discharge.service.delays import delays_of
from joinedup.domains.discharge.service.discharges import correctable
from joinedup.domains.discharge.service.matches import match
from joinedup.domains.discharge.service.patient_view import patient_out
from joinedup.domains.discharge.service.patients import get_patient
from joinedup.domains.discharge.service.referrals import hospital_referrals, referral_out


def patient_summary(session: Session, *, actor: Principal, patient_id: str) -> PatientOut:
    """The patient as the ward list shows them (a question before a step names whom it is about);
    the read is audited."""
    return patient_out(session, get_patient(session, actor=actor, patient_id=patient_id))


def patient_board(session: Session, *, actor: Principal, settings: Settings, patient_id: str) -> PatientBoard:
    patient = get_patient(session, actor=actor, patient_id=patient_id)
    latest = latest_assessment(session, patient.id)
    found = None
    if latest is not None and patient.status == "in_hospital":
        found = match(
            session,
            settings=settings,
            patient=patient,
            assessment=assessment_data(latest),
            assessment_version=latest.version,
        )
    referrals = [
        referral_out(session, r, for_provider=False, actor=actor)
        for r in hospital_referrals(session, actor=actor, patient_id=patient.id)
    ]
    return PatientBoard(
        patient=patient_out(session, patient),
        assessment=assessment_out(latest) if latest else None,
        matches=found,
        referrals=referrals,
        referred=frozenset(r.service_id for r in referrals if r.state in sm.LIVE_STATES),
        delays=[DelayOut.model_validate(d) for d in delays_of(session, patient.id)],
        correctable=correctable(session, actor=actor, patient=patient),
    )
