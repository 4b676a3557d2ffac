"""Discharge's public types: what its API takes and gives, and what other domains may read.

One module per job (patients, the shared assessment, referrals, delays, matching, reports, the
system figures, event topics); every name is re-exported here, so callers import from the package.
"""

from __future__ import annotations

from joinedup.domains.discharge.pathways import PathwayCode
from joinedup.domains.discharge.schemas.assessments import (
    NEED_LABELS,
    AssessmentIn,
    AssessmentOut,
    Behaviour,
    Cognition,
    Continence,
    Equipment,
    Level,
    Medication,
    Mobility,
    Needs,
    Nutrition,
    Preferences,
    Skin,
    required_skills,
)
from joinedup.domains.discharge.schemas.boards import PatientBoard
from joinedup.domains.discharge.schemas.common import Name, NhsNumber, Strict, WardName, uk_today
from joinedup.domains.discharge.schemas.delays import (
    CORRECTION_LABELS,
    DelayIn,
    DelayOut,
    DelayReasonOut,
    DischargeCorrection,
    DischargeCorrectionIn,
    DischargeIn,
)
from joinedup.domains.discharge.schemas.events import EVENT_TOPICS, referral_topic
from joinedup.domains.discharge.schemas.figures import (
    CARE_GROUPS,
    DELAY_RESPONSIBLE,
    DelayFigure,
    Demand,
    DischargeSummary,
    ReferralFigure,
    Waiting,
    WaitingPatient,
    WardFigure,
)
from joinedup.domains.discharge.schemas.matches import MatchOut, MatchReason, MatchResult
from joinedup.domains.discharge.schemas.patients import ImportResult, PatientIn, PatientOut, PatientUpdate
from joinedup.domains.discharge.schemas.referrals import (
    DECLINE_LABELS,
    REFERRAL_STATE_LABELS,
    DeclineIn,
    DeclineReason,
    Message,
    MessageIn,
    OfferIn,
    ReferIn,
    ReferralMessage,
    ReferralOut,
    ReferralState,
)
from joinedup.domains.discharge.schemas.reports import BedDaysReport, BedDaysRow, DailySitrepRow, MonthlyDelayRow

__all__ = [
    "CARE_GROUPS",
    "CORRECTION_LABELS",
    "DECLINE_LABELS",
    "DELAY_RESPONSIBLE",
    "EVENT_TOPICS",
    "NEED_LABELS",
    "REFERRAL_STATE_LABELS",
    "AssessmentIn",
    "AssessmentOut",
    "BedDaysReport",
    "BedDaysRow",
    "Behaviour",
    "Cognition",
    "Continence",
    "DailySitrepRow",
    "DeclineIn",
    "DeclineReason",
    "DelayFigure",
    "DelayIn",
    "DelayOut",
    "DelayReasonOut",
    "Demand",
    "DischargeCorrection",
    "DischargeCorrectionIn",
    "DischargeIn",
    "DischargeSummary",
    "Equipment",
    "ImportResult",
    "Level",
    "MatchOut",
    "MatchReason",
    "MatchResult",
    "Medication",
    "Message",
    "MessageIn",
    "Mobility",
    "MonthlyDelayRow",
    "Name",
    "Needs",
    "NhsNumber",
    "Nutrition",
    "OfferIn",
    "PathwayCode",
    "PatientBoard",
    "PatientIn",
    "PatientOut",
    "PatientUpdate",
    "Preferences",
    "ReferIn",
    "ReferralFigure",
    "ReferralMessage",
    "ReferralOut",
    "ReferralState",
    "Skin",
    "Strict",
    "Waiting",
    "WaitingPatient",
    "WardFigure",
    "WardName",
    "referral_topic",
    "required_skills",
    "uk_today",
]
