"""Delay reasons: why a patient who is ready for discharge is still in hospital, one primary
reason at a time, with history kept (a replaced primary reason goes on as a secondary one)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.errors import conflict, invalid, not_found
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS
from joinedup.domains.discharge.models import DischargeDelay
from joinedup.domains.discharge.schemas.common import uk_today
from joinedup.domains.discharge.schemas.delays import DelayIn
from joinedup.domains.discharge.schemas.events import DELAY_ADDED, DELAY_ENDED
from joinedup.domains.discharge.service.access import lock_patient, require_in_hospital
from joinedup.domains.discharge.service.recording import patient_changed


def add_delay(session: Session, *, actor: Principal, patient_id: str, data: DelayIn) -> DischargeDelay:
    if data.reason_code not in DELAY_REASONS:
        raise invalid("body.reason_code", "not one of the 37 NHS England delay reasons", "unknown_reason")
    patient = lock_patient(session, patient_id, actor=actor)
    require_in_hospital(patient)
    if patient.discharge_ready_on is None:
        raise conflict("A delay is recorded for a patient who is ready for discharge; record the date first.")
    started = data.started_on or uk_today()
    if started < patient.discharge_ready_on:
        raise invalid("body.started_on", "a delay cannot start before the discharge ready date", "rule")
    if started > uk_today():
        raise invalid("body.started_on", "a delay cannot start in the future", "rule")
    current = open_delays(session, patient.id)
    if any(d.reason_code == data.reason_code for d in current):
        raise conflict("This reason is already recorded and open.", field="body.reason_code")
    if data.primary:
        for d in current:
            if d.primary:
                # The old primary goes on as a secondary reason from this day: history stays true.
                d.ended_on = max(started, d.started_on)
                session.add(
                    DischargeDelay(
                        organisation_id=d.organisation_id,
                        patient_id=d.patient_id,
                        reason_code=d.reason_code,
                        primary=False,
                        started_on=d.ended_on,
                        recorded_by=actor.user_id,
                    )
                )
    elif not any(d.primary for d in current):
        data = data.model_copy(update={"primary": True})  # the only reason is the primary one
    delay = DischargeDelay(
        organisation_id=patient.organisation_id,
        patient_id=patient.id,
        reason_code=data.reason_code,
        primary=data.primary,
        started_on=started,
        recorded_by=actor.user_id,
    )
    session.add(delay)
    session.flush()
    patient_changed(
        session,
        actor,
        patient,
        action="discharge_delay.create",
        topic=DELAY_ADDED,
        record_type="discharge_delay",
        record_id=delay.id,
        personal_data=False,
        detail={"reason_code": delay.reason_code, "primary": delay.primary},
    )
    return delay


def open_delays(session: Session, patient_id: str) -> list[DischargeDelay]:
    return list(
        session.scalars(
            select(DischargeDelay)
            .where(DischargeDelay.patient_id == patient_id, DischargeDelay.ended_on.is_(None))
            .order_by(DischargeDelay.started_on)
        )
    )


def end_delay(session: Session, *, actor: Principal, patient_id: str, delay_id: str) -> DischargeDelay:
    patient = lock_patient(session, patient_id, actor=actor)
    delay = session.get(DischargeDelay, delay_id)
    if delay is None or delay.patient_id != patient.id:
        raise not_found("delay", delay_id)
    if delay.ended_on is not None:
        raise conflict("This delay has already ended.")
    delay.ended_on = max(uk_today(), delay.started_on)
    patient_changed(
        session,
        actor,
        patient,
        action="discharge_delay.end",
        topic=DELAY_ENDED,
        record_type="discharge_delay",
        record_id=delay.id,
        personal_data=False,
    )
    return delay


def delays_of(session: Session, patient_id: str) -> list[DischargeDelay]:
    """Every delay recorded for the patient, in the order they started."""
    return list(
        session.scalars(
            select(DischargeDelay)
            .where(DischargeDelay.patient_id == patient_id)
            .order_by(DischargeDelay.started_on, DischargeDelay.created_at)
        )
    )
