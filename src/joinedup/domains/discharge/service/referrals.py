"""Referrals: a hospital refers a patient to services; the provider opens, asks, declines; the
hospital answers or withdraws; each party sees the referral as its role allows.

Offers, acceptance and the places they hold are in `offers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import FieldError, ProblemError, conflict, invalid, not_found
from joinedup.domains.capacity.engine.sections import units_needed
from joinedup.domains.discharge import pathways
from joinedup.domains.discharge.engine import referral_steps as sm
from joinedup.domains.discharge.models import DischargeAssessment, DischargePatient, DischargeReferral
from joinedup.domains.discharge.schemas.assessments import Needs, required_skills
from joinedup.domains.discharge.schemas.common import uk_today
from joinedup.domains.discharge.schemas.referrals import (
    DeclineIn,
    DeclineReason,
    ReferralMessage,
    ReferralOut,
    ReferralState,
)
from joinedup.domains.discharge.service.access import hospital_for, lock_patient, require_in_hospital, shared_read
from joinedup.domains.discharge.service.assessments import assessment_out, audit_assessment_view, latest_assessment
from joinedup.domains.discharge.service.holds import release
from joinedup.domains.discharge.service.providers import reported_free, service_names, service_row
from joinedup.domains.discharge.service.recording import referral_stepped
from joinedup.domains.discharge.service.referral_state import (
    effective_state,
    hospital_referral,
    locked,
    message,
    provider_referral,
    referrals_of,
    step,
)
from joinedup.geo import lookup

S = ReferralState


def _summary(patient: DischargePatient, assessment: DischargeAssessment, today: date) -> dict[str, Any]:
    """What a provider sees before opening: enough to decide whether to look, nothing identifying."""
    content = assessment.content
    return {
        "pathway": patient.pathway,
        "care_type": assessment.care_type,
        "hours_per_week": content.get("hours_per_week"),
        "start_date": assessment.start_date.isoformat(),
        "funding": assessment.funding,
        "area": lookup.district(patient.home_postcode) if patient.home_postcode else None,
        "carers_needed": content["needs"]["carers_needed"],
        "required_skills": sorted(required_skills(Needs.model_validate(content["needs"]))),
        "days_since_ready": (today - patient.discharge_ready_on).days if patient.discharge_ready_on else None,
        "assessment_version": assessment.version,
    }


def refer(
    session: Session, *, actor: Principal, patient_id: str, service_ids: Sequence[str]
) -> list[DischargeReferral]:
    """Refer a patient to one or several services at once (all or nothing)."""
    hospital = hospital_for(session, actor)
    patient = lock_patient(session, patient_id, actor=actor)
    require_in_hospital(patient)
    if patient.discharge_ready_on is None:
        raise conflict("Record the discharge ready date before referring.", field="discharge_ready_on")
    assessment = latest_assessment(session, patient.id)
    if assessment is None:
        raise conflict("Complete the shared assessment before referring.")
    existing = referrals_of(session, patient.id)
    if any(r.state == S.ACCEPTED.value for r in existing):
        raise conflict("An offer has already been accepted for this patient.")
    if len(set(service_ids)) != len(service_ids):
        raise invalid("body.service_ids", "each service may be named once", "duplicate")
    errors: list[FieldError] = []
    services = []
    for i, service_id in enumerate(service_ids):
        service = service_row(session, service_id)
        field = f"body.service_ids.{i}"
        if service is None or service.system_id != hospital.system_id or not service.active:
            errors.append(
                FieldError(field=field, message="no service with this id that you may refer to", code="not_visible")
            )
        elif not pathways.accepts_kind(patient.pathway, service.kind):
            errors.append(
                FieldError(
                    field=field,
                    message=f"{service.name} does not take patients on {pathways.pathway_of(patient.pathway).label}",
                    code="pathway_mismatch",
                )
            )
        elif any(r.service_id == service.id and S(r.state) in sm.LIVE_STATES for r in existing):
            errors.append(FieldError(field=field, message="already referred to this service", code="duplicate"))
        else:
            services.append(service)
    if errors:
        raise ProblemError(422, "validation", "Invalid request", "Some services cannot be referred to.", errors=errors)
    summary = _summary(patient, assessment, uk_today())
    hours = assessment.content.get("hours_per_week")
    created = []
    for service in services:
        # The places this referral takes, in the unit the service counts (a reablement service
        # may report hours rather than places: capacity says which).
        free = reported_free(session, service.id, assessment.care_type)
        units = units_needed(assessment.care_type, hours, free.unit if free else None)
        rounds = sum(1 for r in existing if r.service_id == service.id)
        referral = DischargeReferral(
            hospital_organisation_id=hospital.id,
            provider_organisation_id=service.organisation_id,
            system_id=hospital.system_id,
            patient_id=patient.id,
            service_id=service.id,
            assessment_id=assessment.id,
            round=rounds + 1,
            state=S.SENT.value,
            summary={**summary, "units": units},
            messages=[],
            referred_by=actor.user_id,
        )
        session.add(referral)
        created.append(referral)
    session.flush()
    for referral in created:
        referral_stepped(session, actor, referral, "refer", S.SENT)
    return created


def open_referral(session: Session, *, actor: Principal, referral_id: str) -> DischargeReferral:
    """The provider opens a referral: from now on it sees the full assessment (every view audited)."""
    referral = provider_referral(session, actor, referral_id)
    if referral.state == S.SENT.value:
        _, referral = locked(session, referral)
        step(session, actor, referral, sm.Action.OPEN)
        referral.opened_at = utcnow()
    return referral


def provider_view(session: Session, *, actor: Principal, referral: DischargeReferral) -> tuple[Any, Any]:
    """(patient, assessment) for a provider, only once it has opened the referral."""
    if S(referral.state) not in sm.SEEN_STATES or referral.opened_at is None:
        return None, None
    with shared_read(session, "discharge: referred provider reads the shared assessment"):
        patient = session.get(DischargePatient, referral.patient_id)
        assessment = session.get(DischargeAssessment, referral.assessment_id)
    if assessment is not None:
        audit_assessment_view(session, actor, assessment)
    return patient, assessment


def ask(session: Session, *, actor: Principal, referral_id: str, text: str) -> DischargeReferral:
    referral = provider_referral(session, actor, referral_id)
    _, referral = locked(session, referral)
    step(session, actor, referral, sm.Action.ASK)
    referral.messages = [*referral.messages, message("provider", "question", text)]
    return referral


def answer(session: Session, *, actor: Principal, referral_id: str, text: str) -> DischargeReferral:
    referral = hospital_referral(session, actor, referral_id)
    _, referral = locked(session, referral)
    step(session, actor, referral, sm.Action.ANSWER)
    referral.messages = [*referral.messages, message("hospital", "answer", text)]
    return referral


def decline(session: Session, *, actor: Principal, referral_id: str, data: DeclineIn) -> DischargeReferral:
    referral = provider_referral(session, actor, referral_id)
    _, referral = locked(session, referral)
    step(session, actor, referral, sm.Action.DECLINE)
    referral.decline_reason = data.reason.value
    referral.decline_note = data.note
    referral.closed_reason = "declined"
    return referral


def withdraw(session: Session, *, actor: Principal, referral_id: str) -> DischargeReferral:
    """The hospital withdraws a referral; an accepted one gives its held place back."""
    referral = hospital_referral(session, actor, referral_id)
    _, referral = locked(session, referral)
    was_accepted = referral.state == S.ACCEPTED.value
    step(session, actor, referral, sm.Action.WITHDRAW)
    referral.closed_reason = "withdrawn_by_hospital"
    if was_accepted:
        release(session, referral.id)
    return referral


def incoming(session: Session, *, actor: Principal, include_closed: bool = False) -> list[DischargeReferral]:
    """Referrals sent to the caller's organisation, newest first."""
    stmt = select(DischargeReferral).where(DischargeReferral.provider_organisation_id == actor.organisation_id)
    if not include_closed:
        stmt = stmt.where(DischargeReferral.state.in_([s.value for s in sm.LIVE_STATES]))
    return list(session.scalars(stmt.order_by(DischargeReferral.created_at.desc())))


