"""Every discharge change recorded once: its audit row and its event, through core.changes.

An event names the patient or referral, never their details; the audit row says who did what.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.domains.discharge.models import DischargePatient, DischargeReferral
from joinedup.domains.discharge.schemas.events import referral_topic
from joinedup.domains.discharge.schemas.referrals import ReferralState


def patient_changed(
    session: Session,
    actor: Principal | None,
    patient: DischargePatient,
    *,
    action: str,
    topic: str,
    record_type: str = "discharge_patient",
    record_id: str | None = None,
    personal_data: bool = True,
    detail: dict[str, Any] | None = None,
    **payload: Any,
) -> None:
    """A change to a patient's record, or to one of its rows (`record_id`: an assessment, a
    delay), announced on the hospital's stream."""
    record_change(
        session,
        actor=actor,
        action=action,
        topic=topic,
        record_type=record_type,
        record_id=record_id or patient.id,
        organisation_id=patient.organisation_id,
        system_id=patient.system_id,
        detail=detail,
        payload={"patient_id": patient.id, **payload},
        personal_data=personal_data,
    )


def referral_stepped(
    session: Session, actor: Principal | None, referral: DischargeReferral, action: str, to: ReferralState
) -> None:
    """A referral reached `to`: one audit row (the hospital's record of the step), and the event
    on both parties' streams."""
    record_change(
        session,
        actor=actor,
        action=f"discharge_referral.{action}",
        topic=referral_topic(to),
        record_type="discharge_referral",
        record_id=referral.id,
        organisation_id=referral.hospital_organisation_id,
        system_id=referral.system_id,
        detail={"state": to.value, "service_id": referral.service_id},
        payload={"patient_id": referral.patient_id, "service_id": referral.service_id},
        personal_data=True,
        also_notify=(referral.provider_organisation_id,),
    )
