"""A patient as the ward list shows them: days since ready, bed days lost, the current primary
delay, the assessment version and where they are going."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from joinedup.domains.discharge import pathways
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS
from joinedup.domains.discharge.engine import bed_days
from joinedup.domains.discharge.models import DischargePatient
from joinedup.domains.discharge.schemas.common import uk_today
from joinedup.domains.discharge.schemas.patients import PatientOut
from joinedup.domains.discharge.schemas.referrals import ReferralState
from joinedup.domains.discharge.service.assessments import latest_assessment
from joinedup.domains.discharge.service.delays import delays_of
from joinedup.domains.discharge.service.providers import service_names
from joinedup.domains.discharge.service.referral_state import referrals_of

# A patient is going where their newest accepted (or completed) referral is.
PLACED = frozenset({ReferralState.ACCEPTED, ReferralState.COMPLETED})


def patient_out(session: Session, patient: DischargePatient) -> PatientOut:
    """A patient for the ward list: days since ready, bed days lost, current primary delay, placement."""
    latest = latest_assessment(session, patient.id)
    placed = referrals_of(session, patient.id, states=PLACED)
    names = service_names(session, [r.service_id for r in placed])
    return shape(
        patient,
        primary=bed_days.current_primary(delays_of(session, patient.id)),
        assessment_version=latest.version if latest else None,
        placement=names.get(placed[-1].service_id) if placed else None,
        today=uk_today(),
    )


class PatientFields(Protocol):
    """What a patient's summary shows of the patient's own row (a DischargePatient, or a row of
    the ward list's query)."""

    id: str
    nhs_number: str
    name: str
    hospital_number: str | None
    ward: str
    admitted_on: date
    discharge_ready_on: date | None
    pathway: str
    home_postcode: str | None
    family_postcode: str | None
    status: str
    discharged_at: datetime | None
    synthetic: bool


def shape(
    patient: PatientFields,
    *,
    primary: str | None,
    assessment_version: int | None,
    placement: str | None,
    today: date,
) -> PatientOut:
    """The patient's summary from what was read about them (the ward list reads it for many at once)."""
    return PatientOut(
        id=patient.id,
        nhs_number=patient.nhs_number,
        name=patient.name,
        hospital_number=patient.hospital_number,
        ward=patient.ward,
        admitted_on=patient.admitted_on,
        discharge_ready_on=patient.discharge_ready_on,
        pathway=patient.pathway,
        pathway_label=pathways.pathway_of(patient.pathway).label,
        home_postcode=patient.home_postcode,
        family_postcode=patient.family_postcode,
        status=patient.status,
        discharged_at=patient.discharged_at,
        days_since_ready=bed_days.days_since_ready(patient.discharge_ready_on, today)
        if patient.status == "in_hospital"
        else None,
        bed_days_lost=bed_days.bed_days_lost(patient.discharge_ready_on, bed_days.uk_day(patient.discharged_at), today),
        primary_delay=primary,
        primary_delay_label=DELAY_REASONS[primary].display if primary else None,
        assessment_version=assessment_version,
        placement=placement,
        synthetic=patient.synthetic,
    )
