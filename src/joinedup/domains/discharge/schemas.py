"""What the discharge API takes and gives: patients, the shared assessment, referrals, delays."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from joinedup.core.clock import utcnow
from joinedup.domains.capacity.rules import UK
from joinedup.domains.capacity.schemas import CareType, Funding, Postcode, PostcodeDistrict, Text, rule_error
from joinedup.domains.discharge import nhs_number
from joinedup.domains.discharge.pathways import PathwayCode

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")
]
Ward = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")
]
Message = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=1000, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$"),
]


def _nhs(value: str) -> str:
    return nhs_number.validate(value)


NhsNumber = Annotated[str, StringConstraints(max_length=14), AfterValidator(_nhs)]
BED_CARE_TYPES = frozenset(
    {
        "residential",
        "nursing",
        "dementia_residential",
        "dementia_nursing",
        "respite",
        "discharge_to_assess",
        "bariatric",
    }
)


def uk_today() -> date:
    return utcnow().astimezone(UK).date()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatientIn(Strict):
    nhs_number: NhsNumber = Field(description="10 digits, Modulus 11 check digit", examples=["9434765919"])
    name: Name
    hospital_number: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,30}$")] | None = None
    ward: Ward
    admitted_on: date
    discharge_ready_on: date | None = Field(
        default=None, description="Discharge ready date: the day the patient no longer met the criteria to reside"
    )
    pathway: PathwayCode = Field(description="Proposed discharge pathway with its sitrep sub-code (P3b included)")
    home_postcode: Postcode | None = None
    family_postcode: Postcode | None = None

    @model_validator(mode="after")
    def _dates(self) -> PatientIn:
        today = uk_today()
        if self.admitted_on > today:
            raise rule_error("admitted_on", "the admission date cannot be in the future")
        if self.admitted_on < today - timedelta(days=3650):
            raise rule_error("admitted_on", "the admission date is more than ten years ago")
        if self.discharge_ready_on is not None:
            if self.discharge_ready_on < self.admitted_on:
                raise rule_error("discharge_ready_on", "the discharge ready date cannot be before admission")
            if self.discharge_ready_on > today:
                raise rule_error("discharge_ready_on", "the discharge ready date cannot be in the future")
        return self


class PatientUpdate(Strict):
    ward: Ward | None = None
    discharge_ready_on: date | None = None
    pathway: PathwayCode | None = None


class PatientOut(BaseModel):
    id: str
    nhs_number: str
    name: str
    hospital_number: str | None
    ward: str
    admitted_on: date
    discharge_ready_on: date | None
    pathway: str
    pathway_label: str
    home_postcode: str | None
    family_postcode: str | None
    status: str
    discharged_at: datetime | None
    days_since_ready: int | None = Field(description="Whole days since the discharge ready date (0 on the day)")
    bed_days_lost: int
    primary_delay: str | None = Field(description="Code of the current primary delay reason")
    primary_delay_label: str | None
    assessment_version: int | None
    placement: str | None = Field(description="Where the patient is going: the accepted service's name")
    synthetic: bool


# The shared assessment


class Mobility(StrEnum):
    INDEPENDENT = "independent"
    WALKING_AID = "walking_aid"
    ONE_TO_TRANSFER = "one_to_transfer"
    TWO_TO_TRANSFER = "two_to_transfer"
    HOIST = "hoist"
    BED_BOUND = "bed_bound"


class Level(StrEnum):
    NONE = "none"
    SOME = "some"
    FULL = "full"


class Continence(StrEnum):
    CONTINENT = "continent"
    OCCASIONAL = "occasional"
    INCONTINENT = "incontinent"
    CATHETER = "catheter"


class Nutrition(StrEnum):
    INDEPENDENT = "independent"
    NEEDS_HELP = "needs_help"
    MODIFIED_DIET = "modified_diet"
    TUBE_FED = "tube_fed"


class Medication(StrEnum):
    SELF = "self"
    PROMPT = "prompt"
    ADMINISTER = "administer"


class Cognition(StrEnum):
    NO_IMPAIRMENT = "no_impairment"
    MILD = "mild"
    DEMENTIA = "dementia"


class Behaviour(StrEnum):
    NONE = "none"
    OCCASIONAL = "occasional"
    CHALLENGING = "challenging"


class Skin(StrEnum):
    INTACT = "intact"
    AT_RISK = "at_risk"
    PRESSURE_ULCER = "pressure_ulcer"


class Equipment(StrEnum):
    HOIST = "hoist"
    WALKING_FRAME = "walking_frame"
    WHEELCHAIR = "wheelchair"
    PROFILING_BED = "profiling_bed"
    PRESSURE_MATTRESS = "pressure_mattress"
    COMMODE = "commode"
    OXYGEN = "oxygen"


class Needs(Strict):
    mobility: Mobility
    personal_care: Level
    continence: Continence
    nutrition: Nutrition
    medication_support: Medication
    cognition: Cognition
    behaviour: Behaviour
    skin_integrity: Skin
    equipment: list[Equipment] = Field(default_factory=list, max_length=len(Equipment))
    carers_needed: int = Field(ge=1, le=2, description="Carers needed at each call or transfer")
    end_of_life: bool = False


class Preferences(Strict):
    areas: list[PostcodeDistrict] = Field(default_factory=list, max_length=20, description="Preferred districts")
    named_service_ids: list[Annotated[str, StringConstraints(max_length=36)]] = Field(
        default_factory=list, max_length=10, description="Services the person or family asked for"
    )
    max_distance_km: float = Field(default=15.0, gt=0, le=100, description="From home or family (care homes)")
    notes: Text | None = None


class AssessmentIn(Strict):
    needs: Needs
    care_type: CareType = Field(description="Care type, or bed type, required")
    hours_per_week: float | None = Field(default=None, gt=0, le=168, description="Homecare / reablement hours")
    start_date: date
    funding: Funding
    preferences: Preferences = Field(default_factory=Preferences)
    risks: Text | None = None

    @model_validator(mode="after")
    def _hours(self, info: ValidationInfo) -> AssessmentIn:
        if self.care_type is CareType.HOMECARE and self.hours_per_week is None:
            raise rule_error("hours_per_week", "homecare needs the hours a week")
        if self.care_type.value in BED_CARE_TYPES and self.hours_per_week is not None:
            raise rule_error("hours_per_week", "a bed is needed, not hours; leave hours_per_week out")
        # Checked on entry; a stored version read back later is not re-judged against today.
        stored = isinstance(info.context, dict) and info.context.get("stored")
        if not stored and self.start_date < uk_today() - timedelta(days=1):
            raise rule_error("start_date", "the start date is in the past")
        return self

    def required_skills(self) -> set[str]:
        return required_skills(self.needs)


def required_skills(needs: Needs) -> set[str]:
    """Capacity skills (see the capacity standard) that these needs call for."""
    skills = set()
    if needs.carers_needed == 2 or needs.mobility in (Mobility.TWO_TO_TRANSFER, Mobility.HOIST):
        skills.add("double_up")
    if needs.cognition is Cognition.DEMENTIA:
        skills.add("dementia")
    if needs.end_of_life:
        skills.add("end_of_life")
    if needs.nutrition is Nutrition.TUBE_FED or needs.medication_support is Medication.ADMINISTER:
        skills.add("delegated_healthcare_tasks")
    return skills


class AssessmentOut(AssessmentIn):
    model_config = ConfigDict(extra="ignore")
    id: str
    patient_id: str
    version: int
    created_at: datetime
    required: list[str] = Field(description="Skills these needs call for")


# Referrals


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


# Delays and discharge


class DelayIn(Strict):
    reason_code: Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{2}$")] = Field(
        description="One of the 37 NHS England acute delay reasons (GET /discharge/delay-reasons)"
    )
    primary: bool = False
    started_on: date | None = Field(default=None, description="Default: today")


class DelayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    patient_id: str
    reason_code: str
    primary: bool
    started_on: date
    ended_on: date | None


class DelayReasonOut(BaseModel):
    code: str
    family: str
    label: str = Field(description="Exactly as NHS England publishes it")


class DischargeIn(Strict):
    discharged_at: AwareDatetime | None = Field(default=None, description="Default: now")


class MatchReason(BaseModel):
    criterion: str
    ok: bool
    detail: str


class MatchOut(BaseModel):
    service_id: str
    service_name: str
    organisation_id: str
    kind: str
    matched: bool
    score: float
    distance_km: float | None
    available: float | None = Field(description="Reported free beds / places / hours, less places held")
    cqc_rating: str | None
    as_of: datetime | None
    age_seconds: int | None
    stale: bool
    reasons: list[MatchReason]


class MatchResult(BaseModel):
    patient_id: str
    assessment_version: int
    care_type: str
    considered: int = Field(description="Services offering this care type that were checked")
    not_offering: int = Field(description="Services in the area or distance that do not offer this care type")
    matches: list[MatchOut]
    excluded: list[MatchOut]


class ImportResult(BaseModel):
    dry_run: bool
    rows: int
    created: int
    updated: int
    errors: list[dict[str, Any]]


class BedDaysRow(BaseModel):
    key: str
    label: str
    patients: int
    bed_days_lost: int


class BedDaysReport(BaseModel):
    start: date
    end: date
    total: int
    by_patient: list[BedDaysRow]
    by_reason: list[BedDaysRow]
    by_pathway: list[BedDaysRow]
    by_organisation: list[BedDaysRow]
    by_provider: list[BedDaysRow]


class DailySitrepRow(BaseModel):
    nhs_trust22_code: str
    date: date
    do_not_meet_criteria_to_reside: int
    discharged_by_1700: int
    discharged_between_1701_2359: int
    discharged_total: int


class MonthlyDelayRow(BaseModel):
    nhs_trust22_name: str
    nhs_trust22_code: str
    date: date
    delay_reason: str
    delay_count: float
