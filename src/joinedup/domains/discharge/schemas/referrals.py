"""Referrals to providers: states, decline reasons, what each party sends and sees."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

from joinedup.core.errors import rule_error
from joinedup.domains.capacity.schemas import Text
from joinedup.domains.discharge.schemas.assessments import AssessmentOut
from joinedup.domains.discharge.schemas.common import Strict, uk_today

Message = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=1000, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$"),
]


class ReferralState(StrEnum):
    SENT = "sent"
    OPENED = "opened"
    QUESTION = "question"
    OFFERED = "offered"
    DECLINED = "declined"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class DeclineReason(StrEnum):
    NO_VACANCY = "no_vacancy"
    CANNOT_MEET_NEEDS = "cannot_meet_needs"
    FUNDING_NOT_ACCEPTED = "funding_not_accepted"
    OUTSIDE_AREA = "outside_area"
    START_DATE_NOT_POSSIBLE = "start_date_not_possible"
    STAFFING = "staffing"
    RISK_NOT_MANAGEABLE = "risk_not_manageable"
    OTHER = "other"


DECLINE_LABELS = {
    DeclineReason.NO_VACANCY: "No vacancy",
    DeclineReason.CANNOT_MEET_NEEDS: "Cannot meet the person's needs",
    DeclineReason.FUNDING_NOT_ACCEPTED: "Funding route not accepted",
    DeclineReason.OUTSIDE_AREA: "Outside the area we cover",
    DeclineReason.START_DATE_NOT_POSSIBLE: "Cannot start by the date needed",
    DeclineReason.STAFFING: "Not enough staff",
    DeclineReason.RISK_NOT_MANAGEABLE: "Risks cannot be managed safely",
    DeclineReason.OTHER: "Other",
}

# How a referral's state reads on a page.
REFERRAL_STATE_LABELS = {
    ReferralState.SENT: "Sent",
    ReferralState.OPENED: "Opened by provider",
    ReferralState.QUESTION: "Question asked",
    ReferralState.OFFERED: "Offer made",
    ReferralState.DECLINED: "Declined",
    ReferralState.EXPIRED: "Offer expired",
    ReferralState.ACCEPTED: "Accepted",
    ReferralState.WITHDRAWN: "Withdrawn",
    ReferralState.COMPLETED: "Placed",
}


class ReferIn(Strict):
    service_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=36)]] = Field(
        min_length=1, max_length=10, description="Services to refer to at once"
    )


class OfferIn(Strict):
    start_date: date
    hold_hours: int | None = Field(
        default=None, ge=1, le=168, description="How long the offer is held (default: the configured hold time)"
    )
    accepted_without_reassessment: bool = Field(
        default=True, description="The provider accepts the shared assessment and will not re-assess"
    )

    @model_validator(mode="after")
    def _within_a_year(self) -> OfferIn:
        if self.start_date > uk_today() + timedelta(days=366):
            raise rule_error("start_date", "the start date must be within a year from today")
        return self


class DeclineIn(Strict):
    reason: DeclineReason
    note: Text | None = None


class MessageIn(Strict):
    text: Message


class ReferralMessage(BaseModel):
    at: datetime
    by: str = Field(description="hospital or provider")
    kind: str = Field(description="question or answer")
    text: str


class ReferralOut(BaseModel):
    id: str
    patient_id: str
    service_id: str
    service_name: str
    provider_organisation_id: str
    hospital_organisation_id: str
    state: ReferralState
    summary: dict[str, Any] = Field(description="The minimum summary a provider sees before opening")
    created_at: datetime
    updated_at: datetime
    opened_at: datetime | None
    offered_start_date: date | None
    offer_expires_at: datetime | None
    decline_reason: DeclineReason | None
    decline_note: str | None
    accepted_without_reassessment: bool | None
    closed_reason: str | None
    messages: list[ReferralMessage]
    assessment: AssessmentOut | None = Field(description="The full assessment; only once the provider opened it")
    patient_name: str | None = Field(description="Only once opened (provider) or for the hospital")
    nhs_number: str | None = None
