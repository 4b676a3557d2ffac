"""Patients awaiting discharge: added, read (every read audited), changed while in hospital."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_access
from joinedup.core.errors import conflict, invalid, not_found
from joinedup.domains.discharge import pathways
from joinedup.domains.discharge.engine import referral_steps as sm
from joinedup.domains.discharge.models import DischargePatient
from joinedup.domains.discharge.schemas.common import uk_today
from joinedup.domains.discharge.schemas.events import PATIENT_ADDED, PATIENT_UPDATED
from joinedup.domains.discharge.schemas.patients import PatientIn, PatientUpdate
from joinedup.domains.discharge.service.access import hospital_for, lock_patient, require_in_hospital
from joinedup.domains.discharge.service.providers import service_kind
from joinedup.domains.discharge.service.recording import patient_changed
from joinedup.domains.discharge.service.referral_state import referrals_of
from joinedup.geo import lookup


class PatientChange(NamedTuple):
    """A patient after an update, and the fields that changed (none: nothing was saved)."""

    patient: DischargePatient
    changed: tuple[str, ...]


def _locate(postcode: str | None) -> tuple[float | None, float | None]:
    point = lookup.locate(postcode) if postcode else None
    return (point.latitude, point.longitude) if point else (None, None)


def create_patient(session: Session, *, actor: Principal, data: PatientIn, synthetic: bool = False) -> DischargePatient:
    hospital = hospital_for(session, actor)
    existing = session.scalars(
        select(DischargePatient).where(
            DischargePatient.organisation_id == hospital.id,
            DischargePatient.nhs_number == data.nhs_number,
            DischargePatient.admitted_on == data.admitted_on,
        )
    ).first()
    if existing is not None:
        raise conflict("This patient's stay is already on the list.", field="body.nhs_number")
    patient = DischargePatient(organisation_id=hospital.id, system_id=hospital.system_id, synthetic=synthetic)
    _apply(patient, data)
    session.add(patient)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict("This patient's stay is already on the list.", field="body.nhs_number") from None
    patient_changed(session, actor, patient, action="discharge_patient.create", topic=PATIENT_ADDED)
    return patient


def _apply(patient: DischargePatient, data: PatientIn) -> None:
    patient.nhs_number = data.nhs_number
    patient.name = data.name
    patient.hospital_number = data.hospital_number
    patient.ward = data.ward
    patient.admitted_on = data.admitted_on
    patient.discharge_ready_on = data.discharge_ready_on
    patient.pathway = data.pathway.value
    patient.home_postcode = data.home_postcode
    patient.family_postcode = data.family_postcode
    patient.home_latitude, patient.home_longitude = _locate(data.home_postcode)


def get_patient(session: Session, *, actor: Principal, patient_id: str, audit_read: bool = True) -> DischargePatient:
    """A patient of the caller's hospital (404 for anyone else's); the read is audited."""
    patient = session.get(DischargePatient, patient_id)
    if patient is None or patient.organisation_id != actor.organisation_id:
        raise not_found("patient", patient_id)
    if audit_read:
        record_access(
            session,
            actor=actor,
            action="discharge_patient.read",
            record_type="discharge_patient",
            record_id=patient.id,
            organisation_id=patient.organisation_id,
            personal_data=True,
        )
    return patient


def list_patients(session: Session, *, actor: Principal, include_discharged: bool = False) -> list[DischargePatient]:
    stmt = select(DischargePatient).where(DischargePatient.organisation_id == actor.organisation_id)
    if not include_discharged:
        stmt = stmt.where(DischargePatient.status == "in_hospital")
    patients = list(session.scalars(stmt.order_by(DischargePatient.ward, DischargePatient.name)))
    if patients:
        record_access(
            session,
            actor=actor,
            action="discharge_patient.list",
            record_type="discharge_patient",
            record_id=None,
            organisation_id=actor.organisation_id,
            personal_data=True,
            detail={"count": len(patients)},
        )
    return patients


def update_patient(session: Session, *, actor: Principal, patient_id: str, data: PatientUpdate) -> PatientChange:
    """Change what is given and differs; nothing given or nothing different is not a change
    (no audit row, no event), and the answer says which fields changed."""
    patient = lock_patient(session, patient_id, actor=actor)
    require_in_hospital(patient)
    changed: list[str] = []
    if data.discharge_ready_on is not None and data.discharge_ready_on != patient.discharge_ready_on:
        if data.discharge_ready_on < patient.admitted_on:
            raise invalid(
                "body.discharge_ready_on", "the discharge ready date must be on or after the admission date", "rule"
            )
        if data.discharge_ready_on > uk_today():
            raise invalid("body.discharge_ready_on", "the discharge ready date must be today or in the past", "rule")
        patient.discharge_ready_on = data.discharge_ready_on
        changed.append("discharge_ready_on")
    if data.pathway is not None and data.pathway.value != patient.pathway:
        live = referrals_of(session, patient.id, states=sm.LIVE_STATES)
        if any(not pathways.accepts_kind(data.pathway.value, service_kind(session, r.service_id)) for r in live):
            raise invalid("body.pathway", "live referrals are to services this pathway cannot use", "pathway_mismatch")
        patient.pathway = data.pathway.value
        changed.append("pathway")
    if data.ward is not None and data.ward != patient.ward:
        patient.ward = data.ward
        changed.append("ward")
    if changed:
        patient_changed(
            session,
            actor,
            patient,
            action="discharge_patient.update",
            topic=PATIENT_UPDATED,
            detail={"fields": sorted(changed)},
        )
    return PatientChange(patient, tuple(sorted(changed)))
