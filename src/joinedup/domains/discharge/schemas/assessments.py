"""The shared (trusted assessor) assessment: needs, the care wanted, preferences."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, ValidationInfo, model_validator

from joinedup.core.errors import rule_error
from joinedup.domains.capacity.schemas import BED_CARE_TYPES, CareType, Funding, PostcodeDistrict, Text
from joinedup.domains.discharge.schemas.common import Strict, uk_today


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


# Each need's answers as people say them (the API keeps the codes). Per need, as one code can mean
# different things: "none" is "No help needed" for personal care, "No concerns" for behaviour.
NEED_LABELS: dict[str, dict[str, str]] = {
    "mobility": {
        "independent": "Independent",
        "walking_aid": "Walking aid",
        "one_to_transfer": "One to transfer",
        "two_to_transfer": "Two to transfer",
        "hoist": "Hoist",
        "bed_bound": "Bed-bound",
    },
    "personal_care": {"none": "No help needed", "some": "Some help", "full": "Full help"},
    "continence": {
        "continent": "Continent",
        "occasional": "Occasionally incontinent",
        "incontinent": "Incontinent",
        "catheter": "Catheter",
    },
    "nutrition": {
        "independent": "Independent",
        "needs_help": "Needs help",
        "modified_diet": "Modified diet",
        "tube_fed": "Tube fed",
    },
    "medication_support": {
        "self": "Manages their own medicines",
        "prompt": "Needs prompting",
        "administer": "Medicines given by carers",
    },
    "cognition": {"no_impairment": "No impairment", "mild": "Mild impairment", "dementia": "Dementia"},
    "behaviour": {"none": "No concerns", "occasional": "Occasionally challenging", "challenging": "Challenging"},
    "skin_integrity": {"intact": "Intact", "at_risk": "At risk", "pressure_ulcer": "Pressure ulcer"},
}


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
            raise rule_error("hours_per_week", "enter the hours a week homecare is needed")
        if self.care_type in BED_CARE_TYPES and self.hours_per_week is not None:
            raise rule_error("hours_per_week", "leave the hours a week empty: a bed is needed, not hours")
        # Checked on entry; a stored version read back later is not re-judged against today.
        stored = isinstance(info.context, dict) and info.context.get("stored")
        if not stored and self.start_date < uk_today() - timedelta(days=1):
            raise rule_error("start_date", "the start date must be today or in the future")
        if not stored and self.start_date > uk_today() + timedelta(days=366):
            raise rule_error("start_date", "the start date must be within a year from today")
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