def hospital_referrals(session: Session, *, actor: Principal, patient_id: str | None = None) -> list[DischargeReferral]:
    """Referrals the caller's hospital sent (for one patient, if named), oldest first."""
    stmt = select(DischargeReferral).where(DischargeReferral.hospital_organisation_id == actor.organisation_id)
    if patient_id is not None:
        stmt = stmt.where(DischargeReferral.patient_id == patient_id)
    return list(session.scalars(stmt.order_by(DischargeReferral.created_at)))


def get_referral(session: Session, *, actor: Principal, referral_id: str) -> tuple[DischargeReferral, bool]:
    """A referral and whether the caller sees it as the provider (else as the hospital)."""
    referral = session.get(DischargeReferral, referral_id)
    if referral is None:
        raise not_found("referral", referral_id)
    if referral.provider_organisation_id == actor.organisation_id:
        return referral, True
    if referral.hospital_organisation_id == actor.organisation_id:
        return referral, False
    raise not_found("referral", referral_id)


def referral_for_hospital(session: Session, *, actor: Principal, referral_id: str) -> ReferralOut:
    """A referral the caller's hospital sent, as its referral board shows it (404 for any other)."""
    return referral_out(session, hospital_referral(session, actor, referral_id), for_provider=False, actor=actor)


def referral_out(
    session: Session, referral: DischargeReferral, *, for_provider: bool, actor: Principal, now: datetime | None = None
) -> ReferralOut:
    """A referral as its party sees it: the provider sees the patient and assessment only once opened."""
    now = now or utcnow()
    assessment = None
    name = nhs = None
    if for_provider:
        patient, row = provider_view(session, actor=actor, referral=referral)
        if patient is not None:
            name, nhs = patient.name, patient.nhs_number
    else:
        row = session.get(DischargeAssessment, referral.assessment_id)
        patient = session.get(DischargePatient, referral.patient_id)
        if patient is not None:
            name, nhs = patient.name, patient.nhs_number
    if row is not None:
        assessment = assessment_out(row)
    return ReferralOut(
        id=referral.id,
        patient_id=referral.patient_id,
        service_id=referral.service_id,
        service_name=service_names(session, [referral.service_id]).get(referral.service_id, ""),
        provider_organisation_id=referral.provider_organisation_id,
        hospital_organisation_id=referral.hospital_organisation_id,
        state=effective_state(referral, now),
        summary=referral.summary,
        created_at=referral.created_at,
        updated_at=referral.updated_at,
        opened_at=referral.opened_at,
        offered_start_date=referral.offered_start_date,
        offer_expires_at=referral.offer_expires_at,
        decline_reason=DeclineReason(referral.decline_reason) if referral.decline_reason else None,
        decline_note=referral.decline_note,
        accepted_without_reassessment=referral.accepted_without_reassessment,
        closed_reason=referral.closed_reason,
        messages=[ReferralMessage.model_validate(m) for m in referral.messages],
        assessment=assessment,
        patient_name=name,
        nhs_number=nhs,
    )
