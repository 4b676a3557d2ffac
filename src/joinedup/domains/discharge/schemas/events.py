"""The topics discharge announces changes on: one name per kind of change, so the service that
emits them and the pages that listen (the system picture) cannot drift apart."""

from __future__ import annotations

from joinedup.domains.discharge.schemas.referrals import ReferralState

PATIENT_ADDED = "discharge.patient_added"
PATIENT_UPDATED = "discharge.patient_updated"
ASSESSMENT_ADDED = "discharge.assessment_added"
DELAY_ADDED = "discharge.delay_added"
DELAY_ENDED = "discharge.delay_ended"
PATIENT_DISCHARGED = "discharge.patient_discharged"
PATIENT_DISCHARGE_UNDONE = "discharge.patient_discharge_undone"


def referral_topic(state: ReferralState) -> str:
    """A referral that reached `state` (sent, opened, offered, ...)."""
    return f"discharge.referral_{state.value}"


# Every topic discharge emits; each one can change the discharge figures.
EVENT_TOPICS: tuple[str, ...] = (
    PATIENT_ADDED,
    PATIENT_UPDATED,
    ASSESSMENT_ADDED,
    DELAY_ADDED,
    DELAY_ENDED,
    PATIENT_DISCHARGED,
    PATIENT_DISCHARGE_UNDONE,
    *(referral_topic(state) for state in ReferralState),
)
