"""Moving a referral from state to state: the state machine applied, recorded and announced.

A step is taken only with the referral's patient locked and the referral read afresh (`locked`),
so two parties acting at once cannot both move it; offers past their hold are recorded as expired
before anything else is decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import FieldError, ProblemError, not_found
from joinedup.domains.discharge.engine import referral_steps as sm
from joinedup.domains.discharge.models import DischargePatient, DischargeReferral
from joinedup.domains.discharge.schemas.referrals import ReferralState
from joinedup.domains.discharge.service.access import lock_patient, shared_read
from joinedup.domains.discharge.service.recording import referral_stepped

S = ReferralState


def referrals_of(
    session: Session, patient_id: str, *, states: frozenset[ReferralState] | None = None
) -> list[DischargeReferral]:
    """A patient's referrals, oldest first, read afresh."""
    stmt = select(DischargeReferral).where(DischargeReferral.patient_id == patient_id)
    if states is not None:
        stmt = stmt.where(DischargeReferral.state.in_([s.value for s in states]))
    return list(session.scalars(stmt.order_by(DischargeReferral.created_at).execution_options(populate_existing=True)))


def step(session: Session, actor: Principal | None, referral: DischargeReferral, action: sm.Action) -> None:
    """Take `action` on the referral, or refuse (409) saying why it cannot be taken."""
    try:
        to = sm.step(S(referral.state), action)
    except sm.IllegalTransition as exc:
        raise ProblemError(
            409,
            "conflict",
            "Conflict",
            str(exc)[:1].upper() + str(exc)[1:] + ".",
            errors=[FieldError(field="state", message=str(exc), code=f"not_{action.value}able")],
        ) from None
    referral.state = to.value
    referral.updated_at = utcnow()
    referral_stepped(session, actor, referral, action.value, to)


def expire_due(session: Session, referrals: Sequence[DischargeReferral], now: datetime) -> None:
    """Record every offer among `referrals` whose hold has run out."""
    for r in referrals:
        if r.state == S.OFFERED.value and r.offer_expires_at is not None and r.offer_expires_at <= now:
            step(session, None, r, sm.Action.EXPIRE)
            r.closed_reason = "offer_expired"


def effective_state(referral: DischargeReferral, now: datetime) -> ReferralState:
    """The state as it stands now: an offer past its time has expired even if not yet recorded."""
    if referral.state == S.OFFERED.value and referral.offer_expires_at and referral.offer_expires_at <= now:
        return S.EXPIRED
    return S(referral.state)


def provider_referral(session: Session, actor: Principal, referral_id: str) -> DischargeReferral:
    """A referral sent to the caller's organisation (404 for any other)."""
    referral = session.get(DischargeReferral, referral_id)
    if referral is None or referral.provider_organisation_id != actor.organisation_id:
        raise not_found("referral", referral_id)
    return referral


def hospital_referral(session: Session, actor: Principal, referral_id: str) -> DischargeReferral:
    """A referral the caller's hospital sent (404 for any other)."""
    referral = session.get(DischargeReferral, referral_id)
    if referral is None or referral.hospital_organisation_id != actor.organisation_id:
        raise not_found("referral", referral_id)
    return referral


def locked(session: Session, referral: DischargeReferral) -> tuple[DischargePatient, DischargeReferral]:
    """Lock the referral's patient, then read the referral (and expire due offers) afresh."""
    # The referral was found in the caller's scope, so its patient may be locked (a provider
    # cannot otherwise see the hospital's patient rows).
    with shared_read(session, "discharge: lock the patient of a visible referral"):
        patient = lock_patient(session, referral.patient_id)
    siblings = referrals_of(session, patient.id)
    expire_due(session, siblings, utcnow())
    fresh = next(r for r in siblings if r.id == referral.id)
    return patient, fresh


def message(by: str, kind: str, text: str) -> dict[str, Any]:
    """One message on a referral, as stored."""
    return {"at": utcnow().isoformat(), "by": by, "kind": kind, "text": text}
