"""The patient leaves hospital: open delays end, an accepted referral is completed (the placement),
every other open referral is withdrawn."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import invalid
from joinedup.domains.discharge.engine import referral_steps as sm
from joinedup.domains.discharge.engine.bed_days import uk_day
from joinedup.domains.discharge.models import DischargePatient
from joinedup.domains.discharge.schemas.events import PATIENT_DISCHARGED
from joinedup.domains.discharge.schemas.referrals import ReferralState
from joinedup.domains.discharge.service.access import lock_patient, require_in_hospital
from joinedup.domains.discharge.service.delays import open_delays
from joinedup.domains.discharge.service.recording import patient_changed
from joinedup.domains.discharge.service.referral_state import expire_due, referrals_of, step

S = ReferralState


def discharge(session: Session, *, actor: Principal, patient_id: str, at: datetime | None = None) -> DischargePatient:
    """The patient leaves hospital: open delays end, an accepted referral is completed."""
    patient = lock_patient(session, patient_id, actor=actor)
    require_in_hospital(patient)
    now = utcnow()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise invalid("body.discharged_at", "the discharge cannot be in the future", "future")
    if at.date() < patient.admitted_on:
        raise invalid("body.discharged_at", "the discharge cannot be before admission", "rule")
    siblings = referrals_of(session, patient.id)
    expire_due(session, siblings, now)
    for r in siblings:
        if r.state == S.ACCEPTED.value:
            step(session, actor, r, sm.Action.COMPLETE)
            r.closed_reason = "placed"
            patient.discharged_to_service_id = r.service_id
        elif S(r.state) in sm.OPEN_STATES:
            step(session, actor, r, sm.Action.WITHDRAW)
            r.closed_reason = "patient_discharged"
    day = uk_day(at)
    assert day is not None
    for d in open_delays(session, patient.id):
        d.ended_on = max(day, d.started_on)
    patient.status = "discharged"
    patient.discharged_at = at
    patient_changed(session, actor, patient, action="discharge_patient.discharge", topic=PATIENT_DISCHARGED)
    return patient
