"""The patient leaves hospital: open delays end, an accepted referral is completed (the placement),
every other open referral is withdrawn. A discharge recorded in error is undone on the UK day it
was recorded, by the hospital that recorded it, with a reason.

The discharge's audit row names what it closed (delays and the placement, by id), so undoing it
reopens exactly those: a delay ended by hand earlier that day stays ended. Referrals the
discharge withdrew stay withdrawn (their providers were told and may have let the place go).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import conflict, invalid
from joinedup.domains.audit import service as audit_log
from joinedup.domains.audit.schemas import AuditFilter
from joinedup.domains.discharge.engine import referral_steps as sm
from joinedup.domains.discharge.engine.bed_days import uk_day
from joinedup.domains.discharge.models import DischargeDelay, DischargePatient
from joinedup.domains.discharge.schemas.common import uk_today
from joinedup.domains.discharge.schemas.delays import DischargeCorrection
from joinedup.domains.discharge.schemas.events import PATIENT_DISCHARGE_UNDONE, PATIENT_DISCHARGED
from joinedup.domains.discharge.schemas.referrals import ReferralState
from joinedup.domains.discharge.service.access import lock_patient, require_in_hospital
from joinedup.domains.discharge.service.delays import open_delays
from joinedup.domains.discharge.service.recording import patient_changed
from joinedup.domains.discharge.service.referral_state import expire_due, referrals_of, step

S = ReferralState
DISCHARGED = "discharge_patient.discharge"
UNDONE = "discharge_patient.undo_discharge"


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
    placed: str | None = None
    withdrawn: list[str] = []
    for r in siblings:
        if r.state == S.ACCEPTED.value:
            step(session, actor, r, sm.Action.COMPLETE)
            r.closed_reason = "placed"
            patient.discharged_to_service_id = r.service_id
            placed = r.id
        elif S(r.state) in sm.OPEN_STATES:
            step(session, actor, r, sm.Action.WITHDRAW)
            r.closed_reason = "patient_discharged"
            withdrawn.append(r.id)
    day = uk_day(at)
    assert day is not None
    ended = open_delays(session, patient.id)
    for d in ended:
        d.ended_on = max(day, d.started_on)
    patient.status = "discharged"
    patient.discharged_at = at
    patient_changed(
        session,
        actor,
        patient,
        action=DISCHARGED,
        topic=PATIENT_DISCHARGED,
        detail={
            "placed_referral_id": placed,
            "withdrawn_referral_ids": withdrawn,
            "ended_delay_ids": [d.id for d in ended],
        },
    )
    return patient


@dataclass(frozen=True)
class Recorded:
    """When and by which organisation a discharge was recorded, and what it closed."""

    at: datetime
    organisation_id: str | None
    detail: dict[str, Any]


def recorded_discharge(session: Session, *, actor: Principal, patient_id: str) -> Recorded | None:
    """The latest recording of the patient's discharge that the caller's organisation can see."""
    rows, _ = audit_log.search(
        session, actor=actor, filters=AuditFilter(action=DISCHARGED, record_id=patient_id), cursor=None, limit=1
    )
    return Recorded(rows[0].occurred_at, rows[0].organisation_id, dict(rows[0].detail or {})) if rows else None


def correction_refused(patient: DischargePatient, recorded: Recorded | None, actor: Principal) -> str | None:
    """Why the patient's discharge cannot be undone now, or None if it can."""
    if patient.status != "discharged":
        return "The patient is not recorded as discharged, so there is no discharge to undo."
    if recorded is None or recorded.organisation_id != actor.organisation_id:
        return "Only the hospital that recorded the discharge can undo it."
    if uk_day(recorded.at) != uk_today():
        return "A discharge can be undone only on the same day it was recorded; it is now part of the day's figures."
    return None


def correctable(session: Session, *, actor: Principal, patient: DischargePatient) -> bool:
    """Whether the patient page may offer to undo the patient's discharge."""
    if patient.status != "discharged":
        return False
    return correction_refused(patient, recorded_discharge(session, actor=actor, patient_id=patient.id), actor) is None


def undo_discharge(
    session: Session, *, actor: Principal, patient_id: str, reason: DischargeCorrection
) -> DischargePatient:
    """Undo a discharge recorded in error: the patient is in hospital again, the placement stands
    again (accepted, its place still held) and the delays the discharge ended are open again."""
    patient = lock_patient(session, patient_id, actor=actor)
    recorded = recorded_discharge(session, actor=actor, patient_id=patient.id)
    refused = correction_refused(patient, recorded, actor)
    if refused is not None or recorded is None:
        raise conflict(refused or "There is no discharge to undo.")
    placed = recorded.detail.get("placed_referral_id")
    reopened: str | None = None
    for r in referrals_of(session, patient.id):
        if r.id == placed and r.state == S.COMPLETED.value:
            step(session, actor, r, sm.Action.REOPEN)
            r.closed_reason = None
            reopened = r.id
    delay_ids = [str(i) for i in recorded.detail.get("ended_delay_ids", [])]
    delays = [d for d in (session.get(DischargeDelay, i) for i in delay_ids) if d is not None]
    for d in delays:
        if d.patient_id == patient.id:
            d.ended_on = None
    discharged_at = patient.discharged_at
    patient.status = "in_hospital"
    patient.discharged_at = None
    patient.discharged_to_service_id = None
    patient_changed(
        session,
        actor,
        patient,
        action=UNDONE,
        topic=PATIENT_DISCHARGE_UNDONE,
        detail={
            "reason": reason.value,
            "discharged_at": discharged_at.isoformat() if discharged_at else None,
            "reopened_referral_id": reopened,
            "reopened_delay_ids": [d.id for d in delays if d.patient_id == patient.id],
        },
    )
    return patient
