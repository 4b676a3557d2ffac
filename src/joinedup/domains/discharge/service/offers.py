"""Offers and acceptance: a provider offers a place it has free; the hospital accepts one offer,
a place is held and every other live referral for the patient is withdrawn; offers past their
hold expire, whether or not anyone acts on the patient.

Both an offer and an acceptance lock the service (`holds.lock_service`) before counting its free
places, so one place cannot be offered or given twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import conflict, invalid
from joinedup.db.tenancy import Scope
from joinedup.domains.discharge.engine import referral_steps as sm
from joinedup.domains.discharge.engine.need_words import day
from joinedup.domains.discharge.models import DischargeHold, DischargeReferral
from joinedup.domains.discharge.schemas.common import uk_today
from joinedup.domains.discharge.schemas.referrals import OfferIn, ReferralState
from joinedup.domains.discharge.service.access import hospital_for, lock_patient, require_in_hospital
from joinedup.domains.discharge.service.holds import free_for, lock_service
from joinedup.domains.discharge.service.providers import service_row
from joinedup.domains.discharge.service.referral_state import (
    expire_due,
    hospital_referral,
    locked,
    message,
    provider_referral,
    referrals_of,
    step,
)

S = ReferralState


def offer(
    session: Session, *, actor: Principal, settings: Settings, referral_id: str, data: OfferIn
) -> DischargeReferral:
    referral = provider_referral(session, actor, referral_id)
    _, referral = locked(session, referral)
    if S(referral.state) == S.SENT:
        raise conflict("Open the referral and read the assessment before offering.", field="state")
    earliest = date.fromisoformat(referral.summary["start_date"])
    if data.start_date < uk_today():
        raise invalid("body.start_date", "the start date must be today or in the future", "past")
    service = service_row(session, referral.service_id)
    assert service is not None
    lock_service(session, service_id=service.id, organisation_id=service.organisation_id)
    now = utcnow()
    free, need = free_for(session, referral, now)
    if free < need:
        raise conflict(
            f"{service.name} has no {referral.summary['care_type'].replace('_', ' ')} capacity left to offer "
            "(every reported place is already held or offered); update its capacity first.",
            field="service_id",
        )
    step(session, actor, referral, sm.Action.OFFER)
    referral.offered_start_date = data.start_date
    hours = data.hold_hours if data.hold_hours is not None else settings.discharge_offer_hold_hours
    referral.offer_expires_at = now + timedelta(hours=hours)
    referral.accepted_without_reassessment = data.accepted_without_reassessment
    if data.start_date < earliest:
        referral.messages = [
            *referral.messages,
            message("provider", "note", f"can start earlier than asked ({day(data.start_date)})"),
        ]
    return referral


def accept(session: Session, *, actor: Principal, referral_id: str) -> DischargeReferral:
    """The hospital accepts one offer: a place is held, every other live referral is withdrawn."""
    hospital_for(session, actor)
    referral = hospital_referral(session, actor, referral_id)
    patient, referral = locked(session, referral)
    require_in_hospital(patient)
    siblings = referrals_of(session, patient.id)
    if any(r.state == S.ACCEPTED.value and r.id != referral.id for r in siblings):
        raise conflict("Another offer has already been accepted for this patient.", field="state")
    if referral.state != S.OFFERED.value:
        step(session, actor, referral, sm.Action.ACCEPT)  # raises: says why it cannot be accepted
    service = service_row(session, referral.service_id)
    assert service is not None
    lock_service(session, service_id=service.id, organisation_id=service.organisation_id)
    now = utcnow()
    free, need = free_for(session, referral, now, include_offers=False)
    if free < need:
        raise conflict(f"{service.name} has no place left: it has gone to another patient.", field="service_id")
    step(session, actor, referral, sm.Action.ACCEPT)
    session.add(
        DischargeHold(
            organisation_id=service.organisation_id,
            service_id=service.id,
            referral_id=referral.id,
            patient_id=patient.id,
            care_type=referral.summary["care_type"],
            units=need,
            created_at=now,
        )
    )
    for other in siblings:
        if other.id != referral.id and S(other.state) in sm.OPEN_STATES:
            step(session, actor, other, sm.Action.WITHDRAW)
            other.closed_reason = "another_offer_accepted"
    session.flush()
    return referral


def expire_due_offers(factory: sessionmaker[Session], *, now: datetime | None = None) -> int:
    """Record every offer whose hold has run out, one patient per transaction, so the hub's board,
    the provider's list and the events say so without waiting for someone to act on the patient.
    Run by the server every minute; returns how many offers expired."""
    now = now or utcnow()
    with factory() as session:
        session.info["scope"] = Scope.system("discharge: find offers past their hold")
        due = session.scalars(
            select(DischargeReferral.patient_id)
            .where(DischargeReferral.state == S.OFFERED.value, DischargeReferral.offer_expires_at <= now)
            .distinct()
        ).all()
    expired = 0
    for patient_id in due:
        with factory() as session:
            session.info["scope"] = Scope.system("discharge: expire offers past their hold")
            lock_patient(session, patient_id)
            siblings = referrals_of(session, patient_id)
            before = sum(1 for r in siblings if r.state == S.OFFERED.value)
            expire_due(session, siblings, now)
            expired += before - sum(1 for r in siblings if r.state == S.OFFERED.value)
            session.commit()
    return expired
