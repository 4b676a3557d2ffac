"""What the hospital's patient page shows at once: the patient, the latest assessment, matches,
referrals and delays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from joinedup.domains.discharge.schemas.assessments import AssessmentOut
from joinedup.domains.discharge.schemas.delays import DelayOut
from joinedup.domains.discharge.schemas.matches import MatchResult
from joinedup.domains.discharge.schemas.patients import PatientOut
from joinedup.domains.discharge.schemas.referrals import ReferralOut


@dataclass(frozen=True)
class PatientBoard:
    patient: PatientOut
    assessment: AssessmentOut | None
    matches: MatchResult | None  # only while in hospital and assessed
    referrals: Sequence[ReferralOut]
    referred: frozenset[str]  # services with a live referral: not offered again
    delays: Sequence[DelayOut]
    # A discharge recorded today by this hospital may still be undone (recorded in error).
    correctable: bool = False
